"""Reporting status: who owes which report when, the figures per year, the initial reports and
the full-compliance rate on constructed cases; the public page, the Secretariat's list and their
CSV exports, with their access rules."""

import csv
import io
import json
import re
from datetime import date, datetime

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.reporting import status as status_module
from portal.reporting.models import (
    Report,
    ReportKind,
    ReportVersion,
    annual_content,
    content_digest,
    initial_content,
)
from portal.reporting.services import receipt_for
from portal.reporting.status import ReportingStatus
from portal.reporting.status_views import chart

TODAY = date(2026, 11, 25)

#: A line of an exports table whose description must never reach the public status.
SECRET_LINE = {
    "category": "I",
    "subcategory": "",
    "basis": "actual",
    "items": 4,
    "value": None,
    "currency": "",
    "partner": "NOR",
    "origin": "",
    "intermediate": "",
    "description": "Confidential tank deal",
    "comments": "",
}


def party(make, iso3, entry_into_force, kind="state_party", name=None):
    return make.delegation(
        iso3=iso3,
        name=name or f"State {iso3}",
        short_name=iso3,
        kind=kind,
        entry_into_force=entry_into_force,
    )


def report(make, delegation, year=None, versions=(), draft=False, author=None, forward=False):
    """A report of `delegation` (annual on `year`, else initial) with submitted versions given
    as (submitted_at, public, source) and optionally a draft after them; `forward`: whether its
    State authorises forwarding to the UN Register.

    Written as rows rather than through the services (tests/reporting/builders.py): the status
    turns on past submission dates, and the services stamp the current time."""
    author = author or make.user(delegation=delegation)
    row = Report(
        delegation_id=delegation.id,
        delegation=delegation,
        kind="annual" if year else "initial",
        year=year,
    )
    db.session.add(row)
    for number, (submitted_at, public, source) in enumerate(versions, start=1):
        if year:
            content = annual_content(delegation.iso3, year, exports=[SECRET_LINE], imports_nil=True)
            content["forward_to_un_register"] = forward
        else:
            content = initial_content(delegation.iso3)
        content["public"] = public
        version = ReportVersion(
            report=row,
            number=number,
            status="submitted",
            content=content,
            source=source,
            created_by_id=author.id,
            submitted_at=submitted_at,
            submitted_by_id=author.id,
            receipt=receipt_for(row, number),
            digest=content_digest(content),
        )
        version.derive_acl()
        db.session.add(version)
    if draft:
        content = (
            annual_content(delegation.iso3, year, exports_nil=True, imports_nil=True)
            if year
            else initial_content(delegation.iso3)
        )
        version = ReportVersion(report=row, content=content, created_by_id=author.id)
        version.derive_acl()
        db.session.add(version)
    db.session.commit()
    return row


def on(day, hour=12, minute=0):
    return datetime.combine(day, datetime.min.time()).replace(hour=hour, minute=minute)


# Who owes what -------------------------------------------------------------------------------


def test_an_annual_report_is_due_only_from_States_Parties_for_the_whole_year(make):
    party(make, "AAA", date(2019, 1, 1))  # a party on 1 January 2019: owes 2019
    party(make, "BBB", date(2019, 1, 2))  # a day later: first owes 2020
    party(make, "CCC", date(2018, 12, 31))
    party(make, "DDD", None)  # a State Party without a known entry into force owes nothing
    party(make, "EEE", date(2015, 1, 1), kind="signatory")  # signatories owe nothing
    status = ReportingStatus(TODAY)
    assert status.year_figures(2019).due == 2
    assert status.year_figures(2020).due == 3
    assert status.year_figures(2018).due == 0


def test_the_years_shown_are_the_last_ten_ended_years_not_before_2015():
    assert status_module.reporting_years(date(2026, 11, 25)) == list(range(2025, 2015, -1))
    assert status_module.reporting_years(date(2026, 1, 1)) == list(range(2025, 2015, -1))
    assert status_module.reporting_years(date(2017, 3, 1)) == [2016, 2015]


def test_the_deadline_is_31_May_and_the_first_submission_decides(make):
    on_time = party(make, "AAA", date(2014, 12, 24))
    last_minute = party(make, "BBB", date(2014, 12, 24))
    late = party(make, "CCC", date(2014, 12, 24))
    amended = party(make, "DDD", date(2014, 12, 24))
    missing = party(make, "EEE", date(2014, 12, 24))
    report(make, on_time, 2024, [(on(date(2025, 4, 2)), True, "online")])
    report(make, last_minute, 2024, [(on(date(2025, 5, 31), 23, 59), True, "online")])
    report(make, late, 2024, [(on(date(2025, 6, 1), 0, 1), True, "online")])
    # Submitted in time, amended after the deadline: still by the deadline.
    report(
        make,
        amended,
        2024,
        [
            (on(date(2025, 5, 2)), True, "online"),
            (on(date(2025, 9, 1)), True, "online"),
        ],
    )
    figures = ReportingStatus(TODAY).year_figures(2024)
    assert (figures.due, figures.by_deadline, figures.to_date) == (5, 3, 4)
    assert figures.deadline == date(2025, 5, 31) and figures.deadline_passed
    assert figures.by_deadline_rate == pytest.approx(3 / 5)
    states = {
        row.delegation.iso3: row.annual.state for row in ReportingStatus(TODAY).state_rows(2024)
    }
    assert states == {
        "AAA": "on_time",
        "BBB": "on_time",
        "CCC": "late",
        "DDD": "on_time",
        "EEE": "overdue",
    }
    assert missing.iso3 == "EEE"


def test_before_the_deadline_a_missing_report_is_pending_not_overdue(make):
    state = party(make, "AAA", date(2014, 12, 24))
    status = ReportingStatus(date(2026, 5, 31))
    figures = status.year_figures(2025)
    assert not figures.deadline_passed and figures.due == 1 and figures.to_date == 0
    assert status.state_rows(2025)[0].annual.state == "pending"
    assert ReportingStatus(date(2026, 6, 1)).state_rows(2025)[0].annual.state == "overdue"
    assert state.iso3 == "AAA"


def test_drafts_and_later_submissions_do_not_count(make):
    state = party(make, "AAA", date(2014, 12, 24))
    report(make, state, 2023, draft=True)
    report(make, state, 2024, [(on(date(2026, 12, 1)), True, "online")])
    status = ReportingStatus(TODAY)
    assert status.year_figures(2023).to_date == 0
    assert status.submitters(ReportKind.ANNUAL, 2023) == []
    assert status.year_figures(2024).to_date == 0  # submitted after the day of the figures
    assert ReportingStatus(date(2026, 12, 1)).year_figures(2024).to_date == 1


def test_public_restricted_online_and_file_follow_the_latest_version(make):
    made_restricted = party(make, "AAA", date(2014, 12, 24))
    imported = party(make, "BBB", date(2014, 12, 24))
    public = party(make, "CCC", date(2014, 12, 24))
    report(
        make,
        made_restricted,
        2024,
        [
            (on(date(2025, 5, 1)), True, "online"),
            (on(date(2025, 5, 5)), False, "online"),
        ],
    )
    report(make, imported, 2024, [(on(date(2025, 5, 2)), False, "file")])
    report(make, public, 2024, [(on(date(2025, 5, 3)), True, "online")])
    figures = ReportingStatus(TODAY).year_figures(2024)
    assert (figures.public, figures.restricted) == (1, 2)
    assert (figures.online, figures.from_file) == (2, 1)
    assert figures.restricted_rate == pytest.approx(2 / 3)


def test_a_report_from_a_State_not_yet_due_is_listed_but_not_counted(make):
    newcomer = party(make, "AAA", date(2024, 6, 1))  # owes 2025 first
    signatory = party(make, "BBB", None, kind="signatory")
    report(make, newcomer, 2024, [(on(date(2025, 3, 1)), True, "online")])
    report(make, signatory, 2024, [(on(date(2025, 3, 1)), True, "online")])
    status = ReportingStatus(TODAY)
    figures = status.year_figures(2024)
    assert (figures.due, figures.to_date) == (0, 0)
    assert [d.iso3 for d in status.submitters(ReportKind.ANNUAL, 2024)] == [
        "AAA",
        "BBB",
    ]
    rows = {row.delegation.iso3: row for row in status.state_rows(2024)}
    assert rows["AAA"].annual.state == "voluntary"
    assert rows["BBB"].annual.state == "voluntary" and rows["BBB"].is_compliant is None


def test_initial_reports_due_one_year_after_entry_into_force(make):
    on_time = party(make, "AAA", date(2020, 3, 10))
    late = party(make, "BBB", date(2020, 3, 10))
    missing = party(make, "CCC", date(2020, 3, 10))
    not_yet = party(make, "DDD", date(2026, 2, 1))  # due 1 February 2027
    leap = party(make, "EEE", date(2024, 2, 29))  # due 1 March 2025
    report(
        make,
        on_time,
        versions=[
            (on(date(2021, 3, 10)), True, "online"),
            (on(date(2024, 1, 5)), True, "online"),
        ],
    )
    report(make, late, versions=[(on(date(2021, 3, 11)), False, "online")])
    report(make, not_yet, versions=[(on(date(2026, 6, 1)), True, "file")])
    report(make, leap, versions=[(on(date(2025, 3, 1)), True, "online")])
    initial = ReportingStatus(TODAY).initial_figures()
    assert (initial.due, initial.by_deadline, initial.to_date) == (4, 2, 3)
    assert (initial.submitted, initial.updated) == (4, 1)
    rows = {row.delegation.iso3: row.initial for row in ReportingStatus(TODAY).state_rows(2025)}
    assert rows["CCC"].state == "overdue" and rows["DDD"].state == "on_time"
    assert rows["EEE"].due_on == date(2025, 3, 1) and rows["EEE"].state == "on_time"
    assert missing.iso3 == "CCC"


def test_full_compliance_needs_every_report_due_to_date(make):
    # Entry into force 10 March 2023: initial due 10 March 2024; annual 2024 due 31 May 2025,
    # annual 2025 due 31 May 2026. On 25 November 2026 all three are due.
    complete = party(make, "AAA", date(2023, 3, 10))
    report(make, complete, versions=[(on(date(2024, 1, 10)), True, "online")])
    report(make, complete, 2024, [(on(date(2025, 7, 1)), True, "online")])  # late still counts
    report(make, complete, 2025, [(on(date(2026, 5, 1)), False, "file")])
    one_missing = party(make, "BBB", date(2023, 3, 10))
    report(make, one_missing, versions=[(on(date(2024, 1, 10)), True, "online")])
    report(make, one_missing, 2025, [(on(date(2026, 5, 1)), True, "online")])
    # A newcomer with nothing due yet is not counted at all.
    party(make, "CCC", date(2026, 6, 1))
    # A voluntary report on a year not owed does not make up for a missing one.
    early = party(make, "DDD", date(2025, 6, 1))  # initial due 1 June 2026: missing
    report(make, early, 2025, [(on(date(2026, 2, 1)), True, "online")])
    status = ReportingStatus(TODAY)
    compliance = status.compliance()
    assert (compliance.states, compliance.compliant) == (3, 1)
    assert compliance.rate == pytest.approx(1 / 3)
    verdicts = {row.delegation.iso3: row.is_compliant for row in status.state_rows(2025)}
    assert verdicts == {"AAA": True, "BBB": False, "CCC": None, "DDD": False}
    # Before the 2025 deadline, the complete State was compliant too on 2025 facts.
    assert ReportingStatus(date(2025, 12, 1)).compliance().compliant == 1


def test_no_State_Party_gives_no_rate_rather_than_a_division_by_zero(make):
    status = ReportingStatus(TODAY)
    assert status.compliance().rate is None
    assert all(figure.to_date_rate is None for figure in status.figures())


# Pages -----------------------------------------------------------------------------------------


@pytest.fixture
def fixed_day(monkeypatch):
    monkeypatch.setattr(status_module, "current_day", lambda: TODAY)


@pytest.fixture
def world(make, fixed_day):
    """Two States Parties with restricted and public reports on 2024, one without any."""
    restricted = party(make, "NOR", date(2014, 12, 24), name="Norway")
    public = party(make, "PER", date(2016, 5, 16), name="Peru")
    party(make, "ISL", date(2014, 12, 24), name="Iceland")
    report(make, restricted, 2024, [(on(date(2025, 5, 20)), False, "online")])
    report(make, public, 2024, [(on(date(2025, 6, 20)), True, "file")])
    report(make, public, versions=[(on(date(2017, 5, 1)), True, "online")])
    return {"restricted": restricted, "public": public}


def test_anyone_reads_the_public_status_without_restricted_content(client, world):
    response = client.get("/reporting/status?year=2024")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Reporting status" in page
    assert "Norway" in page and "Peru" in page  # who submitted is public
    assert "Iceland" not in page
    assert "Confidential tank deal" not in page
    assert "ATT-AR-2024" not in page and "ATT-IR" not in page  # no receipt
    assert "Status by State" not in page  # no link to the Secretariat's list
    # 2024: 3 due, 1 by the deadline, 2 to date, 1 restricted, 1 from a file.
    row = re.search(r"<th scope=\"row\">2024</th>(.*?)</tr>", page, re.DOTALL).group(1)
    cells = [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in row.split("</td>")][:-1]
    # Then 2 within the 178 days that 2025's deadline is past, and none forwarded.
    assert cells[1:] == ["3", "1 (33%)", "2 (67%)", "2 (67%)", "1 (50%)", "1 (50%)", "0 (0%)"]
    assert "1 January" in page  # the rule is stated
    assert ' style="' not in page  # the CSP refuses inline styles, in SVG too
    assert page.count("<rect ") == 3 * 10  # three bars for each of the ten years


def test_the_status_is_shown_right_to_left_in_Arabic(client, world):
    client.post("/language", data={"language": "ar"})
    response = client.get("/reporting/status")
    assert response.status_code == 200
    assert 'dir="rtl"' in response.get_data(as_text=True)


@pytest.mark.parametrize("year", ["1990", "2026", "abc", "-1", "2024.0"])
def test_a_year_outside_the_list_is_refused_with_a_message(client, world, year):
    response = client.get(f"/reporting/status?year={year}")
    assert response.status_code == 400
    assert "Choose a year from the list" in response.get_data(as_text=True)


def read_csv(response):
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_the_public_csv_has_the_figures_of_each_year(client, world):
    response = client.get("/reporting/status.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0][:6] == [
        "year",
        "deadline",
        "deadline_passed",
        "states_due",
        "submitted_by_deadline",
        "submitted_to_date",
    ]
    by_year = {row[0]: row for row in rows[1:]}
    assert sorted(by_year) == [str(year) for year in range(2016, 2026)]
    assert by_year["2024"] == [
        "2024",
        "2025-05-31",
        "yes",
        "3",
        "1",
        "2",
        "1",
        "1",
        "1",
        "1",
        "2",
        "0",
    ]
    assert by_year["2016"][3] == "2"  # Peru became a party during 2016


def people(make):
    return {
        "delegate": make.user(delegation=make.delegation(kind="state_party")),
        "contact": make.user(
            delegation=make.delegation(kind="state_party"), role="point_of_contact"
        ),
        "signatory": make.user(delegation=make.delegation(kind="signatory")),
        "observer": make.user(delegation=make.delegation(kind="civil_society")),
    }


@pytest.mark.parametrize(
    "path", ["/reporting/status/secretariat", "/reporting/status/secretariat.csv"]
)
def test_only_the_Secretariat_reaches_the_list_by_State(app, client, make, sign_in, world, path):
    anonymous = client.get(path)
    assert anonymous.status_code == 302 and "/auth/sign-in" in anonymous.headers["Location"]
    for role, person in people(make).items():
        http = app.test_client()
        sign_in(person, http=http)
        assert http.get(path).status_code == 403, role
        assert "Status by State" not in http.get("/reporting/status").get_data(as_text=True)
    officer = make.secretariat()
    sign_in(officer)
    assert client.get(path).status_code == 200


def test_the_Secretariat_sees_each_State_with_dates_receipts_and_acknowledgement(
    client, make, sign_in, world
):
    row = db.session.scalar(
        select(ReportVersion).join(Report).where(Report.delegation_id == world["restricted"].id)
    )
    row.acknowledged_at = datetime(2025, 5, 22, 9)
    db.session.commit()
    sign_in(make.secretariat())
    assert "Status by State" in client.get("/reporting/status").get_data(as_text=True)
    page = client.get("/reporting/status/secretariat?year=2024").get_data(as_text=True)
    assert "ATT-AR-2024-NOR-1" in page and "ATT-AR-2024-PER-1" in page
    assert f'href="/reporting/versions/{row.id}"' in page  # where it is acknowledged
    assert "Acknowledged 22 May 2025" in page
    assert "Submitted after the deadline" in page and "Overdue" in page
    assert "Iceland" in page
    assert client.get("/reporting/status/secretariat?year=1999").status_code == 400


def test_the_Secretariat_csv_lists_each_State_and_neutralises_formulas(
    client, make, sign_in, world
):
    party(make, "ZZZ", date(2014, 12, 24), name='=HYPERLINK("http://x")')
    sign_in(make.secretariat())
    response = client.get("/reporting/status/secretariat.csv?year=2024")
    assert response.status_code == 200
    rows = read_csv(response)
    header = rows[0]
    by_state = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_state) == {"NOR", "PER", "ISL", "ZZZ"}
    assert by_state["NOR"]["annual_state"] == "on_time"
    assert by_state["NOR"]["annual_receipt"] == "ATT-AR-2024-NOR-1"
    assert by_state["NOR"]["annual_public"] == "no"
    assert by_state["PER"]["annual_state"] == "late"
    assert by_state["PER"]["annual_source"] == "file"
    assert by_state["PER"]["initial_state"] == "on_time"
    assert by_state["ISL"]["annual_state"] == "overdue"
    assert by_state["ISL"]["fully_compliant"] == "no"
    assert by_state["ZZZ"]["state"].startswith("'=")


def test_the_chart_runs_in_the_reading_direction(make):
    party(make, "AAA", date(2014, 12, 24))
    figures = ReportingStatus(TODAY).figures()
    left_to_right = chart(figures, "ltr")
    right_to_left = chart(figures, "rtl")
    years = [group["year"] for group in left_to_right["groups"]]
    assert years == list(range(2016, 2026))  # oldest first along the reading direction
    ltr_x = [group["label_x"] for group in left_to_right["groups"]]
    rtl_x = [group["label_x"] for group in right_to_left["groups"]]
    assert ltr_x == sorted(ltr_x) and rtl_x == sorted(rtl_x, reverse=True)
    assert [round(left + right, 1) for left, right in zip(ltr_x, rtl_x, strict=True)] == [
        720.0
    ] * 10
    bars = left_to_right["groups"][-1]["bars"]
    assert [bar["key"] for bar in bars] == ["due", "to_date", "by_deadline"]
    assert bars[0]["height"] > 0 and bars[1]["height"] == 0
    assert all(bar["y"] + bar["height"] == left_to_right["baseline"] for bar in bars)


def test_the_pages_work_on_an_empty_portal(client, fixed_day):
    page = client.get("/reporting/status")
    assert page.status_code == 200
    assert "No State has submitted an annual report on this year" in page.get_data(as_text=True)
    rows = read_csv(client.get("/reporting/status.csv"))
    assert len(rows) == 11 and all(row[3] == "0" for row in rows[1:])


def test_the_cohort_of_the_first_year_and_its_rate_on_the_latest_year(client, make, fixed_day):
    """Four States due since 2015, one that joined later: the cohort counts the four."""
    early = [party(make, code, date(2014, 12, 24)) for code in ("AUT", "BEL", "CHE", "DNK")]
    late = party(make, "EST", date(2018, 3, 1))
    for state in early[:3] + [late]:
        report(make, state, 2025, [(on(date(2026, 5, 1)), True, "online")])
    cohort = ReportingStatus(TODAY).cohort()
    assert (cohort.since, cohort.year, cohort.states, cohort.submitted) == (2015, 2025, 4, 3)
    assert cohort.rate == 0.75
    assert ReportingStatus(TODAY).cohort(since=2019, year=2025).states == 5
    page = client.get("/reporting/status").get_data(as_text=True)
    assert "of the 4 States Parties due to report since 2015 submitted their annual report" in (
        page
    )
    assert "75%" in page


def test_years_compare_at_the_same_stage_after_their_deadline(make, fixed_day):
    """On 25 November 2026 the deadline of 2025 is 178 days past: a report on 2023 submitted
    200 days after its deadline counts to date but not at the same stage."""
    states = [party(make, code, date(2014, 12, 24)) for code in ("AUT", "BEL")]
    report(make, states[0], 2023, [(on(date(2024, 6, 30)), True, "online")])
    report(make, states[1], 2023, [(on(date(2024, 12, 17)), True, "online")])
    status = ReportingStatus(TODAY)
    assert status.latest_passed_year == 2025 and status.same_stage_days == 178
    figures = status.year_figures(2023)
    assert (figures.to_date, figures.same_stage, figures.same_stage_rate) == (2, 1, 0.5)
    # Before any deadline has passed there is no stage to compare.
    early = ReportingStatus(date(2016, 1, 10))
    assert early.same_stage_days is None and early.year_figures(2015).same_stage is None


def test_reports_authorising_the_un_register_are_counted(make, fixed_day):
    states = [party(make, code, date(2014, 12, 24)) for code in ("AUT", "BEL", "CHE")]
    report(make, states[0], 2024, [(on(date(2025, 5, 1)), True, "file")], forward=True)
    report(make, states[1], 2024, [(on(date(2025, 5, 1)), False, "online")], forward=True)
    report(make, states[2], 2024, [(on(date(2025, 5, 1)), True, "online")])
    report(make, states[0], versions=[(on(date(2016, 1, 5)), True, "online")])
    figures = ReportingStatus(TODAY).year_figures(2024)
    assert (figures.to_date, figures.forwarded) == (3, 2)
    assert figures.forwarded_rate == pytest.approx(2 / 3)


def test_the_page_the_csv_and_the_summary_give_the_same_figures(client, world):
    summary = ReportingStatus(TODAY).summary()
    assert summary["date"] == "2026-11-25"
    rows = read_csv(client.get("/reporting/status.csv"))
    header = rows[0]
    for row, year in zip(rows[1:], summary["years"]):
        for key, cell in zip(header, row):
            expected = year[key]
            if isinstance(expected, bool):
                expected = "yes" if expected else "no"
            assert cell == ("" if expected is None else str(expected)), key
    latest = summary["years"][1]  # 2024
    assert latest["year"] == 2024 and latest["submitted_to_date"] == 2
    assert latest["to_date_rate"] == pytest.approx(2 / 3)
    assert summary["initial"]["submitted"] == 1 and summary["initial"]["updated"] == 0
    assert summary["cohort"] == {
        "since": 2015,
        "year": 2025,
        "states": 2,
        "submitted": 0,
        "rate": 0.0,
    }
    json.dumps(summary)  # plain data, as the API returns it
