"""Intersessional work between meetings: informal consultations, the informal advisory group
of the transparency and reporting working group, and national reports to cabinet or parliament.

A consultation is read by the holders of its own principal, `consultation:<id>` (its organiser,
the members of its requesting, invited and joined delegations, and the Secretariat), so to
anyone else it does not exist. It is open between `opens_at` and `closes_at` (naive UTC, as
every timestamp of the portal) and read-only after. Its sessions are meetings of the kind
"informal consultation" that carry its id and its acl.

The advisory group's members hold `advisory`; those who represent States Parties hold
`advisory_states` as well, the access level of the group's restricted activities.

A national report carries the acl of the audience its State chose.
"""

import enum

from flask_babel import lazy_gettext as _l

from portal.access.levels import PUBLIC, STATE_PARTY, USER
from portal.core.models import CreatedMixin, IdMixin, now_utc
from portal.extensions import db

#: English is the language of the consultations' and the advisory group's pages (paras 36, 47).
DEFAULT_LANGUAGE = "en"


def values(enum_class):
    return [member.value for member in enum_class]


def enum_column(enum_class, name, **options):
    return db.Column(
        db.Enum(*values(enum_class), name=name, native_enum=False), nullable=False, **options
    )


class Labelled(enum.Enum):
    @property
    def label(self):
        return LABELS[self]


# Informal consultations -------------------------------------------------------------------


class Origin(Labelled):
    #: Convened by a chair or facilitator (or the Secretariat).
    CONVENED = "convened"
    #: Requested by one or more States, agreed by the Secretariat.
    REQUESTED = "requested"


class ConsultationStatus(Labelled):
    REQUESTED = "requested"
    AGREED = "agreed"
    DECLINED = "declined"


class Format(Labelled):
    ONLINE = "online"
    IN_PERSON = "in_person"


class Support(Labelled):
    NONE = "none"
    LOGISTICS = "logistics"
    SUBSTANTIVE = "substantive"


class Role(Labelled):
    REQUESTER = "requester"
    INVITED = "invited"
    JOINED = "joined"


class Consultation(IdMixin, CreatedMixin, db.Model):
    __tablename__ = "consultations"
    __table_args__ = (db.CheckConstraint("closes_at > opens_at", name="closes_after_opening"),)

    title = db.Column(db.String(300), nullable=False)
    purpose = db.Column(db.Text, nullable=False)
    origin = enum_column(Origin, "consultation_origin")
    status = enum_column(ConsultationStatus, "consultation_status", index=True)
    #: The chair or facilitator who convenes it, or the person who asked for it.
    organiser_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    working_group_id = db.Column(db.Integer, db.ForeignKey("working_groups.id"), index=True)
    #: The document it serves (a chair's draft report, for example), if any.
    document_id = db.Column(db.Integer, db.ForeignKey("documents.id"))
    #: Whether delegations that were not invited may join it.
    is_open_to_others = db.Column(db.Boolean, nullable=False, default=False)
    opens_at = db.Column(db.DateTime, nullable=False)
    closes_at = db.Column(db.DateTime, nullable=False, index=True)
    format = enum_column(Format, "consultation_format")
    support = enum_column(Support, "consultation_support")
    #: Languages besides English in which interpretation or translation is provided.
    languages = db.Column(db.JSON, nullable=False, default=list)
    #: `consultation:<id>`: set once the row has its id.
    acl = db.Column(db.String(64), nullable=False, default="secretariat", index=True)
    decided_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    decided_at = db.Column(db.DateTime)
    #: Set when the organiser closes it before its time.
    closed_early_at = db.Column(db.DateTime)
    #: When its delegations were told that it opened, and that it closed.
    opening_announced_at = db.Column(db.DateTime)
    closing_announced_at = db.Column(db.DateTime)
    outcome_note = db.Column(db.Text, nullable=False, default="")
    outcome_published_at = db.Column(db.DateTime)

    organiser = db.relationship("User", foreign_keys=[organiser_id])
    working_group = db.relationship("WorkingGroup")
    document = db.relationship("Document")
    delegations = db.relationship(
        "ConsultationDelegation",
        back_populates="consultation",
        order_by="ConsultationDelegation.id",
        cascade="all, delete-orphan",
    )

    def derive_acl(self):
        self.acl = f"consultation:{self.id}"

    @property
    def status_enum(self):
        return ConsultationStatus(self.status)

    @property
    def origin_enum(self):
        return Origin(self.origin)

    @property
    def format_enum(self):
        return Format(self.format)

    @property
    def support_enum(self):
        return Support(self.support)

    @property
    def is_agreed(self):
        return self.status == ConsultationStatus.AGREED.value

    def is_open(self, now=None):
        """Agreed, and between its opening and its closing time."""
        now = now or now_utc()
        return self.is_agreed and self.opens_at <= now < self.closes_at

    def is_closed(self, now=None):
        return now_utc() >= self.closes_at if now is None else now >= self.closes_at

    def delegations_in(self, role):
        return [link.delegation for link in self.delegations if link.role == role.value]


class ConsultationDelegation(IdMixin, CreatedMixin, db.Model):
    """A delegation that requested a consultation, was invited to it or joined it."""

    __tablename__ = "consultation_delegations"
    __table_args__ = (db.UniqueConstraint("consultation_id", "delegation_id"),)

    consultation_id = db.Column(
        db.Integer, db.ForeignKey("consultations.id", ondelete="CASCADE"), nullable=False
    )
    delegation_id = db.Column(
        db.Integer, db.ForeignKey("delegations.id"), nullable=False, index=True
    )
    role = enum_column(Role, "consultation_role")

    consultation = db.relationship("Consultation", back_populates="delegations")
    delegation = db.relationship("Delegation")

    @property
    def role_enum(self):
        return Role(self.role)


class ConsultationParticipant(IdMixin, CreatedMixin, db.Model):
    """A person a delegation's point of contact named to take part in a consultation."""

    __tablename__ = "consultation_participants"
    __table_args__ = (db.UniqueConstraint("consultation_id", "user_id"),)

    consultation_id = db.Column(
        db.Integer, db.ForeignKey("consultations.id", ondelete="CASCADE"), nullable=False
    )
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    named_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)

    user = db.relationship("User", foreign_keys=[user_id])


class ConsultationThread(IdMixin, CreatedMixin, db.Model):
    """A discussion inside a consultation; with a document, the comments gathered on it."""

    __tablename__ = "consultation_threads"

    consultation_id = db.Column(
        db.Integer,
        db.ForeignKey("consultations.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    title = db.Column(db.String(300), nullable=False)
    document_id = db.Column(db.Integer, db.ForeignKey("documents.id"))
    author_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)

    consultation = db.relationship("Consultation")
    document = db.relationship("Document")
    author = db.relationship("User")
    posts = db.relationship(
        "ConsultationPost",
        back_populates="thread",
        order_by="ConsultationPost.id",
        cascade="all, delete-orphan",
    )

    @property
    def acl(self):
        return self.consultation.acl


class ConsultationPost(IdMixin, CreatedMixin, db.Model):
    __tablename__ = "consultation_posts"

    thread_id = db.Column(
        db.Integer,
        db.ForeignKey("consultation_threads.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    author_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    delegation_id = db.Column(db.Integer, db.ForeignKey("delegations.id"), nullable=False)
    #: Plain text, shown as written (escaped), paragraphs kept.
    body = db.Column(db.Text, nullable=False)

    thread = db.relationship("ConsultationThread", back_populates="posts")
    author = db.relationship("User")
    delegation = db.relationship("Delegation")


class ConsultationDocument(IdMixin, CreatedMixin, db.Model):
    """A library document shared in a consultation."""

    __tablename__ = "consultation_documents"
    __table_args__ = (db.UniqueConstraint("consultation_id", "document_id"),)

    consultation_id = db.Column(
        db.Integer, db.ForeignKey("consultations.id", ondelete="CASCADE"), nullable=False
    )
    document_id = db.Column(db.Integer, db.ForeignKey("documents.id"), nullable=False)

    document = db.relationship("Document")


# The informal advisory group --------------------------------------------------------------


class MemberStatus(Labelled):
    APPLIED = "applied"
    REGISTERED = "registered"
    REFUSED = "refused"


class AdvisoryMember(IdMixin, CreatedMixin, db.Model):
    """A person who applied to the informal advisory group, with their expertise."""

    __tablename__ = "advisory_members"

    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, unique=True)
    expertise = db.Column(db.Text, nullable=False)
    status = enum_column(MemberStatus, "advisory_member_status", index=True)
    decided_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    decided_at = db.Column(db.DateTime)

    user = db.relationship("User", foreign_keys=[user_id])

    @property
    def status_enum(self):
        return MemberStatus(self.status)

    @property
    def is_registered(self):
        return self.status == MemberStatus.REGISTERED.value


class InputRequest(IdMixin, CreatedMixin, db.Model):
    """The Secretariat's request for written inputs on a tool under development."""

    __tablename__ = "advisory_input_requests"

    cycle = db.Column(db.Integer, nullable=False, index=True)
    title = db.Column(db.String(300), nullable=False)
    description = db.Column(db.Text, nullable=False)
    document_id = db.Column(db.Integer, db.ForeignKey("documents.id"))
    #: Inputs are accepted until this moment (naive UTC).
    deadline_at = db.Column(db.DateTime, nullable=False)
    #: Touches restricted information: States Parties' representatives only.
    is_restricted = db.Column(db.Boolean, nullable=False, default=False)
    #: `advisory` or `advisory_states`.
    acl = db.Column(db.String(64), nullable=False)
    created_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)

    document = db.relationship("Document")
    inputs = db.relationship(
        "AdvisoryInput",
        back_populates="request",
        order_by="AdvisoryInput.id",
        cascade="all, delete-orphan",
    )

    def is_open(self, now=None):
        return (now or now_utc()) < self.deadline_at


class AdvisoryDocument(IdMixin, CreatedMixin, db.Model):
    """A document the Secretariat shares with the advisory group, in English: for every
    registered participant (`advisory`) or, when it touches restricted information, for
    States Parties' representatives only (`advisory_states`)."""

    __tablename__ = "advisory_documents"

    title = db.Column(db.String(300), nullable=False)
    #: `advisory` or `advisory_states`.
    acl = db.Column(db.String(64), nullable=False, index=True)
    sha256 = db.Column(db.String(64), nullable=False)
    size = db.Column(db.Integer, nullable=False)
    mime_type = db.Column(db.String(128), nullable=False)
    file_name = db.Column(db.String(255), nullable=False)
    shared_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)

    shared_by = db.relationship("User")

    @property
    def is_restricted(self):
        return self.acl == "advisory_states"


class AdvisoryInput(IdMixin, CreatedMixin, db.Model):
    """A member's written input; they speak in their own capacity."""

    __tablename__ = "advisory_inputs"
    __table_args__ = (db.UniqueConstraint("request_id", "member_id"),)

    request_id = db.Column(
        db.Integer,
        db.ForeignKey("advisory_input_requests.id", ondelete="CASCADE"),
        nullable=False,
    )
    member_id = db.Column(db.Integer, db.ForeignKey("advisory_members.id"), nullable=False)
    body = db.Column(db.Text, nullable=False)
    updated_at = db.Column(db.DateTime, nullable=False, default=now_utc)

    request = db.relationship("InputRequest", back_populates="inputs")
    member = db.relationship("AdvisoryMember")


# National reports to cabinet or parliament -------------------------------------------------


class Audience(Labelled):
    STATE_PARTIES = "state_parties"
    STAKEHOLDERS = "stakeholders"
    PUBLIC = "public"

    @property
    def acl(self):
        return {
            Audience.STATE_PARTIES: STATE_PARTY,
            Audience.STAKEHOLDERS: USER,
            Audience.PUBLIC: PUBLIC,
        }[self]


class Content(Labelled):
    LICENCES = "licences"
    DELIVERIES = "deliveries"
    DENIALS = "denials"
    POLICY = "policy"


class NationalReport(IdMixin, CreatedMixin, db.Model):
    __tablename__ = "national_reports"
    __table_args__ = (
        db.CheckConstraint("period_end >= period_start", name="period_in_order"),
        db.Index("ix_national_reports_delegation_year", "delegation_id", "year"),
    )

    delegation_id = db.Column(db.Integer, db.ForeignKey("delegations.id"), nullable=False)
    year = db.Column(db.Integer, nullable=False, index=True)
    title = db.Column(db.String(300), nullable=False)
    #: The period it covers.
    period_start = db.Column(db.Date, nullable=False)
    period_end = db.Column(db.Date, nullable=False)
    #: What it contains: codes of `Content`.
    contents = db.Column(db.JSON, nullable=False, default=list)
    audience = enum_column(Audience, "national_report_audience")
    acl = db.Column(db.String(64), nullable=False, index=True)
    shared_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)

    delegation = db.relationship("Delegation")
    files = db.relationship(
        "NationalReportFile",
        back_populates="report",
        order_by="NationalReportFile.language",
        cascade="all, delete-orphan",
    )

    def derive_acl(self):
        self.acl = Audience(self.audience).acl

    @property
    def audience_enum(self):
        return Audience(self.audience)

    @property
    def content_labels(self):
        return [Content(code).label for code in self.contents]


class NationalReportFile(IdMixin, CreatedMixin, db.Model):
    """The report in one of the six languages."""

    __tablename__ = "national_report_files"
    __table_args__ = (db.UniqueConstraint("report_id", "language"),)

    report_id = db.Column(
        db.Integer, db.ForeignKey("national_reports.id", ondelete="CASCADE"), nullable=False
    )
    language = db.Column(db.String(8), nullable=False)
    sha256 = db.Column(db.String(64), nullable=False)
    size = db.Column(db.Integer, nullable=False)
    mime_type = db.Column(db.String(128), nullable=False)
    file_name = db.Column(db.String(255), nullable=False)
    #: The text extracted for search.
    text = db.Column(db.Text, nullable=False, default="")

    report = db.relationship("NationalReport", back_populates="files")

    @property
    def acl(self):
        return self.report.acl


LABELS = {
    Origin.CONVENED: _l("Convened by a chair or facilitator"),
    Origin.REQUESTED: _l("Requested by States"),
    ConsultationStatus.REQUESTED: _l("Requested, awaiting the Secretariat"),
    ConsultationStatus.AGREED: _l("Agreed"),
    ConsultationStatus.DECLINED: _l("Declined"),
    Format.ONLINE: _l("Online"),
    Format.IN_PERSON: _l("In person"),
    Support.NONE: _l("No Secretariat support"),
    Support.LOGISTICS: _l("Logistics (rooms, invitations, connection)"),
    Support.SUBSTANTIVE: _l("Logistics and substantive support (notes, drafting)"),
    Role.REQUESTER: _l("Requested it"),
    Role.INVITED: _l("Invited"),
    Role.JOINED: _l("Joined"),
    MemberStatus.APPLIED: _l("Applied"),
    MemberStatus.REGISTERED: _l("Registered"),
    MemberStatus.REFUSED: _l("Not registered"),
    Audience.STATE_PARTIES: _l("States Parties only"),
    Audience.STAKEHOLDERS: _l("All ATT stakeholders (every approved user)"),
    Audience.PUBLIC: _l("Public"),
    Content.LICENCES: _l("Licences"),
    Content.DELIVERIES: _l("Deliveries"),
    Content.DENIALS: _l("Denials"),
    Content.POLICY: _l("Policy"),
}
