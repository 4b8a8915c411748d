"""A reply or a new thread sent twice with the same submission id (a retry after a lost answer,
a double click, the browser's resend) is stored once, also when both arrive at the same moment;
different ids are different posts; a malformed id is refused; old ids are forgotten."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from portal.core import submissions
from portal.core.events import Event
from portal.core.jobs import Job, run_periodic
from portal.core.models import now_utc
from portal.core.submissions import FormSubmission
from portal.extensions import db
from portal.forum.models import Post, Thread
from portal.notifications.models import Notification
from tests.forum.conftest import row_counts
from tests.forum.pages import read
from tests.submissions import recorded_ids, submission_id

ALREADY_RECEIVED = "This was already received: it has not been stored a second time."


@pytest.fixture
def open_thread(make, forum):
    """A thread every user reads, whose author follows it (as every author does)."""
    space = forum.space("users")
    topic = forum.topic(space)
    return forum.thread(topic, make.user(name="Opening author"), body="Our national practice.")


def reply_to(http, thread, body, token):
    return http.post(
        f"/forum/threads/{thread.id}/reply",
        data={"body": body, "question": "", "quoted_post": "", "submission_id": token},
    )


def posts_saying(body):
    return db.session.scalars(select(Post).where(Post.body_source == body)).all()


def index_jobs_of(post):
    return [
        job
        for job in db.session.scalars(select(Job).where(Job.kind == "search.index"))
        if job.payload.get("item_kind") == "post" and job.payload.get("item_id") == post.id
    ]


def count(model, *conditions):
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def test_a_reply_sent_twice_with_one_submission_id_is_stored_once(
    client, make, sign_in, open_thread
):
    sign_in(make.user(name="Replying delegate"))
    token = submission_id(client.get(f"/forum/threads/{open_thread.id}"))

    first = reply_to(client, open_thread, "We license brokers.", token)
    again = reply_to(client, open_thread, "We license brokers.", token)

    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    [post] = posts_saying("We license brokers.")
    assert first.headers["Location"].endswith(f"/forum/posts/{post.id}")
    assert db.session.get(Thread, open_thread.id).post_count == 2
    assert count(Event, Event.kind == "post.created", Event.subject_id == post.id) == 1
    assert len(index_jobs_of(post)) == 1
    # The opening author follows the thread: told once.
    assert count(Notification, Notification.user_id == open_thread.author_id) == 1
    page = client.get(again.headers["Location"], follow_redirects=True)
    assert ALREADY_RECEIVED in read(page).text
    assert read(page).text.count("We license brokers.") == 1


def test_a_new_thread_sent_twice_is_stored_once(client, make, sign_in, open_thread):
    sign_in(make.user())
    url = f"/forum/topics/{open_thread.topic_id}/new"
    token = submission_id(client.get(url))
    data = {
        "title": "Transit controls",
        "kind": "discussion",
        "body": "How do you control transit?",
        "question": "",
        "submission_id": token,
    }
    first = client.post(url, data=data)
    again = client.post(url, data=data)
    assert first.status_code == again.status_code == 302
    [thread] = db.session.scalars(select(Thread).where(Thread.title == "Transit controls")).all()
    assert again.headers["Location"] == first.headers["Location"]
    assert first.headers["Location"].endswith(f"/forum/threads/{thread.id}")
    assert count(Event, Event.kind == "thread.created") == 2  # the fixture's and this one
    assert ALREADY_RECEIVED in read(client.get(again.headers["Location"])).text


def test_each_form_has_its_own_id_and_two_forms_are_two_posts(client, make, sign_in, open_thread):
    sign_in(make.user())
    first_form = submission_id(client.get(f"/forum/threads/{open_thread.id}"))
    second_form = submission_id(client.get(f"/forum/threads/{open_thread.id}"))
    assert first_form != second_form
    assert reply_to(client, open_thread, "Same words.", first_form).status_code == 302
    second = reply_to(client, open_thread, "Same words.", second_form)
    assert second.status_code == 302
    assert len(posts_saying("Same words.")) == 2
    assert ALREADY_RECEIVED not in read(client.get(second.headers["Location"])).text


def test_a_resend_after_the_thread_was_locked_is_still_received(
    client, make, sign_in, forum, open_thread
):
    sign_in(make.user())
    token = submission_id(client.get(f"/forum/threads/{open_thread.id}"))
    first = reply_to(client, open_thread, "Just in time.", token)
    forum.lock(open_thread)
    again = reply_to(client, open_thread, "Just in time.", token)
    assert again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert len(posts_saying("Just in time.")) == 1


def test_a_refused_reply_keeps_its_id_free_for_the_corrected_one(
    client, make, sign_in, open_thread
):
    sign_in(make.user())
    token = submission_id(client.get(f"/forum/threads/{open_thread.id}"))
    refused = reply_to(client, open_thread, "   ", token)
    assert refused.status_code == 400
    # The form comes back as the same submission, and nothing of it was kept.
    assert submission_id(refused) == token
    assert recorded_ids() == 0
    corrected = reply_to(client, open_thread, "Now with words.", token)
    assert corrected.status_code == 302
    assert ALREADY_RECEIVED not in read(client.get(corrected.headers["Location"])).text
    assert len(posts_saying("Now with words.")) == 1


def test_a_post_without_an_id_is_a_fresh_submission_each_time(client, make, sign_in, open_thread):
    """Pages rendered before the field existed, and scripts, send none: both posts are stored."""
    sign_in(make.user())
    for _ in range(2):
        assert reply_to(client, open_thread, "No id sent.", "").status_code == 302
    assert len(posts_saying("No id sent.")) == 2
    assert recorded_ids() == 0


@pytest.mark.parametrize("token", ["not-an-id", "x" * 23, "a" * 21 + "!", "é" * 22])
def test_a_malformed_id_is_refused_and_nothing_is_written(
    client, make, sign_in, open_thread, token
):
    sign_in(make.user())
    before = row_counts()
    response = reply_to(client, open_thread, "With a forged id.", token)
    assert response.status_code == 400
    assert "The form could not be read" in read(response).text
    assert row_counts() == before
    assert recorded_ids() == 0


def test_an_id_belongs_to_its_author_alone(app, make, signed_in, forum, open_thread):
    """Another person sending the same id posts their own reply and learns nothing of the
    first one (which may be in a thread they cannot read)."""
    insider = make.user(name="Group member")
    closed_space = forum.space("group", group=make.group(members=[insider]))
    closed = forum.thread(forum.topic(closed_space), insider, title="Closed deliberations")
    outsider = make.user(name="Outsider")
    token = submission_id(signed_in(insider).get(f"/forum/threads/{closed.id}"))
    assert reply_to(signed_in(insider), closed, "Inside the group.", token).status_code == 302

    response = reply_to(signed_in(outsider), open_thread, "In the open.", token)
    [post] = posts_saying("In the open.")
    assert response.headers["Location"].endswith(f"/forum/posts/{post.id}")
    page = read(signed_in(outsider).get(response.headers["Location"], follow_redirects=True))
    assert ALREADY_RECEIVED not in page.text


def test_two_identical_replies_at_the_same_moment_are_stored_once(
    app, make, sign_in, open_thread, monkeypatch, errors_are_shown
):
    """Both requests look for the id before either stores it; the key on the id decides, on
    SQLite and PostgreSQL alike, and the second is answered as a resend."""
    app.config["PORTAL_RUN_JOBS_INLINE"] = False  # the jobs stay countable
    author = make.user()
    browsers = [app.test_client(), app.test_client()]
    for http in browsers:
        sign_in(author, http=http)
    token = submission_id(browsers[0].get(f"/forum/threads/{open_thread.id}"))
    both_looked = threading.Barrier(2, timeout=60)
    waited = threading.local()
    look_up = submissions.recorded

    def look_up_then_wait_for_the_other(user_id, token):
        found = look_up(user_id, token)
        if not getattr(waited, "done", False):
            waited.done = True
            both_looked.wait()
        return found

    monkeypatch.setattr(submissions, "recorded", look_up_then_wait_for_the_other)
    responses = [None, None]

    def send(index):
        with app.app_context():  # the test client reads its answer in one
            responses[index] = reply_to(browsers[index], open_thread, "At the same moment.", token)

    senders = [threading.Thread(target=send, args=(index,)) for index in range(2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=120)
    assert not any(sender.is_alive() for sender in senders)
    db.session.expire_all()  # read what the two requests committed

    assert [response.status_code for response in responses] == [302, 302]
    assert responses[0].headers["Location"] == responses[1].headers["Location"]
    [post] = posts_saying("At the same moment.")
    assert responses[0].headers["Location"].endswith(f"/forum/posts/{post.id}")
    assert db.session.get(Thread, open_thread.id).post_count == 2
    assert count(Event, Event.kind == "post.created", Event.subject_id == post.id) == 1
    assert len(index_jobs_of(post)) == 1
    assert recorded_ids() == 1


def test_the_worker_forgets_ids_older_than_a_day_and_keeps_the_others(
    client, make, sign_in, open_thread
):
    sign_in(make.user())
    old, recent = (submission_id(client.get(f"/forum/threads/{open_thread.id}")) for _ in "ab")
    reply_to(client, open_thread, "Sent long ago.", old)
    reply_to(client, open_thread, "Sent an hour ago.", recent)
    db.session.execute(
        update(FormSubmission)
        .where(FormSubmission.token == old)
        .values(created_at=now_utc() - timedelta(hours=25))
    )
    db.session.execute(
        update(FormSubmission)
        .where(FormSubmission.token == recent)
        .values(created_at=now_utc() - timedelta(hours=1))
    )
    db.session.commit()

    run_periodic()

    assert db.session.scalars(select(FormSubmission.token)).all() == [recent]
    reply_to(client, open_thread, "Sent an hour ago.", recent)
    assert len(posts_saying("Sent an hour ago.")) == 1


def test_ids_live_at_least_as_long_as_a_session(app, client, make, sign_in, open_thread):
    """A page's form can be sent as long as its session lasts; its id is kept that long."""
    app.config["PORTAL_SESSION_ABSOLUTE_HOURS"] = 48
    sign_in(make.user())
    token = submission_id(client.get(f"/forum/threads/{open_thread.id}"))
    reply_to(client, open_thread, "Within the session.", token)
    db.session.execute(update(FormSubmission).values(created_at=now_utc() - timedelta(hours=47)))
    db.session.commit()
    run_periodic()
    assert recorded_ids() == 1
