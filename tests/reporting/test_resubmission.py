"""A report submission sent twice with the same submission id (after its draft became version
1, or even once an amendment has been started) makes one version, and the resend leads to it."""

from sqlalchemy import select

from portal.extensions import db
from portal.reporting.models import ReportVersion, VersionStatus
from tests.forum.pages import read
from tests.reporting.builders import draft, reporting_state
from tests.reporting import test_pages
from tests.reporting.test_pages import annual_form
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


def test_a_report_submission_sent_twice_makes_one_version(make, signed_in):
    france, contact, _ = reporting_state(make)
    report_id = draft(france, contact).report_id
    edit = f"/reporting/reports/{report_id}/draft"
    browser = signed_in(contact)
    data = annual_form(exports=[{}], submit="y", submission_id=submission_id(browser.get(edit)))

    first = browser.post(edit, data=data)
    assert first.status_code == 302, first.get_data(as_text=True)
    again = browser.post(edit, data=data)

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
    edit = f"/reporting/reports/{report_id}/draft"
    browser = signed_in(contact)
    data = annual_form(exports=[{}], submit="y", submission_id=submission_id(browser.get(edit)))
    first = browser.post(edit, data=data)
    assert browser.post(f"/reporting/reports/{report_id}/amend").status_code == 302
    amendment = browser.get(edit)
    assert amendment.status_code == 200

    again = browser.post(edit, data=data)

    assert again.headers["Location"] == first.headers["Location"]
    assert [v.number for v in submitted_versions(report_id)] == [1]
    assert browser.get(edit).status_code == 200  # the amendment is still a draft


def test_saving_a_draft_is_not_a_submission(make, signed_in):
    """Only the submission is recorded: a draft saved, then submitted from the same page, is
    submitted."""
    france, contact, _ = reporting_state(make)
    report_id = draft(france, contact).report_id
    edit = f"/reporting/reports/{report_id}/draft"
    browser = signed_in(contact)
    token = submission_id(browser.get(edit))
    saved = browser.post(edit, data=annual_form(exports=[{}], save="y", submission_id=token))
    assert saved.status_code == 302
    assert recorded_ids() == 0
    sent = browser.post(edit, data=annual_form(exports=[{}], submit="y", submission_id=token))
    assert sent.status_code == 302
    assert len(submitted_versions(report_id)) == 1


def test_a_submission_refused_for_errors_leaves_its_id_free(make, signed_in):
    france, contact, _ = reporting_state(make)
    report_id = draft(france, contact).report_id
    edit = f"/reporting/reports/{report_id}/draft"
    browser = signed_in(contact)
    token = submission_id(browser.get(edit))
    wrong = annual_form(exports=[{"partner": "FRA"}], submit="y", submission_id=token)
    assert browser.post(edit, data=wrong).status_code == 400
    assert recorded_ids() == 0
    right = annual_form(exports=[{}], submit="y", submission_id=token)
    assert browser.post(edit, data=right).status_code == 302
    assert len(submitted_versions(report_id)) == 1
