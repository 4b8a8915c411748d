"""The tokens page and the API reference in a browser: a token made and shown once, the page
in English and Arabic and on a 390 px phone; the reference page rendered from the document."""

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.extensions import db

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/api-shots")


def keep(screenshot, name):
    """Take the screenshot and keep a copy to look at."""
    path = screenshot(name)
    SHOTS.mkdir(exist_ok=True)
    if path:
        shutil.copy(path, SHOTS / f"{name}.png")


def no_sideways_scrolling(page):
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_a_delegate_makes_a_token_and_reads_the_reference(
    page, make, sign_in_through_pages, screenshot, browser_problems
):
    page.goto("/")
    sign_in_through_pages(make.user(name="Lucía Pérez"))
    page.goto("/auth/account")
    page.get_by_role("link", name="Manage tokens and feeds").click()
    page.get_by_label("Name").fill("Our records system")
    page.get_by_label("Read and write (reply, start threads, mark notifications read)").check()
    page.get_by_role("button", name="Make the token").click()
    secret = page.get_by_label("Your new token").input_value()
    assert secret.startswith("att_")
    expect(page.get_by_role("cell", name="Our records system")).to_be_visible()
    keep(screenshot, "api-tokens-en")
    page.set_viewport_size({"width": 390, "height": 800})
    keep(screenshot, "api-tokens-390")
    assert no_sideways_scrolling(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/api/v1/docs")
    expect(page.get_by_role("heading", name="GET /api/v1/documents", exact=True)).to_be_visible()
    keep(screenshot, "api-reference-en")
    assert browser_problems == []


def test_the_tokens_page_in_arabic(page, make, sign_in_through_pages, screenshot, browser_problems):
    person = make.user(name="Amina Haddad")
    person.language = "ar"
    db.session.commit()
    page.goto("/")
    sign_in_through_pages(person)
    page.goto("/account/tokens/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", level=1)).to_have_text("رموز الوصول والموجزات")
    page.get_by_role("button", name="إنشاء مفتاح الموجز الخاص بي").click()
    expect(page.get_by_role("textbox", name="مفتاح الموجز الخاص بك")).to_be_visible()
    keep(screenshot, "api-tokens-ar")
    page.set_viewport_size({"width": 390, "height": 800})
    keep(screenshot, "api-tokens-ar-390")
    assert no_sideways_scrolling(page)
    assert browser_problems == []
