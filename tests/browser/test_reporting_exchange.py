"""A delegate downloads the draft of an annual report as an Excel workbook, uploads a wrong
workbook and sees each problem by sheet, row and column, then uploads a correct CSV file, which
replaces the draft. Screenshots of the import page with its problems, in English and in Arabic
(right to left), go to tests/screenshots/.
"""

import re

import openpyxl
import pytest
from playwright.sync_api import expect

from portal.reporting import formats
from tests.reporting.builders import annual, draft, line, reporting_state

pytestmark = pytest.mark.browser


def test_a_delegate_imports_a_file_with_errors_then_a_correct_one(
    make, page, sign_in_through_pages, screenshot, browser_problems, tmp_path
):
    home, _contact, member = reporting_state(make, "FRA")
    version = draft(home, member, annual())
    page.goto(f"/reporting/reports/{version.report_id}/draft")
    sign_in_through_pages(member)
    expect(page.get_by_role("heading", name="Files")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Excel workbook").click()
    assert download.value.suggested_filename == "ATT-AR-2025-FRA-draft.xlsx"
    downloaded = tmp_path / download.value.suggested_filename
    download.value.save_as(downloaded)
    book = openpyxl.load_workbook(downloaded)
    book["Exports"]["G3"] = "FRA"  # own State as partner
    book["Exports"]["A3"] = "XX"  # no such category
    wrong = tmp_path / "rapport.xlsx"
    book.save(wrong)

    page.get_by_role("link", name="Import a file into this draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import a file into the draft")
    page.get_by_label("File to import").set_input_files(str(wrong))
    page.get_by_role("button", name="Check and import").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("The file has 2 problems. Nothing was imported")
    problems = page.locator("table.import-problems tbody tr")
    expect(problems).to_have_count(2)
    expect(problems.nth(0)).to_contain_text("Exports")
    expect(problems.nth(0)).to_contain_text("A (category)")
    expect(problems.nth(0)).to_contain_text("Unknown category: XX.")
    expect(problems.nth(1)).to_contain_text("G (partner)")
    expect(problems.nth(1)).to_contain_text("Your own State cannot be the partner")
    screenshot("reporting-import-problems-en")

    import_url = page.url
    page.get_by_label("Language", exact=True).select_option("ar")
    page.get_by_role("button", name="Change").click()
    expect(page).to_have_url(import_url)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.locator("#file").set_input_files(str(wrong))
    page.locator("#submit").click()
    expect(page.locator("table.import-problems tbody tr")).to_have_count(2)
    screenshot("reporting-import-problems-ar")
    page.locator("#language-select").select_option("en")  # labelled in Arabic now
    page.locator(".language-switch button").click()
    expect(page.locator("html")).to_have_attribute("dir", "ltr")

    correct = tmp_path / "rapport.csv"
    content = annual(exports=[line(), line(category="IV", subcategory="IV.b", partner="ITA")])
    correct.write_bytes(formats.export(content, "csv"))
    page.get_by_label("File to import").set_input_files(str(correct))
    page.get_by_role("button", name="Check and import").click()
    expect(page).to_have_url(re.compile(rf"/reporting/reports/{version.report_id}/draft$"))
    expect(page.get_by_text("The file is imported")).to_be_visible()
    screenshot("reporting-draft-files-en")

    with page.expect_download() as download:
        page.get_by_role("link", name="JSON document").click()
    data = download.value.path().read_bytes()
    assert formats.parse(data, "json", "annual") == content
    # The refused upload answers 400 by design; nothing else may go wrong in the browser.
    assert [p for p in browser_problems if "status of 400" not in p] == []
