"""Initial and annual reports of States, their versions, and the officers who submit them.

A `Report` is one report a State owes: its initial report, or its annual report for a calendar
year. Its content lives in `ReportVersion`s: at most one draft at a time, which the delegation
edits, and the submitted versions, numbered 1, 2... in order of submission, which never change
(an amendment is a new version). The content of a version is one JSON document, the same dict
the import/export formats carry (see `annual_content` and `initial_content` for its shape).

Who reads a version is stored on it as its `acl`: a draft is read by its delegation only; a
submitted version by everyone when the State made it public, else by the States Parties.
"""

import enum
import hashlib
import json
from datetime import date

from flask_babel import lazy_gettext as _l

from portal.access.levels import PUBLIC, STATE_PARTY
from portal.core.models import CreatedMixin, IdMixin, now_utc
from portal.extensions import db

#: Annual reports exist for the calendar years after the treaty entered into force (2014).
FIRST_REPORTING_YEAR = 2014
#: An annual report for year Y is due by 31 May of year Y + 1 (Article 13(3)).
ANNUAL_DEADLINE = (5, 31)

ANNUAL_FORMAT = "att-annual-report"
INITIAL_FORMAT = "att-initial-report"
FORMAT_VERSION = 1

#: The two tables of an annual report, in the order of the template.
TABLES = ("exports", "imports")
#: The keys of one line of a table, in their fixed order.
LINE_FIELDS = (
    "category",
    "subcategory",
    "basis",
    "items",
    "value",
    "currency",
    "partner",
    "origin",
    "intermediate",
    "description",
    "comments",
)
#: Whether a line reports authorised or actual transfers.
BASES = ("authorised", "actual")
#: The answers to a choice question of the initial report ("" = not answered).
CHOICES = ("yes", "no", "partly")


class ReportKind(enum.Enum):
    ANNUAL = "annual"
    INITIAL = "initial"

    @property
    def label(self):
        return {
            ReportKind.ANNUAL: _l("Annual report"),
            ReportKind.INITIAL: _l("Initial report"),
        }[self]


class VersionStatus(enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"

    @property
    def label(self):
        return {
            VersionStatus.DRAFT: _l("Draft"),
            VersionStatus.SUBMITTED: _l("Submitted"),
        }[self]


class Source(enum.Enum):
    """How the content of a version reached the portal."""

    ONLINE = "online"
    FILE = "file"

    @property
    def label(self):
        return {
            Source.ONLINE: _l("Entered online"),
            Source.FILE: _l("Imported from a file"),
        }[self]


def _values(enum_class):
    return [member.value for member in enum_class]


class Report(IdMixin, CreatedMixin, db.Model):
    """The initial report of a State, or its annual report for one calendar year."""

    __tablename__ = "reports"
    __table_args__ = (
        # One annual report per State and year (NULL years, those of initial reports, are
        # distinct in a unique constraint on both databases)...
        db.UniqueConstraint("delegation_id", "kind", "year"),
        # ...and one initial report per State.
        db.Index(
            "uq_reports_initial_delegation_id",
            "delegation_id",
            unique=True,
            sqlite_where=db.text("kind = 'initial'"),
            postgresql_where=db.text("kind = 'initial'"),
        ),
        db.CheckConstraint(
            "(kind = 'initial' AND year IS NULL) OR (kind = 'annual' AND year IS NOT NULL)",
            name="year_for_annual_only",
        ),
    )

    delegation_id = db.Column(
        db.Integer, db.ForeignKey("delegations.id"), nullable=False, index=True
    )
    kind = db.Column(
        db.Enum(*_values(ReportKind), name="report_kind", native_enum=False),
        nullable=False,
    )
    #: The calendar year reported on (annual reports); NULL for the initial report.
    year = db.Column(db.Integer, index=True)

    delegation = db.relationship("Delegation", lazy="joined")
    versions = db.relationship(
        "ReportVersion",
        back_populates="report",
        order_by="ReportVersion.id",
        cascade="all, delete-orphan",
    )

    @property
    def kind_enum(self):
        return ReportKind(self.kind)

    @property
    def is_annual(self):
        return self.kind == ReportKind.ANNUAL.value

    @property
    def draft(self):
        """The draft being prepared, or None."""
        return next((v for v in self.versions if v.is_draft), None)

    @property
    def submitted_versions(self):
        """The submitted versions, first to last."""
        return sorted((v for v in self.versions if not v.is_draft), key=lambda v: v.number)

    @property
    def latest(self):
        """The last submitted version, or None."""
        submitted = self.submitted_versions
        return submitted[-1] if submitted else None

    @property
    def due_on(self):
        """The deadline (see `due_date`)."""
        return due_date(self.kind_enum, self.delegation, self.year)

    @property
    def title(self):
        return report_title(self.kind_enum, self.year)


def report_title(kind, year=None):
    """How people name a report: "Annual report 2025", "Initial report"."""
    if kind is ReportKind.ANNUAL:
        return _l("Annual report %(year)s", year=year)
    return _l("Initial report")


def due_date(kind, delegation, year=None):
    """When a report is due: 31 May after the year reported on for an annual report; one year
    after the treaty entered into force for the State for its initial report (None when the
    treaty has not entered into force for it)."""
    if kind is ReportKind.ANNUAL:
        return date(year + 1, *ANNUAL_DEADLINE)
    entry = delegation.entry_into_force
    if entry is None:
        return None
    try:
        return entry.replace(year=entry.year + 1)
    except ValueError:  # entry into force on 29 February
        return date(entry.year + 1, 3, 1)


class ReportVersion(IdMixin, CreatedMixin, db.Model):
    """One version of a report: the draft, or a submitted (and then unchangeable) version."""

    __tablename__ = "report_versions"
    __table_args__ = (
        db.UniqueConstraint("report_id", "number"),
        # At most one draft per report.
        db.Index(
            "uq_report_versions_draft_report_id",
            "report_id",
            unique=True,
            sqlite_where=db.text("status = 'draft'"),
            postgresql_where=db.text("status = 'draft'"),
        ),
        # The reporting status reads every submitted version's report, date and number: from
        # this index alone, without stepping over the content.
        db.Index(
            "ix_report_versions_submitted_summary", "status", "report_id", "submitted_at", "number"
        ),
    )

    report_id = db.Column(db.Integer, db.ForeignKey("reports.id"), nullable=False, index=True)
    #: 1, 2... in order of submission; NULL while a draft.
    number = db.Column(db.Integer)
    status = db.Column(
        db.Enum(*_values(VersionStatus), name="version_status", native_enum=False),
        nullable=False,
        default=VersionStatus.DRAFT.value,
        index=True,
    )
    #: The report itself: the dict of `annual_content` / `initial_content`.
    content = db.Column(db.JSON, nullable=False)
    source = db.Column(
        db.Enum(*_values(Source), name="report_source", native_enum=False),
        nullable=False,
        default=Source.ONLINE.value,
    )
    #: The name of the file the content was imported from (source "file"), else "".
    source_name = db.Column(db.String(255), nullable=False, default="")
    #: Copied from content["public"]: whether everyone may read it once submitted.
    is_public = db.Column(db.Boolean, nullable=False, default=True)
    #: `delegation:<id>` for a draft; `public` or `state_party` once submitted.
    acl = db.Column(db.String(64), nullable=False, index=True)
    created_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    updated_at = db.Column(db.DateTime, nullable=False, default=now_utc)
    submitted_at = db.Column(db.DateTime, index=True)
    submitted_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    #: The receipt number given on submission, e.g. "ATT-AR-2025-FRA-2" or "ATT-IR-FRA-1".
    receipt = db.Column(db.String(40), unique=True)
    #: SHA-256 (hex) of the canonical JSON of the content, fixed on submission.
    digest = db.Column(db.String(64))
    acknowledged_at = db.Column(db.DateTime)
    acknowledged_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))

    report = db.relationship("Report", back_populates="versions")
    created_by = db.relationship("User", foreign_keys=[created_by_id])
    submitted_by = db.relationship("User", foreign_keys=[submitted_by_id])
    acknowledged_by = db.relationship("User", foreign_keys=[acknowledged_by_id])

    @property
    def is_draft(self):
        return self.status == VersionStatus.DRAFT.value

    @property
    def status_enum(self):
        return VersionStatus(self.status)

    @property
    def source_enum(self):
        return Source(self.source)

    def derive_acl(self):
        """Set `is_public` from the content and the acl from the status."""
        self.is_public = bool(self.content.get("public", False))
        if self.is_draft:
            # A report created in the same transaction has no delegation_id before the flush.
            report = self.report
            delegation_id = report.delegation_id or report.delegation.id
            self.acl = f"delegation:{delegation_id}"
        else:
            self.acl = PUBLIC if self.is_public else STATE_PARTY


class ReportingOfficer(IdMixin, db.Model):
    """A member of a delegation whom its point of contact designated to submit its reports."""

    __tablename__ = "reporting_officers"

    delegation_id = db.Column(
        db.Integer, db.ForeignKey("delegations.id"), nullable=False, index=True
    )
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, unique=True)
    designated_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    designated_at = db.Column(db.DateTime, nullable=False, default=now_utc)

    delegation = db.relationship("Delegation")
    user = db.relationship("User", foreign_keys=[user_id])
    designated_by = db.relationship("User", foreign_keys=[designated_by_id])


def blank_line():
    """An empty line of an exports or imports table."""
    return {
        "category": "",
        "subcategory": "",
        "basis": "actual",
        "items": None,
        "value": None,
        "currency": "",
        "partner": "",
        "origin": "",
        "intermediate": "",
        "description": "",
        "comments": "",
    }


def annual_content(state, year, exports=None, imports=None, exports_nil=False, imports_nil=False):
    """The content of an annual report, with its keys in their fixed order."""
    return {
        "format": ANNUAL_FORMAT,
        "format_version": FORMAT_VERSION,
        "state": state,
        "year": year,
        "exports": {"nil": exports_nil, "lines": list(exports or [])},
        "imports": {"nil": imports_nil, "lines": list(imports or [])},
        "national_definitions": "",
        "withheld": False,
        "public": True,
        "forward_to_un_register": False,
    }


def initial_content(state, answers=None):
    """The content of an initial report, with its keys in their fixed order."""
    return {
        "format": INITIAL_FORMAT,
        "format_version": FORMAT_VERSION,
        "state": state,
        "public": True,
        "answers": dict(answers or {}),
    }


def canonical_json(content):
    """The one serialisation of a content dict that its digest is computed on."""
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_digest(content):
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


class ReminderDate(IdMixin, db.Model):
    """A day of the year on which the points of contact of States with a report due are
    reminded of it (the Secretariat sets them, for example 1 April and 1 June)."""

    __tablename__ = "reminder_dates"
    __table_args__ = (db.UniqueConstraint("month", "day"),)

    month = db.Column(db.Integer, nullable=False)
    day = db.Column(db.Integer, nullable=False)
    created_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)


class ReminderSent(IdMixin, db.Model):
    """One reminder sent to one person on one day: the unique record that keeps a second run of
    the same day from sending it again."""

    __tablename__ = "reminders_sent"
    __table_args__ = (db.UniqueConstraint("user_id", "sent_on"),)

    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    delegation_id = db.Column(db.Integer, db.ForeignKey("delegations.id"), nullable=False)
    #: The reminder day (a date of `ReminderDate` in its year).
    sent_on = db.Column(db.Date, nullable=False)
    #: The reports named in the email, e.g. ["annual 2025", "initial"].
    reports = db.Column(db.JSON, nullable=False, default=list)
    created_at = db.Column(db.DateTime, nullable=False, default=now_utc)


class ReminderOptOut(IdMixin, db.Model):
    """A delegation whose point of contact turned the reminders off."""

    __tablename__ = "reminder_opt_outs"

    delegation_id = db.Column(
        db.Integer, db.ForeignKey("delegations.id"), nullable=False, unique=True
    )
    by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=now_utc)
