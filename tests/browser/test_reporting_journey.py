"""A report filed by file, from import to the status figures, in Chromium: the point of contact
imports a CSV file into a new draft, submits it through the review step, and the receipt
email arrives; the Secretariat acknowledges it, the delegation is told, and the public status
page counts the report as imported from a file. Screenshots of the review page (English,
Arabic and 390 px wide) go to tests/screenshots/.
"""

import re

import pytest
from playwright.sync_api import expect

from portal.core.jobs import run_due_jobs
from portal.reporting import formats
from tests.conftest import text_of
from tests.reporting.builders import annual, draft, line, reporting_state

pytestmark = pytest.mark.browser


def test_a_report_filed_by_file_is_received_acknowledged_and_counted(
    make, page, sign_in_through_pages, screenshot, browser_problems, mailbox, tmp_path
):
    france, contact, _ = reporting_state(make, "FRA")
    secretariat = make.secretariat(language="fr")
    version = draft(france, contact)
    page.goto(f"/reporting/reports/{version.report_id}/draft/import")
    sign_in_through_pages(contact)

    upload = tmp_path / "france-2025.csv"
    content = annual(exports=[line(), line(category="IV", subcategory="IV.b", partner="ITA")])
    upload.write_bytes(formats.export(content, "csv"))
    page.get_by_label("File to import").set_input_files(str(upload))
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_text("The file is imported")).to_be_visible()

    page.get_by_role("button", name="Review and submit").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Review before submitting")
    details = page.locator(".receipt-details")
    expect(details).to_contain_text("Imported from a file (france-2025.csv)")
    expect(details).to_contain_text("Public: anyone may read the report")
    screenshot("reporting-review-en")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("reporting-review-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    review = page.url
    page.get_by_label("Language", exact=True).select_option("ar")
    page.get_by_role("button", name="Change").click()
    expect(page).to_have_url(review)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    screenshot("reporting-review-ar")
    page.locator("#language-select").select_option("en")
    page.locator(".language-switch button").click()
    expect(page.locator("html")).to_have_attribute("dir", "ltr")

    page.get_by_label(re.compile("I confirm that this is the report")).check()
    page.get_by_role("button", name="Confirm and submit").click()
    expect(page.get_by_text("Receipt number: ATT-AR-2025-FRA-1")).to_be_visible()

    run_due_jobs()
    receipt = mailbox.last_to(contact.email)
    assert receipt["Subject"] == "Report received: ATT-AR-2025-FRA-1"
    assert "ATT-AR-2025-FRA-1" in text_of(receipt)
    assert mailbox.last_to(secretariat.email)["Subject"] == "Rapport reçu : ATT-AR-2025-FRA-1"

    page.get_by_role("button", name="Sign out").click()
    page.goto("/auth/sign-in")
    sign_in_through_pages(secretariat)
    page.goto(f"/reporting/versions/{version.id}")
    page.get_by_role("button", name="Accuser réception").click()
    expect(page.get_by_text("Il a été accusé réception de ATT-AR-2025-FRA-1.")).to_be_visible()
    run_due_jobs()
    acknowledged = mailbox.last_to(contact.email)
    assert acknowledged["Subject"] == (
        "Report acknowledged by the ATT Secretariat: ATT-AR-2025-FRA-1"
    )

    page.get_by_role("button", name="Se déconnecter").click()
    page.goto("/reporting/status?year=2025")
    row = page.locator("tr", has=page.locator("th", has_text="2025"))
    expect(row).to_contain_text("1 (100%)")
    headers = [text.strip() for text in page.locator(".status-table thead th").all_inner_texts()]
    cells = [text.strip() for text in row.locator("td").all_inner_texts()]
    assert cells[headers.index("Imported from a file") - 1] == "1 (100%)"
    assert browser_problems == []
