"""Named groups: the Secretariat creates them and manages their members; members read what
the group may read."""

from sqlalchemy import select

from portal.access import principals_of
from portal.accounts.models import Group, GroupMembership
from portal.core.audit import AuditEvent
from portal.extensions import db


def test_the_secretariat_creates_a_group_and_adds_and_removes_members(client, make, sign_in):
    officer = make.secretariat()
    member = make.user(email="ana@example.org")
    sign_in(officer)
    response = client.post(
        "/admin/groups", data={"name": "Management Committee", "description": "Members"}
    )
    assert response.status_code == 302
    group = db.session.scalar(select(Group))
    response = client.post(f"/admin/groups/{group.id}", data={"email": "ANA@example.org"})
    assert response.status_code == 302
    assert f"group:{group.id}" in principals_of(member)
    page = client.get(f"/admin/groups/{group.id}").get_data(as_text=True)
    assert "ana@example.org" in page
    response = client.post(f"/admin/groups/{group.id}/members/{member.id}/remove")
    assert response.status_code == 302
    assert db.session.scalars(select(GroupMembership)).all() == []
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-3:] == ["group.create", "group.add_member", "group.remove_member"]


def test_bad_group_input_is_refused_with_a_message_and_changes_nothing(client, make, sign_in):
    sign_in(make.secretariat())
    make.group(name="Chairs")
    response = client.post("/admin/groups", data={"name": "chairs"})
    assert response.status_code == 400 and "already exists" in response.get_data(as_text=True)
    group = db.session.scalar(select(Group))
    response = client.post(f"/admin/groups/{group.id}", data={"email": "nobody@example.org"})
    assert response.status_code == 400 and "No account has this email" in response.get_data(
        as_text=True
    )
    assert db.session.scalars(select(GroupMembership)).all() == []


def test_only_the_secretariat_manages_groups(client, make, sign_in):
    group = make.group(name="Chairs")
    sign_in(make.user(role="point_of_contact"))
    assert client.get("/admin/groups").status_code == 403
    assert (
        client.post(f"/admin/groups/{group.id}", data={"email": "x@example.org"}).status_code == 403
    )
