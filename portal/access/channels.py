"""The rules for diversion information exchange channels (DIEF): part of the access policy.

Three circles of people around a channel:
- **readers** hold the principal `channel:<id>` (see `portal.access.principals_of`): the
  designated participants of its accepted member delegations, and the Secretariat when it is
  admitted, once the channel is open (and after, while closed or archived). Only they read its
  threads, messages, attachments and case records.
- **people who know of it** also see its overview page (kind, members, dates, status): the
  points of contact of the delegations invited to it or members of it, its participants before
  it opens, and the Secretariat, which approves it and moderates access. The Secretariat does
  not see its name or purpose unless admitted.
- everyone else: every channel URL answers 404, and no list or count shows the channel.

Every refusal of a channel action answers 404 (`require(..., hide=True)`) so that a channel's
existence never shows; actions take the channel, or the message, attachment or presence change
they act on.
"""

from sqlalchemy import and_, exists, false, or_, select, true

from portal.access import SECRETARIAT, STATE, principals


def member_row(user, channel):
    """The user's delegation's row among the channel's invited delegations, if any."""
    for member in channel.members:
        if member.delegation_id == user.delegation_id:
            return member
    return None


def is_secretariat(user):
    return SECRETARIAT in principals(user)


def reads(user, channel):
    """Holds the channel's principal: reads its content."""
    return channel.acl != "" and channel.acl in principals(user)


def is_contact_of_member(user, channel, statuses=("invited", "accepted")):
    """A point of contact of a delegation invited to the channel or member of it."""
    member = member_row(user, channel)
    return user.is_point_of_contact and member is not None and member.status in statuses


def is_participant(user, channel):
    """Designated by their delegation, and that delegation is a member."""
    member = member_row(user, channel)
    return (
        member is not None
        and member.status == "accepted"
        and any(p.user_id == user.id for p in channel.participants)
    )


def knows_of(user, channel):
    """Sees the channel's overview: its readers, the Secretariat, the points of contact of its
    invited and member delegations, and its participants (before it opens too)."""
    if channel.status == "refused" and not is_secretariat(user):
        return is_contact_of_member(user, channel)
    return (
        is_secretariat(user)
        or reads(user, channel)
        or is_contact_of_member(user, channel)
        or is_participant(user, channel)
    )


def sees_details(user, channel):
    """Sees the name and purpose: everyone who knows of it but a Secretariat not admitted."""
    if reads(user, channel):
        return True
    return knows_of(user, channel) and member_row(user, channel) is not None


def may_use_channels(user, target=None):
    """States Parties, signatory States and the Secretariat take part in the DIEF."""
    return STATE in principals(user)


def is_state_contact(user):
    return user.is_point_of_contact and STATE in principals(user) and not is_secretariat(user)


def manages_channel(user, channel):
    """Closes and archives: the Secretariat, or the proposing delegation's point of contact."""
    return knows_of(user, channel) and (
        is_secretariat(user)
        or (user.is_point_of_contact and user.delegation_id == channel.proposed_by_delegation_id)
    )


def requests_presence_change(user, channel):
    return (
        channel.status in ("proposed", "open", "closed")
        and knows_of(user, channel)
        and (is_secretariat(user) or is_contact_of_member(user, channel, ("accepted",)))
        and not any_pending_change(channel)
    )


def any_pending_change(channel):
    from portal.channels.models import PresenceChange
    from portal.extensions import db

    return db.session.scalar(
        select(
            exists().where(
                PresenceChange.channel_id == channel.id,
                PresenceChange.status == "pending",
            )
        )
    )


def consents_to_change(user, change):
    """A point of contact of a member delegation that has not answered yet."""
    channel = change.channel
    return (
        change.status == "pending"
        and is_contact_of_member(user, channel, ("accepted",))
        and all(consent.delegation_id != user.delegation_id for consent in change.consents)
    )


def known_channels(user):
    """A SQL condition on `Channel`: the channels `user` knows of (see `knows_of`); the list
    and its counts use it, and a test checks it against `can(user, "channel_view", ...)`."""
    from portal.channels.models import Channel, ChannelMember, ChannelParticipant

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return false()
    if is_secretariat(user):
        return true()
    held = [p.partition(":")[2] for p in principals(user) if p.startswith("channel:")]
    own = and_(
        ChannelMember.channel_id == Channel.id,
        ChannelMember.delegation_id == user.delegation_id,
    )
    as_contact = (
        exists().where(own, ChannelMember.status.in_(("invited", "accepted")))
        if user.is_point_of_contact
        else false()
    )
    as_participant = and_(
        Channel.status != "refused",
        exists().where(own, ChannelMember.status == "accepted"),
        exists().where(
            ChannelParticipant.channel_id == Channel.id,
            ChannelParticipant.user_id == user.id,
        ),
    )
    return or_(
        Channel.id.in_([int(number) for number in held]),
        as_contact,
        as_participant,
    )


def invites(user, channel):
    """Invites further delegations while the channel is proposed or open: the Secretariat, or
    the point of contact of the proposing delegation while it is a member. (The services refuse,
    with a message, a third delegation in a bilateral channel.)"""
    if channel.status not in ("proposed", "open"):
        return False
    if is_secretariat(user):
        return True
    return (
        user.is_point_of_contact
        and user.delegation_id == channel.proposed_by_delegation_id
        and is_contact_of_member(user, channel, ("accepted",))
    )


def channel_open_to(user, channel):
    return channel.status == "open" and reads(user, channel)


CHANNEL_RULES = {
    "channel_list": may_use_channels,
    "channel_propose": lambda user, target=None: is_secretariat(user) or is_state_contact(user),
    "channel_view": knows_of,
    "channel_details_view": sees_details,
    "channel_read": reads,
    "channel_approve": lambda user, channel: (
        channel.status == "proposed" and channel.approved_at is None and is_secretariat(user)
    ),
    "channel_refuse": lambda user, channel: channel.status == "proposed" and is_secretariat(user),
    # Invitations sent after the proposal are answered in an open channel too.
    "channel_respond": lambda user, channel: (
        channel.status in ("proposed", "open") and is_contact_of_member(user, channel, ("invited",))
    ),
    "channel_invite": invites,
    "channel_designate": lambda user, channel: (
        channel.status in ("proposed", "open")
        and is_contact_of_member(user, channel, ("accepted",))
    ),
    "channel_thread_create": channel_open_to,
    "channel_thread_view": lambda user, thread: reads(user, thread.channel),
    "channel_message_create": lambda user, thread: channel_open_to(user, thread.channel),
    "channel_message_retract": lambda user, message: (
        message.author_id == user.id
        and message.retracted_at is None
        and message.channel.status in ("open", "closed")
        and reads(user, message.channel)
    ),
    "channel_attachment_download": lambda user, attachment: (
        attachment.message.retracted_at is None and reads(user, attachment.channel)
    ),
    "channel_access_record_view": reads,
    "channel_close": lambda user, channel: (
        channel.status == "open" and manages_channel(user, channel)
    ),
    "channel_archive": lambda user, channel: (
        channel.status == "closed" and manages_channel(user, channel)
    ),
    "channel_presence_request": requests_presence_change,
    "channel_presence_consent": consents_to_change,
}


# Case records and the export of a channel's record (portal/channels/case_views.py) ----------


def takes_part(user, channel):
    """A designated participant who reads the channel. Writing is refused by the services, with
    a message, once the channel is closed."""
    return reads(user, channel) and is_participant(user, channel)


def provides_case(user, case):
    """A participant of the delegation that provided the case record."""
    return (
        case.retracted_at is None
        and takes_part(user, case.channel)
        and user.delegation_id == case.provided_by_delegation_id
    )


CHANNEL_RULES.update(
    {
        "case_view": lambda user, case: reads(user, case.channel),
        # Participants only: an admitted Secretariat reads case records but does not write them.
        "case_create": takes_part,
        "case_edit": provides_case,
        "case_publish": lambda user, case: (
            provides_case(user, case) and bool(case.shareable) and case.summary_message_id is None
        ),
        "case_retract": lambda user, case: (
            case.channel.status in ("open", "closed") and provides_case(user, case)
        ),
        "channel_export": reads,
    }
)
