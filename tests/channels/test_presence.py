"""The Secretariat's presence: set at creation, changed only with the consent of every member
delegation's point of contact; one refusal refuses the change; everything is audited."""

from sqlalchemy import select

from portal.channels.models import Channel, PresenceChange, PresenceConsent
from portal.core.audit import AuditEvent
from portal.extensions import db


def presence_audit():
    return [
        e.action
        for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        if e.action.startswith("channel.presence")
    ]


def test_admitting_the_secretariat_needs_every_member_to_consent(world, as_user):
    channel = world.opened()
    thread, _message = world.thread(channel)
    sam = as_user(world.secretariat)
    ana, ben = as_user(world.contact_a), as_user(world.contact_b)
    response = ana.post(f"/channels/{channel.id}/presence", data={"admitted": "yes"})
    assert response.status_code == 302
    change = db.session.scalar(select(PresenceChange))
    # The asking delegation has consented; B has not answered yet: nothing changes.
    assert change.status == "pending"
    assert [(c.delegation_id, c.consented) for c in change.consents] == [(world.state_a.id, True)]
    assert not db.session.get(Channel, channel.id).secretariat_admitted
    assert sam.get(f"/channels/threads/{thread.id}").status_code == 404
    # Only a member delegation's point of contact answers, once.
    for person in (world.member_b, world.contact_c, world.secretariat, world.observer):
        assert as_user(person).post(f"/channels/presence/{change.id}/consent").status_code == 404
    assert ana.post(f"/channels/presence/{change.id}/consent").status_code == 404
    assert ben.post(f"/channels/presence/{change.id}/consent").status_code == 302
    change = db.session.get(PresenceChange, change.id)
    assert change.status == "applied" and change.decided_at is not None
    assert db.session.get(Channel, channel.id).secretariat_admitted
    assert sam.get(f"/channels/threads/{thread.id}").status_code == 200
    assert presence_audit() == [
        "channel.presence_request",
        "channel.presence_consent",
        "channel.presence_consent",
        "channel.presence_apply",
    ]


def test_one_refusal_refuses_the_change(world, as_user):
    channel = world.opened(admitted=True)
    sam = as_user(world.secretariat)
    # The Secretariat asks to leave; it is not a member, so both States must consent.
    assert sam.post(f"/channels/{channel.id}/presence", data={"admitted": "no"}).status_code == 302
    change = db.session.scalar(select(PresenceChange))
    assert change.consents == []
    assert (
        as_user(world.contact_a).post(f"/channels/presence/{change.id}/consent").status_code == 302
    )
    assert (
        as_user(world.contact_b).post(f"/channels/presence/{change.id}/refuse").status_code == 302
    )
    change = db.session.get(PresenceChange, change.id)
    assert change.status == "refused"
    assert db.session.get(Channel, channel.id).secretariat_admitted
    assert presence_audit()[-1] == "channel.presence_refuse"
    # The refused change is over: B cannot consent to it now, and a new request can be made.
    assert (
        as_user(world.contact_b).post(f"/channels/presence/{change.id}/consent").status_code == 404
    )
    assert (
        as_user(world.contact_b)
        .post(f"/channels/{channel.id}/presence", data={"admitted": "no"})
        .status_code
        == 302
    )


def test_a_request_for_the_current_setting_or_while_another_waits_is_refused(world, as_user):
    channel = world.opened()
    ana = as_user(world.contact_a)
    same = ana.post(f"/channels/{channel.id}/presence", data={"admitted": "no"})
    assert same.status_code == 400
    assert "The Secretariat is already not admitted to this channel." in same.get_data(as_text=True)
    assert db.session.scalar(select(PresenceChange)) is None
    assert ana.post(f"/channels/{channel.id}/presence", data={"admitted": "yes"}).status_code == 302
    again = as_user(world.contact_b).post(
        f"/channels/{channel.id}/presence", data={"admitted": "yes"}
    )
    assert again.status_code == 404
    assert len(db.session.scalars(select(PresenceChange)).all()) == 1
    assert len(db.session.scalars(select(PresenceConsent)).all()) == 1


def test_participants_who_are_not_contacts_cannot_ask(world, as_user):
    channel = world.opened()
    response = as_user(world.member_a).post(
        f"/channels/{channel.id}/presence", data={"admitted": "yes"}
    )
    assert response.status_code == 404
    assert db.session.scalar(select(PresenceChange)) is None
