"""Diversion information exchange channels (DIEF): channels, their member delegations and
designated participants, threads of messages with attachments, case records, the access record,
and changes of the Secretariat's presence with each member's consent.

Every readable row stores its `acl`, always `channel:<channel id>`: only the people who hold that
principal (see portal.access.principals_of) read it. A channel's own `acl` is set right after
its id is known (the service flushes, then sets it); until then it is empty, which nobody holds.
"""

import enum

from flask_babel import lazy_gettext as _l

from portal.core.models import CreatedMixin, IdMixin, now_utc
from portal.extensions import db


def enum_column(enum_class, name, **kwargs):
    """A column holding the value of one member of `enum_class`, stored as a string."""
    return db.Column(
        db.Enum(*[member.value for member in enum_class], name=name, native_enum=False),
        **kwargs,
    )


class ChannelKind(enum.Enum):
    PLENARY = "plenary"
    REGIONAL = "regional"
    SUBREGIONAL = "subregional"
    BILATERAL = "bilateral"
    CASE = "case"

    @property
    def label(self):
        return CHANNEL_KIND_LABELS[self]

    @property
    def opens_with_one_member(self):
        """A plenary or regional channel may open with one member delegation; the others
        need at least two."""
        return self in (ChannelKind.PLENARY, ChannelKind.REGIONAL)


CHANNEL_KIND_LABELS = {
    ChannelKind.PLENARY: _l("DIEF plenary"),
    ChannelKind.REGIONAL: _l("Regional"),
    ChannelKind.SUBREGIONAL: _l("Sub-regional"),
    ChannelKind.BILATERAL: _l("Bilateral"),
    ChannelKind.CASE: _l("Case"),
}


class ChannelStatus(enum.Enum):
    PROPOSED = "proposed"
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"
    #: The Secretariat declined the proposal.
    REFUSED = "refused"

    @property
    def label(self):
        return CHANNEL_STATUS_LABELS[self]


CHANNEL_STATUS_LABELS = {
    ChannelStatus.PROPOSED: _l("Proposed"),
    ChannelStatus.OPEN: _l("Open"),
    ChannelStatus.CLOSED: _l("Closed (read-only)"),
    ChannelStatus.ARCHIVED: _l("Archived"),
    ChannelStatus.REFUSED: _l("Refused by the Secretariat"),
}

#: The statuses in which members read the channel (a proposed or refused one has no content).
READABLE_STATUSES = (
    ChannelStatus.OPEN.value,
    ChannelStatus.CLOSED.value,
    ChannelStatus.ARCHIVED.value,
)


class MemberStatus(enum.Enum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"

    @property
    def label(self):
        return {
            MemberStatus.INVITED: _l("Invited"),
            MemberStatus.ACCEPTED: _l("Member"),
            MemberStatus.DECLINED: _l("Declined"),
        }[self]


class Channel(IdMixin, CreatedMixin, db.Model):
    __tablename__ = "channels"

    kind = enum_column(ChannelKind, "channel_kind", nullable=False)
    name = db.Column(db.String(200), nullable=False)
    purpose = db.Column(db.Text, nullable=False, default="")
    status = enum_column(
        ChannelStatus,
        "channel_status",
        nullable=False,
        default=ChannelStatus.PROPOSED.value,
        index=True,
    )
    #: Whether the Secretariat reads the content; set at creation, changed only with the
    #: consent of every member delegation (PresenceChange).
    secretariat_admitted = db.Column(db.Boolean, nullable=False)
    proposed_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    proposed_by_delegation_id = db.Column(
        db.Integer, db.ForeignKey("delegations.id"), nullable=False
    )
    #: When and by whom the Secretariat approved (or, with status `refused`, declined) it.
    approved_at = db.Column(db.DateTime)
    approved_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    opened_at = db.Column(db.DateTime)
    closed_at = db.Column(db.DateTime)
    archived_at = db.Column(db.DateTime)
    #: The last message, thread, case record or membership change.
    last_activity_at = db.Column(db.DateTime, nullable=False, default=now_utc)
    acl = db.Column(db.String(64), nullable=False, default="", index=True)

    proposed_by = db.relationship("User", foreign_keys=[proposed_by_id])
    proposed_by_delegation = db.relationship("Delegation")
    approved_by = db.relationship("User", foreign_keys=[approved_by_id])
    members = db.relationship(
        "ChannelMember",
        back_populates="channel",
        order_by="ChannelMember.id",
        cascade="all, delete-orphan",
    )
    participants = db.relationship(
        "ChannelParticipant",
        back_populates="channel",
        order_by="ChannelParticipant.id",
        cascade="all, delete-orphan",
    )

    def derive_acl(self):
        self.acl = f"channel:{self.id}"

    @property
    def kind_enum(self):
        return ChannelKind(self.kind)

    @property
    def status_enum(self):
        return ChannelStatus(self.status)

    @property
    def is_open(self):
        return self.status == ChannelStatus.OPEN.value

    @property
    def is_readable(self):
        return self.status in READABLE_STATUSES

    @property
    def accepted_members(self):
        return [member for member in self.members if member.status == MemberStatus.ACCEPTED.value]

    @property
    def is_full(self):
        """A bilateral channel with two delegations invited or members: no other can join."""
        taking_part = [
            member
            for member in self.members
            if member.status in (MemberStatus.INVITED.value, MemberStatus.ACCEPTED.value)
        ]
        return self.kind == ChannelKind.BILATERAL.value and len(taking_part) >= 2


class ChannelMember(IdMixin, db.Model):
    """A delegation invited to a channel, and its answer."""

    __tablename__ = "channel_members"
    __table_args__ = (db.UniqueConstraint("channel_id", "delegation_id"),)

    channel_id = db.Column(db.Integer, db.ForeignKey("channels.id"), nullable=False, index=True)
    delegation_id = db.Column(
        db.Integer, db.ForeignKey("delegations.id"), nullable=False, index=True
    )
    status = enum_column(
        MemberStatus,
        "channel_member_status",
        nullable=False,
        default=MemberStatus.INVITED.value,
    )
    invited_at = db.Column(db.DateTime, nullable=False, default=now_utc)
    invited_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    responded_at = db.Column(db.DateTime)
    responded_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))

    channel = db.relationship("Channel", back_populates="members")
    delegation = db.relationship("Delegation", lazy="joined")
    invited_by = db.relationship("User", foreign_keys=[invited_by_id])
    responded_by = db.relationship("User", foreign_keys=[responded_by_id])

    @property
    def status_enum(self):
        return MemberStatus(self.status)


class ChannelParticipant(IdMixin, db.Model):
    """A user whom their delegation's point of contact designated to take part in a channel."""

    __tablename__ = "channel_participants"
    __table_args__ = (db.UniqueConstraint("channel_id", "user_id"),)

    channel_id = db.Column(db.Integer, db.ForeignKey("channels.id"), nullable=False, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    designated_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    designated_at = db.Column(db.DateTime, nullable=False, default=now_utc)

    channel = db.relationship("Channel", back_populates="participants")
    user = db.relationship("User", foreign_keys=[user_id], lazy="joined")
    designated_by = db.relationship("User", foreign_keys=[designated_by_id])


class ChannelThread(IdMixin, CreatedMixin, db.Model):
    __tablename__ = "channel_threads"

    channel_id = db.Column(db.Integer, db.ForeignKey("channels.id"), nullable=False, index=True)
    title = db.Column(db.String(300), nullable=False)
    created_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    last_activity_at = db.Column(db.DateTime, nullable=False, default=now_utc, index=True)
    acl = db.Column(db.String(64), nullable=False, index=True)

    channel = db.relationship("Channel", backref=db.backref("threads", lazy="dynamic"))
    created_by = db.relationship("User")
    messages = db.relationship(
        "ChannelMessage",
        back_populates="thread",
        order_by="ChannelMessage.id",
        lazy="dynamic",
    )


class ChannelMessage(IdMixin, CreatedMixin, db.Model):
    __tablename__ = "channel_messages"

    channel_id = db.Column(db.Integer, db.ForeignKey("channels.id"), nullable=False, index=True)
    thread_id = db.Column(
        db.Integer, db.ForeignKey("channel_threads.id"), nullable=False, index=True
    )
    author_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    #: The author's delegation when the message was written.
    delegation_id = db.Column(db.Integer, db.ForeignKey("delegations.id"), nullable=False)
    #: Markdown as written and the cleaned HTML rendered from it once; both are emptied when
    #: the message is retracted (the audit log keeps the fact, not the text).
    body_markdown = db.Column(db.Text, nullable=False)
    body_html = db.Column(db.Text, nullable=False)
    retracted_at = db.Column(db.DateTime)
    retracted_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    acl = db.Column(db.String(64), nullable=False, index=True)

    channel = db.relationship("Channel")
    thread = db.relationship("ChannelThread", back_populates="messages")
    author = db.relationship("User", foreign_keys=[author_id])
    delegation = db.relationship("Delegation")
    attachments = db.relationship(
        "ChannelAttachment", back_populates="message", order_by="ChannelAttachment.id"
    )

    @property
    def is_retracted(self):
        return self.retracted_at is not None


class ChannelAttachment(IdMixin, CreatedMixin, db.Model):
    """A file attached to a message; stored by content hash, read with the channel's access."""

    __tablename__ = "channel_attachments"

    channel_id = db.Column(db.Integer, db.ForeignKey("channels.id"), nullable=False, index=True)
    message_id = db.Column(
        db.Integer, db.ForeignKey("channel_messages.id"), nullable=False, index=True
    )
    sha256 = db.Column(db.String(64), nullable=False)
    size = db.Column(db.Integer, nullable=False)
    mime_type = db.Column(db.String(128), nullable=False)
    name = db.Column(db.String(255), nullable=False)
    acl = db.Column(db.String(64), nullable=False, index=True)
    #: Where the reading of its text for search stands (see portal.search.attachments).
    text_status = db.Column(
        db.String(16), nullable=False, default="pending", server_default="pending"
    )
    text = db.deferred(db.Column(db.Text, nullable=False, default="", server_default=""))

    channel = db.relationship("Channel")
    message = db.relationship("ChannelMessage", back_populates="attachments")


class CaseStage(enum.Enum):
    EXPORT = "export"
    TRANSIT = "transit"
    IMPORT = "import"
    POST_DELIVERY = "post_delivery"


class CaseStatus(enum.Enum):
    SUSPECTED = "suspected"
    CONFIRMED = "confirmed"
    UNDER_INVESTIGATION = "under_investigation"
    CLOSED = "closed"


class CaseRecord(IdMixin, CreatedMixin, db.Model):
    """A structured record of a detected or suspected diversion, discussed in its own thread."""

    __tablename__ = "case_records"

    channel_id = db.Column(db.Integer, db.ForeignKey("channels.id"), nullable=False, index=True)
    thread_id = db.Column(
        db.Integer, db.ForeignKey("channel_threads.id"), nullable=False, index=True
    )
    provided_by_delegation_id = db.Column(
        db.Integer, db.ForeignKey("delegations.id"), nullable=False
    )
    author_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    updated_at = db.Column(db.DateTime, nullable=False, default=now_utc)
    #: A short title.
    reference = db.Column(db.String(200), nullable=False)
    #: [{"category": "IV", "subcategory": "IV.b" or "", "quantity": int or null,
    #:   "description": str}]
    items = db.Column(db.JSON, nullable=False, default=list)
    #: [{"iso3": "FRA", "role": "origin" | "export" | "transit" | "import" | "end_user" |
    #:   "diversion_point"}]
    route = db.Column(db.JSON, nullable=False, default=list)
    #: The day the diversion was detected or took place, when the providing State gives it.
    incident_on = db.Column(db.Date)
    stage = enum_column(CaseStage, "case_stage", nullable=False)
    #: How the diversion was detected.
    detection = db.Column(db.Text, nullable=False, default="")
    #: The diversion method.
    method = db.Column(db.Text, nullable=False, default="")
    case_status = enum_column(CaseStatus, "case_status", nullable=False)
    lessons = db.Column(db.Text, nullable=False, default="")
    #: The fields the providing State allows to share with the whole Forum.
    shareable = db.Column(db.JSON, nullable=False, default=list)
    #: The sanitised summary published to the plenary channel, if any.
    summary_message_id = db.Column(db.Integer, db.ForeignKey("channel_messages.id"))
    summary_published_at = db.Column(db.DateTime)
    retracted_at = db.Column(db.DateTime)
    acl = db.Column(db.String(64), nullable=False, index=True)

    channel = db.relationship("Channel")
    thread = db.relationship("ChannelThread")
    provided_by_delegation = db.relationship("Delegation")
    author = db.relationship("User")
    summary_message = db.relationship("ChannelMessage")

    @property
    def is_retracted(self):
        return self.retracted_at is not None


class AccessAction(enum.Enum):
    VIEW_CHANNEL = "view_channel"
    VIEW_THREAD = "view_thread"
    VIEW_CASE = "view_case"
    DOWNLOAD = "download"
    EXPORT = "export"

    @property
    def label(self):
        return {
            AccessAction.VIEW_CHANNEL: _l("Viewed the channel"),
            AccessAction.VIEW_THREAD: _l("Viewed a thread"),
            AccessAction.VIEW_CASE: _l("Viewed a case record"),
            AccessAction.DOWNLOAD: _l("Downloaded an attachment"),
            AccessAction.EXPORT: _l("Exported the channel record"),
        }[self]


class ChannelAccessRecord(IdMixin, db.Model):
    """Who viewed or downloaded what in a channel, and when. Append-only."""

    __tablename__ = "channel_access_records"

    channel_id = db.Column(db.Integer, db.ForeignKey("channels.id"), nullable=False, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    action = enum_column(AccessAction, "channel_access_action", nullable=False)
    #: `channel`, `thread`, `case`, `attachment` or `export`.
    object_type = db.Column(db.String(16), nullable=False)
    object_id = db.Column(db.Integer)
    at = db.Column(db.DateTime, nullable=False, default=now_utc)

    user = db.relationship("User")

    @property
    def action_enum(self):
        return AccessAction(self.action)


class PresenceChangeStatus(enum.Enum):
    PENDING = "pending"
    APPLIED = "applied"
    REFUSED = "refused"

    @property
    def label(self):
        return {
            PresenceChangeStatus.PENDING: _l("Awaiting consent"),
            PresenceChangeStatus.APPLIED: _l("Applied"),
            PresenceChangeStatus.REFUSED: _l("Refused"),
        }[self]


class PresenceChange(IdMixin, CreatedMixin, db.Model):
    """A request to admit the Secretariat to a channel's content, or to withdraw it; applied
    when every member delegation has consented, refused at the first refusal."""

    __tablename__ = "channel_presence_changes"

    channel_id = db.Column(db.Integer, db.ForeignKey("channels.id"), nullable=False, index=True)
    #: The value of `Channel.secretariat_admitted` asked for.
    admitted = db.Column(db.Boolean, nullable=False)
    requested_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    status = enum_column(
        PresenceChangeStatus,
        "presence_change_status",
        nullable=False,
        default=PresenceChangeStatus.PENDING.value,
    )
    decided_at = db.Column(db.DateTime)

    channel = db.relationship("Channel")
    requested_by = db.relationship("User")
    consents = db.relationship(
        "PresenceConsent",
        back_populates="change",
        order_by="PresenceConsent.id",
        cascade="all, delete-orphan",
    )

    @property
    def status_enum(self):
        return PresenceChangeStatus(self.status)

    @property
    def is_pending(self):
        return self.status == PresenceChangeStatus.PENDING.value


class PresenceConsent(IdMixin, db.Model):
    """A member delegation's answer to a presence change, given by its point of contact."""

    __tablename__ = "channel_presence_consents"
    __table_args__ = (db.UniqueConstraint("change_id", "delegation_id"),)

    change_id = db.Column(
        db.Integer,
        db.ForeignKey("channel_presence_changes.id"),
        nullable=False,
        index=True,
    )
    delegation_id = db.Column(db.Integer, db.ForeignKey("delegations.id"), nullable=False)
    consented = db.Column(db.Boolean, nullable=False)
    by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    at = db.Column(db.DateTime, nullable=False, default=now_utc)

    change = db.relationship("PresenceChange", back_populates="consents")
    delegation = db.relationship("Delegation")
    by = db.relationship("User")
