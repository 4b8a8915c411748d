"""The reporting benchmark's data: the States of the portal's reference data and their reports.

`populate(seed)` fills a freshly migrated database, inside an application context:

- the 116 States Parties, 26 signatories and the organisations of
  `portal.accounts.reference.load_delegations()`;
- one delegate per State (who entered and submitted its reports; bulk insert, one shared
  password hash, as bench/forum_data.py makes people) and the Secretariat officer who signs in
  to the Secretariat's page, with a password and a second factor (the Secretariat always
  needs one);
- the annual reports of every year a State Party owed one, from 2015 (the first year owed) to
  last year. Whether a State reports depends on the State: `REPORTER_RATES` makes most States
  report nearly every year and a few seldom, about 70 % of the reports due in all. A report is
  submitted by its deadline (31 May of the next year) `ON_TIME` of the time, else later;
  `AMENDED` of the reports get a second version; `RESTRICTED` are for the States Parties only,
  `FROM_FILE` were imported from a file, and nearly all versions are acknowledged by the
  Secretariat. A few States Parties have a draft of last year's report, and a few signatories
  sent reports they did not owe (the Secretariat's page lists them);
- initial reports from `INITIAL_SHARE` of the States Parties, some updated (2 versions);
- the draft of last year's annual report of `IMPORT_STATE`, into which the benchmark imports
  its large file (see `large_annual_content`).

Reports and versions are written with bulk inserts, as the services would write them (receipt
numbers, digests, access levels, one draft at most per report), but with dates spread over the
years since 2015; no audit record is written, which the status pages do not read. Every
submitted content passes `portal.reporting.validation`.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, insert, select, text

from bench.forum_data import user_row
from portal.access import PUBLIC, STATE_PARTY
from portal.accounts.models import Delegation, DelegationKind, User
from portal.accounts.reference import load_delegations
from portal.auth.passwords import hash_password
from portal.auth.second_factor import new_totp_secret
from portal.extensions import db
from portal.reporting import categories
from portal.reporting.models import (
    Report,
    ReportKind,
    ReportVersion,
    Source,
    VersionStatus,
    annual_content,
    content_digest,
    due_date,
    initial_content,
)
from portal.reporting.questions import QUESTIONS
from portal.reporting.status import FIRST_DUE_YEAR, annual_due_from, current_day

SECRETARIAT_EMAIL = "secretariat.bench@bench.att-portal.invalid"
SECRETARIAT_PASSWORD = "amber-lantern-quorum-4826-benchmark"
#: The State whose draft receives the imported file.
IMPORT_STATE = "MEX"

#: How often a State Party reports, by kind of State: (rate of the reports due it sends,
#: share of the States). About 70 % of the reports due are sent.
REPORTER_RATES = ((0.95, 6), (0.6, 2), (0.1, 2))
ON_TIME = 0.65
AMENDED = 0.15
RESTRICTED = 0.2
FROM_FILE = 0.35
ACKNOWLEDGED = 0.9
INITIAL_SHARE = 0.85
INITIAL_UPDATED = 0.2
#: States Parties with a draft of last year's report (not yet submitted).
DRAFTS = 8
#: Signatories that sent reports they did not owe: an initial report and last year's.
VOLUNTARY_SIGNATORIES = 3
#: Lines per table of a generated annual report (nil tables aside).
LINES_PER_TABLE = (1, 25)
NIL_EXPORTS = 0.25
NIL_IMPORTS = 0.1

CURRENCIES = ("USD", "EUR", "GBP", "CHF", "JPY", "MXN", "BRL", "ZAR")
ITEM_NAMES = {
    "I": "Main battle tanks",
    "II": "Armoured personnel carriers",
    "III": "Self-propelled howitzers",
    "IV": "Multi-role combat aircraft",
    "V": "Transport helicopters",
    "VI": "Patrol vessels",
    "VII": "Anti-tank guided missiles",
    "VIII.SA": "Assault rifles",
    "VIII.LW": "Heavy machine guns",
}
END_USERS = ("armed forces", "national police", "border guard", "coast guard", "customs")
COMMENTS = (
    "",
    "",
    "Deliveries in two shipments.",
    "Replacement of equipment withdrawn from service.",
    "For a United Nations peacekeeping contingent.",
)


@dataclass
class Dataset:
    """What the benchmark needs to know about the data it made."""

    delegations: int
    states_parties: int
    signatories: int
    users: int
    annual_due: int
    annual_sent: int
    annual_amended: int
    initial_sent: int
    initial_updated: int
    versions: int
    drafts: int
    draft_report_id: int
    email: str = SECRETARIAT_EMAIL
    password: str = SECRETARIAT_PASSWORD
    totp_secret: str = ""


def populate(seed=20261125):
    """Fill the (empty, migrated) database; returns the `Dataset`. Needs an app context."""
    load_delegations()
    db.session.commit()
    rng = random.Random(f"{seed}:reporting")
    today = current_day()
    delegations = db.session.scalars(select(Delegation).order_by(Delegation.id)).all()
    states = [d for d in delegations if d.iso3]
    parties = [d for d in states if d.kind == DelegationKind.STATE_PARTY.value]
    signatories = [d for d in states if d.kind == DelegationKind.SIGNATORY.value]
    secretariat = next(d for d in delegations if d.kind == DelegationKind.SECRETARIAT.value)
    authors, officer_id, secret = create_users(rng, states, secretariat)
    writer = ReportWriter(rng, today, authors, officer_id)
    last_year = today.year - 1
    importer = next(d for d in parties if d.iso3 == IMPORT_STATE)
    due = 0
    for party in parties:
        rate = rng.choices(*zip(*REPORTER_RATES))[0]
        first = max(FIRST_DUE_YEAR, party.entry_into_force.year)
        for year in range(first, today.year):
            if not annual_due_from(party.entry_into_force, year):
                continue
            due += 1
            # The importing State has a draft of last year's report instead (below).
            if rng.random() < rate and (party is not importer or year != last_year):
                writer.annual(party, year)
        if due_date(ReportKind.INITIAL, party) < today and rng.random() < INITIAL_SHARE:
            writer.initial(party, due_date(ReportKind.INITIAL, party))
    draft_report_id = writer.draft(importer, last_year)
    without = [
        p for p in parties if (p.id, last_year) not in writer.annual_keys and p is not importer
    ]
    for party in rng.sample(without, min(DRAFTS, len(without))):
        writer.draft(party, last_year)
    for signatory in rng.sample(signatories, VOLUNTARY_SIGNATORIES):
        writer.initial(signatory, date(last_year, 6, 30))
        writer.annual(signatory, last_year)
    writer.flush()
    finish_load()
    return Dataset(
        delegations=len(delegations),
        states_parties=len(parties),
        signatories=len(signatories),
        users=db.session.scalar(select(func.count()).select_from(User)),
        annual_due=due,
        draft_report_id=draft_report_id,
        totp_secret=secret,
        **report_counts(),
    )


def report_counts():
    """How many reports the States Parties submitted (annual, initial), how many of those were
    amended, and the versions and drafts of every State, as stored."""
    party = Delegation.kind == DelegationKind.STATE_PARTY.value
    submitted = ReportVersion.status == VersionStatus.SUBMITTED.value
    versions = (
        select(Report.kind, Report.id, func.count(ReportVersion.id).label("versions"))
        .join(ReportVersion)
        .join(Delegation, Delegation.id == Report.delegation_id)
        .where(party, submitted)
        .group_by(Report.kind, Report.id)
        .subquery()
    )
    by_kind = {
        kind: (sent, amended)
        for kind, sent, amended in db.session.execute(
            select(
                versions.c.kind,
                func.count(),
                func.sum(case((versions.c.versions > 1, 1), else_=0)),
            ).group_by(versions.c.kind)
        )
    }
    return {
        "annual_sent": by_kind.get("annual", (0, 0))[0],
        "annual_amended": int(by_kind.get("annual", (0, 0))[1] or 0),
        "initial_sent": by_kind.get("initial", (0, 0))[0],
        "initial_updated": int(by_kind.get("initial", (0, 0))[1] or 0),
        "versions": db.session.scalar(select(func.count()).where(submitted)),
        "drafts": db.session.scalar(
            select(func.count()).where(ReportVersion.status == VersionStatus.DRAFT.value)
        ),
    }


def create_users(rng, states, secretariat):
    """One delegate per State and the Secretariat officer; returns ({delegation id: user id},
    the officer's id, the officer's TOTP secret)."""
    first_id = (db.session.scalar(select(func.max(User.id))) or 0) + 1
    now = datetime(today_year() - 1, 1, 1)
    shared = hash_password(f"not-used-{rng.random()}")
    officer = user_row(
        first_id,
        SECRETARIAT_EMAIL,
        "Benchmark Secretariat Officer",
        secretariat,
        "Programme officer",
        hash_password(SECRETARIAT_PASSWORD),
        now,
    )
    secret = new_totp_secret()
    officer["totp_secret"] = secret
    rows = [officer]
    authors = {}
    for number, state in enumerate(states, start=1):
        user_id = first_id + number
        email = f"reporting{number}@{state.iso3.lower()}.bench.att-portal.invalid"
        rows.append(
            user_row(
                user_id, email, f"Reporting officer {state.iso3}", state, "Delegate", shared, now
            )
        )
        authors[state.id] = user_id
    db.session.execute(insert(User.__table__), rows)
    db.session.commit()
    return authors, first_id, secret


def today_year():
    return current_day().year


class ReportWriter:
    """Makes the rows of reports and their versions, and inserts them in batches."""

    def __init__(self, rng, today, authors, officer_id):
        self.rng = rng
        self.today = today
        self.authors = authors
        self.officer_id = officer_id
        self.next_report = (
            db.session.execute(text("SELECT max(id) FROM reports")).scalar() or 0
        ) + 1
        self.reports, self.versions = [], []
        self.annual_keys = set()

    def moment(self, start, end):
        """A random UTC time between two dates (inclusive), never after yesterday."""
        end = min(end, self.today - timedelta(days=1))
        start = min(start, end)
        day = start + timedelta(days=self.rng.randint(0, (end - start).days))
        return datetime.combine(day, datetime.min.time()) + timedelta(
            seconds=self.rng.randint(7 * 3600, 19 * 3600)
        )

    def report_row(self, delegation, kind, year, created_at):
        report_id = self.next_report
        self.next_report += 1
        self.reports.append(
            {
                "id": report_id,
                "created_at": created_at,
                "delegation_id": delegation.id,
                "kind": kind.value,
                "year": year,
            }
        )
        return report_id

    def submitted(self, report_id, delegation, kind, year, content, times, is_public, source):
        """The submitted versions of one report, at `times`."""
        for number, submitted_at in enumerate(times, start=1):
            acknowledged = self.rng.random() < ACKNOWLEDGED
            receipt = (
                f"ATT-AR-{year}-{delegation.iso3}-{number}"
                if kind is ReportKind.ANNUAL
                else f"ATT-IR-{delegation.iso3}-{number}"
            )
            content = dict(content, public=is_public)
            self.versions.append(
                {
                    "created_at": submitted_at - timedelta(days=self.rng.randint(1, 40)),
                    "report_id": report_id,
                    "number": number,
                    "status": VersionStatus.SUBMITTED.value,
                    "content": content,
                    "source": source,
                    "source_name": f"{receipt}.xlsx" if source == Source.FILE.value else "",
                    "is_public": is_public,
                    "acl": PUBLIC if is_public else STATE_PARTY,
                    "created_by_id": self.authors[delegation.id],
                    "updated_at": submitted_at,
                    "submitted_at": submitted_at,
                    "submitted_by_id": self.authors[delegation.id],
                    "receipt": receipt,
                    "digest": content_digest(content),
                    "acknowledged_at": submitted_at + timedelta(days=self.rng.randint(1, 10))
                    if acknowledged
                    else None,
                    "acknowledged_by_id": self.officer_id if acknowledged else None,
                }
            )

    def times(self, deadline, earliest):
        """When the versions of a report were submitted: the first by `deadline` or after it,
        an amendment (sometimes) some months later."""
        if self.rng.random() < ON_TIME:
            first = self.moment(max(earliest, deadline - timedelta(days=150)), deadline)
        else:
            first = self.moment(deadline + timedelta(days=1), deadline + timedelta(days=700))
        times = [first]
        amendment = first + timedelta(days=self.rng.randint(20, 300))
        if self.rng.random() < AMENDED and amendment.date() < self.today:
            times.append(amendment)
        return times

    def annual(self, delegation, year):
        deadline = due_date(ReportKind.ANNUAL, delegation, year)
        times = self.times(deadline, date(year + 1, 1, 2))
        report_id = self.report_row(delegation, ReportKind.ANNUAL, year, times[0])
        content = annual_report_content(
            self.rng, delegation.iso3, year, self.rng.randint(*LINES_PER_TABLE)
        )
        source = Source.FILE.value if self.rng.random() < FROM_FILE else Source.ONLINE.value
        public = self.rng.random() >= RESTRICTED
        self.submitted(
            report_id, delegation, ReportKind.ANNUAL, year, content, times, public, source
        )
        self.annual_keys.add((delegation.id, year))
        self.maybe_flush()

    def initial(self, delegation, deadline):
        earliest = (delegation.entry_into_force or deadline - timedelta(days=365)) + timedelta(
            days=30
        )
        times = self.times(deadline, earliest)
        if len(times) == 1 and self.rng.random() < INITIAL_UPDATED:
            later = times[0] + timedelta(days=self.rng.randint(200, 1500))
            if later.date() < self.today:
                times.append(later)
        report_id = self.report_row(delegation, ReportKind.INITIAL, None, times[0])
        content = initial_report_content(self.rng, delegation.iso3)
        public = self.rng.random() >= RESTRICTED
        self.submitted(
            report_id,
            delegation,
            ReportKind.INITIAL,
            None,
            content,
            times,
            public,
            Source.ONLINE.value,
        )

    def draft(self, delegation, year):
        """A draft of the annual report on `year`, entered online; returns the report's id."""
        started = self.moment(date(year + 1, 1, 10), self.today)
        report_id = self.report_row(delegation, ReportKind.ANNUAL, year, started)
        content = annual_report_content(self.rng, delegation.iso3, year, 5)
        self.versions.append(
            {
                "created_at": started,
                "report_id": report_id,
                "number": None,
                "status": VersionStatus.DRAFT.value,
                "content": content,
                "source": Source.ONLINE.value,
                "source_name": "",
                "is_public": True,
                "acl": f"delegation:{delegation.id}",
                "created_by_id": self.authors[delegation.id],
                "updated_at": started,
                "submitted_at": None,
                "submitted_by_id": None,
                "receipt": None,
                "digest": None,
                "acknowledged_at": None,
                "acknowledged_by_id": None,
            }
        )
        self.flush()
        return report_id

    def maybe_flush(self):
        if len(self.versions) >= 500:
            self.flush()

    def flush(self):
        if self.reports:
            db.session.execute(insert(Report.__table__), self.reports)
        if self.versions:
            db.session.execute(insert(ReportVersion.__table__), self.versions)
        db.session.commit()
        self.reports, self.versions = [], []


def annual_line(rng, table, own_state, number):
    """One valid line of an exports or imports table; `number` makes its description unique
    (two lines with the same category, partner and description would be duplicates)."""
    category = rng.choice(categories.CATEGORIES)
    subcategory = rng.choice(category.subcategories).code if category.subcategories else ""
    partner = rng.choice([code for code in PARTNERS if code != own_state])
    items = rng.choice([None, rng.randint(1, 5000)])
    value = None if items is not None and rng.random() < 0.3 else f"{rng.randint(5, 90_000_000)}.00"
    return {
        "category": category.code,
        "subcategory": subcategory,
        "basis": rng.choice(("authorised", "actual", "actual")),
        "items": items,
        "value": value,
        "currency": rng.choice(CURRENCIES) if value is not None else "",
        "partner": partner,
        "origin": rng.choice(["", "", "", rng.choice(PARTNERS)]),
        "intermediate": rng.choice(["", "", "", "", rng.choice(PARTNERS)]),
        "description": f"{ITEM_NAMES[category.code]} for the {rng.choice(END_USERS)}, "
        f"contract {table[0].upper()}-{number:05d}",
        "comments": rng.choice(COMMENTS),
    }


#: ISO codes drawn as partners: the States of the reference data and a few others.
PARTNER_CODES = (
    "ARG AUS AUT BEL BRA CAN CHE CHL CZE DEU DNK ESP FIN FRA GBR GHA GRC HUN IRL ITA JPN KOR "
    "MEX NGA NLD NOR NZL PER POL PRT ROU SEN SRB SVK SWE TUR UKR URY USA ZAF IND IDN EGY SAU"
)
PARTNERS = tuple(PARTNER_CODES.split())


def annual_report_content(rng, state, year, lines_per_table, nil=True):
    """A valid annual report of `state` for `year`: up to `lines_per_table` lines in each table
    (nil tables now and then, when `nil`)."""
    exports_nil = nil and rng.random() < NIL_EXPORTS
    imports_nil = nil and rng.random() < NIL_IMPORTS
    exports = (
        []
        if exports_nil
        else [annual_line(rng, "exports", state, n) for n in range(lines_per_table)]
    )
    imports = (
        []
        if imports_nil
        else [annual_line(rng, "imports", state, n) for n in range(lines_per_table)]
    )
    content = annual_content(
        state, year, exports, imports, exports_nil=exports_nil, imports_nil=imports_nil
    )
    content["national_definitions"] = "Categories as defined in the national control list."
    return content


def large_annual_content(state, year, lines_per_table, seed=20261125):
    """The large report of the import benchmark: `lines_per_table` exports and as many
    imports, all valid, no nil table."""
    return annual_report_content(
        random.Random(f"{seed}:large"), state, year, lines_per_table, nil=False
    )


def initial_report_content(rng, state):
    answers = {}
    for question_id, question in QUESTIONS.items():
        if rng.random() < 0.1:
            continue  # left unanswered: a warning, not an error
        answers[question_id] = {
            "choice": rng.choice(("yes", "yes", "partly", "no")) if question.is_choice else "",
            "text": "Set out in the national legislation on the transfer of conventional arms "
            "and in the regulations of the licensing authority.",
        }
    return initial_content(state, answers)


def finish_load():
    """What a PostgreSQL server does on its own after a bulk load, done now: sequences past the
    explicit ids, and planner statistics (autovacuum would ANALYZE the new tables within
    minutes). SQLite is left as the portal leaves it: nothing there runs ANALYZE."""
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.begin() as connection:
        for table in ("users", "reports"):
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
