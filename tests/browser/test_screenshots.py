"""Screenshots for people to judge (tests/screenshots/), with the layout facts a test can check."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_sign_in_page_in_english_then_arabic_right_to_left(page, screenshot, browser_problems):
    html = page.locator("html")
    page.goto("/auth/sign-in")
    expect(html).to_have_attribute("lang", "en")
    expect(html).to_have_attribute("dir", "ltr")
    screenshot("sign-in-en")

    page.get_by_label("Language").select_option("ar")
    page.get_by_role("button", name="Change").click()

    expect(page).to_have_url(re.compile(r"/auth/sign-in$"))
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    screenshot("sign-in-ar")
    assert browser_problems == []


def test_home_page_after_sign_in(page, make, sign_in_through_pages, screenshot, browser_problems):
    user = make.secretariat(name="Amina Haddad")
    make.access_request()  # so that the Secretariat's card shows a request waiting

    page.goto("/")
    sign_in_through_pages(user)

    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Amina Haddad")
    screenshot("home-en")
    assert browser_problems == []


def test_sign_in_page_fits_a_phone_without_sideways_scrolling(page, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/auth/sign-in")
    screenshot("sign-in-mobile")

    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow == 0, f"the page is {overflow}px wider than a 390px screen"
