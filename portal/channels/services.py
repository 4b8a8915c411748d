"""Writes of the diversion information exchange channels: proposals, approval, invitations and
answers, participants, threads, messages and attachments, retraction, the Secretariat's
presence with every member's consent, closing and archiving, and the access record.

Every function checks what the data must satisfy (not who may act: the view has asked the
access policy), changes rows, records audit entries and events in the same transaction, and
raises `ChannelError` with a message a person can read when the change is not possible; nothing
is written then. The view commits once.
"""

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.models import Delegation, DelegationKind, Role, User, UserStatus
from portal.channels.models import (
    AccessAction,
    Channel,
    ChannelAccessRecord,
    ChannelAttachment,
    ChannelKind,
    ChannelMember,
    ChannelMessage,
    ChannelParticipant,
    ChannelStatus,
    ChannelThread,
    MemberStatus,
    PresenceChange,
    PresenceChangeStatus,
    PresenceConsent,
)
from portal.core.audit import record
from portal.core.events import emit
from portal.core.files import FileRejected, check
from portal.core.mail import external_url, queue_email
from portal.core.models import now_utc
from portal.core.text import render_markdown
from portal.extensions import db
from portal.notifications.services import follow_channel, unfollow_channel
from portal.search.attachments import queue_reading
from portal.search.engine import queue_index

NAME_MAX = 200
TITLE_MAX = 300
PURPOSE_MAX = 5000
#: Only States Parties and signatory States take part in the DIEF.
MEMBER_KINDS = (DelegationKind.STATE_PARTY.value, DelegationKind.SIGNATORY.value)
#: The kind of search item of a message (portal.channels.search, registered in create_app).
MESSAGE_INDEX_KIND = "channel_message"


class ChannelError(Exception):
    """A change that cannot be made; the message is meant for the person who asked.

    `field` names the form field the message belongs to, when it belongs to one.
    """

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def touch(channel, at=None):
    channel.last_activity_at = at or now_utc()


# Proposal, approval, invitations --------------------------------------------------------------


def tell_waiting(people, reason):
    """Email `people` that a channel awaits their answer ("invitation") or approval
    ("proposal"). Like every email about channels it names no channel, purpose or member."""
    subject = (
        _l("A channel invitation awaits your answer")
        if reason == "invitation"
        else _l("A channel proposal awaits approval")
    )
    for person in people:
        queue_email(
            person.email,
            person.language,
            "channel_waiting",
            subject,
            name=person.name,
            reason=reason,
            link=external_url("channels.index"),
        )


def tell_invited(delegations):
    """Tell the active points of contact of `delegations` that an invitation awaits them."""
    tell_waiting(
        db.session.scalars(
            select(User).where(
                User.delegation_id.in_([delegation.id for delegation in delegations]),
                User.role == Role.POINT_OF_CONTACT.value,
                User.status == UserStatus.ACTIVE.value,
            )
        ).all(),
        "invitation",
    )


def tell_secretariat_of_proposal():
    """Tell the active Secretariat users that a proposal awaits approval."""
    tell_waiting(
        db.session.scalars(
            select(User)
            .join(Delegation, User.delegation_id == Delegation.id)
            .where(
                Delegation.kind == DelegationKind.SECRETARIAT.value,
                User.status == UserStatus.ACTIVE.value,
            )
        ).all(),
        "proposal",
    )


def find_invitees(invited_ids):
    """The delegations of `invited_ids`, each once, in the order given.

    Raises ChannelError when one does not exist or is not a State Party or signatory State.
    """
    ids = []
    for value in invited_ids:
        number = int(value)
        if number not in ids:
            ids.append(number)
    found = {d.id: d for d in db.session.scalars(select(Delegation).where(Delegation.id.in_(ids)))}
    if len(found) != len(ids):
        raise ChannelError(_l("One of the delegations you chose does not exist."), "invited")
    invitees = [found[number] for number in ids]
    refused = [d for d in invitees if d.kind not in MEMBER_KINDS]
    if refused:
        raise ChannelError(
            _l(
                "%(name)s cannot be invited: only States Parties and signatory States take part "
                "in diversion information exchange channels.",
                name=refused[0].display_name,
            ),
            "invited",
        )
    return invitees


def propose_channel(by, kind, name, purpose, invited_ids, secretariat_admitted):
    """Propose a channel and invite delegations. A State's point of contact proposes for its
    delegation, which is a member at once and has them as its first participant; the Secretariat
    proposes for the invited delegations only. The channel opens when the Secretariat has
    approved it and every invited delegation has answered (see `open_when_ready`).

    Raises ChannelError for an unknown kind, an empty or long name, an invitee that is not a
    State Party or signatory (or not found), or too few delegations for the kind.
    """
    if kind not in {k.value for k in ChannelKind}:
        raise ChannelError(_l("Choose the kind of channel."), "kind")
    name = " ".join((name or "").split())
    if not name:
        raise ChannelError(_l("Give the channel a name."), "name")
    if len(name) > NAME_MAX:
        raise ChannelError(
            _l("The name is too long: at most %(count)d characters.", count=NAME_MAX),
            "name",
        )
    purpose = (purpose or "").strip()
    if len(purpose) > PURPOSE_MAX:
        raise ChannelError(
            _l(
                "The purpose is too long: at most %(count)d characters.",
                count=PURPOSE_MAX,
            ),
            "purpose",
        )
    invitees = find_invitees(invited_ids)
    proposer_is_member = by.delegation.kind in MEMBER_KINDS
    invitees = [d for d in invitees if not (proposer_is_member and d.id == by.delegation_id)]
    members = len(invitees) + (1 if proposer_is_member else 0)
    kind_enum = ChannelKind(kind)
    if kind_enum is ChannelKind.BILATERAL and members != 2:
        raise ChannelError(_l("A bilateral channel has exactly two member delegations."), "invited")
    needed = 1 if kind_enum.opens_with_one_member else 2
    if members < needed:
        raise ChannelError(
            _l("Invite at least one other delegation.")
            if proposer_is_member
            else _l("Invite at least two delegations."),
            "invited",
        )
    now = now_utc()
    channel = Channel(
        kind=kind,
        name=name,
        purpose=purpose,
        status=ChannelStatus.PROPOSED.value,
        secretariat_admitted=bool(secretariat_admitted),
        proposed_by_id=by.id,
        proposed_by_delegation_id=by.delegation_id,
        last_activity_at=now,
    )
    db.session.add(channel)
    db.session.flush()
    channel.derive_acl()
    if proposer_is_member:
        channel.members.append(
            ChannelMember(
                delegation_id=by.delegation_id,
                status=MemberStatus.ACCEPTED.value,
                invited_at=now,
                invited_by_id=by.id,
                responded_at=now,
                responded_by_id=by.id,
            )
        )
        take_part(channel, by, by, now)
    for delegation in invitees:
        channel.members.append(
            ChannelMember(delegation_id=delegation.id, invited_at=now, invited_by_id=by.id)
        )
    db.session.flush()
    record(
        "channel.propose",
        target=channel,
        actor=by,
        kind=kind,
        delegations=sorted(m.delegation_id for m in channel.members),
        secretariat_admitted=channel.secretariat_admitted,
    )
    tell_invited(invitees)
    if not by.is_secretariat:
        tell_secretariat_of_proposal()
    return channel


def invite_delegations(channel, by, invited_ids):
    """Invite further delegations to a proposed or open channel (the view has checked that `by`
    is the Secretariat or the proposing delegation's point of contact). Each invited
    delegation's point of contact accepts or declines as with the first invitations; in an open
    channel an acceptance makes the delegation a member at once. A delegation that declined
    earlier may be asked again. Returns the invited delegations.

    Raises ChannelError when the channel is neither proposed nor open, nothing is chosen, a
    delegation does not exist, is not a State Party or signatory, is already invited or a
    member, or a bilateral channel would have more than two delegations; nothing is written.
    """
    if channel.status not in (ChannelStatus.PROPOSED.value, ChannelStatus.OPEN.value):
        raise ChannelError(
            _l("Delegations can be invited only while the channel is proposed or open."),
            "invited",
        )
    invitees = find_invitees(invited_ids)
    if not invitees:
        raise ChannelError(_l("Choose at least one delegation to invite."), "invited")
    rows = {member.delegation_id: member for member in channel.members}
    for delegation in invitees:
        row = rows.get(delegation.id)
        if row is not None and row.status == MemberStatus.ACCEPTED.value:
            raise ChannelError(
                _l(
                    "%(name)s is already a member of this channel.",
                    name=delegation.display_name,
                ),
                "invited",
            )
        if row is not None and row.status == MemberStatus.INVITED.value:
            raise ChannelError(
                _l(
                    "%(name)s is already invited to this channel.",
                    name=delegation.display_name,
                ),
                "invited",
            )
    if channel.kind_enum is ChannelKind.BILATERAL:
        taking_part = [
            member
            for member in channel.members
            if member.status in (MemberStatus.INVITED.value, MemberStatus.ACCEPTED.value)
        ]
        if len(taking_part) + len(invitees) > 2:
            raise ChannelError(
                _l(
                    "A bilateral channel never has more than two member delegations: no other "
                    "delegation can be invited to it."
                ),
                "invited",
            )
    now = now_utc()
    for delegation in invitees:
        row = rows.get(delegation.id)
        if row is None:
            channel.members.append(
                ChannelMember(delegation_id=delegation.id, invited_at=now, invited_by_id=by.id)
            )
        else:  # it declined earlier and is asked again
            row.status = MemberStatus.INVITED.value
            row.invited_at = now
            row.invited_by_id = by.id
            row.responded_at = None
            row.responded_by_id = None
    touch(channel, now)
    db.session.flush()
    record(
        "channel.invite",
        target=channel,
        actor=by,
        delegations=[delegation.id for delegation in invitees],
    )
    tell_invited(invitees)
    return invitees


def approve_channel(channel, by):
    """The Secretariat approves a proposal; it opens once every invitation is answered."""
    channel.approved_at = now_utc()
    channel.approved_by_id = by.id
    touch(channel)
    record("channel.approve", target=channel, actor=by)
    open_when_ready(channel, by)


def refuse_channel(channel, by):
    """The Secretariat declines a proposal; it never opens."""
    channel.status = ChannelStatus.REFUSED.value
    channel.approved_at = now_utc()
    channel.approved_by_id = by.id
    touch(channel)
    record("channel.refuse", target=channel, actor=by)


def respond(channel, by, accept):
    """A point of contact accepts or declines its delegation's invitation. A delegation that
    declines is not a member; the channel can still open with the others. In a channel that is
    already open, a delegation that accepts is a member at once (its point of contact then
    designates who takes part)."""
    member = next(m for m in channel.members if m.delegation_id == by.delegation_id)
    member.status = (MemberStatus.ACCEPTED if accept else MemberStatus.DECLINED).value
    member.responded_at = now_utc()
    member.responded_by_id = by.id
    touch(channel)
    record(
        "channel.accept" if accept else "channel.decline",
        target=channel,
        actor=by,
        delegation_id=by.delegation_id,
    )
    open_when_ready(channel, by)


def open_when_ready(channel, by):
    """Open the channel when the Secretariat has approved it, no invitation waits for an answer,
    and enough delegations accepted (two; one for a plenary or regional channel)."""
    if channel.status != ChannelStatus.PROPOSED.value or channel.approved_at is None:
        return
    if any(m.status == MemberStatus.INVITED.value for m in channel.members):
        return
    needed = 1 if channel.kind_enum.opens_with_one_member else 2
    if len(channel.accepted_members) < needed:
        return
    channel.status = ChannelStatus.OPEN.value
    channel.opened_at = now_utc()
    touch(channel, channel.opened_at)
    record("channel.open", target=channel, actor=by)
    # Its participants, who follow it, are told (by the notifications, naming no channel).
    emit("channel.opened", channel, actor=by)


# Participants ---------------------------------------------------------------------------------


def take_part(channel, person, by, at):
    """`person` becomes a participant of `channel`, designated by `by`, and follows the channel
    (they may stop following it)."""
    channel.participants.append(
        ChannelParticipant(user_id=person.id, designated_by_id=by.id, designated_at=at)
    )
    follow_channel(person, channel)


def designate(channel, by, user_id):
    """The point of contact designates one of its own delegation's active users, who then
    follows the channel.

    Raises ChannelError for a user of another delegation, one not active, or one already
    designated.
    """
    person = db.session.get(User, user_id) if user_id else None
    if person is None or person.delegation_id != by.delegation_id or not person.is_active:
        raise ChannelError(_l("Choose an active user of your own delegation."), "user")
    if any(p.user_id == person.id for p in channel.participants):
        raise ChannelError(
            _l("%(name)s already takes part in this channel.", name=person.name), "user"
        )
    take_part(channel, person, by, now_utc())
    touch(channel)
    record("channel.designate", target=channel, actor=by, user_id=person.id)
    return person


def remove_participant(channel, by, participant):
    """The point of contact withdraws one of its own delegation's participants, who no longer
    follows the channel."""
    if participant.channel_id != channel.id or participant.user.delegation_id != by.delegation_id:
        raise ChannelError(_l("You can only withdraw participants of your own delegation."))
    user_id = participant.user_id
    channel.participants.remove(participant)
    db.session.delete(participant)
    unfollow_channel(user_id, channel)
    touch(channel)
    record("channel.withdraw_participant", target=channel, actor=by, user_id=user_id)


# Threads, messages, attachments ---------------------------------------------------------------


def check_open(channel):
    if channel.status != ChannelStatus.OPEN.value:
        raise ChannelError(_l("This channel is closed: it can be read but not added to."), "body")


def check_body(body):
    body = (body or "").strip()
    if not body:
        raise ChannelError(_l("Write something before sending."), "body")
    limit = current_app.config["PORTAL_POST_MAX_CHARS"]
    if len(body) > limit:
        raise ChannelError(
            _l("The message is too long: at most %(count)d characters.", count=limit),
            "body",
        )
    return body


def create_thread(channel, author, title, body, files=(), announce=True):
    """Start a thread with its first message (`announce`: see `post_message`). Raises
    ChannelError when the channel is not open, the title or body is empty or too long, or a file
    is refused."""
    check_open(channel)
    title = " ".join((title or "").split())
    if not title:
        raise ChannelError(_l("Give the thread a title."), "title")
    if len(title) > TITLE_MAX:
        raise ChannelError(
            _l("The title is too long: at most %(count)d characters.", count=TITLE_MAX),
            "title",
        )
    check_body(body)
    thread = ChannelThread(
        channel_id=channel.id,
        title=title,
        created_by_id=author.id,
        acl=channel.acl,
        last_activity_at=now_utc(),
    )
    db.session.add(thread)
    db.session.flush()
    message = post_message(thread, author, body, files, announce)
    return thread, message


def post_message(thread, author, body, files=(), announce=True):
    """Add a message (Markdown, cleaned once) with its attachments to a thread of an open
    channel, and (with `announce`) emit `channel.message` for the notifications; the first
    message of a case record's thread is not announced: the case record is.

    Raises ChannelError when the channel is not open, the body is empty or too long, or a file
    is refused; then nothing is written, not even the other files.
    """
    channel = thread.channel
    check_open(channel)
    body = check_body(body)
    accepted = check_files(files)
    now = now_utc()
    message = ChannelMessage(
        channel_id=channel.id,
        thread=thread,
        author_id=author.id,
        delegation_id=author.delegation_id,
        body_markdown=body,
        body_html=render_markdown(body),
        acl=channel.acl,
        created_at=now,
    )
    db.session.add(message)
    db.session.flush()
    added = []
    for checked in accepted:
        stored = checked.save()
        added.append(
            ChannelAttachment(
                channel_id=channel.id,
                message=message,
                sha256=stored.sha256,
                size=stored.size,
                mime_type=stored.kind.mime_type,
                name=stored.download_name,
                acl=channel.acl,
            )
        )
    db.session.add_all(added)
    db.session.flush()
    queue_reading(MESSAGE_INDEX_KIND, added)
    thread.last_activity_at = now
    touch(channel, now)
    if announce:
        emit("channel.message", message, actor=author)
    queue_index(MESSAGE_INDEX_KIND, message.id)
    return message


def check_files(files):
    checked = []
    for upload in files:
        if not upload or not upload.filename:
            continue
        try:
            checked.append(check(upload.stream, upload.filename))
        except FileRejected as error:
            raise ChannelError(
                _l("%(name)s: %(reason)s", name=upload.filename, reason=error.message),
                "attachments",
            ) from error
    return checked


def retract_message(message, by):
    """The author takes a message back: a tombstone stays, its text is emptied (the audit log
    keeps the fact, not the text), its attachments are no longer served, and the followers who
    were told of it are told of the retraction."""
    message.retracted_at = now_utc()
    message.retracted_by_id = by.id
    message.body_markdown = ""
    message.body_html = ""
    record(
        "channel.message_retract",
        target=message,
        actor=by,
        channel_id=message.channel_id,
        attachments=[a.id for a in message.attachments],
    )
    # Those who were told of the message are told that it was retracted.
    emit("channel.message_retracted", message, actor=by)
    queue_index(MESSAGE_INDEX_KIND, message.id)  # its text leaves the index


# Closing and archiving ------------------------------------------------------------------------


def close_channel(channel, by):
    """Close an open channel: it stays readable by its members, nobody adds to it."""
    channel.status = ChannelStatus.CLOSED.value
    channel.closed_at = now_utc()
    touch(channel, channel.closed_at)
    record("channel.close", target=channel, actor=by)


def archive_channel(channel, by):
    """Archive a closed channel: still readable by its members, listed apart."""
    channel.status = ChannelStatus.ARCHIVED.value
    channel.archived_at = now_utc()
    touch(channel, channel.archived_at)
    record("channel.archive", target=channel, actor=by)


# The Secretariat's presence -------------------------------------------------------------------


def request_presence_change(channel, by, admitted):
    """Ask to admit the Secretariat to the channel's content, or to withdraw it. A point of
    contact who asks consents for its own delegation; the change applies once every member
    delegation has consented.

    Raises ChannelError when `admitted` is already the channel's setting.
    """
    admitted = bool(admitted)
    if admitted == channel.secretariat_admitted:
        raise ChannelError(
            _l("The Secretariat is already admitted to this channel.")
            if admitted
            else _l("The Secretariat is already not admitted to this channel."),
            "admitted",
        )
    change = PresenceChange(
        channel_id=channel.id, admitted=admitted, requested_by_id=by.id, channel=channel
    )
    db.session.add(change)
    db.session.flush()
    record(
        "channel.presence_request",
        target=channel,
        actor=by,
        change_id=change.id,
        admitted=admitted,
    )
    if any(m.delegation_id == by.delegation_id for m in channel.accepted_members):
        answer_presence_change(change, by, True)
    return change


def answer_presence_change(change, by, consent):
    """A member delegation's point of contact consents or refuses. One refusal refuses the
    change; when every member delegation has consented, the change is applied."""
    now = now_utc()
    change.consents.append(
        PresenceConsent(
            delegation_id=by.delegation_id, consented=bool(consent), by_id=by.id, at=now
        )
    )
    channel = change.channel
    record(
        "channel.presence_consent" if consent else "channel.presence_refuse",
        target=channel,
        actor=by,
        change_id=change.id,
        delegation_id=by.delegation_id,
    )
    if not consent:
        change.status = PresenceChangeStatus.REFUSED.value
        change.decided_at = now
        return
    agreed = {c.delegation_id for c in change.consents if c.consented}
    if all(m.delegation_id in agreed for m in channel.accepted_members):
        change.status = PresenceChangeStatus.APPLIED.value
        change.decided_at = now
        channel.secretariat_admitted = change.admitted
        touch(channel, now)
        record(
            "channel.presence_apply",
            target=channel,
            actor=by,
            change_id=change.id,
            admitted=change.admitted,
        )


# The access record ----------------------------------------------------------------------------


def record_access(user, channel, action, object_type, object_id=None):
    """Append to the channel's access record that `user` did `action` (an AccessAction value:
    view_channel, view_thread, view_case, download, export) on the object named by
    `object_type` ("channel", "thread", "case", "attachment", "export") and `object_id`."""
    db.session.add(
        ChannelAccessRecord(
            channel_id=channel.id,
            user_id=user.id,
            action=AccessAction(action).value,
            object_type=object_type,
            object_id=object_id,
            at=now_utc(),
        )
    )
