"""The home page of a delegate and the Secretariat's desk in Chromium.

A delegate of a State Party follows a working group: on the first visit the page explains each
area, lists the new thread and document of that group, the coming meeting and the State's
overdue reports; a link leads to the thread. The Secretariat finds the desk in the navigation,
sees its counts, acknowledges two reports at once and opens the form to write to the points of
contact. Screenshots in English and Arabic, and at 390 px, go to tests/screenshots/.
"""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.notifications.services import subscribe
from tests.browser.conftest import SCREENSHOTS
from tests.forum.conftest import Forum
from tests.meetings.conftest import Meetings
from tests.reporting.builders import reporting_state, submitted

pytestmark = pytest.mark.browser


@pytest.fixture
def scene(make):
    forum = Forum(make)
    meetings = Meetings(forum, make)
    space = forum.space(code="WGETI")
    topic = forum.topic(space, title="Article 11: diversion")
    state = make.delegation(
        kind="state_party",
        name="Ghana",
        short_name="GHA",
        iso3="GHA",
        entry_into_force=date(2016, 3, 22),
    )
    delegate = make.user(name="Ama Owusu", delegation=state)
    subscribe(delegate, "working_group", space.id)
    db.session.commit()
    forum.thread(topic, title="Post-shipment verification in practice")
    meetings.library.document(
        "Draft guidance on end-use certificates",
        symbol="ATT/CSP12.WGETI/2026/CHAIR/850/Conf.EUC",
        working_group=space,
    )
    meetings.meeting(title="Working groups' meeting, February 2027")
    for iso3 in ("FRA", "ESP"):
        other, contact, _member = reporting_state(make, iso3=iso3)
        submitted(other, contact)
    return {"delegate": delegate, "officer": forum.officer}


def section(page, heading):
    return page.locator("section", has=page.get_by_role("heading", name=heading))


def check_fits(page, width, name):
    assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def switch_language(page, language):
    page.locator("#language-select").select_option(language)
    page.locator("form.language-switch button").click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def test_the_home_page_of_a_delegate(page, scene, sign_in_through_pages, browser_problems):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.goto("/")
    sign_in_through_pages(scene["delegate"])
    expect(page.get_by_role("heading", name="What this portal is for")).to_be_visible()
    discussions = section(page, "Discussions you follow")
    expect(
        discussions.get_by_role("link", name="Post-shipment verification in practice")
    ).to_be_visible()
    documents = section(page, "New documents")
    expect(documents.get_by_role("link", name=re.compile("Conf.EUC"))).to_be_visible()
    coming = section(page, "Coming meetings")
    expect(
        coming.get_by_role("link", name="Working groups' meeting, February 2027")
    ).to_be_visible()
    deadlines = section(page, "Deadlines")
    expect(deadlines.get_by_role("link", name="Initial report")).to_be_visible()
    expect(deadlines.get_by_text("Overdue").first).to_be_visible()
    check_fits(page, 1280, "home-delegate-en")
    switch_language(page, "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    check_fits(page, 1280, "home-delegate-ar")
    page.set_viewport_size({"width": 390, "height": 844})
    check_fits(page, 390, "home-delegate-390-ar")
    switch_language(page, "en")
    check_fits(page, 390, "home-delegate-390-en")
    page.get_by_role("link", name="Post-shipment verification in practice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Post-shipment verification in practice"
    )
    assert browser_problems == []


def test_the_desk_of_the_secretariat(page, scene, sign_in_through_pages, browser_problems):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.goto("/desk")
    sign_in_through_pages(scene["officer"])
    expect(page.get_by_role("heading", level=1)).to_have_text("The Secretariat's desk")
    line = page.locator(
        "li.desk-line", has=page.get_by_role("link", name="Reports to acknowledge")
    )
    expect(line.locator(".desk-count")).to_have_text("2")
    check_fits(page, 1280, "desk-en")
    for box in page.locator("input[name=version]").all():
        box.check()
    page.get_by_role("button", name="Acknowledge the reports ticked").click()
    expect(page.get_by_text("2 reports acknowledged.")).to_be_visible()
    expect(line.locator(".desk-count")).to_have_text("0")
    switch_language(page, "ar")
    check_fits(page, 1280, "desk-ar")
    page.set_viewport_size({"width": 390, "height": 844})
    check_fits(page, 390, "desk-390-ar")
    switch_language(page, "en")
    check_fits(page, 390, "desk-390-en")
    page.set_viewport_size({"width": 1280, "height": 800})
    assert browser_problems == []
    page.get_by_role("link", name="Write to the points of contact").click()
    page.get_by_label("Subject in English").fill("Reminder")
    page.get_by_role("button", name="Send the message").click()
    expect(page.get_by_role("alert")).to_contain_text("Message in English")
    check_fits(page, 1280, "desk-message-en")
    # The refused form answers 400, which the browser reports; nothing else went wrong.
    assert all("status of 400" in problem for problem in browser_problems), browser_problems
