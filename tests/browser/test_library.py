"""The Secretariat publishes a PDF in two languages in Chromium; a delegate finds it by a word
inside the French version, opens it and downloads it; an observer cannot find it.

Screenshots of the upload form, the document page and the search results, in English and in
Arabic (right to left), go to tests/screenshots/.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.library.documents import pdf_bytes

pytestmark = pytest.mark.browser

SYMBOL = "ATT/CSP12.WGETI/2026/CHAIR/901/AnnAgenda"
TITLE = "Sub-working group on Article 11: annotated agenda"
ENGLISH = ["Measures to prevent the diversion of small arms and light weapons (SALW)."]
#: The word searched for is only in the French version.
FRENCH = ["Mesures de prévention du détournement : vérification après expédition."]


def upload_document(page, tmp_path):
    english, french = tmp_path / "agenda-en.pdf", tmp_path / "agenda-fr.pdf"
    english.write_bytes(pdf_bytes(ENGLISH))
    french.write_bytes(pdf_bytes(FRENCH))
    page.goto("/library/")
    page.get_by_role("link", name="Upload a document").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Symbol").fill(SYMBOL)
    page.get_by_label("Type of document").select_option("annotated_agenda")
    page.get_by_label("Working group").select_option(
        label="Working Group on Effective Treaty Implementation"
    )
    page.get_by_label("CSP cycle").select_option("12")
    page.get_by_label("Date of the document").fill("2026-01-14")
    page.get_by_label("Keywords").fill("diversion, post-shipment")
    page.get_by_label("Who may read it").select_option("states")
    page.get_by_label("English").set_input_files(str(english))
    page.get_by_label("French").set_input_files(str(french))
    page.screenshot(path=SCREENSHOTS / "library-upload-en.png", full_page=True)
    page.get_by_role("button", name="Publish document").click()


@pytest.fixture
def people(make):
    from portal.forum.models import WorkingGroup

    space = WorkingGroup(
        code="WGETI",
        names={"en": "Working Group on Effective Treaty Implementation"},
        access_level="users",
    )
    space.derive_acl()
    from portal.extensions import db

    db.session.add(space)
    db.session.commit()
    return {
        "officer": make.secretariat(name="Dalia Mansour"),
        "delegate": make.user(
            name="Kofi Mensah", delegation=make.delegation(kind="state_party", iso3="GHA")
        ),
        "observer": make.user(delegation=make.delegation(kind="civil_society")),
    }


def test_a_pdf_in_two_languages_is_found_by_a_word_inside_it(
    page, browser, live_server, people, sign_in_through_pages, browser_problems, tmp_path
):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.goto("/library/")
    sign_in_through_pages(people["officer"])
    upload_document(page, tmp_path)
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_text(SYMBOL).first).to_be_visible()
    versions = page.get_by_role("region", name="Language versions")
    expect(versions.get_by_role("rowheader", name="English")).to_be_visible()
    expect(versions.get_by_role("rowheader", name="French")).to_be_visible()

    # A delegate of a State Party searches for a word of the French text only.
    context = browser.new_context(base_url=live_server, locale="en-GB")
    delegate = context.new_page()
    delegate.goto("/search/")
    delegate.get_by_label("Email address", exact=True).fill(people["delegate"].email)
    delegate.get_by_label("Password", exact=True).fill("orchid lantern quietly harbour")
    delegate.get_by_role("button", name="Sign in").click()
    delegate.get_by_role("searchbox").fill("expédition")
    delegate.get_by_role("button", name="Search").first.click()
    result = delegate.get_by_role("link", name=TITLE)
    expect(result).to_be_visible()
    expect(delegate.locator("mark").first).to_have_text(re.compile("expédition", re.I))
    delegate.screenshot(path=SCREENSHOTS / "search-results-en.png", full_page=True)
    result.click()
    with delegate.expect_download() as download:
        delegate.get_by_role("link", name="Download — French").click()
    assert download.value.suggested_filename.endswith(".pdf")
    delegate.screenshot(path=SCREENSHOTS / "library-document-en.png", full_page=True)
    document_url = delegate.url
    delegate.get_by_label("Language", exact=True).select_option("ar")
    delegate.get_by_role("button", name="Change").click()
    expect(delegate).to_have_url(document_url)
    expect(delegate.locator("html")).to_have_attribute("dir", "rtl")
    delegate.screenshot(path=SCREENSHOTS / "library-document-ar.png", full_page=True)
    delegate.goto("/search/?q=SALW")
    expect(delegate.get_by_role("link", name=TITLE)).to_be_visible()
    delegate.screenshot(path=SCREENSHOTS / "search-results-ar.png", full_page=True)
    context.close()

    # An observer organisation finds nothing, not even a count.
    context = browser.new_context(base_url=live_server, locale="en-GB")
    observer = context.new_page()
    observer.goto(f"/search/?q={SYMBOL}")
    observer.get_by_label("Email address", exact=True).fill(people["observer"].email)
    observer.get_by_label("Password", exact=True).fill("orchid lantern quietly harbour")
    observer.get_by_role("button", name="Sign in").click()
    expect(observer.get_by_role("searchbox")).to_have_value(SYMBOL)
    expect(observer.get_by_text(TITLE)).to_have_count(0)
    assert "expédition" not in observer.content()
    context.close()
    assert browser_problems == []
