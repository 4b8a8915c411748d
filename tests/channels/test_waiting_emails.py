"""Points of contact learn that an invitation awaits them, and the Secretariat that a proposal
awaits approval, by emails that name no channel, purpose or member."""

from portal.channels import services
from portal.core.jobs import run_due_jobs
from portal.extensions import db
from tests.conftest import html_of, link_in, text_of


def assert_names_nothing(message, world, channel):
    whole = text_of(message) + html_of(message) + str(message["Subject"])
    for secret in (
        channel.name,
        channel.purpose,
        world.state_a.name,
        world.state_b.name,
        world.contact_a.name,
    ):
        assert secret not in whole


def test_a_proposal_tells_the_invited_point_of_contact_and_the_secretariat(world, mailbox):
    channel = world.proposed()
    run_due_jobs()
    invitation = mailbox.last_to(world.contact_b.email)
    assert "invited" in text_of(invitation)
    assert link_in(invitation, "/channels/")
    assert_names_nothing(invitation, world, channel)
    proposal = mailbox.last_to(world.secretariat.email)
    assert "approval" in text_of(proposal)
    assert_names_nothing(proposal, world, channel)
    # Nobody else is written to: not the proposer, not other members of the delegations.
    assert not mailbox.to(world.contact_a.email)
    assert not mailbox.to(world.member_b.email)
    assert not mailbox.to(world.contact_c.email)


def test_a_later_invitation_tells_only_the_newly_invited_point_of_contact(world, mailbox):
    channel = world.opened(kind="regional")
    run_due_jobs()
    mailbox.messages.clear()
    services.invite_delegations(channel, world.contact_a, [world.state_c.id])
    db.session.commit()
    run_due_jobs()
    assert [m.envelope_to for m in mailbox.messages] == [[world.contact_c.email]]
    assert_names_nothing(mailbox.messages[0], world, channel)


def test_a_refused_invitation_sends_nothing(world, mailbox):
    channel = world.opened(kind="regional")
    run_due_jobs()
    mailbox.messages.clear()
    try:
        services.invite_delegations(channel, world.contact_a, [world.organisation.id])
    except services.ChannelError:
        db.session.rollback()
    run_due_jobs()
    assert mailbox.messages == []


def test_a_suspended_point_of_contact_is_not_written_to(world, mailbox):
    world.contact_b.status = "suspended"
    db.session.commit()
    world.proposed()
    run_due_jobs()
    assert not mailbox.to(world.contact_b.email)
