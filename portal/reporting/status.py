"""Reporting status: which States owe which reports, which they submitted, and the figures the
Secretariat presents at every working group meeting.

The rules (the status page states them too):

- **Annual report for calendar year Y**: due by 31 May of Y + 1 (`models.due_date`) from every
  State Party for which the treaty entered into force on or before 1 January Y, that is a
  State Party for the whole year reported on. A State that became a party during Y first
  reports on Y + 1.
- **Initial report**: due one year after the treaty entered into force for the State
  (`models.due_date`).
- A report is **due to date** once its deadline has passed (the deadline is before the day the
  figures are computed for).
- **Submitted by the deadline**: its first version was submitted on or before the deadline
  (a UTC date); a later amendment does not change that. **Submitted to date**: submitted at
  any time up to the day of the figures.
- **Fully compliant**: a State Party with at least one report due to date that has submitted
  every report due to date (its initial report and each annual report).
- **Public or restricted**, **entered online or imported from a file**, **authorising the
  Secretariat to forward it to the UN Register**: as the latest submitted version of each
  report says.
- **At the same stage**: submitted within as many days after its deadline as have passed since
  the deadline of the latest year whose deadline has passed, so that a year still being
  reported on compares with earlier years (the Secretariat's "68 % ten months after the
  deadline, against 63 % at the same stage last year").
- **Cohort**: the States Parties due to report on a given year (by default the first, 2015),
  and how many of them submitted the annual report on a later year (the Secretariat's "of the
  61 States Parties due to report in 2015, 83 %").
- Only the States due are counted in the figures of a year; a report sent by a State that did
  not owe it yet is listed but not counted.

Everything is read from the database as of one day (`today`), so that the figures of a past day
can be computed again: the States Parties with their entry into force (one query), and each
submitted report with its first submission, its number of versions and its latest version (one
query, the grouping done by SQL). Nothing is stored; within one `ReportingStatus` each State's
reports are worked out once.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from portal.accounts.models import Delegation, DelegationKind
from portal.core.models import now_utc
from portal.extensions import db
from portal.reporting.models import (
    FIRST_REPORTING_YEAR,
    Report,
    ReportKind,
    ReportVersion,
    Source,
    VersionStatus,
    due_date,
)

#: How many reporting years the status page shows, the latest first.
YEARS_SHOWN = 10

#: The treaty entered into force on 24 December 2014: the first annual reports owed were for 2015.
FIRST_DUE_YEAR = FIRST_REPORTING_YEAR + 1


def current_day():
    """Today's date in UTC, the day the figures are computed for unless another is given."""
    return now_utc().date()


def annual_due_from(entry_into_force, year):
    """Whether a State Party whose treaty entry into force is `entry_into_force` owes an annual
    report for `year`: only when it was a party on 1 January of that year."""
    return entry_into_force is not None and entry_into_force <= date(year, 1, 1)


def reporting_years(today):
    """The reporting years shown on `today`, the latest first: the last YEARS_SHOWN calendar
    years that have ended, not before the first year any report was owed."""
    latest = today.year - 1
    return list(range(latest, max(FIRST_DUE_YEAR, latest - YEARS_SHOWN + 1) - 1, -1))


@dataclass(frozen=True)
class Submitted:
    """One submitted report, as the status needs it."""

    report_id: int
    delegation_id: int
    kind: str
    year: int | None
    first_submitted_at: datetime
    versions: int
    #: The latest submitted version: its id, date, access level, source, receipt.
    version_id: int
    last_submitted_at: datetime
    is_public: bool
    source: str
    receipt: str
    acknowledged_at: datetime | None
    #: Whether the State authorised forwarding to the UN Register (annual reports; else None).
    forwards: bool | None

    @property
    def is_online(self):
        return self.source == Source.ONLINE.value

    @property
    def is_updated(self):
        return self.versions > 1

    @property
    def is_forwarded(self):
        return bool(self.forwards)


#: The state of one report of one State on the day of the figures.
NOT_DUE = "not_due"  # not owed (yet), and not submitted
VOLUNTARY = "voluntary"  # submitted although not owed
PENDING = "pending"  # owed, the deadline has not passed, not submitted yet
ON_TIME = "on_time"  # submitted by the deadline
LATE = "late"  # submitted after the deadline
OVERDUE = "overdue"  # the deadline has passed and nothing was submitted

STATE_LABELS = {
    NOT_DUE: _l("Not due"),
    VOLUNTARY: _l("Submitted, not yet due"),
    PENDING: _l("Due, deadline not reached"),
    ON_TIME: _l("Submitted by the deadline"),
    LATE: _l("Submitted after the deadline"),
    OVERDUE: _l("Overdue"),
}


@dataclass(frozen=True)
class ReportState:
    """Where one report of one State stands: owed or not, by when, and what was submitted."""

    is_owed: bool
    due_on: date | None
    submitted: Submitted | None
    today: date

    @property
    def deadline_passed(self):
        return self.due_on is not None and self.due_on < self.today

    @property
    def by_deadline(self):
        return (
            self.submitted is not None
            and self.due_on is not None
            and self.submitted.first_submitted_at.date() <= self.due_on
        )

    @property
    def state(self):
        if not self.is_owed:
            return VOLUNTARY if self.submitted else NOT_DUE
        if self.submitted:
            return ON_TIME if self.by_deadline else LATE
        return OVERDUE if self.deadline_passed else PENDING

    @property
    def label(self):
        return STATE_LABELS[self.state]

    @property
    def is_missing(self):
        """Owed, its deadline passed, and not submitted."""
        return self.state == OVERDUE


@dataclass(frozen=True)
class YearFigures:
    """The figures of the annual reports on one calendar year."""

    year: int
    deadline: date
    deadline_passed: bool
    #: States Parties that owe the report.
    due: int
    #: Of those, how many submitted by the deadline, and up to the day of the figures.
    by_deadline: int
    to_date: int
    #: The reports of `to_date`, by their latest version: public or restricted, online or file.
    public: int
    restricted: int
    online: int
    from_file: int
    #: Of `to_date`, how many authorise forwarding to the UN Register.
    forwarded: int
    #: Of `due`, how many submitted within `same_stage_days` after the deadline (None before
    #: any deadline has passed).
    same_stage: int | None
    same_stage_days: int | None

    @property
    def by_deadline_rate(self):
        return share(self.by_deadline, self.due)

    @property
    def forwarded_rate(self):
        return share(self.forwarded, self.to_date)

    @property
    def same_stage_rate(self):
        return share(self.same_stage or 0, self.due) if self.same_stage is not None else None

    @property
    def to_date_rate(self):
        return share(self.to_date, self.due)

    @property
    def restricted_rate(self):
        return share(self.restricted, self.to_date)

    @property
    def from_file_rate(self):
        return share(self.from_file, self.to_date)


@dataclass(frozen=True)
class InitialFigures:
    """The figures of the initial reports."""

    #: States Parties whose initial report is due to date (its deadline has passed).
    due: int
    by_deadline: int
    to_date: int
    #: States Parties that submitted an initial report, whether due yet or not.
    submitted: int
    #: Of those, how many submitted an update (more than one version).
    updated: int

    @property
    def by_deadline_rate(self):
        return share(self.by_deadline, self.due)

    @property
    def to_date_rate(self):
        return share(self.to_date, self.due)


@dataclass(frozen=True)
class Cohort:
    """The States Parties due to report on `since`, and how many of them submitted the annual
    report on `year`."""

    since: int
    year: int
    states: int
    submitted: int

    @property
    def rate(self):
        return share(self.submitted, self.states)


@dataclass(frozen=True)
class Compliance:
    """States Parties with at least one report due to date, and those that submitted all."""

    states: int
    compliant: int

    @property
    def rate(self):
        return share(self.compliant, self.states)


def share(part, whole):
    """`part` / `whole` as a fraction between 0 and 1, or None when `whole` is 0."""
    return part / whole if whole else None


@dataclass(frozen=True)
class StateRow:
    """One State on the status of a year: its annual report for that year and its initial
    report, and whether it is fully compliant to date."""

    delegation: Delegation
    is_party: bool
    annual: ReportState
    initial: ReportState
    is_compliant: bool | None


class ReportingStatus:
    """The reporting status as of `today`: read once from the database, then figures and lists
    on demand. `today` defaults to the current UTC date."""

    def __init__(self, today=None):
        self.today = today or current_day()
        self.years = reporting_years(self.today)
        self.parties = db.session.scalars(
            select(Delegation)
            .where(
                Delegation.kind == DelegationKind.STATE_PARTY.value,
                Delegation.entry_into_force.is_not(None),
                Delegation.entry_into_force <= self.today,
            )
            .order_by(Delegation.name)
        ).all()
        self.submitted = {
            (row.delegation_id, row.kind, row.year): row for row in submitted_reports(self.today)
        }
        # Figures, compliance and lists ask for the same report of a State many times.
        self._annual = {}
        self._compliant = {}

    # One report of one State -----------------------------------------------------------------

    def annual(self, delegation, year):
        key = (delegation.id, year)
        if key not in self._annual:
            self._annual[key] = self._annual_state(delegation, year)
        return self._annual[key]

    def _annual_state(self, delegation, year):
        owed = delegation.kind == DelegationKind.STATE_PARTY.value and annual_due_from(
            delegation.entry_into_force, year
        )
        return ReportState(
            is_owed=owed,
            due_on=due_date(ReportKind.ANNUAL, delegation, year),
            submitted=self.submitted.get((delegation.id, ReportKind.ANNUAL.value, year)),
            today=self.today,
        )

    def initial(self, delegation):
        is_party = delegation.kind == DelegationKind.STATE_PARTY.value
        return ReportState(
            is_owed=is_party and delegation.entry_into_force is not None,
            due_on=due_date(ReportKind.INITIAL, delegation) if is_party else None,
            submitted=self.submitted.get((delegation.id, ReportKind.INITIAL.value, None)),
            today=self.today,
        )

    def reports_due_to_date(self, delegation):
        """Every report `delegation` owes whose deadline has passed."""
        owed = [self.initial(delegation)]
        first = max(FIRST_DUE_YEAR, delegation.entry_into_force.year)
        owed += [self.annual(delegation, year) for year in range(first, self.today.year)]
        return [report for report in owed if report.is_owed and report.deadline_passed]

    def is_compliant(self, delegation):
        """True or False for a State Party with a report due to date, else None."""
        if delegation.id not in self._compliant:
            due = self.reports_due_to_date(delegation)
            self._compliant[delegation.id] = (
                not any(report.is_missing for report in due) if due else None
            )
        return self._compliant[delegation.id]

    # Figures ---------------------------------------------------------------------------------

    @property
    def latest_passed_year(self):
        """The latest year whose deadline has passed, or None."""
        return next(
            (year for year in self.years if due_date(ReportKind.ANNUAL, None, year) < self.today),
            None,
        )

    @property
    def same_stage_days(self):
        """How many days have passed since the deadline of `latest_passed_year` (or None)."""
        year = self.latest_passed_year
        if year is None:
            return None
        return (self.today - due_date(ReportKind.ANNUAL, None, year)).days

    def year_figures(self, year):
        states = [self.annual(party, year) for party in self.parties]
        owed = [state for state in states if state.is_owed]
        sent = [state.submitted for state in owed if state.submitted]
        deadline = due_date(ReportKind.ANNUAL, None, year)
        days = self.same_stage_days
        same_stage = None
        if days is not None:
            stage_end = deadline + timedelta(days=days)
            same_stage = sum(1 for report in sent if report.first_submitted_at.date() <= stage_end)
        return YearFigures(
            year=year,
            deadline=deadline,
            deadline_passed=deadline < self.today,
            due=len(owed),
            by_deadline=sum(1 for state in owed if state.by_deadline),
            to_date=len(sent),
            public=sum(1 for report in sent if report.is_public),
            restricted=sum(1 for report in sent if not report.is_public),
            online=sum(1 for report in sent if report.is_online),
            from_file=sum(1 for report in sent if not report.is_online),
            forwarded=sum(1 for report in sent if report.is_forwarded),
            same_stage=same_stage,
            same_stage_days=days,
        )

    def cohort(self, since=FIRST_DUE_YEAR, year=None):
        """The cohort of the States Parties due to report on `since`, and its submissions of the
        annual report on `year` (by default the latest year whose deadline has passed); None
        when there is no such year."""
        year = year or self.latest_passed_year
        if year is None:
            return None
        members = [party for party in self.parties if self.annual(party, since).is_owed]
        return Cohort(
            since=since,
            year=year,
            states=len(members),
            submitted=sum(1 for party in members if self.annual(party, year).submitted),
        )

    def summary(self):
        """Every figure of the status as plain data (numbers, ISO dates, rates between 0 and 1):
        what the status page shows, the CSV holds and the API returns."""
        cohort = self.cohort()
        initial = self.initial_figures()
        compliance = self.compliance()
        return {
            "date": self.today.isoformat(),
            "years": [
                {
                    "year": figure.year,
                    "deadline": figure.deadline.isoformat(),
                    "deadline_passed": figure.deadline_passed,
                    "states_due": figure.due,
                    "submitted_by_deadline": figure.by_deadline,
                    "submitted_to_date": figure.to_date,
                    "submitted_at_same_stage": figure.same_stage,
                    "public": figure.public,
                    "restricted": figure.restricted,
                    "entered_online": figure.online,
                    "imported_from_file": figure.from_file,
                    "forwarded_to_un_register": figure.forwarded,
                    "by_deadline_rate": figure.by_deadline_rate,
                    "to_date_rate": figure.to_date_rate,
                    "same_stage_rate": figure.same_stage_rate,
                    "restricted_rate": figure.restricted_rate,
                    "from_file_rate": figure.from_file_rate,
                    "forwarded_rate": figure.forwarded_rate,
                }
                for figure in self.figures()
            ],
            "same_stage_days": self.same_stage_days,
            "cohort": cohort
            and {
                "since": cohort.since,
                "year": cohort.year,
                "states": cohort.states,
                "submitted": cohort.submitted,
                "rate": cohort.rate,
            },
            "initial": {
                "states_due": initial.due,
                "submitted_by_deadline": initial.by_deadline,
                "submitted_to_date": initial.to_date,
                "submitted": initial.submitted,
                "updated": initial.updated,
                "to_date_rate": initial.to_date_rate,
            },
            "compliance": {
                "states": compliance.states,
                "compliant": compliance.compliant,
                "rate": compliance.rate,
            },
        }

    def figures(self):
        """The figures of every year shown, the latest first."""
        return [self.year_figures(year) for year in self.years]

    def initial_figures(self):
        states = [self.initial(party) for party in self.parties]
        due = [state for state in states if state.deadline_passed]
        sent = [state.submitted for state in states if state.submitted]
        return InitialFigures(
            due=len(due),
            by_deadline=sum(1 for state in due if state.by_deadline),
            to_date=sum(1 for state in due if state.submitted),
            submitted=len(sent),
            updated=sum(1 for report in sent if report.is_updated),
        )

    def compliance(self):
        verdicts = [self.is_compliant(party) for party in self.parties]
        return Compliance(
            states=sum(1 for verdict in verdicts if verdict is not None),
            compliant=sum(1 for verdict in verdicts if verdict),
        )

    # Lists -----------------------------------------------------------------------------------

    def submitters(self, kind, year=None):
        """The delegations that submitted the annual report on `year` (or their initial report),
        by name: a public fact, whatever the report's access level."""
        ids = [key[0] for key in self.submitted if key[1] == kind.value and key[2] == year]
        if not ids:
            return []
        found = db.session.scalars(select(Delegation).where(Delegation.id.in_(ids))).all()
        return sorted(found, key=lambda delegation: delegation.display_name)

    def state_rows(self, year):
        """Every State Party, and every other State that submitted a report on `year` or an
        initial report, with where its reports stand (for the Secretariat)."""
        others = {key[0] for key in self.submitted if key[2] in (year, None)} - {
            party.id for party in self.parties
        }
        delegations = list(self.parties)
        if others:
            delegations += db.session.scalars(
                select(Delegation).where(Delegation.id.in_(others))
            ).all()
        rows = [
            StateRow(
                delegation=delegation,
                is_party=delegation.kind == DelegationKind.STATE_PARTY.value,
                annual=self.annual(delegation, year),
                initial=self.initial(delegation),
                is_compliant=self.is_compliant(delegation)
                if delegation.kind == DelegationKind.STATE_PARTY.value
                else None,
            )
            for delegation in delegations
        ]
        return sorted(rows, key=lambda row: row.delegation.display_name)


def submitted_reports(today):
    """Each report with a version submitted by the end of `today`: its first submission, its
    number of versions, and its latest version (public or not, source, receipt, acknowledged)."""
    end = datetime.combine(today + timedelta(days=1), time())
    submitted = and_(
        ReportVersion.status == VersionStatus.SUBMITTED.value,
        ReportVersion.submitted_at < end,
    )
    summary = (
        select(
            ReportVersion.report_id,
            func.min(ReportVersion.submitted_at).label("first_submitted_at"),
            func.count().label("versions"),
            func.max(ReportVersion.number).label("last_number"),
        )
        .where(submitted)
        .group_by(ReportVersion.report_id)
        .subquery()
    )
    latest = aliased(ReportVersion)
    rows = db.session.execute(
        select(
            Report.id,
            Report.delegation_id,
            Report.kind,
            Report.year,
            summary.c.first_submitted_at,
            summary.c.versions,
            latest.id,
            latest.submitted_at,
            latest.is_public,
            latest.source,
            latest.receipt,
            latest.acknowledged_at,
            latest.content["forward_to_un_register"].as_boolean(),
        )
        .join(summary, summary.c.report_id == Report.id)
        .join(
            latest,
            and_(latest.report_id == Report.id, latest.number == summary.c.last_number),
        )
    )
    return [Submitted(*row) for row in rows]
