"""Reading: topic pages (threads with reply counts and last activity, pinned first, "New"
markers), guiding questions and who answered them, thread pages of 20 posts, the jump to the
first unread post, the unread page, and read markers."""

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.forum.models import Post, Thread
from tests.forum.conftest import read_marker
from tests.forum.pages import read


@pytest.fixture
def topic(forum):
    return forum.topic(
        forum.space("users"),
        questions=["How do you assess diversion risk?", "Which documents do you require?"],
    )


def thread_rows(page):
    """(title cell, started by, replies, last activity) of each thread row of a topic page."""
    return [row.cells for row in page.rows if any("/forum/threads/" in link for link in row.links)]


def test_topic_page_lists_threads_pinned_first_then_by_last_activity(make, forum, signed_in, topic):
    oldest = forum.thread(topic, title="Oldest thread")
    middle = forum.thread(topic, title="Middle thread")
    newest = forum.thread(topic, title="Newest thread")
    for _ in range(3):
        forum.reply(middle)
    forum.pin(oldest)
    reader = signed_in(make.user())
    rows = thread_rows(read(reader.get(f"/forum/topics/{topic.id}")))
    titles = [next(t for t in ("Oldest", "Middle", "Newest") if t in row[0]) for row in rows]
    assert titles == ["Oldest", "Middle", "Newest"]
    assert "Pinned" in rows[0][0]
    assert [row[2] for row in rows] == ["0", "3", "0"]
    assert all(re.search(r"\d{4}|\d+/\d+/\d+", row[3]) for row in rows)
    forum.reply(newest)
    rows = thread_rows(read(reader.get(f"/forum/topics/{topic.id}")))
    assert [next(t for t in ("Oldest", "Middle", "Newest") if t in row[0]) for row in rows] == [
        "Oldest",
        "Newest",
        "Middle",
    ]


def test_unread_threads_are_marked_new_until_read(make, forum, signed_in, topic):
    seen = forum.thread(topic, title="Seen thread")
    unseen = forum.thread(topic, title="Unseen thread")
    reader_account = make.user()
    reader = signed_in(reader_account)
    reader.get(f"/forum/threads/{seen.id}")
    page = read(reader.get(f"/forum/topics/{topic.id}"))
    rows = {("Seen" if "Seen" in row.cells[0] else "Unseen"): row for row in page.rows if row.links}
    assert "New" not in rows["Seen"].cells[0].split()
    assert "New" in rows["Unseen"].cells[0].split()
    assert f"/forum/threads/{unseen.id}/unread" in rows["Unseen"].links
    forum.reply(seen)
    page = read(reader.get(f"/forum/topics/{topic.id}"))
    seen_row = next(row for row in page.rows if row.links and "Seen thread" in row.cells[0])
    assert "New" in seen_row.cells[0].split()


def test_the_author_of_a_reply_has_read_it(make, forum, topic):
    author = make.user()
    thread = forum.thread(topic, author)
    forum.reply(thread, make.user())
    assert read_marker(author, thread) == 1
    forum.reply(thread, author)
    assert read_marker(author, thread) == 3


# Guiding questions ------------------------------------------------------------------------------


def answers(page, question):
    item = next(item for item in page.items if item.text.startswith(question))
    _, _, names = item.text.partition("Practices shared by:")
    return [name.strip() for name in names.split(",") if name.strip()]


def test_answering_a_guiding_question_lists_the_delegation_under_it(make, forum, signed_in, topic):
    first, second = topic.questions
    zambia = make.user(delegation=make.delegation(name="Zambia delegation"))
    austria = make.user(delegation=make.delegation(name="Austria delegation"))
    japan = make.user(delegation=make.delegation(name="Japan delegation"))
    thread = forum.thread(topic, zambia, kind="national_practice", question_id=first.id)
    reader = signed_in(austria)
    response = reader.post(
        f"/forum/threads/{thread.id}/reply",
        data={"body": "We check the end user.", "question": str(first.id), "quoted_post": ""},
    )
    assert response.status_code == 302
    withdrawn = forum.reply(thread, japan, body="Ours too.", question_id=second.id)
    hidden = forum.reply(thread, japan, body="And this.", question_id=second.id)
    forum.withdraw(withdrawn)
    forum.hide(hidden)
    forum.reply(thread, make.user(), body="No question answered.")

    page = read(reader.get(f"/forum/topics/{topic.id}"))
    assert answers(page, first.text) == ["Austria delegation", "Zambia delegation"]
    assert answers(page, second.text) == []
    item = next(item for item in page.items if item.text.startswith(second.text))
    assert "No delegation has answered yet." in item.text
    # Not even the moderators, who read the hidden post, count it.
    moderator = signed_in(forum.chair(topic.working_group))
    assert answers(read(moderator.get(f"/forum/topics/{topic.id}")), second.text) == []
    thread_page = read(reader.get(f"/forum/threads/{thread.id}"))
    assert thread_page.has(f"Answers guiding question: {first.text}")


def test_each_delegation_under_a_question_links_to_its_answer(make, forum, signed_in, topic):
    first, _second = topic.questions
    zambia = make.user(delegation=make.delegation(name="Zambia delegation"))
    austria = make.user(delegation=make.delegation(name="Austria delegation"))
    thread = forum.thread(topic, zambia, kind="national_practice", question_id=first.id)
    answer = forum.reply(thread, austria, body="We check the end user.", question_id=first.id)
    forum.reply(thread, austria, body="And the route.", question_id=first.id)
    reader = signed_in(make.user())
    page = read(reader.get(f"/forum/topics/{topic.id}"))
    item = next(item for item in page.items if item.text.startswith(first.text))
    assert item.links == [
        f"/forum/posts/{answer.id}",
        f"/forum/posts/{forum.opening(thread).id}",
    ]
    response = reader.get(item.links[0])
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#post-{answer.number}")


def test_a_question_of_another_topic_cannot_be_answered(make, forum, signed_in, topic):
    other = forum.topic(topic.working_group, questions=["Elsewhere?"])
    thread = forum.thread(topic)
    response = signed_in(make.user()).post(
        f"/forum/threads/{thread.id}/reply",
        data={"body": "Answer.", "question": str(other.questions[0].id), "quoted_post": ""},
    )
    assert response.status_code == 400
    assert "Not a valid choice." in response.get_data(as_text=True)
    assert db.session.scalar(select(Thread.post_count).where(Thread.id == thread.id)) == 1


# Pages, the jump to the first unread post, the unread page --------------------------------------


@pytest.fixture
def long_thread(make, forum, topic):
    thread = forum.thread(topic, make.user(), body="Post number 1")
    forum.bulk_posts(thread, 44, [make.user() for _ in range(3)])
    return thread


def numbers_on(response):
    return [int(n) for n in re.findall(r'id="post-(\d+)"', response.get_data(as_text=True))]


def test_a_thread_shows_twenty_posts_a_page(make, signed_in, long_thread):
    reader = signed_in(make.user())
    assert numbers_on(reader.get(f"/forum/threads/{long_thread.id}")) == list(range(1, 21))
    page_two = reader.get(f"/forum/threads/{long_thread.id}?page=2")
    assert numbers_on(page_two) == list(range(21, 41))
    # Post 21 quotes post 20 (see forum.bulk_posts); post 19 is on the first page only.
    assert read(page_two).has("Post number 21") and not read(page_two).has("Post number 19")
    assert numbers_on(reader.get(f"/forum/threads/{long_thread.id}?page=3")) == list(range(41, 46))
    html = page_two.get_data(as_text=True)
    for number in (1, 3):
        assert f'href="/forum/threads/{long_thread.id}?page={number}"' in html
    assert reader.get(f"/forum/threads/{long_thread.id}?page=4").status_code == 404
    assert reader.get(f"/forum/threads/{long_thread.id}?page=x").status_code in (200, 404)


def test_reading_a_page_marks_its_posts_read_and_the_jump_goes_to_the_first_unread(
    make, forum, signed_in, long_thread
):
    person = make.user()
    reader = signed_in(person)
    url = f"/forum/threads/{long_thread.id}"

    def jump():
        response = reader.get(f"{url}/unread")
        assert response.status_code == 302
        return response.headers["Location"]

    assert jump().endswith(f"{url}?page=1#post-1")
    first = reader.get(url)
    assert re.findall(r'id="post-(\d+)"[^>]*', first.get_data(as_text=True))
    assert read(first).text.count("New") >= 20
    assert read_marker(person, long_thread) == 20
    assert jump().endswith(f"{url}?page=2#post-21")
    again = reader.get(url)
    assert "New" not in read(again).text.split()
    reader.get(f"{url}?page=2")
    assert read_marker(person, long_thread) == 40
    assert jump().endswith(f"{url}?page=3#post-41")
    reader.get(f"{url}?page=1")
    assert read_marker(person, long_thread) == 40  # never backwards
    reader.get(f"{url}?page=3")
    assert read_marker(person, long_thread) == 45
    assert jump().endswith(f"{url}?page=3#post-45")
    forum.reply(long_thread, make.user(), body="Post number 46")
    assert jump().endswith(f"{url}?page=3#post-46")
    page = read(reader.get(f"{url}?page=3"))
    assert page.text.count("New") == 1


def test_the_unread_page_lists_threads_with_new_posts_the_person_may_read(
    make, forum, signed_in, topic
):
    observer_account = make.user(delegation=make.delegation(kind="international_organisation"))
    observer = signed_in(observer_account)
    visible = forum.thread(topic, title="Open to every user")
    restricted = forum.thread(forum.topic(topic.working_group, level="states"), title="States only")
    own = forum.thread(topic, observer_account, title="Started by the observer")

    def listed():
        page = read(observer.get("/forum/unread"))
        return {
            t
            for t in ("Open to every user", "States only", "Started by the observer")
            if page.has(t)
        }

    assert listed() == {"Open to every user"}
    assert read(observer.get("/forum/")).has("1 thread with new posts")
    observer.get(f"/forum/threads/{visible.id}")
    assert listed() == set()
    assert read(observer.get("/forum/unread")).has("You are up to date: there is nothing new.")
    forum.reply(own, make.user())
    forum.reply(restricted, make.user())
    assert listed() == {"Started by the observer"}
    link = f"/forum/threads/{own.id}/unread"
    assert link in observer.get("/forum/unread").get_data(as_text=True)
    assert observer.get(link).headers["Location"].endswith(f"/forum/threads/{own.id}?page=1#post-2")


def test_the_lasting_link_of_a_post_goes_to_its_page(make, signed_in, long_thread):
    post = db.session.scalar(
        select(Post).where(Post.thread_id == long_thread.id, Post.number == 33)
    )
    response = signed_in(make.user()).get(f"/forum/posts/{post.id}")
    assert response.headers["Location"].endswith(f"/forum/threads/{long_thread.id}?page=2#post-33")


def test_a_topic_with_many_threads_is_paged(make, forum, signed_in, topic):
    forum.bulk_threads(topic, 60, [make.user()])
    reader = signed_in(make.user())
    first = reader.get(f"/forum/topics/{topic.id}")
    assert first.status_code == 200
    assert len(thread_rows(read(first))) == 50
    assert f'href="/forum/topics/{topic.id}?page=2"' in first.get_data(as_text=True)
    second = reader.get(f"/forum/topics/{topic.id}?page=2")
    assert len(thread_rows(read(second))) == 10


def test_a_page_read_twice_at_the_same_moment_is_shown_both_times(
    app, make, forum, signed_in, topic
):
    """Two tabs open on a thread never read before: both mark it read, neither fails."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer at a time into the database")
    import threading

    from portal.forum import services

    person = make.user()
    reader = signed_in(person)
    thread = forum.thread(topic, make.user())
    services.mark_read(person, thread, 1)
    db.session.flush()  # the first tab's marker, not yet committed
    responses = []

    def second_tab():
        with app.app_context():
            responses.append(reader.get(f"/forum/threads/{thread.id}"))

    other = threading.Thread(target=second_tab)
    other.start()
    other.join(timeout=1)  # the second tab waits for the first one's marker
    db.session.commit()
    other.join(timeout=10)
    assert [response.status_code for response in responses] == [200]
    assert read_marker(person, thread) == 1
