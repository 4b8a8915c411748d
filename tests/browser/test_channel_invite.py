"""Inviting a delegation to an open regional channel in Chromium: the proposing point of contact
sends the invitation, a wrong choice is refused with its message, the invited point of contact
accepts. Screenshots of the invitation form in English and in Arabic (right to left) go to
tests/screenshots/."""

import re

import pytest
from playwright.sync_api import expect

from portal.channels import services
from portal.extensions import db
from tests.browser.conftest import SCREENSHOTS
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(browser, live_server, user, path):
    context = browser.new_context(
        base_url=live_server, locale="en-GB", viewport={"width": 1280, "height": 900}
    )
    tab = context.new_page()
    tab.goto(path)
    tab.get_by_label("Email address", exact=True).fill(user.email)
    tab.get_by_label("Password", exact=True).fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    expect(tab).to_have_url(re.compile(re.escape(path) + "$"))
    return tab


def test_a_point_of_contact_invites_a_state_which_accepts(
    make, browser, live_server, browser_problems
):
    mexico = make.delegation(kind="state_party", name="Mexico", short_name="MEX", iso3="MEX")
    guatemala = make.delegation(kind="state_party", name="Guatemala", short_name="GTM", iso3="GTM")
    make.delegation(kind="signatory", name="Thailand", short_name="THA", iso3="THA")
    make.delegation(kind="international_organisation", name="SIPRI", short_name="SIPRI")
    ana = make.user(delegation=mexico, role="point_of_contact", name="Ana Ruiz")
    gabriel = make.user(delegation=guatemala, role="point_of_contact", name="Gabriel Pérez")
    officer = make.secretariat(name="Dalia Mansour")
    channel = services.propose_channel(
        ana,
        "regional",
        "Northern land routes",
        "Small arms on the land routes.",
        [],
        False,
    )
    services.approve_channel(channel, officer)
    db.session.commit()
    path = f"/channels/{channel.id}"

    tab = sign_in(browser, live_server, ana, path)
    tab.get_by_role("link", name="Invite delegations").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Invite delegations")
    expect(tab.get_by_text("SIPRI")).to_have_count(0)
    # Nothing chosen: the message at the field, nothing sent.
    tab.get_by_role("button", name="Send the invitations").click()
    expect(tab.locator("#invited-error")).to_have_text("Choose at least one delegation to invite.")
    tab.get_by_label("Guatemala").check()
    SCREENSHOTS.mkdir(exist_ok=True)
    tab.screenshot(path=SCREENSHOTS / "channels-invite-en.png", full_page=True)
    url = tab.url
    tab.get_by_label("Language", exact=True).select_option("ar")
    tab.get_by_role("button", name="Change").click()
    expect(tab).to_have_url(url)
    expect(tab.locator("html")).to_have_attribute("dir", "rtl")
    tab.locator(f"#invited-{guatemala.id}").check()  # named in Arabic now
    tab.screenshot(path=SCREENSHOTS / "channels-invite-ar.png", full_page=True)
    tab.locator("form button[type=submit], form input[type=submit]").last.click()
    expect(tab).to_have_url(re.compile(re.escape(path) + "$"))
    expect(tab.locator(".member-status-invited")).to_have_count(1)  # Guatemala, in Arabic

    other = sign_in(browser, live_server, gabriel, path)
    other.get_by_role("button", name="Accept the invitation").click()
    # Accepting leads on to designating who takes part, the point of contact included.
    expect(other).to_have_url(re.compile(re.escape(path) + "/participants$"))
    accepted = "Your delegation is a member, and the channel is now open."
    expect(other.get_by_text(accepted)).to_be_visible()
    expect(other.get_by_text("You do not take part in this channel yourself yet")).to_be_visible()
    other.goto(path)
    expect(other.get_by_role("link", name="Designate participants")).to_be_visible()
    expect(other.locator(".member-status-invited")).to_have_count(0)
    assert browser_problems == []
