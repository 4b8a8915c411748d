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
