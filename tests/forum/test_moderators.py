"""The Secretariat names the chairs and facilitators who moderate a working group."""

from sqlalchemy import select

from portal.access import can
from portal.core.audit import AuditEvent
from portal.extensions import db
from portal.forum.models import WorkingGroup, WorkingGroupModerator


def space(code="WGTR", level="users"):
    group = WorkingGroup(code=code, names={"en": code}, access_level=level)
    group.derive_acl()
    db.session.add(group)
    db.session.commit()
    return group


def test_the_secretariat_names_and_removes_a_chair(client, make, sign_in):
    wgtr = space()
    chair = make.user(email="chair@example.org")
    sign_in(make.secretariat())
    response = client.post("/forum/WGTR/moderators", data={"email": "chair@example.org"})
    assert response.status_code == 302
    assert can(chair, "topic_create", wgtr)
    assert "chair@example.org" not in client.get("/forum/WGTR/moderators").get_data(as_text=True)
    assert chair.name in client.get("/forum/WGTR/moderators").get_data(as_text=True)
    response = client.post(f"/forum/WGTR/moderators/{chair.id}/remove")
    assert response.status_code == 302
    assert db.session.scalars(select(WorkingGroupModerator)).all() == []
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-2:] == ["forum.moderator_add", "forum.moderator_remove"]


def test_someone_who_cannot_read_the_space_cannot_moderate_it(client, make, sign_in):
    space(level="state_parties")
    make.user(email="observer@example.org", delegation=make.delegation(kind="civil_society"))
    sign_in(make.secretariat())
    response = client.post("/forum/WGTR/moderators", data={"email": "observer@example.org"})
    assert response.status_code == 400
    assert "cannot read this working group" in response.get_data(as_text=True)
    assert db.session.scalars(select(WorkingGroupModerator)).all() == []


def test_only_the_secretariat_names_moderators(client, make, sign_in):
    space()
    sign_in(make.user(role="point_of_contact"))
    assert client.get("/forum/WGTR/moderators").status_code == 403
    assert client.post("/forum/WGTR/moderators", data={"email": "x@example.org"}).status_code == 403
