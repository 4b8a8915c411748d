"""Who may do what with diversion information exchange channels: every channel action x role x
state of the channel through `can()`, and the list's SQL condition and the principals agreeing
with it."""

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from portal.access import can, holders, principals
from portal.access.channels import known_channels
from portal.accounts.models import User
from portal.channels import services
from portal.channels.models import Channel, ChannelAttachment, PresenceChange
from portal.extensions import db

STATES = ("proposed", "open", "closed", "admitted")
EVERYONE = frozenset(
    {
        "proposer",  # A's point of contact, who proposed the channel and takes part
        "participant",  # A's member, designated by A's contact; writes the message
        "invited contact",  # B's point of contact: invited, then member and participant
        "bystander",  # A's member, not designated
        "other channel",  # C's member, participant of another channel
        "observer",  # an international organisation's point of contact
        "secretariat",
    }
)
NOBODY = frozenset()
READERS = frozenset({"proposer", "participant", "invited contact"})
#: Who reads the content in each state: nobody before it opens; the Secretariat when admitted.
READ = {
    "proposed": NOBODY,
    "open": READERS,
    "closed": READERS,
    "admitted": READERS | {"secretariat"},
}
KNOW = {
    "proposed": frozenset({"proposer", "invited contact", "secretariat"}),
    "open": READERS | {"secretariat"},
    "closed": READERS | {"secretariat"},
    "admitted": READERS | {"secretariat"},
}
OPEN_READERS = {
    "proposed": NOBODY,
    "open": READERS,
    "closed": NOBODY,
    "admitted": READ["admitted"],
}


def only(**states):
    """Allowed to these roles in these states, to nobody in the others."""
    return {state: frozenset(states.get(state, ())) for state in STATES}


#: action -> (target, {state: roles allowed}); tests/core/test_access_policy.py checks that every
#: channel action of RULES is here.
CHANNEL_MATRIX = {
    "channel_list": (None, dict.fromkeys(STATES, EVERYONE - {"observer"})),
    "channel_propose": (
        None,
        dict.fromkeys(STATES, frozenset({"proposer", "invited contact", "secretariat"})),
    ),
    "channel_view": ("channel", KNOW),
    "channel_details_view": (
        "channel",
        {
            "proposed": frozenset({"proposer", "invited contact"}),
            "open": READERS,
            "closed": READERS,
            "admitted": READ["admitted"],
        },
    ),
    "channel_read": ("channel", READ),
    "channel_approve": ("channel", only(proposed={"secretariat"})),
    "channel_refuse": ("channel", only(proposed={"secretariat"})),
    "channel_respond": ("channel", only(proposed={"invited contact"})),
    # The bilateral channel of the matrix is full: the service refuses with a message (see
    # tests/channels/test_invite.py), the rule lets the page say so.
    "channel_invite": (
        "channel",
        only(
            proposed={"proposer", "secretariat"},
            open={"proposer", "secretariat"},
            admitted={"proposer", "secretariat"},
        ),
    ),
    "channel_designate": (
        "channel",
        only(
            proposed={"proposer"},
            open={"proposer", "invited contact"},
            admitted={"proposer", "invited contact"},
        ),
    ),
    "channel_thread_create": ("channel", OPEN_READERS),
    "channel_thread_view": ("thread", READ),
    "channel_message_create": ("thread", OPEN_READERS),
    "channel_message_retract": (
        "message",
        only(open={"participant"}, closed={"participant"}, admitted={"participant"}),
    ),
    "channel_attachment_download": ("attachment", READ),
    "channel_access_record_view": ("channel", READ),
    "channel_close": (
        "channel",
        only(open={"proposer", "secretariat"}, admitted={"proposer", "secretariat"}),
    ),
    "channel_archive": ("channel", only(closed={"proposer", "secretariat"})),
    "channel_presence_request": (
        "channel",
        {
            "proposed": frozenset({"proposer", "secretariat"}),
            "open": frozenset({"proposer", "invited contact", "secretariat"}),
            "closed": frozenset({"proposer", "invited contact", "secretariat"}),
            "admitted": frozenset({"proposer", "invited contact", "secretariat"}),
        },
    ),
    "channel_presence_consent": (
        "change",
        {
            "proposed": frozenset({"proposer"}),
            "open": frozenset({"proposer", "invited contact"}),
            "closed": frozenset({"proposer", "invited contact"}),
            "admitted": frozenset({"proposer", "invited contact"}),
        },
    ),
}


def actors(world):
    return {
        "anonymous": AnonymousUserMixin(),
        "proposer": world.contact_a,
        "participant": world.member_a,
        "invited contact": world.contact_b,
        "bystander": world.bystander_a,
        "other channel": world.member_c,
        "observer": world.observer,
        "secretariat": world.secretariat,
    }


def channel_in(world, state):
    """The channel of A and B in `state`, with a thread, a message of A's member with an
    attachment (once open), and a change of presence asked by the Secretariat."""
    world.other_channel()
    if state == "proposed":
        channel = world.proposed()
        targets = {"channel": channel}
    else:
        channel = world.opened(admitted=state == "admitted")
        thread, message = world.thread(channel, author=world.member_a)
        attachment = ChannelAttachment(
            channel_id=channel.id,
            message=message,
            sha256="0" * 64,
            size=1,
            mime_type="text/plain",
            name="note.txt",
            acl=channel.acl,
        )
        db.session.add(attachment)
        if state == "closed":
            services.close_channel(channel, world.contact_a)
        db.session.commit()
        targets = {
            "channel": channel,
            "thread": thread,
            "message": message,
            "attachment": attachment,
        }
    change = PresenceChange(
        channel_id=channel.id,
        admitted=not channel.secretariat_admitted,
        requested_by_id=world.secretariat.id,
        channel=channel,
    )
    db.session.add(change)
    db.session.commit()
    targets["change"] = change
    targets[None] = None
    return channel, targets


def without_pending_change(action, targets):
    """`channel_presence_request` is refused while a change waits: test it without one."""
    if action == "channel_presence_request":
        db.session.delete(targets["change"])
        db.session.commit()


@pytest.mark.parametrize("state", STATES)
def test_channel_permission_matrix(world, state):
    people = actors(world)
    channel, targets = channel_in(world, state)
    wrong = []
    for action, (target, allowed) in CHANNEL_MATRIX.items():
        if action == "channel_presence_request" or target not in targets:
            continue  # no thread, message or attachment before the channel opens
        for role, actor in people.items():
            expected = role in allowed[state]
            if can(actor, action, targets[target]) != expected:
                wrong.append(f"{action} by {role}: expected {'allow' if expected else 'deny'}")
    without_pending_change("channel_presence_request", targets)
    _target, allowed = CHANNEL_MATRIX["channel_presence_request"]
    for role, actor in people.items():
        expected = role in allowed[state]
        if can(actor, "channel_presence_request", channel) != expected:
            wrong.append(f"channel_presence_request by {role}: expected {expected}")
    assert not wrong, f"{state}: " + "; ".join(wrong)


@pytest.mark.parametrize("state", STATES)
def test_the_list_shows_exactly_the_channels_people_know_of(world, state):
    people = actors(world)
    channel, _targets = channel_in(world, state)
    for role, actor in people.items():
        if role == "anonymous":
            continue
        listed = set(db.session.scalars(select(Channel.id).where(known_channels(actor))))
        assert (channel.id in listed) == can(actor, "channel_view", channel), role
        assert (channel.id in listed) == (role in KNOW[state]), role


@pytest.mark.parametrize("state", STATES)
def test_holders_of_the_channel_principal_are_exactly_its_readers(world, state):
    people = actors(world)
    channel, _targets = channel_in(world, state)
    selected = set(db.session.scalars(select(User.id).where(holders(channel.acl))))
    everybody = db.session.scalars(select(User)).all()
    expected = {person.id for person in everybody if channel.acl in principals(person)}
    assert selected == expected
    assert {r for r, p in people.items() if getattr(p, "id", None) in selected} == READ[state]


# Case records and the export of the record (portal/channels/case_views.py). The actions on a
# case record are tried by tests/channels/test_cases.py::test_case_permission_matrix, on a record
# provided by A; those on the channel by the matrix test above too.
PROVIDERS = frozenset({"proposer", "participant"})
CHANNEL_MATRIX.update(
    {
        "case_view": ("case", READ),
        # Participants; the services refuse with a message once the channel is closed.
        "case_create": ("channel", {**READ, "admitted": READERS}),
        "case_edit": (
            "case",
            only(open=PROVIDERS, closed=PROVIDERS, admitted=PROVIDERS),
        ),
        "case_publish": (
            "case",
            only(open=PROVIDERS, closed=PROVIDERS, admitted=PROVIDERS),
        ),
        "case_retract": ("case", only(open=PROVIDERS, closed=PROVIDERS, admitted=PROVIDERS)),
        "channel_export": ("channel", READ),
    }
)
