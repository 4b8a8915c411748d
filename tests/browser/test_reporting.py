"""Online reporting in Chromium.

- A delegate of a State Party fills an annual report with two export lines and a nil import
  report, meets a validation error at its field, fixes it, submits through the review step
  (which asks for a confirmation), and downloads the Excel
  file of the submitted report (opened with openpyxl: the two lines are in it).
- The reporting status, public and the Secretariat's, in English and Arabic, with no CSP
  refusal (the chart is SVG drawn with presentation attributes and classes, no style).

Screenshots go to tests/screenshots/.
"""

import re
from datetime import date

import openpyxl
import pytest
from playwright.sync_api import expect

from portal.reporting import status as status_module
from tests.reporting.test_status import on, party, report

pytestmark = pytest.mark.browser


@pytest.fixture
def reporting_world(make, monkeypatch):
    monkeypatch.setattr(status_module, "current_day", lambda: date(2026, 11, 25))
    states = {
        "NOR": party(make, "NOR", date(2014, 12, 24), name="Norway"),
        "PER": party(make, "PER", date(2016, 5, 16), name="Peru"),
        "ISL": party(make, "ISL", date(2014, 12, 24), name="Iceland"),
        "GHA": party(make, "GHA", date(2016, 3, 21), name="Ghana"),
    }
    for year in range(2018, 2025):
        report(
            make,
            states["NOR"],
            year,
            [(on(date(year + 1, 5, 20)), year % 2 == 0, "online")],
        )
    for year in range(2020, 2025):
        report(make, states["PER"], year, [(on(date(year + 1, 6, 20)), True, "file")])
    report(make, states["GHA"], 2024, [(on(date(2025, 5, 2)), False, "online")])
    report(make, states["NOR"], versions=[(on(date(2015, 11, 1)), True, "online")])
    report(
        make,
        states["PER"],
        versions=[
            (on(date(2017, 5, 1)), True, "online"),
            (on(date(2022, 5, 1)), True, "online"),
        ],
    )
    return states


def field(page, table, index, name):
    """A field of line `index` of the exports or imports table, by its name in the form."""
    return page.locator(f"[name='{table}-{index}-{name}']")


def fill_line(page, table, index, category, partner, items, description, subcategory=""):
    """Fill line `index` of the exports or imports table of the draft's page."""
    field(page, table, index, "category").select_option(category)
    field(page, table, index, "subcategory").select_option(subcategory)
    field(page, table, index, "partner").select_option(partner)
    field(page, table, index, "basis").select_option("actual")
    field(page, table, index, "items").fill(items)
    field(page, table, index, "description").fill(description)


def test_a_delegate_fills_fixes_submits_and_downloads_an_annual_report(
    page, make, sign_in_through_pages, browser_problems, screenshot, tmp_path
):
    # The delegate is the point of contact of a State Party: they may submit.
    france = make.delegation(
        kind="state_party",
        iso3="FRA",
        name="France",
        entry_into_force=date(2014, 12, 24),
    )
    contact = make.user(name="Camille Martin", delegation=france, role="point_of_contact")
    year = date.today().year - 1
    page.goto(f"/reporting/annual/new?year={year}")
    sign_in_through_pages(contact)
    expect(page.get_by_role("heading", level=1)).to_have_text("Start an annual report")
    page.get_by_label("Calendar year reported on").fill(str(year))
    page.get_by_label("Empty tables").check()
    page.get_by_role("button", name="Start the report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("France")

    page.get_by_role("button", name="Add an export line").click()
    fill_line(page, "exports", 0, "II", "DEU", "4", "Armoured personnel carriers")
    page.get_by_role("button", name="Add an export line").click()
    # The second line names France itself as the importing State: a mistake.
    fill_line(
        page,
        "exports",
        1,
        "VIII.SA",
        "FRA",
        "250",
        "Assault rifles",
        subcategory="SA.4",
    )
    page.get_by_label("Nil report: no imports to report for this year").check()
    page.get_by_role("button", name="Review and submit").click()

    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Your own State cannot be the partner of a transfer.")
    second = page.locator("fieldset#exports-1")
    expect(second.locator(".error-message")).to_have_text(
        "Your own State cannot be the partner of a transfer."
    )
    expect(field(page, "exports", 1, "partner")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("fieldset#exports-0 .error-message")).to_have_count(0)
    screenshot("reporting-annual-error-en")

    field(page, "exports", 1, "partner").select_option("BEL")
    page.get_by_role("button", name="Review and submit").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Review before submitting")
    expect(page.get_by_role("cell", name="Assault rifles", exact=True)).to_be_visible()
    screenshot("reporting-annual-review-en")
    page.get_by_role("button", name="Confirm and submit").click()
    expect(page.get_by_text("Tick the box to confirm the submission.")).to_be_visible()
    page.get_by_label(re.compile("I confirm that this is the report")).check()
    page.get_by_role("button", name="Confirm and submit").click()
    expect(page.get_by_text(re.compile(rf"Receipt number: ATT-AR-{year}-FRA-1"))).to_be_visible()
    screenshot("reporting-annual-submitted-en")

    with page.expect_download() as download:
        page.get_by_role("link", name="Excel workbook").first.click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.suffix == ".xlsx"
    book = openpyxl.load_workbook(path)  # a valid workbook, or this raises
    exports = [
        [cell for cell in row if cell not in (None, "")]
        for row in book["Exports"].iter_rows(values_only=True)
    ]
    lines = [
        row for row in exports if "Armoured personnel carriers" in row or "Assault rifles" in row
    ]
    assert len(lines) == 2
    assert "DEU" in lines[0] and 4 in lines[0] and "II" in lines[0]
    assert "BEL" in lines[1] and 250 in lines[1] and "SA.4" in lines[1]
    imports = [
        row
        for row in book["Imports"].iter_rows(values_only=True)
        if any(cell in ("DEU", "BEL") for cell in row)
    ]
    assert imports == []
    # The report with an error was shown again with status 400, as it should: Chromium logs
    # that status as a console error. Anything else is a problem.
    problems = [problem for problem in browser_problems if "status of 400" not in problem]
    assert not problems, problems


def switch_language(page, language):
    """Choose `language` with the switch of the page's header (labelled in any language)."""
    url = page.url.split("#")[0]  # the fragment stays in the browser
    page.locator("#language-select").select_option(language)
    page.locator(".language-switch button").click()
    expect(page).to_have_url(url)
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")


def test_the_reporting_status_in_English_and_Arabic(
    page, make, reporting_world, sign_in_through_pages, browser_problems, screenshot
):
    page.goto("/reporting/status?year=2024")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reporting status")
    expect(page.get_by_role("img", name=re.compile("Annual reports per year"))).to_be_visible()
    row = page.get_by_role("row", name=re.compile(r"^2024"))
    expect(row.get_by_role("cell").nth(1)).to_have_text("4")
    submitters = page.locator("#submitters")
    expect(submitters.get_by_text("Ghana")).to_be_visible()
    expect(submitters.get_by_text("Iceland")).to_have_count(0)
    page.get_by_label("Reporting year").select_option("2019")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"year=2019"))
    expect(page.locator("#submitters").get_by_text("Ghana")).to_have_count(0)
    screenshot("reporting-status-en")
    switch_language(page, "ar")
    expect(page.get_by_role("img")).to_be_visible()
    screenshot("reporting-status-ar")
    switch_language(page, "en")

    officer = make.secretariat(name="Dalia Mansour", language="en")
    page.goto("/reporting/status/secretariat?year=2024")
    sign_in_through_pages(officer)
    expect(page).to_have_url(re.compile(r"/reporting/status/secretariat\?year=2024"))
    iceland = page.get_by_role("row", name=re.compile("Iceland"))
    expect(iceland).to_contain_text("Overdue")
    expect(page.get_by_role("row", name=re.compile("Peru"))).to_contain_text("ATT-AR-2024-PER-1")
    screenshot("reporting-status-secretariat-en")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this list (CSV)").click()
    assert download.value.suggested_filename == "att-reporting-status-2024-by-state.csv"
    switch_language(page, "ar")
    screenshot("reporting-status-secretariat-ar")
    assert not browser_problems, browser_problems
