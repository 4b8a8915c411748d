"""An informal consultation in Chromium: a State's point of contact requests it and invites two
delegations, the Secretariat agrees, each invited delegation's point of contact posts in its
thread, the organiser closes it (its pages are then read-only) and publishes the outcome note
to the working group.

Screenshots of the consultation's page and its thread in English and French, of the page in
Arabic and at 390 px, go to tests/screenshots/.
"""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.conftest import totp_now
from tests.factories import PASSWORD
from tests.forum.conftest import Forum

pytestmark = pytest.mark.browser

TITLE = "Informal consultation on the draft reporting template"


@pytest.fixture
def people(make):
    forum = Forum(make)
    space = forum.space(code="WGTR")
    mexico = make.delegation(kind="state_party", name="Mexico", short_name="MEX", iso3="MEX")
    ghana = make.delegation(kind="state_party", name="Ghana", short_name="GHA", iso3="GHA")
    peru = make.delegation(kind="state_party", name="Peru", short_name="PER", iso3="PER")
    return {
        "officer": forum.officer,
        "space": space,
        "mexico": make.user(name="Lucía Hernández", delegation=mexico, role="point_of_contact"),
        "ghana": make.user(name="Ama Owusu", delegation=ghana, role="point_of_contact"),
        "peru": make.user(name="Jorge Quispe", delegation=peru, role="point_of_contact"),
    }


def signed_in_page(browser, live_server, user, path, **options):
    context = browser.new_context(base_url=live_server, locale="en-GB", **options)
    tab = context.new_page()
    tab.goto(path)
    tab.get_by_label("Email address", exact=True).fill(user.email)
    tab.get_by_label("Password", exact=True).fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    if user.totp_secret:
        expect(tab).to_have_url(re.compile(r"/auth/two-factor$"))
        tab.get_by_label("Code from your authenticator app").fill(totp_now(user))
        tab.get_by_role("button", name="Continue").click()
    return context, tab


def switch_language(tab, language):
    tab.locator("#language-select").select_option(language)
    tab.locator("form.language-switch button").click()
    expect(tab.locator("html")).to_have_attribute("lang", language)


def test_a_requested_consultation_from_request_to_outcome(browser, live_server, people):
    SCREENSHOTS.mkdir(exist_ok=True)
    today = date.today()
    contexts = []

    # Mexico asks for a consultation, inviting Ghana and Peru.
    context, mexico = signed_in_page(browser, live_server, people["mexico"], "/consultations/")
    contexts.append(context)
    mexico.get_by_role("link", name="Request a consultation").click()
    mexico.get_by_label("Title").fill(TITLE)
    mexico.get_by_label("Purpose").fill("Comments on the draft template before the meeting.")
    mexico.get_by_label("Working group it serves").select_option(str(people["space"].id))
    mexico.get_by_label("Delegations invited").select_option(
        [str(people["ghana"].delegation_id), str(people["peru"].delegation_id)]
    )
    mexico.get_by_label("Opens on (UTC)").fill(today.isoformat())
    mexico.locator("#open_time").fill("00:00")
    mexico.get_by_label("Closes on (UTC)").fill((today + timedelta(days=14)).isoformat())
    mexico.locator("#close_time").fill("18:00")
    mexico.get_by_label("Spanish").check()
    mexico.get_by_role("button", name="Send").click()
    expect(mexico.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(mexico.get_by_text("Requested, awaiting the Secretariat").first).to_be_visible()
    consultation_path = mexico.url.replace(live_server, "")

    # The Secretariat agrees.
    context, officer = signed_in_page(browser, live_server, people["officer"], consultation_path)
    contexts.append(context)
    officer.get_by_role("button", name="Agree").click()
    expect(officer.get_by_text("The consultation is agreed")).to_be_visible()
    officer.screenshot(path=SCREENSHOTS / "consultation-secretariat-en.png", full_page=True)

    # Ghana starts a thread; Peru replies.
    context, ghana = signed_in_page(browser, live_server, people["ghana"], consultation_path)
    contexts.append(context)
    ghana.get_by_label("Subject").fill("Section 3: denials")
    ghana.get_by_label("Message").fill("Ghana suggests reporting denials by category.")
    ghana.get_by_role("button", name="Start thread").click()
    expect(ghana.get_by_role("heading", level=1)).to_have_text("Section 3: denials")
    thread_path = ghana.url.replace(live_server, "")
    context, peru = signed_in_page(browser, live_server, people["peru"], thread_path)
    contexts.append(context)
    peru.get_by_label("Reply").fill("Peru agrees and would add brokering.")
    peru.get_by_role("button", name="Send reply").click()
    expect(peru.get_by_text("Peru agrees and would add brokering.")).to_be_visible()
    expect(peru.get_by_text("Ghana suggests reporting denials by category.")).to_be_visible()
    peru.screenshot(path=SCREENSHOTS / "consultation-thread-en.png", full_page=True)
    switch_language(peru, "fr")
    expect(peru.locator("bdi[lang=en]", has_text="Section 3: denials")).to_be_visible()
    peru.screenshot(path=SCREENSHOTS / "consultation-thread-fr.png", full_page=True)

    # The organiser closes it and publishes the outcome.
    mexico.goto(consultation_path)
    mexico.screenshot(path=SCREENSHOTS / "consultation-en.png", full_page=True)
    mexico.get_by_role("button", name="Close the consultation now").click()
    expect(mexico.get_by_text("Closed: read-only")).to_be_visible()
    expect(mexico.get_by_role("button", name="Start thread")).to_have_count(0)
    mexico.get_by_label("Outcome note").fill("Delegations support reporting denials by category.")
    mexico.get_by_role("button", name="Publish to the working group").click()
    expect(mexico.get_by_text("Delegations support reporting denials by category.")).to_be_visible()

    # Ghana's page is read-only now, in French too.
    ghana.goto(thread_path)
    expect(ghana.get_by_role("button", name="Send reply")).to_have_count(0)
    ghana.goto(consultation_path)
    switch_language(ghana, "fr")
    expect(ghana.locator("bdi[lang=en]", has_text=TITLE).first).to_be_visible()
    ghana.screenshot(path=SCREENSHOTS / "consultation-fr.png", full_page=True)
    switch_language(ghana, "ar")
    expect(ghana.locator("html")).to_have_attribute("dir", "rtl")
    ghana.screenshot(path=SCREENSHOTS / "consultation-ar.png", full_page=True)

    # On a phone, the page does not scroll sideways.
    context, phone = signed_in_page(browser, live_server, people["ghana"], consultation_path,
                                    viewport={"width": 390, "height": 844})
    contexts.append(context)
    for language in ("fr", "en"):
        switch_language(phone, language)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, language
        phone.screenshot(path=SCREENSHOTS / f"consultation-390-{language}.png", full_page=True)
    for context in contexts:
        context.close()
