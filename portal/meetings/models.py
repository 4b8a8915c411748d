"""Meetings of the treaty's cycle and what hangs on them.

A meeting (working groups' meeting, informal preparatory meeting, Conference, DIEF session...)
belongs to a CSP cycle and has its times stored as naive UTC, like every timestamp of the
portal, with the IANA time zone of its venue to show them as the venue's clock reads them. Its
access level gives its `acl` (see portal.access); everything under it (agenda items, speakers,
registrations, report paragraphs) is read through the meeting, so a meeting hidden from a
person hides all of it.

Its title and notices are written in English and may be given in the other languages of the
Conference (`translations`); a page falls back to English and marks it `lang="en"`.
"""

import enum
from datetime import timezone
from zoneinfo import ZoneInfo

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from portal.access.levels import AccessLevel, acl_for
from portal.core.models import CreatedMixin, IdMixin, now_utc
from portal.extensions import db


class MeetingKind(enum.Enum):
    WORKING_GROUPS = "working_groups"
    PREPARATORY = "preparatory"
    CONFERENCE = "conference"
    DIEF = "dief"
    MANAGEMENT_COMMITTEE = "management_committee"
    BRIEFING = "briefing"
    CONSULTATION = "consultation"

    @property
    def label(self):
        return KIND_LABELS[self]


KIND_LABELS = {
    MeetingKind.WORKING_GROUPS: _l("Working groups' meeting"),
    MeetingKind.PREPARATORY: _l("Informal preparatory meeting"),
    MeetingKind.CONFERENCE: _l("Conference of States Parties"),
    MeetingKind.DIEF: _l("Diversion Information Exchange Forum session"),
    MeetingKind.MANAGEMENT_COMMITTEE: _l("Management Committee"),
    MeetingKind.BRIEFING: _l("Intersessional briefing"),
    MeetingKind.CONSULTATION: _l("Informal consultation"),
}


class MeetingFormat(enum.Enum):
    IN_PERSON = "in_person"
    LIVESTREAM = "livestream"
    HYBRID = "hybrid"
    ONLINE = "online"

    @property
    def label(self):
        return FORMAT_LABELS[self]

    @property
    def is_remote(self):
        """Whether people follow it from afar, through connection details."""
        return self is not MeetingFormat.IN_PERSON


FORMAT_LABELS = {
    MeetingFormat.IN_PERSON: _l("In person"),
    MeetingFormat.LIVESTREAM: _l("In person, livestreamed"),
    MeetingFormat.HYBRID: _l("Hybrid (in person and online)"),
    MeetingFormat.ONLINE: _l("Online"),
}


class MeetingStatus(enum.Enum):
    PLANNED = "planned"
    DOCUMENTS_OUT = "documents_out"
    IN_SESSION = "in_session"
    CLOSED = "closed"

    @property
    def label(self):
        return STATUS_LABELS[self]


STATUS_LABELS = {
    MeetingStatus.PLANNED: _l("Planned"),
    MeetingStatus.DOCUMENTS_OUT: _l("Documents out"),
    MeetingStatus.IN_SESSION: _l("In session"),
    MeetingStatus.CLOSED: _l("Closed"),
}


class SpeakerStatus(enum.Enum):
    REQUESTED = "requested"
    INVITED = "invited"
    ACCEPTED = "accepted"
    WITHDRAWN = "withdrawn"

    @property
    def label(self):
        return SPEAKER_LABELS[self]


SPEAKER_LABELS = {
    SpeakerStatus.REQUESTED: _l("Asked to speak"),
    SpeakerStatus.INVITED: _l("Invited"),
    SpeakerStatus.ACCEPTED: _l("Accepted"),
    SpeakerStatus.WITHDRAWN: _l("Withdrawn"),
}
#: The requests that stand on a speakers list once it is published.
LISTED = (SpeakerStatus.INVITED.value, SpeakerStatus.ACCEPTED.value)


class Attendance(enum.Enum):
    IN_PERSON = "in_person"
    REMOTE = "remote"

    @property
    def label(self):
        return {Attendance.IN_PERSON: _l("In person"), Attendance.REMOTE: _l("Remotely")}[self]


class RegistrationStatus(enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"

    @property
    def label(self):
        return {
            RegistrationStatus.PENDING: _l("Waiting for approval"),
            RegistrationStatus.APPROVED: _l("Approved"),
            RegistrationStatus.REFUSED: _l("Refused"),
        }[self]


class CommentsVisibility(enum.Enum):
    CHAIR = "chair"
    ALL = "all"

    @property
    def label(self):
        return {
            CommentsVisibility.CHAIR: _l("The chair and the Secretariat"),
            CommentsVisibility.ALL: _l("Everyone who reads the meeting"),
        }[self]


def values(enum_class):
    return [member.value for member in enum_class]


def enum_column(enum_class, name, **options):
    return db.Column(
        db.Enum(*values(enum_class), name=name, native_enum=False), nullable=False, **options
    )


def reader_language():
    return str(get_locale() or "en")


def as_zone(moment, zone):
    """A stored (naive UTC) moment as an aware datetime in `zone` (a name or a ZoneInfo)."""
    if moment is None:
        return None
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    return moment.replace(tzinfo=timezone.utc).astimezone(zone)


class Meeting(IdMixin, CreatedMixin, db.Model):
    __tablename__ = "meetings"
    __table_args__ = (
        db.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        db.Index("ix_meetings_cycle_starts_at", "cycle", "starts_at"),
    )

    kind = enum_column(MeetingKind, "meeting_kind", index=True)
    #: The CSP cycle, by the number of the Conference it leads to (CSP12 -> 12).
    cycle = db.Column(db.Integer, nullable=False)
    #: The English title; `translations` may hold it in other languages.
    title = db.Column(db.String(300), nullable=False)
    #: The Secretariat's notices, in English (plain text).
    notices = db.Column(db.Text, nullable=False, default="")
    #: {"fr": {"title": ..., "notices": ...}, ...}: what is given in other languages.
    translations = db.Column(db.JSON, nullable=False, default=dict)
    #: Naive UTC, as every timestamp of the portal.
    starts_at = db.Column(db.DateTime, nullable=False, index=True)
    ends_at = db.Column(db.DateTime, nullable=False)
    #: The IANA time zone of the venue (`Europe/Zurich`), in which the venue's clock reads them.
    time_zone = db.Column(db.String(64), nullable=False)
    venue = db.Column(db.String(300), nullable=False, default="")
    format = enum_column(MeetingFormat, "meeting_format")
    #: Codes of the languages interpreted, in the Conference's order.
    languages = db.Column(db.JSON, nullable=False, default=list)
    #: The working group it is chiefly about, if any (for the calendar's filter).
    working_group_id = db.Column(db.Integer, db.ForeignKey("working_groups.id"), index=True)
    access_level = db.Column(
        db.Enum(*values(AccessLevel), name="access_level", native_enum=False),
        nullable=False,
        default=AccessLevel.USERS.value,
    )
    group_id = db.Column(db.Integer, db.ForeignKey("groups.id"))
    #: A session of an informal consultation (portal.consultations) is read as it is.
    consultation_id = db.Column(
        db.Integer, db.ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    acl = db.Column(db.String(64), nullable=False, index=True)
    status = enum_column(MeetingStatus, "meeting_status", default=MeetingStatus.PLANNED.value)
    #: Documents distributed after this day are flagged late (default 30 days before).
    distribution_deadline = db.Column(db.Date, nullable=False)
    #: The speakers lists are due to be published on this day (default 7 days before).
    speakers_due_on = db.Column(db.Date, nullable=False)
    speakers_published_at = db.Column(db.DateTime)
    #: After this, requests to speak are refused (publishing the list closes it too).
    speakers_closed_at = db.Column(db.DateTime)
    #: The chair (or facilitator) who runs the speakers lists and the draft report.
    chair_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    #: How to join remotely (a link and codes): shown to approved registrants only.
    connection_details = db.Column(db.Text, nullable=False, default="")
    #: Delegations comment on the draft report until the end of this day (UTC), if set.
    comments_close_on = db.Column(db.Date)
    comments_visibility = enum_column(
        CommentsVisibility, "comments_visibility", default=CommentsVisibility.CHAIR.value
    )
    created_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    updated_at = db.Column(db.DateTime, nullable=False, default=now_utc)

    working_group = db.relationship("WorkingGroup")
    group = db.relationship("Group")
    chair = db.relationship("User", foreign_keys=[chair_id])
    items = db.relationship(
        "AgendaItem",
        back_populates="meeting",
        order_by="AgendaItem.position",
        cascade="all, delete-orphan",
    )

    def derive_acl(self):
        if self.consultation_id is not None:
            self.acl = f"consultation:{self.consultation_id}"
        else:
            self.acl = acl_for(self.access_level, self.group_id)

    @property
    def kind_enum(self):
        return MeetingKind(self.kind)

    @property
    def format_enum(self):
        return MeetingFormat(self.format)

    @property
    def status_enum(self):
        return MeetingStatus(self.status)

    @property
    def zone(self):
        return ZoneInfo(self.time_zone)

    @property
    def local_start(self):
        return as_zone(self.starts_at, self.zone)

    @property
    def local_end(self):
        return as_zone(self.ends_at, self.zone)

    def text_in(self, field, language=None):
        """(text, language it is in): the field in `language` (the reader's), else English."""
        language = language or reader_language()
        given = (self.translations or {}).get(language, {}).get(field)
        if language != "en" and given:
            return given, language
        return getattr(self, field), "en"

    @property
    def current_item(self):
        return next((item for item in self.items if item.is_current), None)

    @property
    def is_speakers_published(self):
        return self.speakers_published_at is not None

    @property
    def is_speakers_closed(self):
        return self.speakers_closed_at is not None or self.is_speakers_published

    @property
    def is_in_session(self):
        return self.status == MeetingStatus.IN_SESSION.value

    @property
    def is_closed(self):
        return self.status == MeetingStatus.CLOSED.value


class AgendaItem(IdMixin, CreatedMixin, db.Model):
    """An item of a meeting's agenda; its forum topic, if any, holds its guiding questions and
    discussion."""

    __tablename__ = "agenda_items"

    meeting_id = db.Column(
        db.Integer, db.ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: 1, 2, 3... in the order of the agenda.
    position = db.Column(db.Integer, nullable=False)
    title = db.Column(db.String(300), nullable=False)
    topic_id = db.Column(db.Integer, db.ForeignKey("topics.id"), index=True)
    working_group_id = db.Column(db.Integer, db.ForeignKey("working_groups.id"))
    #: The time slot, naive UTC; shown in the meeting's zone.
    starts_at = db.Column(db.DateTime)
    ends_at = db.Column(db.DateTime)
    #: Who chairs or facilitates the item, as the agenda names them.
    chair_name = db.Column(db.String(200), nullable=False, default="")
    #: The item being discussed now (the rolling agenda): one item of a meeting at most.
    is_current = db.Column(db.Boolean, nullable=False, default=False)

    meeting = db.relationship("Meeting", back_populates="items")
    topic = db.relationship("Topic")
    working_group = db.relationship("WorkingGroup")
    documents = db.relationship(
        "AgendaDocument",
        back_populates="item",
        order_by="AgendaDocument.id",
        cascade="all, delete-orphan",
    )


class AgendaDocument(IdMixin, CreatedMixin, db.Model):
    """A library document linked to an agenda item."""

    __tablename__ = "agenda_documents"
    __table_args__ = (db.UniqueConstraint("item_id", "document_id"),)

    item_id = db.Column(
        db.Integer, db.ForeignKey("agenda_items.id", ondelete="CASCADE"), nullable=False
    )
    document_id = db.Column(
        db.Integer, db.ForeignKey("documents.id"), nullable=False, index=True
    )

    item = db.relationship("AgendaItem", back_populates="documents")
    document = db.relationship("Document")


class SpeakerRequest(IdMixin, CreatedMixin, db.Model):
    """A delegation's request to speak on an agenda item, or the chair's invitation."""

    __tablename__ = "speaker_requests"
    __table_args__ = (db.Index("ix_speaker_requests_item", "item_id", "status", "position"),)

    meeting_id = db.Column(
        db.Integer, db.ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False, index=True
    )
    item_id = db.Column(
        db.Integer, db.ForeignKey("agenda_items.id", ondelete="CASCADE"), nullable=False
    )
    delegation_id = db.Column(db.Integer, db.ForeignKey("delegations.id"), nullable=False)
    #: Who asked (or, for an invitation, who invited).
    requested_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    subject = db.Column(db.String(300), nullable=False)
    status = enum_column(SpeakerStatus, "speaker_status", default=SpeakerStatus.REQUESTED.value)
    #: The order of speaking on the item; lower speaks first.
    position = db.Column(db.Integer, nullable=False, default=0)
    decided_at = db.Column(db.DateTime)

    meeting = db.relationship("Meeting")
    item = db.relationship("AgendaItem")
    delegation = db.relationship("Delegation")
    requested_by = db.relationship("User")

    @property
    def status_enum(self):
        return SpeakerStatus(self.status)


class Registration(IdMixin, CreatedMixin, db.Model):
    """A person registered for a meeting, in person or remotely, with their delegation."""

    __tablename__ = "meeting_registrations"
    __table_args__ = (db.UniqueConstraint("meeting_id", "user_id"),)

    meeting_id = db.Column(
        db.Integer, db.ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False
    )
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    delegation_id = db.Column(db.Integer, db.ForeignKey("delegations.id"), nullable=False)
    attendance = enum_column(Attendance, "attendance")
    status = enum_column(
        RegistrationStatus, "registration_status", default=RegistrationStatus.PENDING.value
    )
    decided_at = db.Column(db.DateTime)
    decided_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))

    meeting = db.relationship("Meeting")
    user = db.relationship("User", foreign_keys=[user_id])
    delegation = db.relationship("Delegation")

    @property
    def is_approved(self):
        return self.status == RegistrationStatus.APPROVED.value

    @property
    def status_enum(self):
        return RegistrationStatus(self.status)

    @property
    def attendance_enum(self):
        return Attendance(self.attendance)


class ConnectionView(IdMixin, db.Model):
    """Someone opened a meeting's connection details: who, for which delegation, and when."""

    __tablename__ = "meeting_connection_views"
    __table_args__ = (db.Index("ix_meeting_connection_views_meeting", "meeting_id", "user_id"),)

    meeting_id = db.Column(
        db.Integer, db.ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False
    )
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    delegation_id = db.Column(db.Integer, db.ForeignKey("delegations.id"), nullable=False)
    viewed_at = db.Column(db.DateTime, nullable=False, default=now_utc)


class CalendarToken(IdMixin, CreatedMixin, db.Model):
    """The secret of a person's calendar feed address; only its SHA-256 is kept."""

    __tablename__ = "calendar_tokens"

    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    revoked_at = db.Column(db.DateTime)
    last_used_at = db.Column(db.DateTime)

    user = db.relationship("User")


class ReportParagraph(IdMixin, CreatedMixin, db.Model):
    """A paragraph (or recommendation) of the chair's draft report on a meeting."""

    __tablename__ = "report_paragraphs"

    meeting_id = db.Column(
        db.Integer, db.ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False
    )
    position = db.Column(db.Integer, nullable=False)
    is_recommendation = db.Column(db.Boolean, nullable=False, default=False)
    text = db.Column(db.Text, nullable=False)
    updated_at = db.Column(db.DateTime, nullable=False, default=now_utc)

    meeting = db.relationship("Meeting")
    comments = db.relationship(
        "ReportComment",
        back_populates="paragraph",
        order_by="ReportComment.id",
        cascade="all, delete-orphan",
    )


class ReportComment(IdMixin, CreatedMixin, db.Model):
    """A delegation's comment on one paragraph of the draft report."""

    __tablename__ = "report_comments"

    paragraph_id = db.Column(
        db.Integer,
        db.ForeignKey("report_paragraphs.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    author_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    delegation_id = db.Column(db.Integer, db.ForeignKey("delegations.id"), nullable=False)
    body = db.Column(db.Text, nullable=False)

    paragraph = db.relationship("ReportParagraph", back_populates="comments")
    author = db.relationship("User")
    delegation = db.relationship("Delegation")
