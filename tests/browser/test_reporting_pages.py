"""The reporting pages in a real browser, in English and in Arabic (right to left): the annual
report form with its lines and errors, the initial report form with changed answers, and "My
reports". Screenshots go to tests/screenshots/ for people to look at; the test also checks
that the pages load without a console error or a Content Security Policy refusal."""

from datetime import date

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.reporting import services, views
from tests.reporting.builders import TODAY, annual, draft, initial, line, reporting_state, submitted


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(views, "current_day", lambda: TODAY)


def test_reporting_pages_in_english_and_arabic(
    make, page, browser_problems, sign_in_through_pages, screenshot
):
    france, contact, _ = reporting_state(make, entry_into_force=date(2014, 12, 24))
    earlier = submitted(france, contact, annual(year=2023), year=2023)
    annual_draft = draft(
        france,
        contact,
        annual(
            exports=[
                line(category="IV", subcategory="IV.b", description="Attack helicopters"),
                line(partner="FRA", items=-2, currency="", description="Spare airframes"),
            ],
            imports=[],
        ),
    )
    first = submitted(
        france,
        contact,
        initial(**{"control_system.established": {"choice": "yes", "text": "Act of 2014"}}),
        year=None,
    )
    amendment = services.amend(first.report, contact)
    content = initial(
        **{
            "control_system.established": {"choice": "partly", "text": "Act of 2014, as amended"},
            "record_keeping.retention": {"choice": "", "text": "Twenty years."},
        }
    )
    services.save_draft(amendment, content, contact)
    db.session.commit()

    page.goto("/reporting/")
    sign_in_through_pages(contact)
    page.goto("/reporting/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("My reports")
    expect(page.get_by_text("Overdue").first).to_be_visible()
    screenshot("reporting-my-reports-en")

    page.goto(f"/reporting/reports/{annual_draft.report_id}/draft")
    expect(
        page.get_by_text("Your own State cannot be the partner of a transfer.").first
    ).to_be_visible()
    screenshot("reporting-annual-form-en")

    page.goto(f"/reporting/reports/{first.report_id}/draft")
    expect(page.get_by_text("Changed since version 1").first).to_be_visible()
    screenshot("reporting-initial-form-en")

    page.goto(f"/reporting/versions/{earlier.id}")
    expect(page.get_by_text("ATT-AR-2023-FRA-1").first).to_be_visible()
    screenshot("reporting-version-en")

    page.get_by_label("Language", exact=True).select_option("ar")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    screenshot("reporting-initial-form-ar")
    page.goto(f"/reporting/reports/{annual_draft.report_id}/draft")
    screenshot("reporting-annual-form-ar")
    page.goto("/reporting/")
    screenshot("reporting-my-reports-ar")
    assert not browser_problems
