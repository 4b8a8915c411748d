"""Access levels flow down: working group -> topic -> thread -> post -> attachment. A change of a
space's or topic's level (Secretariat only) re-derives every row under it and is audited; a
topic is never less strict than its working group."""

import pytest
from sqlalchemy import select

from portal.core.audit import AuditEvent
from portal.extensions import db
from portal.forum import services
from portal.forum.models import Attachment, Post, Thread, Topic, WorkingGroup
from tests.forum.conftest import row_counts, upload


def acls(topic):
    """The acl of a topic and of every thread, post and attachment in it."""
    thread_ids = select(Thread.id).where(Thread.topic_id == topic.id)
    post_ids = select(Post.id).where(Post.thread_id.in_(thread_ids))
    return {
        "topic": {db.session.get(Topic, topic.id).acl},
        "threads": set(db.session.scalars(select(Thread.acl).where(Thread.topic_id == topic.id))),
        "posts": set(db.session.scalars(select(Post.acl).where(Post.thread_id.in_(thread_ids)))),
        "attachments": set(
            db.session.scalars(select(Attachment.acl).where(Attachment.post_id.in_(post_ids)))
        ),
    }


def everywhere(acl):
    return {"topic": {acl}, "threads": {acl}, "posts": {acl}, "attachments": {acl}}


def fill(forum, make, topic):
    """Two threads with replies and attachments, so that every level of rows exists."""
    for _ in range(2):
        thread = forum.thread(topic, make.user(), files=[upload()])
        forum.reply(thread, make.user(), files=[upload(b"second annex\n")])
    return topic


def audit(action):
    return [
        (entry.actor_id, entry.target_type, entry.target_id, entry.detail)
        for entry in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    ]


@pytest.fixture
def officer(make):
    return make.secretariat()


def test_rows_inherit_from_their_space_or_a_stricter_topic(make, forum):
    group = make.group()
    for level, expected in [
        ("public", "public"),
        ("users", "user"),
        ("states", "state"),
        ("state_parties", "state_party"),
    ]:
        space = forum.space(level)
        assert acls(fill(forum, make, forum.topic(space))) == everywhere(expected)
        assert acls(fill(forum, make, forum.topic(space, level="group", group=group))) == (
            everywhere(f"group:{group.id}")
        )
    closed = forum.space("group", group=group)
    assert acls(fill(forum, make, forum.topic(closed))) == everywhere(f"group:{group.id}")


def test_changing_a_space_re_derives_everything_in_it(
    client, make, forum, sign_in, signed_in, officer
):
    space = forum.space("users")
    inherits = fill(forum, make, forum.topic(space))
    stricter = fill(forum, make, forum.topic(space, level="state_parties"))
    untouched = fill(forum, make, forum.topic(forum.space("users")))
    observer = signed_in(make.user(delegation=make.delegation(kind="international_organisation")))
    thread = db.session.scalar(select(Thread).where(Thread.topic_id == inherits.id))
    assert observer.get(f"/forum/threads/{thread.id}").status_code == 200

    sign_in(officer)
    form = client.get(f"/forum/{space.code}/access")
    assert form.status_code == 200
    response = client.post(f"/forum/{space.code}/access", data={"level": "states", "group": ""})
    assert response.status_code == 302
    assert db.session.get(WorkingGroup, space.id).acl == "state"
    assert acls(inherits) == everywhere("state")
    assert acls(stricter) == everywhere("state_party")
    assert acls(untouched) == everywhere("user")
    assert audit("forum.space_access") == [
        (officer.id, "working_groups", space.id, {"old": "user", "new": "state"})
    ]
    post_id = db.session.scalar(select(Post.id).where(Post.thread_id == thread.id))
    attachment_id = db.session.scalar(select(Attachment.id).where(Attachment.post_id == post_id))
    for url in (
        f"/forum/{space.code}",
        f"/forum/topics/{inherits.id}",
        f"/forum/threads/{thread.id}",
        f"/forum/posts/{post_id}",
        f"/forum/attachments/{attachment_id}",
    ):
        assert observer.get(url).status_code == 404, url

    group = make.group(members=[officer])
    response = client.post(
        f"/forum/{space.code}/access", data={"level": "group", "group": str(group.id)}
    )
    assert response.status_code == 302
    assert acls(inherits) == everywhere(f"group:{group.id}")
    assert db.session.get(WorkingGroup, space.id).group_id == group.id


def test_a_space_made_stricter_than_a_topic_takes_the_topic_along(make, forum, officer):
    """A topic keeps a level of its own only while it is stricter than its space: otherwise
    its content would stay readable by people the space now shuts out."""
    space = forum.space("users")
    topic = fill(forum, make, forum.topic(space, level="states"))
    services.set_space_access(space, "state_parties", None, officer)
    db.session.commit()
    assert acls(topic) == everywhere("state_party")
    group = make.group()
    services.set_space_access(space, "group", group.id, officer)
    db.session.commit()
    assert acls(topic) == everywhere(f"group:{group.id}")
    # Made looser again, the space does not loosen what was made stricter meanwhile.
    services.set_space_access(space, "users", None, officer)
    db.session.commit()
    assert acls(topic) == everywhere("user")


def test_a_closed_topic_in_a_space_moved_to_another_group_follows_the_space(make, forum, officer):
    first, second = make.group(), make.group()
    space = forum.space("group", group=first)
    topic = fill(forum, make, forum.topic(space, level="group", group=first))
    services.set_space_access(space, "group", second.id, officer)
    db.session.commit()
    assert acls(topic) == everywhere(f"group:{second.id}")


def test_changing_a_topic_re_derives_its_rows_only(client, make, forum, sign_in, officer):
    space = forum.space("users")
    topic = fill(forum, make, forum.topic(space))
    neighbour = fill(forum, make, forum.topic(space))
    sign_in(officer)
    assert client.get(f"/forum/topics/{topic.id}/access").status_code == 200
    response = client.post(
        f"/forum/topics/{topic.id}/access", data={"level": "states", "group": ""}
    )
    assert response.status_code == 302
    assert acls(topic) == everywhere("state")
    assert acls(neighbour) == everywhere("user")
    assert audit("forum.topic_access") == [
        (officer.id, "topics", topic.id, {"old": "user", "new": "state"})
    ]
    group = make.group(members=[officer])
    response = client.post(
        f"/forum/topics/{topic.id}/access", data={"level": "group", "group": str(group.id)}
    )
    assert response.status_code == 302
    assert acls(topic) == everywhere(f"group:{group.id}")
    # Back to "as the working group", and the space's later changes reach it again.
    response = client.post(f"/forum/topics/{topic.id}/access", data={"level": "", "group": ""})
    assert response.status_code == 302
    assert db.session.get(Topic, topic.id).access_level is None
    assert acls(topic) == everywhere("user")
    services.set_space_access(db.session.get(WorkingGroup, space.id), "states", None, officer)
    db.session.commit()
    assert acls(topic) == everywhere("state")


@pytest.mark.parametrize(
    "space_level,data,message",
    [
        (
            "states",
            {"level": "users"},
            "A topic can only be more restricted than its working group, not less.",
        ),
        (
            "state_parties",
            {"level": "public"},
            "A topic can only be more restricted than its working group, not less.",
        ),
        (
            "group",
            {"level": "states"},
            "A topic can only be more restricted than its working group, not less.",
        ),
        (
            "group",
            {"level": "group", "group": "other"},
            "A topic can only be more restricted than its working group, not less.",
        ),
        ("users", {"level": "group"}, "Choose the group whose members may read it."),
        ("users", {"level": "group", "group": "999999"}, "Not a valid choice."),
        ("users", {"level": "everyone"}, "Not a valid choice."),
    ],
)
def test_a_topic_cannot_be_less_strict_than_its_space(
    client, make, forum, sign_in, officer, space_level, data, message
):
    group, other = make.group(members=[officer]), make.group()
    space = forum.space(space_level, group=group if space_level == "group" else None)
    topic = fill(forum, make, forum.topic(space))
    before_acls, before_rows = acls(topic), row_counts()
    sign_in(officer)
    data = {"group": "", **data}
    data["group"] = {"other": str(other.id)}.get(data["group"], data["group"])
    response = client.post(f"/forum/topics/{topic.id}/access", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert acls(topic) == before_acls
    assert db.session.get(Topic, topic.id).access_level is None
    assert row_counts() == before_rows
    assert audit("forum.topic_access") == []


def test_the_service_refuses_a_looser_topic_and_changes_nothing(app, make, forum, officer):
    topic = fill(forum, make, forum.topic(forum.space("states")))
    with app.test_request_context():
        with pytest.raises(services.ForumError) as refused:
            services.set_topic_access(topic, "users", None, officer)
        assert str(refused.value) == (
            "A topic can only be more restricted than its working group, not less."
        )
    db.session.rollback()
    assert acls(topic) == everywhere("state")


def test_only_the_secretariat_changes_access(make, forum, signed_in):
    space = forum.space("users")
    topic = fill(forum, make, forum.topic(space))
    before = acls(topic)
    for person in (forum.chair(space), make.user(role="point_of_contact"), make.user()):
        http = signed_in(person)
        for url in (f"/forum/{space.code}/access", f"/forum/topics/{topic.id}/access"):
            assert http.get(url).status_code == 403, url
            assert http.post(url, data={"level": "public", "group": ""}).status_code == 403, url
    assert acls(topic) == before
    assert audit("forum.space_access") == audit("forum.topic_access") == []
