"""Inviting further delegations after a channel has been proposed: by the proposing delegation's
point of contact or the Secretariat, to a proposed or open channel; the invited point of contact
accepts or declines; bad invitees are refused with a message and nothing is saved; everyone else
gets 404."""

import pytest
from sqlalchemy import func, select

from portal.channels import services
from portal.channels.models import Channel, ChannelMember
from portal.core.audit import AuditEvent
from portal.extensions import db


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def invitations():
    return count(AuditEvent, AuditEvent.action == "channel.invite")


def member_status(channel, delegation):
    return db.session.scalar(
        select(ChannelMember.status).where(
            ChannelMember.channel_id == channel.id,
            ChannelMember.delegation_id == delegation.id,
        )
    )


def invite(http, channel, *delegations):
    return http.post(
        f"/channels/{channel.id}/invite",
        data={"invited": [d.id for d in delegations]},
    )


def test_the_proposer_invites_a_state_to_a_proposed_channel_which_then_opens(world, as_user):
    channel = world.proposed(kind="regional")
    ana = as_user(world.contact_a)
    page = ana.get(f"/channels/{channel.id}/invite")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    # Only States not yet invited are offered.
    assert f'id="invited-{world.state_c.id}"' in text
    assert f'id="invited-{world.state_b.id}"' not in text
    assert f'id="invited-{world.state_a.id}"' not in text
    assert "Organisation O</bdi></label>" not in text
    overview = ana.get(f"/channels/{channel.id}").get_data(as_text=True)
    assert f'href="/channels/{channel.id}/invite"' in overview

    response = invite(ana, channel, world.state_c)
    assert response.status_code == 302
    assert member_status(channel, world.state_c) == "invited"
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "channel.invite"))
    assert audit.actor_id == world.contact_a.id and audit.detail["delegations"] == [
        world.state_c.id
    ]

    cy = as_user(world.contact_c)
    listing = cy.get("/channels/").get_data(as_text=True)
    assert "Invitations awaiting your answer" in listing and "Route 7 case" in listing
    assert as_user(world.secretariat).post(f"/channels/{channel.id}/approve").status_code == 302
    as_user(world.contact_b).post(f"/channels/{channel.id}/accept")
    # It waits for C's answer too.
    assert db.session.get(Channel, channel.id).status == "proposed"
    assert cy.post(f"/channels/{channel.id}/accept").status_code == 302
    channel = db.session.get(Channel, channel.id)
    assert channel.status == "open"
    assert member_status(channel, world.state_c) == "accepted"


def test_a_state_invited_to_an_open_channel_is_a_member_once_it_accepts(world, as_user):
    channel = world.opened(kind="regional", name="Regional route case")
    thread, _message = world.thread(channel, body="What the customs found.")
    assert invite(as_user(world.contact_a), channel, world.state_c).status_code == 302

    cy = as_user(world.contact_c)
    # Invited: it sees the overview and the invitation, not the content.
    overview = cy.get(f"/channels/{channel.id}")
    assert overview.status_code == 200
    assert "Accept the invitation" in overview.get_data(as_text=True)
    assert "Invitations awaiting your answer" in cy.get("/channels/").get_data(as_text=True)
    assert cy.get(f"/channels/threads/{thread.id}").status_code == 404

    assert cy.post(f"/channels/{channel.id}/accept").status_code == 302
    assert member_status(channel, world.state_c) == "accepted"
    assert db.session.get(Channel, channel.id).status == "open"
    assert "channel.accept" in [
        e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
    ]
    # Its point of contact designates who takes part; only then do they read.
    cleo = as_user(world.member_c)
    assert cleo.get(f"/channels/threads/{thread.id}").status_code == 404
    response = cy.post(f"/channels/{channel.id}/participants", data={"user": world.member_c.id})
    assert response.status_code == 302
    page = cleo.get(f"/channels/threads/{thread.id}")
    assert page.status_code == 200 and "What the customs found." in page.get_data(as_text=True)
    # Its other users still do not: the point of contact did not designate itself.
    assert cy.get(f"/channels/threads/{thread.id}").status_code == 404


def test_an_invited_state_may_decline_and_be_asked_again(world, as_user):
    channel = world.opened(kind="regional")
    ana, cy = as_user(world.contact_a), as_user(world.contact_c)
    invite(ana, channel, world.state_c)
    assert cy.post(f"/channels/{channel.id}/decline").status_code == 302
    assert member_status(channel, world.state_c) == "declined"
    assert cy.get(f"/channels/{channel.id}").status_code == 404
    # A delegation that declined is offered again and can be invited again.
    assert f'id="invited-{world.state_c.id}"' in ana.get(f"/channels/{channel.id}/invite").get_data(
        as_text=True
    )
    assert invite(ana, channel, world.state_c).status_code == 302
    assert member_status(channel, world.state_c) == "invited"
    assert count(ChannelMember, ChannelMember.channel_id == channel.id) == 3
    assert cy.get(f"/channels/{channel.id}").status_code == 200
    assert invitations() == 2


def test_the_secretariat_invites_without_seeing_the_name_when_not_admitted(world, as_user):
    channel = world.opened(kind="regional")
    sam = as_user(world.secretariat)
    page = sam.get(f"/channels/{channel.id}/invite")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Route 7 case" not in text and f"Regional channel no. {channel.id}" in text
    assert invite(sam, channel, world.state_c).status_code == 302
    assert member_status(channel, world.state_c) == "invited"


@pytest.mark.parametrize(
    "choose, message",
    [
        (lambda w: [w.organisation.id], "Organisation O cannot be invited"),
        (lambda w: [w.state_b.id], "Republic B is already a member of this channel."),
        (
            lambda w: [w.state_c.id, 999999],
            "One of the delegations you chose does not exist.",
        ),
        (lambda w: [], "Choose at least one delegation to invite."),
    ],
    ids=["not a State", "already a member", "unknown", "nothing chosen"],
)
def test_a_bad_invitee_is_refused_with_a_message_and_nothing_is_saved(
    world, as_user, choose, message
):
    channel = world.opened(kind="regional")
    before = count(ChannelMember)
    response = as_user(world.contact_a).post(
        f"/channels/{channel.id}/invite", data={"invited": choose(world)}
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert message in text
    assert 'class="error-message" id="invited-error"' in text
    assert count(ChannelMember) == before and invitations() == 0


def test_a_delegation_already_invited_is_refused(world, as_user):
    channel = world.proposed(kind="regional", invited=[world.state_b, world.state_c])
    response = invite(as_user(world.secretariat), channel, world.state_c)
    assert response.status_code == 400
    assert "Republic C is already invited to this channel." in response.get_data(as_text=True)
    assert invitations() == 0


def test_a_bilateral_channel_never_has_a_third_delegation(world, as_user):
    channel = world.opened()
    ana = as_user(world.contact_a)
    overview = ana.get(f"/channels/{channel.id}").get_data(as_text=True)
    assert f"/channels/{channel.id}/invite" not in overview
    page = ana.get(f"/channels/{channel.id}/invite")
    assert page.status_code == 200
    assert "A bilateral channel never has more than two member delegations" in page.get_data(
        as_text=True
    )
    response = invite(ana, channel, world.state_c)
    assert response.status_code == 400
    assert "A bilateral channel never has more than two member delegations" in response.get_data(
        as_text=True
    )
    assert member_status(channel, world.state_c) is None and invitations() == 0


def test_a_bilateral_channel_whose_other_state_declined_may_invite_another(world, as_user):
    channel = world.proposed()
    as_user(world.contact_b).post(f"/channels/{channel.id}/decline")
    ana = as_user(world.contact_a)
    assert invite(ana, channel, world.state_b, world.state_c).status_code == 400
    assert invite(ana, channel, world.state_c).status_code == 302
    assert member_status(channel, world.state_c) == "invited"


def test_only_the_proposer_and_the_secretariat_invite_everyone_else_gets_404(world, as_user):
    channel = world.opened(kind="regional")
    # A participant who is not the point of contact, the other member's point of contact, and
    # everyone outside.
    others = [
        world.member_a,
        world.contact_b,
        world.member_b,
        *world.outsiders.values(),
    ]
    for person in others:
        if person is world.secretariat:
            continue
        http = as_user(person)
        assert http.get(f"/channels/{channel.id}/invite").status_code == 404
        assert invite(http, channel, world.state_c).status_code == 404
    assert member_status(channel, world.state_c) is None and invitations() == 0


@pytest.mark.parametrize("state", ["closed", "archived", "refused"])
def test_nobody_invites_to_a_closed_archived_or_refused_channel(world, as_user, state):
    if state == "refused":
        channel = world.proposed(kind="regional")
        services.refuse_channel(channel, world.secretariat)
    else:
        channel = world.opened(kind="regional")
        services.close_channel(channel, world.contact_a)
        if state == "archived":
            services.archive_channel(channel, world.contact_a)
    db.session.commit()
    for person in (world.contact_a, world.secretariat):
        http = as_user(person)
        assert http.get(f"/channels/{channel.id}/invite").status_code == 404
        assert invite(http, channel, world.state_c).status_code == 404
    assert invitations() == 0


def test_the_service_refuses_a_channel_that_is_not_proposed_or_open(world):
    channel = world.opened(kind="regional")
    services.close_channel(channel, world.contact_a)
    db.session.commit()
    with pytest.raises(services.ChannelError, match="only while the channel is proposed or open"):
        services.invite_delegations(channel, world.secretariat, [world.state_c.id])
