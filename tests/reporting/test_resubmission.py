"""A report's confirmed submission sent twice with the same submission id (after its draft
became version 1, or even once an amendment has been started) makes one version, and the resend
leads to it."""

import re

from sqlalchemy import select

from portal.extensions import db
from portal.reporting.models import ReportVersion, VersionStatus
from tests.forum.pages import read
from tests.reporting import test_pages
from tests.reporting.builders import draft, reporting_state
from tests.reporting.test_pages import annual_form, review_digest
from tests.submissions import recorded_ids, submission_id

# The pages' fixtures: one signed-in client per person, and the day the tests report on.
signed_in = test_pages.signed_in
today = test_pages.today

ALREADY_RECEIVED = "This was already received: it has not been stored a second time."


def submitted_versions(report_id):
    db.session.expire_all()
    return db.session.scalars(
        select(ReportVersion).where(
            ReportVersion.report_id == report_id,
            ReportVersion.status == VersionStatus.SUBMITTED.value,
        )
    ).all()


def reviewed(browser, report_id, **fields):
    """The draft sent for review as the form's submit button does; then the confirmation a
    person would send from the review page (its digest and submission id)."""
    edit = f"/reporting/reports/{report_id}/draft"
    response = browser.post(edit, data=annual_form(exports=[{}], submit="y", **fields))
    assert response.status_code == 302, response.status_code
    review = response.headers["Location"]
    page = browser.get(review)
    digest = review_digest(page.get_data(as_text=True))
    return review, {"digest": digest, "confirm": "y", "submission_id": submission_id(page)}


def test_a_confirmed_submission_sent_twice_makes_one_version(make, signed_in):
    france, contact, _ = reporting_state(make)
    report_id = draft(france, contact).report_id
    browser = signed_in(contact)
    review, confirmation = reviewed(browser, report_id)

    first = browser.post(review, data=confirmation)
    assert first.status_code == 302, first.get_data(as_text=True)
    again = browser.post(review, data=confirmation)

    # The draft is gone once submitted: without its id the resend would find nothing (404).
    assert again.status_code == 302
    [version] = submitted_versions(report_id)
    assert again.headers["Location"] == first.headers["Location"]
    assert first.headers["Location"].endswith(f"/reporting/versions/{version.id}")
    assert version.number == 1
    assert recorded_ids() == 1
    assert read(browser.get(again.headers["Location"])).has(ALREADY_RECEIVED)


def test_a_resend_after_an_amendment_was_started_does_not_submit_the_amendment(make, signed_in):
    france, contact, _ = reporting_state(make)
    report_id = draft(france, contact).report_id
    browser = signed_in(contact)
    review, confirmation = reviewed(browser, report_id)
    first = browser.post(review, data=confirmation)
    assert browser.post(f"/reporting/reports/{report_id}/amend").status_code == 302
    edit = f"/reporting/reports/{report_id}/draft"
    assert browser.get(edit).status_code == 200

    again = browser.post(review, data=confirmation)

    assert again.headers["Location"] == first.headers["Location"]
    assert [v.number for v in submitted_versions(report_id)] == [1]
    assert browser.get(edit).status_code == 200  # the amendment is still a draft


def test_saving_a_draft_or_reviewing_it_is_not_a_submission(make, signed_in):
    france, contact, _ = reporting_state(make)
    report_id = draft(france, contact).report_id
    browser = signed_in(contact)
    edit = f"/reporting/reports/{report_id}/draft"
    saved = browser.post(edit, data=annual_form(exports=[{}], save="y"))
    assert saved.status_code == 302
    review, confirmation = reviewed(browser, report_id)
    assert recorded_ids() == 0
    assert browser.post(review, data=confirmation).status_code == 302
    assert len(submitted_versions(report_id)) == 1


def test_a_confirmation_refused_leaves_its_id_free(make, signed_in):
    france, contact, _ = reporting_state(make)
    report_id = draft(france, contact).report_id
    browser = signed_in(contact)
    review, confirmation = reviewed(browser, report_id)
    unticked = {key: value for key, value in confirmation.items() if key != "confirm"}
    assert browser.post(review, data=unticked).status_code == 400
    assert recorded_ids() == 0
    assert re.search(r"/versions/\d+$", browser.post(review, data=confirmation).headers["Location"])
    assert len(submitted_versions(report_id)) == 1
