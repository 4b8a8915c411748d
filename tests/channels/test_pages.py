"""Proposing, approving and opening a channel; participants; threads and messages; retraction;
closing and archiving: through the pages, as people use them."""

from io import BytesIO

from sqlalchemy import func, select

from portal.channels.models import (
    Channel,
    ChannelAttachment,
    ChannelMember,
    ChannelMessage,
    ChannelParticipant,
    ChannelThread,
)
from portal.core.audit import AuditEvent
from portal.core.events import Event
from portal.extensions import db
from tests.channels.test_cases import CONFIRMED


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def audit_actions():
    return [
        e.action
        for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        if e.action.startswith("channel.")
    ]


def test_a_point_of_contact_proposes_a_channel_and_it_opens_when_approved_and_accepted(
    world, as_user
):
    ana = as_user(world.contact_a)
    page = ana.get("/channels/new")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Republic B" in text and "Organisation O" not in text
    response = ana.post(
        "/channels/new",
        data={
            "kind": "bilateral",
            "name": "Route 7 case",
            "purpose": "The border post seizure.",
            "invited": [world.state_b.id],
            "secretariat": "no",
        },
    )
    assert response.status_code == 302
    channel = db.session.scalar(select(Channel))
    assert channel.status == "proposed" and channel.acl == f"channel:{channel.id}"
    assert {(m.delegation_id, m.status) for m in channel.members} == {
        (world.state_a.id, "accepted"),
        (world.state_b.id, "invited"),
    }
    assert [p.user_id for p in channel.participants] == [world.contact_a.id]

    ben = as_user(world.contact_b)
    listing = ben.get("/channels/").get_data(as_text=True)
    assert "Invitations awaiting your answer" in listing and "Route 7 case" in listing
    # Before it opens, nobody reads content.
    assert ana.get(f"/channels/{channel.id}/threads/new").status_code == 404

    assert ben.post(f"/channels/{channel.id}/accept").status_code == 302
    assert db.session.get(Channel, channel.id).status == "proposed"
    sam = as_user(world.secretariat)
    assert sam.post(f"/channels/{channel.id}/approve").status_code == 302
    channel = db.session.get(Channel, channel.id)
    assert channel.status == "open" and channel.opened_at is not None
    assert audit_actions() == [
        "channel.propose",
        "channel.accept",
        "channel.approve",
        "channel.open",
    ]
    assert ana.get(f"/channels/{channel.id}/threads/new").status_code == 200


def flashed(response):
    """The text of the page a POST led to (its message is shown there)."""
    return response.get_data(as_text=True)


def test_approved_first_the_messages_say_what_the_channel_waits_for_then_guide_to_designate(
    world, as_user
):
    channel = world.proposed()
    sam, ben = as_user(world.secretariat), as_user(world.contact_b)
    page = flashed(sam.post(f"/channels/{channel.id}/approve", follow_redirects=True))
    assert "The channel is approved. It opens once every invited delegation has answered." in page
    assert "now open" not in page

    response = ben.post(f"/channels/{channel.id}/accept")
    # The point of contact who accepts goes on to designate who takes part.
    assert response.headers["Location"].endswith(f"/channels/{channel.id}/participants")
    page = flashed(ben.get(response.headers["Location"]))
    assert "Your delegation is a member, and the channel is now open." in page
    assert "yourself included" in page
    assert "You do not take part in this channel yourself yet" in page
    assert f'<option value="{world.contact_b.id}">Ben</option>' in page
    assert "It opens once" not in page
    # The channel's page says the same, with the way to the designation.
    overview = ben.get(f"/channels/{channel.id}").get_data(as_text=True)
    assert "You do not take part in this channel yourself yet" in overview
    assert f'href="/channels/{channel.id}/participants"' in overview

    # Designating themselves, they read the channel and the hint goes.
    response = ben.post(
        f"/channels/{channel.id}/participants", data={"user": world.contact_b.id}
    )
    assert response.status_code == 302
    page = flashed(ben.get(response.headers["Location"]))
    assert "You do not take part in this channel yourself yet" not in page
    assert ben.get(f"/channels/{channel.id}/threads/new").status_code == 200
    overview = ben.get(f"/channels/{channel.id}").get_data(as_text=True)
    assert "You do not take part in this channel yourself yet" not in overview


def test_accepted_first_the_messages_say_what_happened_in_each_state(world, as_user):
    channel = world.proposed()
    sam, ben = as_user(world.secretariat), as_user(world.contact_b)
    page = flashed(ben.post(f"/channels/{channel.id}/accept", follow_redirects=True))
    assert "Your delegation is a member. It opens once the Secretariat has approved it." in page
    assert "Designate a participant" in page

    page = flashed(sam.post(f"/channels/{channel.id}/approve", follow_redirects=True))
    assert "The channel is approved and now open to its participants." in page
    assert "It opens once" not in page
    assert 'class="badge channel-status-open"' in page


def test_a_proposed_channel_says_what_it_still_waits_for(world, as_user):
    channel = world.proposed(kind="regional", invited=[world.state_b, world.state_c])
    ana = as_user(world.contact_a)
    page = ana.get(f"/channels/{channel.id}").get_data(as_text=True)
    assert (
        "It opens once the Secretariat has approved it and every invited delegation has answered."
        in page
    )
    as_user(world.secretariat).post(f"/channels/{channel.id}/approve")
    as_user(world.contact_b).post(f"/channels/{channel.id}/decline")
    page = ana.get(f"/channels/{channel.id}").get_data(as_text=True)
    assert "It opens once every invited delegation has answered." in page
    # A bilateral channel whose other State declined waits for a delegation to accept.
    bilateral = world.proposed(name="Route 8 case")
    as_user(world.secretariat).post(f"/channels/{bilateral.id}/approve")
    as_user(world.contact_b).post(f"/channels/{bilateral.id}/decline")
    page = ana.get(f"/channels/{bilateral.id}").get_data(as_text=True)
    assert "Too few delegations have accepted for it to open" in page
    assert "It opens once every" not in page


def test_the_order_of_approval_and_answers_is_free_and_a_decline_leaves_the_delegation_out(
    world, as_user
):
    channel = world.proposed(kind="regional", invited=[world.state_b, world.state_c])
    sam, ben, cy = (as_user(u) for u in (world.secretariat, world.contact_b, world.contact_c))
    assert sam.post(f"/channels/{channel.id}/approve").status_code == 302
    assert cy.post(f"/channels/{channel.id}/decline").status_code == 302
    assert db.session.get(Channel, channel.id).status == "proposed"
    assert ben.post(f"/channels/{channel.id}/accept").status_code == 302
    channel = db.session.get(Channel, channel.id)
    assert channel.status == "open"
    assert {m.delegation_id for m in channel.accepted_members} == {
        world.state_a.id,
        world.state_b.id,
    }
    # The declined delegation no longer knows of the channel.
    assert cy.get(f"/channels/{channel.id}").status_code == 404
    assert "Route 7 case" not in cy.get("/channels/").get_data(as_text=True)


def test_a_bilateral_channel_does_not_open_when_the_other_state_declines(world, as_user):
    channel = world.proposed()
    as_user(world.secretariat).post(f"/channels/{channel.id}/approve")
    as_user(world.contact_b).post(f"/channels/{channel.id}/decline")
    assert db.session.get(Channel, channel.id).status == "proposed"


def test_the_secretariat_can_decline_a_proposal(world, as_user):
    channel = world.proposed()
    assert as_user(world.secretariat).post(f"/channels/{channel.id}/refuse").status_code == 302
    assert db.session.get(Channel, channel.id).status == "refused"
    ben = as_user(world.contact_b)
    assert ben.post(f"/channels/{channel.id}/accept").status_code == 404
    assert "channel.refuse" in audit_actions()


def test_inviting_a_delegation_that_is_not_a_state_is_refused_and_nothing_is_saved(world, as_user):
    ana = as_user(world.contact_a)
    response = ana.post(
        "/channels/new",
        data={
            "kind": "regional",
            "name": "Regional exchange",
            "invited": [world.state_b.id, world.organisation.id],
            "secretariat": "no",
        },
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Organisation O cannot be invited" in text
    assert "only States Parties and signatory States" in text
    assert count(Channel) == count(ChannelMember) == len(audit_actions()) == 0


def test_a_channel_without_a_name_or_with_too_few_members_is_refused(world, as_user):
    ana = as_user(world.contact_a)
    no_name = ana.post(
        "/channels/new",
        data={
            "kind": "bilateral",
            "name": "",
            "invited": [world.state_b.id],
            "secretariat": "no",
        },
    )
    alone = ana.post(
        "/channels/new",
        data={"kind": "subregional", "name": "Alone", "secretariat": "no"},
    )
    too_many = ana.post(
        "/channels/new",
        data={
            "kind": "bilateral",
            "name": "Three",
            "invited": [world.state_b.id, world.state_c.id],
            "secretariat": "no",
        },
    )
    assert no_name.status_code == alone.status_code == too_many.status_code == 400
    assert "Invite at least one other delegation." in alone.get_data(as_text=True)
    assert "exactly two member delegations" in too_many.get_data(as_text=True)
    assert count(Channel) == 0


def test_only_points_of_contact_of_states_and_the_secretariat_propose(world, as_user):
    for person in (world.member_a, world.observer):
        assert as_user(person).get("/channels/new").status_code == 404
    assert as_user(world.observer).get("/channels/").status_code == 404
    assert as_user(world.secretariat).get("/channels/new").status_code == 200


def test_the_secretariat_proposes_for_two_states(world, as_user):
    sam = as_user(world.secretariat)
    response = sam.post(
        "/channels/new",
        data={
            "kind": "bilateral",
            "name": "Facilitated exchange",
            "invited": [world.state_a.id, world.state_b.id],
            "secretariat": "yes",
        },
    )
    assert response.status_code == 302
    channel = db.session.scalar(select(Channel))
    assert channel.secretariat_admitted
    assert {m.status for m in channel.members} == {"invited"}
    assert channel.participants == []


def test_a_point_of_contact_designates_only_users_of_its_own_delegation(world, as_user):
    channel = world.opened()
    ben = as_user(world.contact_b)
    before = count(ChannelParticipant)
    response = ben.post(f"/channels/{channel.id}/participants", data={"user": world.bystander_a.id})
    assert response.status_code == 400
    assert "Choose an active user of your own delegation." in response.get_data(as_text=True)
    assert count(ChannelParticipant) == before
    # A member who is not the point of contact cannot designate at all.
    assert as_user(world.member_b).get(f"/channels/{channel.id}/participants").status_code == 404


def test_a_withdrawn_participant_no_longer_sees_the_channel(world, as_user):
    channel = world.opened()
    thread, _message = world.thread(channel)
    bo = as_user(world.member_b)
    assert bo.get(f"/channels/threads/{thread.id}").status_code == 200
    participant = db.session.scalar(
        select(ChannelParticipant).where(ChannelParticipant.user_id == world.member_b.id)
    )
    ben = as_user(world.contact_b)
    response = ben.post(f"/channels/{channel.id}/participants/{participant.id}/remove")
    assert response.status_code == 302
    assert bo.get(f"/channels/threads/{thread.id}").status_code == 404
    assert bo.get(f"/channels/{channel.id}").status_code == 404
    assert "channel.withdraw_participant" in audit_actions()


def test_members_start_threads_and_reply_with_markdown_cleaned_and_attachments(world, as_user):
    channel = world.opened()
    abel = as_user(world.member_a)
    response = abel.post(
        f"/channels/{channel.id}/threads/new",
        data={
            "title": "Seizure at the port",
            "body": "**Serial numbers** attached <script>alert(1)</script>",
            "attachments": [(BytesIO(b"Serial numbers: 1, 2, 3\n"), "serials.txt")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    thread = db.session.scalar(select(ChannelThread))
    message = db.session.scalar(select(ChannelMessage))
    assert "<strong>Serial numbers</strong>" in message.body_html
    assert "<script" not in message.body_html
    attachment = db.session.scalar(select(ChannelAttachment))
    assert attachment.acl == channel.acl
    event = db.session.scalar(select(Event).where(Event.kind == "channel.message"))
    assert (event.subject_type, event.subject_id, event.acl) == (
        "channel_message",
        message.id,
        channel.acl,
    )

    bo = as_user(world.member_b)
    page = bo.get(f"/channels/threads/{thread.id}").get_data(as_text=True)
    assert "Seizure at the port" in page and "serials.txt" in page
    assert "Confidential — diversion information exchange." in page
    download = bo.get(f"/channels/attachments/{attachment.id}")
    assert download.status_code == 200
    assert download.data == b"Serial numbers: 1, 2, 3\n"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download.headers["Cache-Control"]
    assert "attachment" in download.headers["Content-Disposition"]

    reply = bo.post(
        f"/channels/threads/{thread.id}/messages",
        data={"body": "Confirmed on our side."},
    )
    assert reply.status_code == 302
    assert "Confirmed on our side." in bo.get(
        reply.headers["Location"], follow_redirects=True
    ).get_data(as_text=True)


def test_an_empty_message_or_a_refused_file_saves_nothing(world, as_user):
    channel = world.opened()
    thread, _message = world.thread(channel)
    abel = as_user(world.member_a)
    before = count(ChannelMessage)
    empty = abel.post(f"/channels/threads/{thread.id}/messages", data={"body": "  "})
    assert empty.status_code == 400
    bad_file = abel.post(
        f"/channels/threads/{thread.id}/messages",
        data={
            "body": "See the file",
            "attachments": [(BytesIO(b"\x00\x01MZ binary"), "tool.exe")],
        },
        content_type="multipart/form-data",
    )
    assert bad_file.status_code == 400
    assert "tool.exe" in bad_file.get_data(as_text=True)
    assert count(ChannelMessage) == before and count(ChannelAttachment) == 0


def test_posting_to_a_closed_channel_is_refused_with_a_clear_message(world, as_user):
    channel = world.opened()
    thread, _message = world.thread(channel)
    ana = as_user(world.contact_a)
    assert ana.post(f"/channels/{channel.id}/close").status_code == 302
    assert db.session.get(Channel, channel.id).status == "closed"
    before = count(ChannelMessage), count(ChannelThread)
    abel = as_user(world.member_a)
    reply = abel.post(f"/channels/threads/{thread.id}/messages", data={"body": "One more thing"})
    assert reply.status_code == 400
    assert "This channel is closed: it can be read but not added to." in reply.get_data(
        as_text=True
    )
    new = abel.post(
        f"/channels/{channel.id}/threads/new",
        data={"title": "Late", "body": "Too late"},
    )
    assert new.status_code == 400
    assert "This channel is closed" in new.get_data(as_text=True)
    assert (count(ChannelMessage), count(ChannelThread)) == before
    # Still readable.
    assert abel.get(f"/channels/threads/{thread.id}").status_code == 200
    # Archived by the Secretariat; only a closed channel can be archived.
    sam = as_user(world.secretariat)
    assert sam.post(f"/channels/{channel.id}/archive").status_code == 302
    assert db.session.get(Channel, channel.id).status == "archived"
    assert sam.post(f"/channels/{channel.id}/archive").status_code == 404
    assert abel.get(f"/channels/threads/{thread.id}").status_code == 200
    assert audit_actions()[-2:] == ["channel.close", "channel.archive"]


def test_only_the_secretariat_or_the_proposing_contact_close_a_channel(world, as_user):
    channel = world.opened()
    for person in (world.member_a, world.contact_b, world.member_b):
        assert as_user(person).post(f"/channels/{channel.id}/close").status_code == 404
    assert db.session.get(Channel, channel.id).status == "open"
    assert as_user(world.secretariat).post(f"/channels/{channel.id}/close").status_code == 302


def test_an_author_retracts_a_message_leaving_a_tombstone_and_an_audit_entry(world, as_user):
    channel = world.opened()
    thread, _message = world.thread(channel)
    bo = as_user(world.member_b)
    bo.post(
        f"/channels/threads/{thread.id}/messages",
        data={
            "body": "Names of the brokers involved",
            "attachments": [(BytesIO(b"broker list\n"), "brokers.txt")],
        },
        content_type="multipart/form-data",
    )
    message = db.session.scalar(select(ChannelMessage).order_by(ChannelMessage.id.desc()))
    attachment = db.session.scalar(select(ChannelAttachment))
    retract = f"/channels/messages/{message.id}/retract"
    # Another participant cannot retract it, nor reach the question.
    abel = as_user(world.member_a)
    assert abel.get(retract).status_code == 404
    assert abel.post(retract, data=CONFIRMED).status_code == 404
    # The author's "Retract" leads to a question; a POST without the answer changes nothing.
    assert f'href="{retract}"' in bo.get(f"/channels/threads/{thread.id}").get_data(as_text=True)
    question = bo.get(retract).get_data(as_text=True)
    assert "Retract your message?" in question and 'name="confirmed" value="yes"' in question
    assert bo.post(retract).status_code == 200
    assert db.session.get(ChannelMessage, message.id).retracted_at is None
    assert bo.post(retract, data=CONFIRMED).status_code == 302
    db.session.expire_all()
    message = db.session.get(ChannelMessage, message.id)
    assert message.retracted_at is not None and message.body_markdown == message.body_html == ""
    page = bo.get(f"/channels/threads/{thread.id}").get_data(as_text=True)
    assert "Message retracted on" in page and "brokers" not in page
    assert bo.get(f"/channels/attachments/{attachment.id}").status_code == 404
    entry = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "channel.message_retract")
    )
    assert entry.target_id == message.id and entry.actor_id == world.member_b.id
    assert "brokers" not in str(entry.detail)
    assert bo.post(retract, data=CONFIRMED).status_code == 404
