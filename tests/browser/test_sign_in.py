"""Signing in through the real pages in Chromium: password, second factor, home page."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_secretariat_signs_in_with_password_and_authenticator_code(
    page, live_server, make, sign_in_through_pages, browser_problems
):
    user = make.secretariat(name="Amina Haddad")

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/auth/sign-in\?next=/$"))
    sign_in_through_pages(user)

    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Amina Haddad")
    assert browser_problems == []


def test_a_point_of_contact_in_the_grace_period_follows_the_notice_to_set_up(
    page, make, sign_in_through_pages, screenshot, browser_problems
):
    contact = make.user(role="point_of_contact", name="Lucía Romero")
    page.goto("/")
    sign_in_through_pages(contact)

    notice = page.locator(".second-factor-notice")
    expect(notice).to_contain_text("protect it with an authenticator app by")
    screenshot("second-factor-notice-en")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("second-factor-notice-mobile")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow == 0, f"the page is {overflow}px wider than a 390px screen"
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_label("Language", exact=True).select_option("ar")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(notice).to_contain_text("تطبيق مصادقة")
    screenshot("second-factor-notice-ar")

    notice.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/auth/two-factor/setup$"))
    expect(page.locator(".second-factor-notice")).to_have_count(0)
    screenshot("second-factor-setup-ar")
    assert browser_problems == []
