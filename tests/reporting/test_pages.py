"""The reporting pages from outside: a State's reports and deadlines, drafting an annual
report with lines added and removed without JavaScript, submission refused at each field and
then accepted with a receipt, the initial report and its update, amendments, acknowledgement,
reporting officers, and who reads what (drafts, restricted and public reports)."""

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.core.audit import AuditEvent
from portal.extensions import db
from portal.reporting import services, views
from portal.reporting.models import Report, ReportingOfficer, ReportVersion
from tests.forum import conftest as forum_fixtures
from tests.reporting.builders import TODAY, annual, draft, line, reporting_state, submitted

# The forum's fixtures: one signed-in client per person, and tracebacks of unexpected errors.
signed_in = forum_fixtures.signed_in
errors_are_shown = forum_fixtures.errors_are_shown


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(views, "current_day", lambda: TODAY)


def rows():
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Report, ReportVersion, AuditEvent)
    }


def text(response):
    return response.get_data(as_text=True)


def line_data(table, index, **values):
    data = {
        "category": "II",
        "subcategory": "",
        "basis": "actual",
        "items": "4",
        "value": "1250000",
        "currency": "EUR",
        "partner": "DEU",
        "origin": "",
        "intermediate": "",
        "description": "",
        "comments": "",
    } | values
    return {f"{table}-{index}-{key}": value for key, value in data.items()}


def annual_form(exports=(), imports=(), imports_nil=True, exports_nil=False, **values):
    data = {"audience": "public", "national_definitions": ""}
    if imports_nil:
        data["imports_nil"] = "y"
    if exports_nil:
        data["exports_nil"] = "y"
    for index, values_of_line in enumerate(exports):
        data |= line_data("exports", index, **values_of_line)
    for index, values_of_line in enumerate(imports):
        data |= line_data("imports", index, **values_of_line)
    return data | values


def review_digest(page):
    return re.search(r'name="digest" type="hidden" value="([0-9a-f]{64})"', page).group(1)


def submit_form(browser, edit, data):
    """Submit a draft as a person does: the form's submit button, then the review page's
    confirmation. Returns the answer to the confirmation."""
    response = browser.post(edit, data=data | {"submit": "y"})
    assert response.status_code == 302, response.status_code
    review = response.headers["Location"]
    assert review.endswith(f"{edit}/review")
    digest = review_digest(text(browser.get(review)))
    return browser.post(review, data={"digest": digest, "confirm": "y"})


def test_my_reports_lists_deadlines_and_overdue_reports(make, signed_in):
    france, contact, member = reporting_state(make, entry_into_force=date(2023, 6, 1))
    submitted(france, contact, year=2024)
    page = text(signed_in(member).get("/reporting/"))
    assert "Initial report" in page
    assert "1 Jun 2024" in page  # one year after entry into force
    assert "Annual report 2024" in page and "31 May 2025" in page
    assert "Annual report 2025" in page and "31 May 2026" in page
    assert "Annual report 2023" not in page  # not a party on 1 January 2023
    assert page.count("Overdue") == 1  # the initial report; 2025 is not yet due
    assert "Version 1" in page


def test_others_are_sent_to_the_list_of_submitted_reports(make, signed_in):
    observer = make.user(delegation=make.delegation(kind="international_organisation"))
    response = signed_in(observer).get("/reporting/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/reporting/submitted")
    assert signed_in(observer).post("/reporting/annual/new", data={"year": 2025}).status_code == 403
    assert signed_in(observer).post("/reporting/initial/new").status_code == 403


def test_a_member_drafts_and_the_point_of_contact_submits(make, signed_in):
    _, contact, member = reporting_state(make)
    browser = signed_in(member)
    response = browser.post("/reporting/annual/new", data={"year": 2025, "start": "empty"})
    assert response.status_code == 302
    report = db.session.scalar(select(Report))
    edit = f"/reporting/reports/{report.id}/draft"
    assert response.headers["Location"].endswith(edit)

    # Add two export lines, one at a time, without JavaScript.
    response = browser.post(edit, data=annual_form(add_exports="y"))
    assert response.status_code == 302 and response.headers["Location"].endswith("#exports-0")
    response = browser.post(edit, data=annual_form(exports=[{}], add_exports="y"))
    assert response.headers["Location"].endswith("#exports-1")
    page = text(browser.get(edit))
    assert 'id="exports-1"' in page and "Choose a category." in page

    # A member saves but cannot submit.
    data = annual_form(exports=[{}, {"category": "IV", "subcategory": "IV.b", "partner": "USA"}])
    assert browser.post(edit, data=data | {"save": "y"}).status_code == 302
    page = text(browser.get(edit))
    assert "Review and submit" not in page
    assert browser.post(edit, data=data | {"submit": "y"}).status_code == 403
    assert browser.get(f"{edit}/review").status_code == 403

    response = submit_form(signed_in(contact), edit, data)
    assert response.status_code == 302
    version = db.session.scalar(select(ReportVersion))
    assert version.receipt == "ATT-AR-2025-FRA-1"
    assert [ln["partner"] for ln in version.content["exports"]["lines"]] == ["DEU", "USA"]
    assert version.content["exports"]["lines"][0]["value"] == "1250000.00"
    page = text(signed_in(contact).get(response.headers["Location"]))
    assert "ATT-AR-2025-FRA-1" in page and version.digest in page


def test_a_submission_with_errors_shows_each_at_its_field_and_saves_nothing(make, signed_in):
    france, contact, _ = reporting_state(make)
    version = draft(france, contact)
    edit = f"/reporting/reports/{version.report_id}/draft"
    browser = signed_in(contact)
    before = rows()
    stored = version.content
    data = annual_form(
        exports=[{}, {"partner": "FRA", "items": "-2", "currency": "XXY"}, {"category": "IX"}],
        imports_nil=True,
        imports=[{}],
        submit="y",
    )
    response = browser.post(edit, data=data)
    assert response.status_code == 400
    page = text(response)
    assert "Your own State cannot be the partner of a transfer." in page
    assert "The number of items cannot be negative." in page
    assert "Unknown currency: XXY." in page
    assert "Unknown category: IX." in page
    assert "A nil report has no lines" in page
    assert 'href="#exports-1-partner"' in page and 'id="exports-1-partner"' in page
    assert "Export line 2" in page
    # What was typed is shown again.
    assert 'value="-2"' in page
    assert rows() == before
    db.session.expire_all()
    assert db.session.get(ReportVersion, version.id).content == stored


def test_a_removed_line_goes(make, signed_in):
    france, contact, _ = reporting_state(make)
    version = draft(france, contact, annual(exports=[line(), line(partner="USA")]))
    edit = f"/reporting/reports/{version.report_id}/draft"
    data = annual_form(exports=[{}, {"partner": "USA"}])
    data["exports-0-remove"] = "y"
    assert signed_in(contact).post(edit, data=data | {"save": "y"}).status_code == 302
    db.session.expire_all()
    lines = db.session.get(ReportVersion, version.id).content["exports"]["lines"]
    assert [ln["partner"] for ln in lines] == ["USA"]


def test_warnings_are_shown_and_do_not_block(make, signed_in):
    france, contact, _ = reporting_state(make)
    version = draft(france, contact)
    edit = f"/reporting/reports/{version.report_id}/draft"
    data = annual_form(exports=[{"items": "2000000"}])
    signed_in(contact).post(edit, data=data | {"save": "y"})
    assert "unusually large number of items" in text(signed_in(contact).get(edit))
    assert signed_in(contact).post(edit, data=data | {"submit": "y"}).status_code == 302


def test_the_form_shows_guidance_and_category_definitions(make, signed_in):
    france, contact, _ = reporting_state(make)
    version = draft(france, contact, annual())
    page = text(signed_in(contact).get(f"/reporting/reports/{version.report_id}/draft"))
    assert "Definitions of the categories" in page
    assert "Tracked or wheeled self-propelled armoured fighting vehicles" in page
    assert "The final importing State." in page
    assert "Article 13(3)" in page
    assert '<option selected value="DEU">Germany (DEU)</option>' in page


def test_start_annual_refuses_bad_years_at_the_field(make, signed_in):
    _, contact, _ = reporting_state(make)
    browser = signed_in(contact)
    for year, message in [
        ("2026", "has not ended yet"),
        ("2010", "start with the year 2014"),
        ("soon", "Not a valid integer value."),
    ]:
        response = browser.post("/reporting/annual/new", data={"year": year, "start": "empty"})
        assert response.status_code == 400
        assert message in text(response)
    response = browser.post("/reporting/annual/new", data={"year": "2025", "start": "previous"})
    assert response.status_code == 400
    assert "no submitted report of an earlier year" in text(response)
    assert rows()["reports"] == 0


def test_start_from_the_previous_year_through_the_page(make, signed_in):
    france, contact, _ = reporting_state(make)
    submitted(france, contact, annual(year=2024, exports=[line(partner="CHE")]), year=2024)
    response = signed_in(contact).post(
        "/reporting/annual/new", data={"year": "2025", "start": "previous"}
    )
    assert response.status_code == 302
    page = text(signed_in(contact).get(response.headers["Location"]))
    assert '<option selected value="CHE">Switzerland (CHE)</option>' in page


def test_drafts_are_read_by_their_delegation_only(make, signed_in):
    france, contact, member = reporting_state(make)
    version = draft(france, contact)
    edit = f"/reporting/reports/{version.report_id}/draft"
    other = reporting_state(make, iso3="DEU")[1]
    for outsider in (other, make.secretariat()):
        browser = signed_in(outsider)
        assert browser.get(edit).status_code == 404
        assert browser.post(edit, data=annual_form(save="y")).status_code == 404
        assert browser.get(f"/reporting/versions/{version.id}").status_code == 404
        discard = f"/reporting/reports/{version.report_id}/draft/discard"
        assert browser.get(discard).status_code == 404
        assert browser.post(discard, data={"confirmed": "yes"}).status_code == 404
    assert signed_in(member).get(edit).status_code == 200
    assert f"/reporting/versions/{version.id}" not in text(
        signed_in(other).get("/reporting/submitted")
    )


def test_deleting_a_draft_asks_first_and_only_the_confirmed_post_deletes_it(make, signed_in):
    france, contact, _ = reporting_state(make)
    version = draft(france, contact)
    version_id, report_id = version.id, version.report_id
    discard = f"/reporting/reports/{report_id}/draft/discard"
    browser = signed_in(contact)
    edit = text(browser.get(f"/reporting/reports/{report_id}/draft"))
    assert f'href="{discard}"' in edit and "Delete this draft" in edit
    question = browser.get(discard)
    assert question.status_code == 200
    assert "Delete this draft?" in text(question)
    assert 'name="confirmed" value="yes"' in text(question)
    assert f'href="/reporting/reports/{report_id}/draft"' in text(question)
    before = rows()
    # A POST without the confirmation (an old one-click form) shows the question, nothing more.
    assert browser.post(discard).status_code == 200
    assert browser.post(discard, data={"confirmed": "no"}).status_code == 200
    assert rows() == before
    response = browser.post(discard, data={"confirmed": "yes"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ReportVersion, version_id) is None
    assert browser.post(discard, data={"confirmed": "yes"}).status_code == 404


def test_restricted_reports_are_for_states_parties_and_public_ones_for_all(make, signed_in, client):
    france, contact, _ = reporting_state(make)
    restricted = submitted(france, contact, annual(year=2024, public=False), year=2024)
    open_report = submitted(france, contact, annual(), year=2025)
    party = make.user(delegation=make.delegation(kind="state_party"))
    signatory = make.user(delegation=make.delegation(kind="signatory"))
    observer = make.user(delegation=make.delegation(kind="civil_society"))
    secretariat = make.secretariat()
    for reader, sees_restricted in [
        (party, True),
        (secretariat, True),
        (signatory, False),
        (observer, False),
        (None, False),
    ]:
        browser = client if reader is None else signed_in(reader)
        status = browser.get(f"/reporting/versions/{restricted.id}").status_code
        assert status == (200 if sees_restricted else 404), reader
        assert browser.get(f"/reporting/versions/{open_report.id}").status_code == 200
        listing = text(browser.get("/reporting/submitted"))
        assert ("ATT-AR-2024-FRA-1" in listing) == sees_restricted
        assert "ATT-AR-2025-FRA-1" in listing


def test_the_list_filters_by_kind_and_year(make, client):
    france, contact, _ = reporting_state(make)
    submitted(france, contact, year=2024, content=annual(year=2024))
    submitted(france, contact, year=None)
    listing = text(client.get("/reporting/submitted?kind=annual"))
    assert "ATT-AR-2024-FRA-1" in listing and "ATT-IR-FRA-1" not in listing
    listing = text(client.get("/reporting/submitted?year=2023"))
    assert "No submitted report matches." in listing
    assert client.get("/reporting/submitted?kind=nonsense").status_code == 200
    # A year that is not a number is a request not understood (a readable 400 page).
    for year in ("x", str(2**63)):
        response = client.get(f"/reporting/submitted?year={year}")
        assert response.status_code == 400
        assert "The request could not be understood" in response.get_data(as_text=True)


def test_amend_and_acknowledge(make, signed_in):
    france, contact, member = reporting_state(make)
    first = submitted(france, contact)
    secretariat = make.secretariat()
    acknowledge = f"/reporting/versions/{first.id}/acknowledge"
    assert signed_in(contact).post(acknowledge).status_code == 403
    assert signed_in(secretariat).post(acknowledge).status_code == 302
    assert signed_in(secretariat).post(acknowledge).status_code == 403  # once
    assert "report.acknowledge" in [e.action for e in db.session.scalars(select(AuditEvent))]

    other = reporting_state(make, iso3="DEU")[1]
    assert signed_in(other).post(f"/reporting/reports/{first.report_id}/amend").status_code == 403
    response = signed_in(member).post(f"/reporting/reports/{first.report_id}/amend")
    assert response.status_code == 302
    edit = f"/reporting/reports/{first.report_id}/draft"
    assert "Amendment of version 1" in text(signed_in(member).get(edit))
    data = annual_form(exports=[{"items": "6"}])
    assert submit_form(signed_in(contact), edit, data).status_code == 302
    versions = db.session.scalars(select(ReportVersion).order_by(ReportVersion.number)).all()
    assert [v.receipt for v in versions] == ["ATT-AR-2025-FRA-1", "ATT-AR-2025-FRA-2"]
    assert versions[0].acknowledged_at is not None and versions[1].acknowledged_at is None
    page = text(signed_in(contact).get(f"/reporting/versions/{versions[1].id}"))
    assert "Versions:" in page
    assert "Lines that are new or changed since version 1 are marked." in page
    assert page.count('class="line-changed"') == 1
    assert "1 line of version 1 is no longer in the report:" in page
    assert "Changed" not in text(signed_in(contact).get(f"/reporting/versions/{versions[0].id}"))


def test_an_amendment_marks_the_lines_that_differ_from_the_last_version(make, signed_in):
    france, contact, _ = reporting_state(make)
    first = submitted(france, contact, annual(exports=[line(), line(partner="USA")]))
    amendment = services.amend(first.report, contact)
    services.save_draft(amendment, annual(exports=[line(), line(partner="CHE")]), contact)
    db.session.commit()
    page = text(signed_in(contact).get(f"/reporting/reports/{first.report_id}/draft"))
    assert page.count("New or changed since version 1") == 1
    assert "1 line of version 1 is no longer in the report:" in page
    assert "United States" in page.split("no longer in the report:")[1]


def test_the_initial_report_and_its_update_show_what_changed(make, signed_in):
    _, contact, _ = reporting_state(make)
    browser = signed_in(contact)
    assert browser.post("/reporting/initial/new").status_code == 302
    report = db.session.scalar(select(Report))
    edit = f"/reporting/reports/{report.id}/draft"
    page = text(browser.get(edit))
    assert "National control system (Article 5)" in page
    assert "Article 5(2) requires each State Party" in page  # guidance
    data = {
        "audience": "public",
        "q_control_system__established_choice": "yes",
        "q_control_system__established_text": "Export Control Act 2014",
        "q_record_keeping__retention_text": "Twenty years.",
    }
    response = submit_form(browser, edit, data)
    assert response.status_code == 302
    first = db.session.scalar(select(ReportVersion))
    assert first.receipt == "ATT-IR-FRA-1"
    assert first.content["answers"]["control_system.established"] == {
        "choice": "yes",
        "text": "Export Control Act 2014",
    }
    # The update starts from the submitted answers and highlights what differs.
    assert browser.post("/reporting/initial/new").status_code == 302
    page = text(browser.get(edit))
    assert "Update of version 1" in page and "Export Control Act 2014" in page
    assert "Changed since" not in page
    data["q_record_keeping__retention_text"] = "Ten years."
    assert browser.post(edit, data=data | {"save": "y"}).status_code == 302
    page = text(browser.get(edit))
    assert page.count("Changed since version 1") == 1
    assert "Version 1 said:" in page and "Twenty years." in page
    assert submit_form(browser, edit, data).status_code == 302
    second = db.session.scalar(select(ReportVersion).where(ReportVersion.number == 2))
    page = text(browser.get(f"/reporting/versions/{second.id}"))
    assert "Answers that differ from version 1 are highlighted." in page
    assert page.count("answer-changed") == 1


def test_an_initial_report_with_a_bad_answer_is_refused(make, signed_in):
    france, contact, _ = reporting_state(make)
    version = draft(france, contact, year=None)
    edit = f"/reporting/reports/{version.report_id}/draft"
    data = {"audience": "public", "q_control_system__established_choice": "perhaps"}
    response = signed_in(contact).post(edit, data=data | {"submit": "y"})
    assert response.status_code == 400
    assert "Answer yes, no or partly." in text(response)
    assert db.session.scalar(select(ReportVersion)).is_draft


def test_reporting_officers_submit_and_the_point_of_contact_designates_them(make, signed_in):
    france, contact, member = reporting_state(make)
    version = draft(france, contact, annual())
    edit = f"/reporting/reports/{version.report_id}/draft"
    assert signed_in(member).get("/reporting/officers").status_code == 403
    stranger = make.user()
    for sent in ({"user": str(stranger.id)}, {"user": "x"}, {}):
        response = signed_in(contact).post("/reporting/officers", data=sent)
        assert response.status_code == 400
    response = signed_in(contact).post("/reporting/officers", data={"user": str(stranger.id)})
    assert response.status_code == 400
    assert "Choose a member of your delegation." in text(response)
    response = signed_in(contact).post("/reporting/officers", data={"user": str(member.id)})
    assert response.status_code == 302
    assert db.session.scalar(select(ReportingOfficer)).user_id == member.id
    assert "Review and submit" in text(signed_in(member).get(edit))
    response = submit_form(signed_in(member), edit, annual_form(exports=[{}]))
    assert response.status_code == 302
    officer = db.session.scalar(select(ReportingOfficer))
    assert signed_in(contact).post(f"/reporting/officers/{officer.id}/remove").status_code == 302
    actions = [e.action for e in db.session.scalars(select(AuditEvent))]
    assert "report.officer_designate" in actions and "report.officer_remove" in actions


def test_another_point_of_contact_cannot_remove_officers(make, signed_in):
    france, contact, member = reporting_state(make)
    officer = ReportingOfficer(delegation=france, user=member, designated_by_id=contact.id)
    db.session.add(officer)
    db.session.commit()
    other = reporting_state(make, iso3="DEU")[1]
    assert signed_in(other).post(f"/reporting/officers/{officer.id}/remove").status_code == 404
    assert db.session.get(ReportingOfficer, officer.id) is not None


def test_a_signatory_may_report_voluntarily(make, signed_in):
    _, contact, _ = reporting_state(make, iso3="CHL", kind="signatory", entry_into_force=None)
    page = text(signed_in(contact).get("/reporting/"))
    assert "Overdue" not in page and "No deadline" in page
    response = signed_in(contact).post(
        "/reporting/annual/new", data={"year": "2025", "start": "nil"}
    )
    assert response.status_code == 302
    assert re.search(r"/reporting/reports/\d+/draft$", response.headers["Location"])
