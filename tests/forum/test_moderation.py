"""Moderation: the Secretariat everywhere, chairs inside their space (and its sub-workstreams)
only; locking, pinning, hiding with a reason, moving, closing topics, and the review queue of
reported posts. Every moderation action is in the audit log."""

import pytest
from sqlalchemy import select

from portal.core.audit import AuditEvent
from portal.core.events import Event
from portal.extensions import db
from portal.forum.models import Attachment, Flag, Post, Thread, Topic
from tests.forum.conftest import row_counts, upload
from tests.forum.pages import read


def audit(action):
    return [
        (entry.actor_id, entry.target_type, entry.target_id, entry.detail)
        for entry in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    ]


@pytest.fixture
def scene(make, forum):
    """A working group with a sub-workstream, each with a chair; another group with its own
    chair; a thread in the sub-workstream with a post by a delegate."""
    parent = forum.space("users")
    space = forum.space("users", parent=parent)
    elsewhere = forum.space("users")
    topic = forum.topic(space, questions=["Which documents do you require?"])
    thread = forum.thread(topic, make.user(name="Opening author"))
    author = make.user(name="Dana Delegate")
    post = forum.reply(thread, author, body="Our end-user certificates are checked twice.")
    return {
        "space": space,
        "topic": topic,
        "thread": thread,
        "post": post,
        "author": author,
        "chair": forum.chair(space),
        "parent chair": forum.chair(parent),
        "other chair": forum.chair(elsewhere),
        "secretariat": make.secretariat(),
        "delegate": make.user(),
        "elsewhere": elsewhere,
    }


MODERATORS = ["chair", "parent chair", "secretariat"]
NOT_MODERATORS = ["other chair", "delegate"]


@pytest.mark.parametrize("who", MODERATORS)
def test_moderators_lock_unlock_pin_and_unpin(scene, signed_in, who):
    http = signed_in(scene[who])
    thread = scene["thread"]
    for switch, attribute, value in [
        ("lock", "is_locked", True),
        ("pin", "is_pinned", True),
        ("unlock", "is_locked", False),
        ("unpin", "is_pinned", False),
    ]:
        response = http.post(f"/forum/threads/{thread.id}/{switch}")
        assert response.status_code == 302, switch
        assert getattr(db.session.get(Thread, thread.id), attribute) is value
        assert audit(f"forum.thread_{switch}") == [(scene[who].id, "threads", thread.id, {})]
    # Once locked, locking again is refused: the button is gone and the rule says no.
    http.post(f"/forum/threads/{thread.id}/lock")
    assert http.post(f"/forum/threads/{thread.id}/lock").status_code == 403


@pytest.mark.parametrize("who", NOT_MODERATORS)
def test_others_cannot_lock_pin_hide_move_or_close(scene, signed_in, forum, who):
    http = signed_in(scene[who])
    thread, post, topic = scene["thread"], scene["post"], scene["topic"]
    forum.pin(forum.thread(topic))
    before = row_counts()
    for url in [
        f"/forum/threads/{thread.id}/lock",
        f"/forum/threads/{thread.id}/pin",
        f"/forum/topics/{topic.id}/close",
        f"/forum/posts/{post.id}/dismiss-flags",
    ]:
        assert http.post(url).status_code == 403, url
    assert http.post(f"/forum/posts/{post.id}/hide", data={"reason": "No."}).status_code == 403
    assert http.get(f"/forum/threads/{thread.id}/move").status_code == 403
    assert (
        http.post(
            f"/forum/threads/{thread.id}/move", data={"topic": forum.topic(scene["elsewhere"]).id}
        ).status_code
        == 403
    )
    page = read(http.get(f"/forum/threads/{thread.id}"))
    for button in ("Lock", "Pin", "Hide post", "Move to another topic"):
        assert not page.has(button), button
    assert db.session.get(Post, post.id).hidden_at is None
    assert db.session.get(Thread, thread.id).is_locked is False
    after = row_counts()
    assert after["audit_events"] == before["audit_events"] + 1  # the topic made for the move
    assert after["post_flags"] == before["post_flags"]


def test_hiding_shows_the_reason_to_the_author_only_and_the_text_to_moderators(scene, signed_in):
    post, thread = scene["post"], scene["thread"]
    chair = signed_in(scene["chair"])
    response = chair.post(f"/forum/posts/{post.id}/hide", data={"reason": "Names an official."})
    assert response.status_code == 302
    hidden = db.session.get(Post, post.id)
    assert (hidden.hidden_by_id, hidden.hidden_reason) == (scene["chair"].id, "Names an official.")
    assert audit("forum.post_hide") == [
        (scene["chair"].id, "posts", post.id, {"reason": "Names an official."})
    ]
    told = db.session.scalars(select(Event).where(Event.kind == "moderation")).all()
    assert [(e.recipient_id, e.subject_id, e.detail) for e in told] == [
        (scene["author"].id, post.id, {"action": "hide"})
    ]

    author = read(signed_in(scene["author"]).get(f"/forum/threads/{thread.id}"))
    assert author.has("Our end-user certificates are checked twice.")
    assert author.has("Names an official.")
    reader = signed_in(scene["delegate"])
    html = reader.get(f"/forum/threads/{thread.id}").get_data(as_text=True)
    assert read(html).has("This post was hidden by a moderator.")
    assert "end-user certificates" not in html and "Names an official" not in html
    assert reader.get(f"/forum/posts/{post.id}/history").status_code in (403, 404)
    for who in ("chair", "parent chair", "secretariat"):
        page = read(signed_in(scene[who]).get(f"/forum/threads/{thread.id}"))
        assert page.has("Our end-user certificates are checked twice."), who
        assert page.has("Names an official."), who
        assert page.has("Show again"), who

    response = signed_in(scene["secretariat"]).post(f"/forum/posts/{post.id}/unhide")
    assert response.status_code == 302
    assert db.session.get(Post, post.id).hidden_at is None
    assert audit("forum.post_unhide") == [(scene["secretariat"].id, "posts", post.id, {})]
    assert read(reader.get(f"/forum/threads/{thread.id}")).has(
        "Our end-user certificates are checked twice."
    )


def test_hiding_needs_a_reason(scene, signed_in):
    before = row_counts()
    http = signed_in(scene["chair"])
    response = http.post(
        f"/forum/posts/{scene['post'].id}/hide", data={"reason": "  "}, follow_redirects=True
    )
    assert read(response).has("Give the reason: the author will read it.")
    assert db.session.get(Post, scene["post"].id).hidden_at is None
    assert row_counts() == before


def test_moving_a_thread_takes_the_access_of_its_new_topic(scene, signed_in, make, forum):
    thread = scene["thread"]
    with_file = forum.reply(thread, make.user(), files=[upload()])
    forum.reply(thread, make.user(), question_id=scene["topic"].questions[0].id)
    states_only = forum.topic(scene["space"], level="states")
    observer = signed_in(make.user(delegation=make.delegation(kind="international_organisation")))
    assert observer.get(f"/forum/threads/{thread.id}").status_code == 200

    chair = signed_in(scene["chair"])
    form = chair.get(f"/forum/threads/{thread.id}/move")
    assert form.status_code == 200
    text = form.get_data(as_text=True)
    assert f'value="{states_only.id}"' in text
    elsewhere = forum.topic(scene["elsewhere"])
    assert f'value="{elsewhere.id}"' not in text  # the chair does not moderate there
    assert (
        chair.post(f"/forum/threads/{thread.id}/move", data={"topic": elsewhere.id}).status_code
        == 400
    )
    assert db.session.get(Thread, thread.id).topic_id == scene["topic"].id

    response = chair.post(f"/forum/threads/{thread.id}/move", data={"topic": states_only.id})
    assert response.status_code == 302
    moved = db.session.get(Thread, thread.id)
    assert (moved.topic_id, moved.acl) == (states_only.id, "state")
    posts = db.session.scalars(select(Post).where(Post.thread_id == thread.id)).all()
    assert {p.acl for p in posts} == {"state"}
    assert {p.question_id for p in posts} == {None}
    assert db.session.get(Attachment, with_file.attachments[0].id).acl == "state"
    assert audit("forum.thread_move") == [
        (
            scene["chair"].id,
            "threads",
            thread.id,
            {"old_topic": scene["topic"].id, "new_topic": states_only.id},
        )
    ]
    assert observer.get(f"/forum/threads/{thread.id}").status_code == 404
    assert observer.get(f"/forum/posts/{scene['post'].id}").status_code == 404
    assert observer.get(f"/forum/attachments/{with_file.attachments[0].id}").status_code == 404
    assert not read(observer.get(f"/forum/topics/{scene['topic'].id}")).has(thread.title)


def test_moderators_close_and_reopen_topics(scene, signed_in):
    topic = scene["topic"]
    chair = signed_in(scene["parent chair"])
    assert chair.post(f"/forum/topics/{topic.id}/close").status_code == 302
    assert db.session.get(Topic, topic.id).is_closed
    page = read(signed_in(scene["delegate"]).get(f"/forum/topics/{topic.id}"))
    assert page.has("This topic is closed: it can be read but not added to.")
    assert not page.has("Start a thread")
    assert chair.post(f"/forum/topics/{topic.id}/close").status_code == 403
    assert chair.post(f"/forum/topics/{topic.id}/reopen").status_code == 302
    assert not db.session.get(Topic, topic.id).is_closed
    actor = scene["parent chair"].id
    assert audit("forum.topic_close") == [(actor, "topics", topic.id, {})]
    assert audit("forum.topic_reopen") == [(actor, "topics", topic.id, {})]


# Reports and the review queue -------------------------------------------------------------------


def flag(http, post, reason="It names a private person."):
    return http.post(f"/forum/posts/{post.id}/flag", data={"reason": reason}, follow_redirects=True)


def test_anyone_reports_a_post_once_and_not_their_own(scene, signed_in):
    post = scene["post"]
    reader = signed_in(scene["delegate"])
    assert read(flag(reader, post)).has("Thank you. The moderators will review the post.")
    flags = db.session.scalars(select(Flag)).all()
    assert [(f.post_id, f.reporter_id, f.reason) for f in flags] == [
        (post.id, scene["delegate"].id, "It names a private person.")
    ]
    assert audit("forum.post_flag") == [(scene["delegate"].id, "posts", post.id, {})]
    before = row_counts()
    response = flag(reader, post, "Again.")
    assert read(response).has(
        "You have already reported this post; the moderators will look at it."
    )
    assert read(flag(signed_in(scene["other chair"]), post, " ")).has(
        "Say what is wrong with this post."
    )
    author = signed_in(scene["author"])
    assert author.post(f"/forum/posts/{post.id}/flag", data={"reason": "Mine."}).status_code == 403
    assert row_counts() == before


@pytest.mark.parametrize("who", ["chair", "parent chair", "secretariat"])
def test_the_review_queue_shows_reports_to_the_moderators_of_their_space(
    scene, signed_in, who, forum, make
):
    post = scene["post"]
    forum.flag(post, scene["delegate"], "It names a private person.")
    forum.flag(post, make.user(), "Off topic.")
    elsewhere_post = forum.opening(forum.thread(forum.topic(scene["elsewhere"])))
    forum.flag(elsewhere_post, make.user(), "Spam from elsewhere.")
    page = read(signed_in(scene[who]).get("/forum/flags"))
    assert page.has("It names a private person.") and page.has("Off topic.")
    assert page.has("Our end-user certificates are checked twice.")
    assert page.has("Spam from elsewhere.") == (who == "secretariat")


def test_chairs_of_other_spaces_and_delegates_do_not_review_reports(scene, signed_in, forum):
    post = scene["post"]
    forum.flag(post, scene["delegate"])
    other = signed_in(scene["other chair"])
    page = read(other.get("/forum/flags"))
    assert page.has("No post is waiting for review.")
    assert not page.has("It names a private person.")
    before = row_counts()
    assert other.post(f"/forum/posts/{post.id}/dismiss-flags").status_code == 403
    assert (
        other.post(
            f"/forum/posts/{post.id}/hide", data={"reason": "x", "back": "flags"}
        ).status_code
        == 403
    )
    assert signed_in(scene["delegate"]).get("/forum/flags").status_code == 403
    assert row_counts() == before
    assert db.session.scalar(select(Flag)).resolved_at is None


def test_dismissing_resolves_the_reports(scene, signed_in, forum, make):
    post = scene["post"]
    forum.flag(post, scene["delegate"])
    forum.flag(post, make.user())
    chair = signed_in(scene["chair"])
    response = chair.post(f"/forum/posts/{post.id}/dismiss-flags")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/forum/flags")
    flags = db.session.scalars(select(Flag)).all()
    assert {(f.resolution, f.resolved_by_id) for f in flags} == {("dismissed", scene["chair"].id)}
    assert all(f.resolved_at is not None for f in flags)
    assert db.session.get(Post, post.id).hidden_at is None
    assert audit("forum.flags_dismissed") == [(scene["chair"].id, "posts", post.id, {})]
    assert read(chair.get("/forum/flags")).has("No post is waiting for review.")
    # A dismissed report does not stop the next one.
    assert read(flag(signed_in(make.user()), post)).has(
        "Thank you. The moderators will review the post."
    )


def test_hiding_from_the_queue_resolves_the_reports(scene, signed_in, forum):
    post = scene["post"]
    forum.flag(post, scene["delegate"])
    officer = signed_in(scene["secretariat"])
    response = officer.post(
        f"/forum/posts/{post.id}/hide", data={"reason": "Personal data.", "back": "flags"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/forum/flags")
    flag_row = db.session.scalar(select(Flag))
    assert (flag_row.resolution, flag_row.resolved_by_id) == ("hidden", scene["secretariat"].id)
    assert db.session.get(Post, post.id).hidden_reason == "Personal data."
    assert read(officer.get("/forum/flags")).has("No post is waiting for review.")


def test_a_withdrawn_post_leaves_the_review_queue(scene, signed_in, forum):
    """Nobody reads a withdrawn post, moderators included: its text is not in the queue."""
    post = scene["post"]
    forum.flag(post, scene["delegate"], "It names a private person.")
    forum.withdraw(post)
    html = signed_in(scene["secretariat"]).get("/forum/flags").get_data(as_text=True)
    assert "end-user certificates" not in html


def test_every_moderation_action_is_audited(scene, signed_in, forum, make):
    officer = signed_in(scene["secretariat"])
    thread, post, topic = scene["thread"], scene["post"], scene["topic"]
    destination = forum.topic(scene["space"])
    forum.flag(post, scene["delegate"])
    steps = [
        (f"/forum/threads/{thread.id}/lock", {}, "forum.thread_lock"),
        (f"/forum/threads/{thread.id}/unlock", {}, "forum.thread_unlock"),
        (f"/forum/threads/{thread.id}/pin", {}, "forum.thread_pin"),
        (f"/forum/threads/{thread.id}/unpin", {}, "forum.thread_unpin"),
        (f"/forum/posts/{post.id}/dismiss-flags", {}, "forum.flags_dismissed"),
        (f"/forum/posts/{post.id}/hide", {"reason": "Off topic."}, "forum.post_hide"),
        (f"/forum/posts/{post.id}/unhide", {}, "forum.post_unhide"),
        (f"/forum/threads/{thread.id}/move", {"topic": destination.id}, "forum.thread_move"),
        (f"/forum/topics/{topic.id}/close", {}, "forum.topic_close"),
        (f"/forum/topics/{topic.id}/reopen", {}, "forum.topic_reopen"),
        (
            f"/forum/topics/{topic.id}/access",
            {"level": "states", "group": ""},
            "forum.topic_access",
        ),
        (
            f"/forum/{scene['space'].code}/access",
            {"level": "users", "group": ""},
            "forum.space_access",
        ),
    ]
    for url, data, action in steps:
        response = officer.post(url, data=data)
        assert response.status_code == 302, (url, response.status_code)
        assert [entry[0] for entry in audit(action)] == [scene["secretariat"].id], action


def test_a_sub_workstream_chair_does_not_moderate_the_parent_group(scene, signed_in, forum, make):
    parent = scene["space"].parent
    thread = forum.thread(forum.topic(parent), make.user())
    chair = signed_in(scene["chair"])
    assert chair.post(f"/forum/threads/{thread.id}/lock").status_code == 403
    assert (
        chair.post(
            f"/forum/posts/{forum.opening(thread).id}/hide", data={"reason": "No."}
        ).status_code
        == 403
    )
    assert (
        signed_in(scene["parent chair"]).post(f"/forum/threads/{thread.id}/lock").status_code == 302
    )
