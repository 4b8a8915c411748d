"""Submitting a report as a reporting officer does: the source of an imported report kept to
the status figures, a new draft's files, the review step, the receipts and the acknowledgement
by email in each recipient's language, starting from the latest earlier report, overdue
drafts, and amounts written with the grouping of the reader's language."""

import io
import json
import re

import pytest
from sqlalchemy import select

from portal.core.jobs import run_due_jobs
from portal.extensions import db
from portal.reporting import views
from portal.reporting.models import ReportVersion
from portal.reporting.status import ReportingStatus
from tests.conftest import text_of
from tests.forum import conftest as forum_fixtures
from tests.reporting.builders import TODAY, annual, draft, line, reporting_state, submitted
from tests.reporting.test_pages import annual_form, review_digest, submit_form, text

signed_in = forum_fixtures.signed_in
errors_are_shown = forum_fixtures.errors_are_shown


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(views, "current_day", lambda: TODAY)


def edit_url(version):
    return f"/reporting/reports/{version.report_id}/draft"


def import_json(browser, version, content, name="france-2025.json"):
    data = json.dumps(content).encode()
    return browser.post(
        f"{edit_url(version)}/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def stored(version):
    db.session.expire_all()
    return db.session.get(ReportVersion, version.id)


# The source of the content -----------------------------------------------------------------


def test_an_imported_report_is_counted_as_filed_by_file_after_saving_and_submitting(
    make, signed_in
):
    france, contact, _ = reporting_state(make)
    version = draft(france, contact)
    browser = signed_in(contact)
    assert import_json(browser, version, annual()).status_code == 302
    # The officer corrects a line on the form, saves, then submits from the draft page.
    data = annual_form(exports=[{"items": "5"}])
    assert browser.post(edit_url(version), data=data | {"save": "y"}).status_code == 302
    assert stored(version).source == "file"
    assert submit_form(browser, edit_url(version), data).status_code == 302
    done = stored(version)
    assert done.receipt == "ATT-AR-2025-FRA-1"
    assert done.source == "file" and done.source_name == "france-2025.json"
    assert "Imported from a file" in text(browser.get(f"/reporting/versions/{done.id}"))
    figures = ReportingStatus().year_figures(2025)
    assert (figures.to_date, figures.online, figures.from_file) == (1, 0, 1)


def test_an_amendment_of_an_imported_report_keeps_its_source_until_a_new_file(make, signed_in):
    france, contact, _ = reporting_state(make)
    version = draft(france, contact)
    browser = signed_in(contact)
    import_json(browser, version, annual())
    submit_form(browser, edit_url(version), annual_form(exports=[{}]))
    assert browser.post(f"/reporting/reports/{version.report_id}/amend").status_code == 302
    amendment = stored(version).report.draft
    assert amendment.source == "file"
    assert submit_form(browser, edit_url(version), annual_form(exports=[{}])).status_code == 302
    figures = ReportingStatus().year_figures(2025)
    assert (figures.online, figures.from_file) == (0, 1)


def test_a_report_entered_online_is_counted_online(make, signed_in):
    france, contact, _ = reporting_state(make)
    version = draft(france, contact)
    submit_form(signed_in(contact), edit_url(version), annual_form(exports=[{}]))
    figures = ReportingStatus().year_figures(2025)
    assert (figures.online, figures.from_file) == (1, 0)


# Files of a new draft ----------------------------------------------------------------------


def test_a_new_drafts_files_download_before_it_is_ever_saved(make, signed_in):
    france, contact, member = reporting_state(make)
    browser = signed_in(member)
    response = browser.post("/reporting/annual/new", data={"year": "2025", "start": "empty"})
    assert response.status_code == 302
    browser.post("/reporting/initial/new")
    stranger = signed_in(reporting_state(make, iso3="DEU")[1])
    for version in db.session.scalars(select(ReportVersion)):
        assert version.acl == f"delegation:{france.id}"
        page = text(browser.get(edit_url(version)))
        links = re.findall(r'href="(/reporting/versions/\d+/download\.\w+)"', page)
        assert links
        for link in links:
            assert browser.get(link).status_code == 200, link
        assert stranger.get(links[0]).status_code == 404  # still the delegation's only


# The review step ---------------------------------------------------------------------------


def test_submit_shows_the_review_and_submits_only_on_confirmation(make, signed_in):
    france, contact, _ = reporting_state(make)
    version = draft(france, contact)
    browser = signed_in(contact)
    data = annual_form(exports=[{}], audience="state_parties", forward_to_un_register="y")
    response = browser.post(edit_url(version), data=data | {"submit": "y"})
    review = response.headers["Location"]
    assert review.endswith(f"{edit_url(version)}/review")
    assert stored(version).is_draft
    page = text(browser.get(review))
    assert "Review before submitting" in page
    assert "States Parties only" in page
    assert "the Secretariat may forward the report to the UN Register" in page
    assert "1,250,000.00 EUR" in page  # the line that will be submitted
    digest = review_digest(page)

    # Not confirmed: nothing submitted.
    response = browser.post(review, data={"digest": digest})
    assert response.status_code == 400
    assert "Tick the box to confirm the submission." in text(response)
    assert stored(version).is_draft

    # The draft changed in another tab after the review was shown: shown again, not submitted.
    browser.post(edit_url(version), data=data | {"save": "y", "exports-0-items": "9"})
    response = browser.post(review, data={"digest": digest, "confirm": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith(review)
    assert stored(version).is_draft

    digest = review_digest(text(browser.get(review)))
    response = browser.post(review, data={"digest": digest, "confirm": "y"})
    assert response.status_code == 302
    done = stored(version)
    assert done.receipt == "ATT-AR-2025-FRA-1" and done.is_public is False
    assert done.content["exports"]["lines"][0]["items"] == 9
    assert done.content["forward_to_un_register"] is True
    # Once submitted there is no draft to review.
    assert browser.get(review).status_code == 404


def test_the_review_is_for_those_who_submit_and_refuses_a_report_with_errors(make, signed_in):
    france, contact, member = reporting_state(make)
    version = draft(france, contact, annual(exports=[line(partner="FRA")]))
    review = f"{edit_url(version)}/review"
    assert signed_in(member).get(review).status_code == 403
    assert signed_in(member).post(review, data={"confirm": "y"}).status_code == 403
    other = reporting_state(make, iso3="DEU")[1]
    assert signed_in(other).get(review).status_code == 404
    response = signed_in(contact).get(review)
    assert response.status_code == 302 and response.headers["Location"].endswith(edit_url(version))
    response = signed_in(contact).post(review, data={"confirm": "y", "digest": "x"})
    assert response.status_code == 302
    assert stored(version).is_draft


# Receipts and acknowledgements ---------------------------------------------------------------


def test_the_receipt_reaches_submitter_point_of_contact_and_secretariat_in_their_languages(
    make, signed_in, mailbox
):
    france, contact, officer = reporting_state(make)
    contact.language = "fr"
    second_contact = make.user(delegation=france, role="point_of_contact", language="ar")
    secretariat = make.secretariat(language="es")
    db.session.commit()
    browser = signed_in(contact)
    browser.post("/reporting/officers", data={"user": str(officer.id)})
    version = draft(france, contact)
    response = submit_form(signed_in(officer), edit_url(version), annual_form(exports=[{}]))
    assert response.status_code == 302
    done = stored(version)
    run_due_jobs()
    expected = {
        officer.email: ("Report received: ATT-AR-2025-FRA-1", "France has been submitted"),
        contact.email: ("Rapport reçu : ATT-AR-2025-FRA-1", "France – Rapport annuel 2025"),
        second_contact.email: ("استُلم التقرير", "فرنسا"),
        secretariat.email: ("Informe recibido: ATT-AR-2025-FRA-1", "Informe anual de 2025"),
    }
    for address, (subject, phrase) in expected.items():
        (message,) = mailbox.to(address)
        assert subject in message["Subject"]
        body = text_of(message)
        assert phrase in body
        assert done.digest in body and done.receipt in body
        assert f"/reporting/versions/{done.id}" in body
    assert len(mailbox.messages) == 4


def test_the_delegation_hears_of_the_acknowledgement_once(make, signed_in, mailbox):
    france, contact, member = reporting_state(make)
    contact.language = "zh"
    db.session.commit()
    version = submitted(france, contact)
    run_due_jobs()
    mailbox.messages.clear()
    secretariat = make.secretariat()
    acknowledge = f"/reporting/versions/{version.id}/acknowledge"
    assert signed_in(secretariat).post(acknowledge).status_code == 302
    assert signed_in(secretariat).post(acknowledge).status_code == 403
    run_due_jobs()
    (message,) = mailbox.messages
    assert message.envelope_to == [contact.email]
    assert "ATT-AR-2025-FRA-1" in message["Subject"]
    assert "秘书处" in text_of(message)
    assert not mailbox.to(member.email)  # a member who did not submit is not told


def test_a_refused_submission_sends_nothing(make, signed_in, mailbox):
    france, contact, _ = reporting_state(make)
    version = draft(france, contact)
    data = annual_form(exports=[{"partner": "FRA"}])
    response = signed_in(contact).post(edit_url(version), data=data | {"submit": "y"})
    assert response.status_code == 400
    run_due_jobs()
    assert mailbox.messages == []


# Starting from an earlier report -------------------------------------------------------------


def test_start_from_the_previous_report_takes_the_latest_earlier_year_and_says_which(
    make, signed_in
):
    france, contact, _ = reporting_state(make)
    submitted(france, contact, annual(year=2022, exports=[line(partner="CHE")]), year=2022)
    submitted(france, contact, annual(year=2023, exports=[line(partner="NOR")]), year=2023)
    browser = signed_in(contact)
    response = browser.post(
        "/reporting/annual/new", data={"year": "2025", "start": "previous"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert (
        "It starts from your State&#39;s annual report for 2023 (receipt ATT-AR-2023-FRA-1), "
        "the latest submitted before 2025."
    ) in text(response)
    version = db.session.scalar(select(ReportVersion).where(ReportVersion.status == "draft"))
    assert [ln["partner"] for ln in version.content["exports"]["lines"]] == ["NOR"]
    assert version.content["year"] == 2025


# Deadlines and amounts -----------------------------------------------------------------------


def test_an_overdue_draft_says_so(make, signed_in):
    france, contact, _ = reporting_state(make)
    late = draft(france, contact, annual(year=2024), year=2024)  # due 31 May 2025
    on_time = draft(france, contact, year=2025)  # due 31 May 2026
    browser = signed_in(contact)
    assert "This report is overdue." in text(browser.get(edit_url(late)))
    assert "overdue" not in text(browser.get(edit_url(on_time)))
    page = text(browser.get(f"{edit_url(late)}/review"))
    assert "This report is overdue: it was due by 31 May 2025." in page


@pytest.mark.parametrize(
    "language, items, value",
    [
        ("en", "12,500", "1,250,000.50"),
        ("fr", "12\u202f500", "1\u202f250\u202f000,50"),
        ("es", "12.500", "1.250.000,50"),
        ("ru", "12\xa0500", "1\xa0250\xa0000,50"),
    ],
)
def test_amounts_are_grouped_as_the_reader_writes_them(make, client, language, items, value):
    france, contact, _ = reporting_state(make)
    version = submitted(france, contact, annual(exports=[line(items=12500, value="1250000.50")]))
    client.post("/language", data={"language": language})
    page = client.get(f"/reporting/versions/{version.id}").get_data(as_text=True)
    assert f">{items}<" in page
    assert f"{value} EUR" in page
