"""Two delegations open a bilateral diversion information exchange channel in Chromium and
exchange a case record; a third delegation cannot find it by URL, in the list or by search.

The point of contact of Republic A proposes the channel and invites Republic B; B's point of
contact accepts; the Secretariat approves; each point of contact designates a participant. A's
participant records a case; B's participant reads it. Screenshots of the case record form and
the case record page, in English and in Arabic (right to left), go to tests/screenshots/.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.conftest import totp_now
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

CHANNEL = "Gulf of Guinea rifles"
REFERENCE = "Rifles found in transit, March 2026"


@pytest.fixture
def people(make):
    state_a = make.delegation(kind="state_party", name="Ghana", short_name="GHA", iso3="GHA")
    state_b = make.delegation(kind="signatory", name="Togo", short_name="TGO", iso3="TGO")
    state_c = make.delegation(kind="state_party", name="Benin", short_name="BEN", iso3="BEN")
    return {
        "contact a": make.user(delegation=state_a, role="point_of_contact", name="Ama Owusu"),
        "member a": make.user(delegation=state_a, name="Kwame Asante"),
        "contact b": make.user(delegation=state_b, role="point_of_contact", name="Koffi Agbo"),
        "member b": make.user(delegation=state_b, name="Afi Mensah"),
        "member c": make.user(delegation=state_c, name="Bio Houngbo"),
        "officer": make.secretariat(name="Dalia Mansour"),
    }


@pytest.fixture
def open_as(browser, live_server):
    """`open_as(user, path)`: a tab of its own for `user`, signed in, at `path`."""
    contexts = []

    def sign_in(user, path):
        context = browser.new_context(
            base_url=live_server, locale="en-GB", viewport={"width": 1280, "height": 900}
        )
        contexts.append(context)
        tab = context.new_page()
        tab.goto(path)
        tab.get_by_label("Email address", exact=True).fill(user.email)
        tab.get_by_label("Password", exact=True).fill(PASSWORD)
        tab.get_by_role("button", name="Sign in").click()
        if user.totp_secret:
            expect(tab).to_have_url(re.compile(r"/auth/two-factor$"))
            tab.get_by_label("Code from your authenticator app").fill(totp_now(user))
            tab.get_by_role("button", name="Continue").click()
        expect(tab).to_have_url(re.compile(re.escape(path) + "$"))
        return tab

    yield sign_in
    for context in contexts:
        context.close()


def fill_case_record(tab):
    tab.get_by_label("Reference").fill(REFERENCE)
    tab.get_by_label("Category, item 1", exact=True).select_option("VIII.SA")
    tab.get_by_label("Sub-category, item 1", exact=True).select_option("SA.4")
    tab.get_by_label("Quantity, item 1", exact=True).fill("120")
    tab.get_by_label("Description, item 1", exact=True).fill(
        "Assault rifles, serial numbers removed"
    )
    tab.get_by_label("Country code, State 1", exact=True).fill("GHA")
    tab.get_by_label("Role, State 1", exact=True).select_option("export")
    tab.get_by_label("Country code, State 2", exact=True).fill("TGO")
    tab.get_by_label("Role, State 2", exact=True).select_option("transit")
    tab.get_by_role("combobox", name="Stage of the transfer").select_option("transit")
    tab.get_by_role("textbox", name="How it was detected").fill("Customs inspection at Lomé.")
    tab.get_by_role("textbox", name="Method of diversion").fill("Forged end-user certificate.")
    tab.get_by_role("combobox", name="Status of the case").select_option("confirmed")
    tab.get_by_role("textbox", name="Lessons learned").fill(
        "Verify end-user certificates with the issuing authority."
    )
    tab.get_by_role("checkbox", name="Lessons learned").check()


def switch_to_arabic(tab):
    url = tab.url
    tab.get_by_label("Language", exact=True).select_option("ar")
    tab.get_by_role("button", name="Change").click()
    expect(tab).to_have_url(url)
    expect(tab.locator("html")).to_have_attribute("dir", "rtl")


def test_two_delegations_exchange_a_case_record_a_third_cannot_find_it(
    people, open_as, browser_problems
):
    SCREENSHOTS.mkdir(exist_ok=True)

    # A's point of contact proposes a bilateral channel and invites B.
    ama = open_as(people["contact a"], "/channels/")
    ama.get_by_role("link", name="Propose a channel").click()
    ama.get_by_label("Kind of channel").select_option("bilateral")
    ama.get_by_label("Name").fill(CHANNEL)
    ama.get_by_label("Purpose").fill("Rifles diverted in transit through the port.")
    ama.get_by_label("Togo").check()
    ama.get_by_role("button", name="Propose the channel").click()
    expect(ama.get_by_role("heading", level=1)).to_contain_text(CHANNEL)
    channel_path = re.search(r"/channels/\d+", ama.url).group(0)

    # B's point of contact accepts and designates a participant.
    koffi = open_as(people["contact b"], "/channels/")
    koffi.get_by_role("link", name=CHANNEL).click()
    koffi.get_by_role("button", name="Accept the invitation").click()
    # Accepting leads on to designating participants, with what happened and what comes next.
    expect(koffi).to_have_url(re.compile(re.escape(channel_path) + "/participants$"))
    expect(
        koffi.get_by_text("Your delegation is a member. It opens once the Secretariat has approved")
    ).to_be_visible()
    expect(koffi.get_by_text("You do not take part in this channel yourself yet")).to_be_visible()
    koffi.screenshot(path=SCREENSHOTS / "channels-participants-en.png", full_page=True)
    koffi.get_by_label("Designate a participant").select_option(label="Afi Mensah")
    koffi.get_by_role("button", name="Designate").click()
    expect(koffi.get_by_role("cell", name="Afi Mensah")).to_be_visible()

    # The Secretariat approves: the channel opens.
    dalia = open_as(people["officer"], channel_path)
    dalia.get_by_role("button", name="Approve the channel").click()
    expect(dalia.get_by_text("Open", exact=True).first).to_be_visible()
    approved = "The channel is approved and now open to its participants."
    expect(dalia.get_by_text(approved)).to_be_visible()
    expect(dalia.get_by_text("It opens once")).to_have_count(0)
    # Not admitted, the Secretariat sees that the channel exists, not its name or content.
    expect(dalia.get_by_role("heading", level=1)).not_to_contain_text(CHANNEL)

    # A's point of contact designates a member, who records the case.
    ama.goto(channel_path)
    ama.get_by_role("link", name="Designate participants").click()
    ama.get_by_label("Designate a participant").select_option(label="Kwame Asante")
    ama.get_by_role("button", name="Designate").click()
    kwame = open_as(people["member a"], channel_path)
    kwame.get_by_role("link", name="New case record").click()
    expect(kwame.get_by_role("heading", level=1)).to_have_text("New case record")
    # The sub-category list offers the chosen category's own only.
    sub_options = kwame.get_by_label("Sub-category, item 1", exact=True).locator("option")
    expect(sub_options).to_have_count(1)  # "None" before a category is chosen
    fill_case_record(kwame)
    expect(sub_options.filter(has_text="SA.4")).to_have_count(1)
    expect(sub_options.filter(has_text="LW.")).to_have_count(0)
    kwame.screenshot(path=SCREENSHOTS / "channels-case-form-en.png", full_page=True)
    # Every refused field is reported at once, and the form keeps what was typed.
    kwame.get_by_label("Country code, State 2", exact=True).fill("XYZ")
    kwame.get_by_label("Quantity, item 1", exact=True).fill("many")
    kwame.get_by_label("Date of the incident").fill("2999-01-01")
    kwame.get_by_role("button", name="Save case record").click()
    expect(kwame.get_by_text("“XYZ” is not a country code").first).to_be_visible()
    expect(kwame.get_by_text("Give the quantity as a whole number").first).to_be_visible()
    expect(kwame.get_by_text("cannot be in the future").first).to_be_visible()
    expect(kwame.locator("#error-summary li")).to_have_count(3)
    expect(kwame.get_by_label("Reference")).to_have_value(REFERENCE)
    expect(kwame.get_by_label("Sub-category, item 1", exact=True)).to_have_value("SA.4")
    kwame.screenshot(path=SCREENSHOTS / "channels-case-form-errors-en.png", full_page=True)
    kwame.get_by_label("Country code, State 2", exact=True).fill("TGO")
    kwame.get_by_label("Quantity, item 1", exact=True).fill("120")
    kwame.get_by_label("Date of the incident").fill("2026-03-14")
    kwame.get_by_role("button", name="Save case record").click()
    expect(kwame.get_by_role("heading", level=1)).to_contain_text(REFERENCE)
    case_path = re.search(r"/channels/cases/\d+", kwame.url).group(0)
    expect(kwame.get_by_text("Togo").first).to_be_visible()
    kwame.screenshot(path=SCREENSHOTS / "channels-case-record-en.png", full_page=True)
    switch_to_arabic(kwame)
    kwame.screenshot(path=SCREENSHOTS / "channels-case-record-ar.png", full_page=True)
    kwame.goto(case_path + "/edit")
    kwame.screenshot(path=SCREENSHOTS / "channels-case-form-ar.png", full_page=True)

    # B's participant reads it, from the channel page and by search.
    afi = open_as(people["member b"], channel_path)
    afi.get_by_role("link", name=REFERENCE, exact=True).click()
    expect(afi.get_by_role("heading", level=1)).to_contain_text(REFERENCE)
    expect(afi.get_by_text("Forged end-user certificate.")).to_be_visible()
    afi.goto("/search/?q=rifles")
    expect(afi.get_by_role("link", name=REFERENCE, exact=True)).to_be_visible()
    afi.screenshot(path=SCREENSHOTS / "channels-search-en.png", full_page=True)
    afi.goto(channel_path + "/export")
    expect(afi.get_by_role("heading", level=1)).to_contain_text(CHANNEL)
    expect(afi.get_by_text("14 Mar 2026")).to_be_visible()
    afi.screenshot(path=SCREENSHOTS / "channels-export-en.png", full_page=True)

    # A third delegation finds it neither by URL, nor in the list, nor by search.
    bio = open_as(people["member c"], "/channels/")
    expect(bio.get_by_text(CHANNEL)).to_have_count(0)
    for path in (channel_path, case_path, case_path + "/edit", channel_path + "/export.json"):
        response = bio.goto(path)
        assert response.status == 404, path
        assert REFERENCE not in bio.content() and CHANNEL not in bio.content()
    bio.goto("/search/?q=rifles")
    expect(bio.get_by_text(REFERENCE)).to_have_count(0)
    expect(bio.get_by_text("0 results found")).to_be_visible()

    # Retracting the record asks first; going back changes nothing, confirming retracts.
    kwame.goto(case_path + "/retract")  # in Arabic
    kwame.screenshot(path=SCREENSHOTS / "channels-retract-confirm-ar.png", full_page=True)
    ama.goto(case_path)
    ama.get_by_role("link", name="Retract the case record").click()
    expect(ama.get_by_role("heading", level=1)).to_have_text("Retract the case record?")
    ama.screenshot(path=SCREENSHOTS / "channels-retract-confirm-en.png", full_page=True)
    ama.get_by_role("link", name="No, go back").click()
    expect(ama).to_have_url(re.compile(re.escape(case_path) + "$"))
    expect(ama.get_by_text("Forged end-user certificate.")).to_be_visible()
    ama.get_by_role("link", name="Retract the case record").click()
    ama.get_by_role("button", name="Retract the case record").click()
    expect(ama.get_by_text("retracted this case record")).to_be_visible()
    assert browser_problems == []
