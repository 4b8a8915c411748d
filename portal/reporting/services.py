"""Writes of reporting: starting reports, saving drafts, submitting, amending, acknowledging, and
designating reporting officers.

Each function checks what the data must satisfy (the view has asked the access policy who may
act), changes rows and records audit entries in the same transaction, and raises
`ReportingError` with a message a person can read (and the field it concerns) when the change
is not possible; nothing is written then. The view commits once.

A submitted version never changes: `submit` fixes its number, receipt and digest, and a session
hook refuses to flush any later change to it except its acknowledgement.
"""

import copy

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from portal.accounts.models import Delegation, DelegationKind, Role, User, UserStatus
from portal.accounts.models import state_name as state_name_in
from portal.core.audit import record
from portal.core.mail import external_url, queue_email
from portal.core.models import now_utc
from portal.extensions import db
from portal.reporting.models import (
    FIRST_REPORTING_YEAR,
    TABLES,
    Report,
    ReportingOfficer,
    ReportKind,
    ReportVersion,
    Source,
    VersionStatus,
    annual_content,
    canonical_json,
    content_digest,
    initial_content,
)
from portal.reporting.validation import (
    ERROR,
    Problem,
    has_errors,
    validate_annual,
    validate_initial,
)

#: How a new annual report starts.
STARTS = ("empty", "nil", "previous")
#: More lines than any State has reported in one table; a bound on what a draft may hold.
MAX_LINES = 2000
#: A bound on the size of a draft's content, far above any real report (in characters of JSON).
MAX_CONTENT_CHARS = 5_000_000


class ReportingError(Exception):
    """A change that cannot be made. `field` names the form field it concerns (or None);
    `problems` holds the validation problems that blocked a submission."""

    def __init__(self, message, field=None, problems=()):
        super().__init__(message)
        self.message = message
        self.field = field
        self.problems = list(problems)


class SubmittedVersionIsImmutable(RuntimeError):
    """Raised when code tries to change or delete a submitted version."""


#: What may still change on a submitted version: its acknowledgement.
ACKNOWLEDGEMENT_FIELDS = frozenset({"acknowledged_at", "acknowledged_by_id"})


@event.listens_for(Session, "before_flush")
def refuse_changes_to_submitted_versions(session, flush_context, instances):
    for obj in session.deleted:
        if isinstance(obj, ReportVersion) and not obj.is_draft:
            raise SubmittedVersionIsImmutable("a submitted report version is never deleted")
    for obj in session.dirty:
        if not isinstance(obj, ReportVersion):
            continue
        state = db.inspect(obj)
        was_submitted = state.attrs.status.history.deleted == [VersionStatus.SUBMITTED.value] or (
            not state.attrs.status.history.has_changes() and not obj.is_draft
        )
        if not was_submitted:
            continue
        changed = {
            attr.key
            for attr in state.attrs
            if attr.key in state.mapper.column_attrs and attr.history.has_changes()
        }
        if changed - ACKNOWLEDGEMENT_FIELDS:
            raise SubmittedVersionIsImmutable(
                f"a submitted report version is never changed (tried: {sorted(changed)})"
            )


def validate(report, content, today):
    """The problems of `content` as a version of `report`: the rules of portal.reporting.validation,
    and the year of an annual report being the report's own (an imported file may say another)."""
    if not report.is_annual:
        return validate_initial(content, report.delegation)
    problems = validate_annual(content, report.delegation, today)
    year = content.get("year") if isinstance(content, dict) else None
    if isinstance(year, int) and year != report.year:
        problems.append(
            Problem(
                ERROR,
                "report",
                None,
                "year",
                _l(
                    "The content is for the year %(year)s, but this is the report for %(own)s.",
                    year=year,
                    own=report.year,
                ),
            )
        )
    return problems


def find_report(delegation, kind, year=None):
    query = select(Report).where(Report.delegation_id == delegation.id, Report.kind == kind.value)
    query = query.where(Report.year == year) if year is not None else query
    return db.session.scalar(query)


def _new_version(report, content, user, source=Source.ONLINE, source_name=""):
    version = ReportVersion(
        report=report,
        status=VersionStatus.DRAFT.value,
        content=content,
        source=source.value,
        source_name=source_name,
        created_by_id=user.id,
    )
    version.derive_acl()
    db.session.add(version)
    return version


def _check_can_start(report):
    if report is None:
        return
    if report.draft is not None:
        raise ReportingError(_l("A draft of this report is already being prepared."), "year")
    raise ReportingError(
        _l("This report has been submitted: amend it to change it."),
        "year",
    )


def previous_report(delegation, year):
    """The annual report of `delegation` a report for `year` starts from: the latest submitted
    report of a year before `year` (usually the year before; an earlier one when that is
    missing), or None."""
    return db.session.scalars(
        select(Report)
        .join(ReportVersion, ReportVersion.report_id == Report.id)
        .where(
            Report.delegation_id == delegation.id,
            Report.kind == ReportKind.ANNUAL.value,
            Report.year < year,
            ReportVersion.status == VersionStatus.SUBMITTED.value,
        )
        .order_by(Report.year.desc())
        .limit(1)
    ).first()


def start_annual(delegation, year, start, user, today):
    """Create the annual report of `delegation` for `year` and its first draft.

    `start`: "empty" (no lines), "nil" (nil exports and imports) or "previous" (the lines and
    settings of the last submitted version of `previous_report`: the year before, or the latest
    earlier year reported on). Raises ReportingError for a year that cannot be reported on yet,
    a report that exists already, or no earlier submitted report.
    """
    if start not in STARTS:
        raise ReportingError(_l("Choose how to start the report."), "start")
    if not isinstance(year, int) or year < FIRST_REPORTING_YEAR:
        raise ReportingError(
            _l("Annual reports start with the year %(year)s.", year=FIRST_REPORTING_YEAR), "year"
        )
    if year >= today.year:
        raise ReportingError(
            _l(
                "The year %(year)s has not ended yet: it can be reported from 1 January.", year=year
            ),
            "year",
        )
    _check_can_start(find_report(delegation, ReportKind.ANNUAL, year))
    content = annual_content(delegation.iso3, year)
    if start == "nil":
        content["exports"]["nil"] = content["imports"]["nil"] = True
    elif start == "previous":
        earlier = previous_report(delegation, year)
        if earlier is None:
            raise ReportingError(
                _l("There is no submitted report of an earlier year to start from."), "start"
            )
        previous = earlier.latest.content
        for key in (*TABLES, "national_definitions", "withheld", "public"):
            content[key] = copy.deepcopy(previous[key])
        content["forward_to_un_register"] = previous["forward_to_un_register"]
    report = Report(delegation=delegation, kind=ReportKind.ANNUAL.value, year=year)
    db.session.add(report)
    version = _new_version(report, content, user)
    details = {"from_year": earlier.year} if start == "previous" else {}
    record("report.start", report, kind="annual", year=year, start=start, **details)
    return version


def start_initial(delegation, user):
    """Create the initial report of `delegation` and its first draft. Raises ReportingError
    when it exists already (an update is an amendment)."""
    _check_can_start(find_report(delegation, ReportKind.INITIAL))
    report = Report(delegation=delegation, kind=ReportKind.INITIAL.value)
    db.session.add(report)
    version = _new_version(report, initial_content(delegation.iso3), user)
    record("report.start", report, kind="initial")
    return version


def _check_draft(version):
    if not version.is_draft:
        raise ReportingError(_l("This version has been submitted and can no longer change."))


def _check_size(content):
    if len(canonical_json(content)) > MAX_CONTENT_CHARS:
        raise ReportingError(_l("The report is too large to be saved."))
    for table in TABLES:
        lines = content.get(table, {}).get("lines", []) if isinstance(content, dict) else []
        if isinstance(lines, list) and len(lines) > MAX_LINES:
            raise ReportingError(
                _l("A table holds at most %(count)s lines.", count=MAX_LINES), table
            )


def save_draft(version, content, user, source=None, source_name=""):
    """Replace the content of a draft, whatever problems it has (they are shown, and block
    only the submission). `source` is given when the content comes from somewhere new (an
    imported file); an edit on the form keeps the source the draft has, so that an imported
    report stays counted as filed by file. Raises ReportingError for a submitted version or an
    oversized one."""
    _check_draft(version)
    _check_size(content)
    version.content = content
    if source is not None:
        version.source = source.value
        version.source_name = source_name
    version.updated_at = now_utc()
    version.derive_acl()
    return version


def receipt_for(report, number):
    """The receipt number of version `number`: ATT-AR-<year>-<ISO3>-<n> or ATT-IR-<ISO3>-<n>."""
    state = report.delegation.iso3
    if report.is_annual:
        return f"ATT-AR-{report.year}-{state}-{number}"
    return f"ATT-IR-{state}-{number}"


def submit(version, user, today):
    """Submit a draft: it becomes version n of its report, unchangeable, with a receipt and the
    digest of its content. Raises ReportingError (with the problems) when validation finds
    errors; warnings do not block."""
    _check_draft(version)
    report = version.report
    problems = validate(report, version.content, today)
    if has_errors(problems):
        raise ReportingError(
            _l("The report has errors: correct them before submitting."), problems=problems
        )
    number = (
        db.session.scalar(
            select(func.max(ReportVersion.number)).where(ReportVersion.report_id == report.id)
        )
        or 0
    ) + 1
    receipt = receipt_for(report, number)
    digest = content_digest(version.content)
    # All at once: the session hook refuses any change once the submission is flushed.
    with db.session.no_autoflush:
        version.status = VersionStatus.SUBMITTED.value
        version.number = number
        version.receipt = receipt
        version.digest = digest
        version.submitted_at = now_utc()
        version.submitted_by_id = user.id
        version.derive_acl()
    record(
        "report.submit",
        version,
        receipt=version.receipt,
        digest=version.digest,
        number=number,
        warnings=len(problems),
    )
    _tell_submission(version, user)
    return version


def _active(query):
    return db.session.scalars(query.where(User.status == UserStatus.ACTIVE.value)).all()


def _contacts_of(delegation):
    return _active(
        select(User).where(
            User.delegation_id == delegation.id, User.role == Role.POINT_OF_CONTACT.value
        )
    )


def _secretariat():
    secretariat = Delegation.kind == DelegationKind.SECRETARIAT.value
    return _active(select(User).join(User.delegation).where(secretariat))


def _unique(people):
    seen = {}
    for person in people:
        seen.setdefault(person.id, person)
    return list(seen.values())


def _email_about(version, people, template, subject):
    """Queue `template` about `version` to each of `people`, in each one's language."""
    report = version.report
    link = external_url("reporting.version_detail", version_id=version.id)
    for person in people:
        queue_email(
            person.email,
            person.language,
            template,
            subject,
            name=person.name,
            state=(
                state_name_in(report.delegation.iso3, person.language) or report.delegation.name
            ),
            title=report.title,
            version=version,
            receipt=version.receipt,
            link=link,
        )


def _tell_submission(version, submitter):
    """The receipt, to the submitter, the State's points of contact and the Secretariat."""
    people = _unique([submitter, *_contacts_of(version.report.delegation), *_secretariat()])
    _email_about(
        version,
        people,
        "report_receipt",
        _l("Report received: %(receipt)s", receipt=version.receipt),
    )


def _tell_acknowledgement(version):
    """The delegation hears that the Secretariat acknowledged its report: the submitter and
    the points of contact."""
    people = _unique([version.submitted_by, *_contacts_of(version.report.delegation)])
    _email_about(
        version,
        [person for person in people if person.is_active],
        "report_acknowledged",
        _l("Report acknowledged by the ATT Secretariat: %(receipt)s", receipt=version.receipt),
    )


def amend(report, user):
    """Start an amendment: a new draft holding the content of the last submitted version.
    Raises ReportingError when there is no submitted version or a draft exists already."""
    latest = report.latest
    if latest is None:
        raise ReportingError(_l("Nothing has been submitted yet: there is nothing to amend."))
    if report.draft is not None:
        raise ReportingError(_l("A draft of this report is already being prepared."))
    # The content (and so its source) is the last version's until someone changes it.
    version = _new_version(
        report, copy.deepcopy(latest.content), user, latest.source_enum, latest.source_name
    )
    record("report.amend", report, from_version=latest.number, receipt=latest.receipt)
    return version


def discard_draft(version):
    """Delete a draft; a report left without any version goes with it."""
    _check_draft(version)
    report = version.report
    record("report.discard_draft", report)
    report.versions.remove(version)
    if not report.versions:
        db.session.delete(report)


def acknowledge(version, user):
    """The Secretariat acknowledges receipt of a submitted version."""
    if version.is_draft:
        raise ReportingError(_l("A draft cannot be acknowledged."))
    if version.acknowledged_at is not None:
        raise ReportingError(_l("This version has been acknowledged already."))
    version.acknowledged_at = now_utc()
    version.acknowledged_by_id = user.id
    record("report.acknowledge", version, receipt=version.receipt)
    _tell_acknowledgement(version)
    return version


def designate_officer(delegation, person, by):
    """Designate `person`, a member of `delegation`, as one of its reporting officers."""
    if person is None or person.delegation_id != delegation.id:
        raise ReportingError(_l("Choose a member of your delegation."), "user")
    if not person.is_active:
        raise ReportingError(_l("Only an active account can be designated."), "user")
    if person.is_point_of_contact:
        raise ReportingError(_l("The point of contact submits reports already."), "user")
    exists = db.session.scalar(
        select(ReportingOfficer).where(ReportingOfficer.user_id == person.id)
    )
    if exists is not None:
        raise ReportingError(_l("This person is a reporting officer already."), "user")
    officer = ReportingOfficer(delegation=delegation, user=person, designated_by_id=by.id)
    db.session.add(officer)
    record("report.officer_designate", person, delegation_id=delegation.id)
    return officer


def remove_officer(officer):
    record("report.officer_remove", officer.user, delegation_id=officer.delegation_id)
    db.session.delete(officer)
