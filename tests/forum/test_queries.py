"""The number of SQL statements a topic or thread page runs does not grow with the number of
posts or threads: counted with a `before_cursor_execute` listener during one request, after a
warm-up request (which fills caches and writes the read marker)."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from portal.extensions import db
from tests.forum.conftest import upload


@contextmanager
def statements():
    """The SQL statements run on the database while the block runs."""
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def queries_for(http, url):
    warm_up = http.get(url)
    assert warm_up.status_code == 200, url
    with statements() as seen:
        response = http.get(url)
    assert response.status_code == 200, url
    return len(seen)


@pytest.fixture
def writers(make):
    """25 people of 25 delegations, so that every post on a page has another author."""
    return [make.user(delegation=make.delegation()) for _ in range(25)]


@pytest.fixture
def reader(make, signed_in):
    return signed_in(make.user())


def thread_with(forum, topic, writers, count):
    """A thread of `count` posts where every post answers a question, quotes the one before
    and carries an attachment."""
    thread = forum.thread(topic, writers[0], files=[upload()], question_id=topic.questions[0].id)
    annex = forum.opening(thread).attachments[0]
    forum.bulk_posts(thread, count - 1, writers, question=topic.questions[0], attachment=annex)
    return thread


def test_a_thread_page_runs_as_many_queries_with_400_posts_as_with_20(forum, writers, reader):
    topic = forum.topic(forum.space("users"), questions=["Which documents?"])
    short = thread_with(forum, topic, writers, 20)
    long = thread_with(forum, topic, writers, 400)
    short_count = queries_for(reader, f"/forum/threads/{short.id}")
    assert queries_for(reader, f"/forum/threads/{long.id}") == short_count
    assert queries_for(reader, f"/forum/threads/{long.id}?page=20") == short_count
    assert queries_for(reader, f"/forum/threads/{long.id}?page=7") == short_count


def test_a_thread_page_runs_as_many_queries_for_a_full_page_as_for_a_short_one(
    forum, writers, reader
):
    topic = forum.topic(forum.space("users"), questions=["Which documents?"])
    short = thread_with(forum, topic, writers, 2)
    full = thread_with(forum, topic, writers, 20)
    assert queries_for(reader, f"/forum/threads/{full.id}") == queries_for(
        reader, f"/forum/threads/{short.id}"
    )


def test_a_topic_page_runs_as_many_queries_with_400_posts_as_with_20(forum, writers, reader):
    space = forum.space("users")
    few = forum.topic(space, questions=["Which documents?", "Which controls?"])
    many = forum.topic(space, questions=["Which documents?", "Which controls?"])
    thread_with(forum, few, writers, 20)
    thread_with(forum, many, writers, 400)
    assert queries_for(reader, f"/forum/topics/{many.id}") == queries_for(
        reader, f"/forum/topics/{few.id}"
    )


def test_a_topic_page_runs_as_many_queries_with_400_threads_as_with_20(forum, writers, reader):
    space = forum.space("users")
    few = forum.topic(space, questions=["Which documents?"])
    many = forum.topic(space, questions=["Which documents?"])
    forum.bulk_threads(few, 20, writers, posts_per_thread=2)
    forum.bulk_threads(many, 400, writers, posts_per_thread=2)
    expected = queries_for(reader, f"/forum/topics/{few.id}")
    assert queries_for(reader, f"/forum/topics/{many.id}") == expected
    assert queries_for(reader, f"/forum/topics/{many.id}?page=8") == expected


def test_the_index_and_a_space_run_as_many_queries_with_many_topics(forum, writers, reader):
    small, large = forum.space("users"), forum.space("users")
    forum.topic(small)
    index = queries_for(reader, "/forum/")
    for _ in range(30):
        forum.bulk_threads(forum.topic(large), 3, writers)
    for _ in range(5):
        child = forum.space("users", parent=forum.space("users"))
        forum.bulk_threads(forum.topic(child), 3, writers)
    assert queries_for(reader, f"/forum/{large.code}") == queries_for(
        reader, f"/forum/{small.code}"
    )
    assert queries_for(reader, "/forum/") == index


def test_a_moderator_sees_a_thread_page_with_as_many_queries(forum, writers, signed_in):
    """A moderator's page shows hidden posts and more buttons: still no query per post."""
    topic = forum.topic(forum.space("users"), questions=["Which documents?"])
    short = thread_with(forum, topic, writers, 20)
    long = thread_with(forum, topic, writers, 400)
    for thread in (short, long):
        forum.hide(forum.reply(thread, writers[3]))
        forum.flag(forum.reply(thread, writers[4]), writers[5])
    moderator = signed_in(forum.chair(topic.working_group))
    expected = queries_for(moderator, f"/forum/threads/{short.id}?page=2")
    assert queries_for(moderator, f"/forum/threads/{long.id}?page=21") == expected
    assert queries_for(moderator, f"/forum/threads/{long.id}?page=2") == expected
