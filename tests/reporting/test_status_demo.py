"""The demo reports loaded by `flask portal demo-data`, and the status figures computed from
them, checked against values worked out by hand from portal/reporting/data/demo_reports.json
and the States Parties of portal/accounts/data/states.csv."""

from datetime import date

from sqlalchemy import func, select

from portal.extensions import db
from portal.reporting.models import Report, ReportKind, ReportVersion
from portal.reporting.status import ReportingStatus

#: The day the figures are computed for: after every demo submission (the last is on 20 May
#: 2026) and after the deadline of the 2025 reports (31 May 2026).
TODAY = date(2026, 11, 25)

#: States Parties owing an annual report on each year: those of states.csv with an entry into
#: force on or before 1 January of the year. 61 entered into force in 2014 and 14 in 2015 (75
#: for 2016); then 14 in 2016 (89), 3 in 2017 (92), 5 in 2018 (97), 8 in 2019 (105), 4 in 2020
#: (109), 1 in 2021 (110), 2 in 2022 (112), 2 in 2023 (114), 2 in 2024 (116).
DUE = {
    2025: 116,
    2024: 114,
    2023: 112,
    2022: 110,
    2021: 109,
    2020: 105,
    2019: 97,
    2018: 92,
    2017: 89,
    2016: 75,
}

#: The submitted demo annual reports, by year:
#: 2025: Colombia (party since 23 Dec 2024, so due), 20 May 2026, public, online; Mexico's 2025
#:       report is a draft and does not count.
#: 2024: France 30 May 2025 (file, public), Germany 12 May (restricted), New Zealand 31 May
#:       23:30 (public; the last day still counts), Andorra 2 May (public; a party since
#:       2 March 2023, so due for 2024) by the deadline; Mexico 10 July (restricted) and Ghana
#:       2 September (restricted) after it. All but France's entered online.
#: 2023: Mexico 28 May 2024 and France 15 May 2024, both public and online, by the deadline.
#:       (Andorra, a party since 2 March 2023, owed none for 2023.)
#: Columns: (by the deadline, to date, public, restricted, online, from a file).
SUBMITTED = {
    2025: (1, 1, 1, 0, 1, 0),
    2024: (4, 6, 3, 3, 5, 1),
    2023: (2, 2, 2, 0, 2, 0),
}
NONE = (0, 0, 0, 0, 0, 0)


def load_demo_data(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    result = app.test_cli_runner().invoke(args=["portal", "demo-data", "--if-empty"])
    assert result.exit_code == 0, result.output


def test_demo_data_holds_reports_of_several_States(app, tmp_path, monkeypatch):
    load_demo_data(app, tmp_path, monkeypatch)
    count = db.session.scalar(select(func.count()).select_from(Report))
    # Mexico 4 (initial, 2023, 2024, draft 2025), France 3, Germany 2, New Zealand 2, Ghana 2,
    # Andorra 2, Colombia 2.
    assert count == 17
    versions = db.session.scalars(select(ReportVersion)).all()
    drafts = [version for version in versions if version.is_draft]
    assert len(drafts) == 1 and drafts[0].acl.startswith("delegation:")
    submitted = [version for version in versions if not version.is_draft]
    assert all(version.receipt and len(version.digest) == 64 for version in submitted)
    assert {version.acl for version in submitted} == {"public", "state_party"}
    assert sum(1 for version in submitted if version.source == "file") == 2
    # Loading again adds nothing.
    app.test_cli_runner().invoke(args=["portal", "demo-data"])
    assert db.session.scalar(select(func.count()).select_from(Report)) == count


def test_the_status_of_the_demo_data_matches_the_hand_computed_figures(app, tmp_path, monkeypatch):
    load_demo_data(app, tmp_path, monkeypatch)
    status = ReportingStatus(TODAY)
    figures = {figure.year: figure for figure in status.figures()}
    assert sorted(figures) == list(range(2016, 2026))
    for year, figure in figures.items():
        assert figure.due == DUE[year], year
        assert figure.deadline == date(year + 1, 5, 31) and figure.deadline_passed
        assert (
            figure.by_deadline,
            figure.to_date,
            figure.public,
            figure.restricted,
            figure.online,
            figure.from_file,
        ) == SUBMITTED.get(year, NONE), year

    # Initial reports: all 116 States Parties' are due (the last entry into force, 24 December
    # 2024, was due on 24 December 2025). Submitted: Mexico 1 Dec 2015 (updated 15 March 2023),
    # France 10 Dec 2015, Germany 30 Nov 2015 (all due 24 Dec 2015), Ghana 1 March 2017 (due 21
    # March 2017), Andorra 20 Feb 2024 (due 2 March 2024), Colombia 1 Oct 2025 (due 23 Dec
    # 2025): by the deadline; New Zealand 1 Feb 2016 (due 24 Dec 2015): after it.
    initial = status.initial_figures()
    assert (initial.due, initial.by_deadline, initial.to_date) == (116, 6, 7)
    assert (initial.submitted, initial.updated) == (7, 1)

    # Full compliance: every State Party has a report due (its initial report). Only Colombia
    # submitted all of its reports due (initial, 2025); Andorra misses 2025, the others the
    # earlier years.
    compliance = status.compliance()
    assert (compliance.states, compliance.compliant) == (116, 1)

    submitters = status.submitters(ReportKind.ANNUAL, 2024)
    assert {d.iso3 for d in submitters} == {"AND", "DEU", "FRA", "GHA", "MEX", "NZL"}
    names = [d.display_name for d in submitters]
    assert names == sorted(names)


def test_the_public_page_shows_the_demo_figures(app, client, tmp_path, monkeypatch):
    load_demo_data(app, tmp_path, monkeypatch)
    monkeypatch.setattr("portal.reporting.status.current_day", lambda: TODAY)
    page = client.get("/reporting/status?year=2024").get_data(as_text=True)
    assert "1 of the 116 with a report due" in page
    for name in ("Andorra", "Germany", "France", "Ghana", "Mexico", "New Zealand"):
        assert name in page
    assert "ATT-AR-" not in page
