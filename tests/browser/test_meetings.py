"""A meeting from planning to its speakers list in Chromium: the Secretariat plans a meeting
with three agenda items, links a topic and two documents; a delegation's point of contact
registers and asks to speak; the chair publishes the list; the delegate sees it on the meeting
page and downloads the meeting's `.ics`, which parses back with the `icalendar` library.

Screenshots of the meeting page and the speakers list in English and in Arabic (right to left),
at a desktop width and at 390 px, go to tests/screenshots/.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.factories import PASSWORD
from tests.forum.conftest import Forum
from tests.library.builders import Library

pytestmark = pytest.mark.browser

TITLE = "Working groups' meeting, August 2031"
SYMBOLS = ("ATT/CSP17.WGTR/2031/CHAIR/901/AnnAgenda", "ATT/CSP17.WGETI/2031/CHAIR/902/AnnAgenda")
SUBJECT = "Our national practice on post-shipment verification"


@pytest.fixture
def people(make):
    forum = Forum(make)
    space = forum.space(code="WGTR")
    topic = forum.topic(space, title="Annual reports: challenges", questions=["What helps?"])
    library = Library(forum)
    for number, symbol in enumerate(SYMBOLS, start=1):
        library.document(f"Annotated agenda {number}", symbol=symbol)
    home = make.delegation(kind="state_party", name="Ghana", short_name="GHA", iso3="GHA")
    return {
        "officer": forum.officer,
        "chair": make.user(name="Chair Kofi Mensah",
                           delegation=make.delegation(kind="state_party")),
        "contact": make.user(name="Ama Owusu", delegation=home, role="point_of_contact"),
        "topic": topic,
    }


def signed_in_page(browser, live_server, user, path, **options):
    context = browser.new_context(base_url=live_server, locale="en-GB", **options)
    tab = context.new_page()
    tab.goto(path)
    tab.get_by_label("Email address", exact=True).fill(user.email)
    tab.get_by_label("Password", exact=True).fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    return context, tab


def plan_meeting(page, people):
    page.goto("/meetings/")
    page.get_by_role("link", name="Plan a meeting").click()
    page.get_by_label("Title (English)").fill(TITLE)
    page.get_by_label("Kind of meeting").select_option("working_groups")
    page.get_by_label("CSP cycle").select_option("12")
    page.get_by_label("Chair", exact=True).select_option(str(people["chair"].id))
    page.get_by_label("Time zone of the venue").fill("Europe/Zurich")
    page.get_by_label("First day").fill("2031-08-25")
    page.get_by_label("Opens at (venue time)").fill("10:00")
    page.get_by_label("Last day").fill("2031-08-28")
    page.get_by_label("Closes at (venue time)").fill("18:00")
    page.get_by_label("Venue", exact=True).fill("Geneva International Conference Centre")
    page.get_by_label("Format").select_option("hybrid")
    for language in ("Arabic", "English", "French"):
        page.get_by_label(language, exact=True).check()
    page.get_by_label("Who may attend and read it").select_option("users")
    page.get_by_label("Connection details (for approved registrants)").fill(
        "https://meet.example.org/att — passcode 4242"
    )
    page.get_by_label("Title (Arabic)").fill("اجتماع الأفرقة العاملة، آب/أغسطس 2031")
    page.get_by_role("button", name="Save meeting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    for number, title in enumerate(("Opening", "Annual reports", "Closing"), start=1):
        page.get_by_role("link", name="Add an agenda item").click()
        page.get_by_label("Title", exact=True).fill(title)
        if number == 2:
            page.get_by_label("Forum topic (its guiding questions and discussion)").select_option(
                label=people["topic"].title
            )
            page.get_by_label("Day", exact=True).fill("2031-08-26")
            page.get_by_label("From (venue time)").fill("10:00")
            page.get_by_label("Until (venue time)").fill("13:00")
        page.get_by_role("button", name="Save agenda item").click()
        expect(page.get_by_text("The item is added to the agenda.")).to_be_visible()
    page.get_by_role("link", name="Edit item and documents").nth(1).click()
    for symbol in SYMBOLS:
        page.get_by_label("Symbol or number of a library document").fill(symbol)
        page.get_by_role("button", name="Link document").click()
        expect(page.get_by_text("The document is linked to the item.")).to_be_visible()
    return page.url.split("/items/")[0]


def test_a_meeting_from_planning_to_its_published_speakers_list(
    page, browser, live_server, people, sign_in_through_pages, browser_problems, tmp_path
):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.goto("/meetings/")
    sign_in_through_pages(people["officer"])
    meeting_path = plan_meeting(page, people).removeprefix(live_server)
    page.goto(meeting_path + "/edit")
    page.screenshot(path=SCREENSHOTS / "meeting-form-en.png", full_page=True)
    page.goto(meeting_path)
    agenda = page.locator("#agenda")
    expect(agenda.get_by_role("heading", name="Annual reports")).to_be_visible()
    expect(agenda.get_by_role("link", name="Guiding questions and discussion")).to_be_visible()
    for number in (1, 2):
        expect(agenda.get_by_role("link", name=f"Annotated agenda {number}")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "meeting-secretariat-en.png", full_page=True)

    # The point of contact registers remotely and asks to speak on the second item.
    context, delegate = signed_in_page(browser, live_server, people["contact"], meeting_path)
    delegate.get_by_label("I will attend").select_option("remote")
    delegate.get_by_role("button", name="Register").click()
    registered = delegate.get_by_text("You are registered (Remotely): Waiting for approval.")
    expect(registered).to_be_visible()
    delegate.get_by_role("link", name="Speakers lists").click()
    delegate.get_by_label("Agenda item").select_option(label="2. Annual reports")
    delegate.get_by_label("Subject").fill(SUBJECT)
    delegate.get_by_role("button", name="Ask to speak").click()
    sent = delegate.get_by_text("Your delegation's request to speak is sent to the chair.")
    expect(sent).to_be_visible()
    expect(delegate.get_by_role("region", name="Published speakers lists")).to_have_count(0)

    # The chair accepts the request and publishes the lists.
    chair_context, chair = signed_in_page(
        browser, live_server, people["chair"], meeting_path + "/speakers"
    )
    chair.screenshot(path=SCREENSHOTS / "meeting-speakers-chair-en.png", full_page=True)
    chair.get_by_role("button", name="Accept").click()
    chair.get_by_role("button", name="Publish the speakers lists").click()
    expect(chair.get_by_text("The speakers list is published.")).to_be_visible()
    chair_context.close()

    # The delegate sees the list on the meeting page and downloads the calendar file.
    delegate.goto(meeting_path)
    item = delegate.locator("#agenda li.agenda-item").nth(1)
    expect(item.get_by_text(SUBJECT)).to_be_visible()
    delegate.screenshot(path=SCREENSHOTS / "meeting-en.png", full_page=True)
    with delegate.expect_download() as download:
        delegate.get_by_role("link", name="Add to my calendar (.ics)").click()
    path = tmp_path / "meeting.ics"
    download.value.save_as(path)
    events = {str(e["SUMMARY"]): e for e in Calendar.from_ical(path.read_bytes()).walk("VEVENT")}
    assert events[TITLE].decoded("DTSTART") == datetime(
        2031, 8, 25, 10, 0, tzinfo=ZoneInfo("Europe/Zurich")
    )
    assert f"{TITLE}: 2. Annual reports" in events
    delegate.get_by_label("Language", exact=True).select_option("ar")
    delegate.get_by_role("button", name="Change").click()
    expect(delegate.locator("html")).to_have_attribute("dir", "rtl")
    expect(delegate.get_by_role("heading", level=1)).to_have_text(
        "اجتماع الأفرقة العاملة، آب/أغسطس 2031"
    )
    delegate.screenshot(path=SCREENSHOTS / "meeting-ar.png", full_page=True)
    delegate.goto(meeting_path + "/speakers")
    delegate.screenshot(path=SCREENSHOTS / "meeting-speakers-ar.png", full_page=True)
    delegate.goto("/meetings/")
    arabic_title = "اجتماع الأفرقة العاملة، آب/أغسطس 2031"
    expect(delegate.get_by_role("link", name=arabic_title)).to_be_visible()
    delegate.screenshot(path=SCREENSHOTS / "meetings-calendar-ar.png", full_page=True)
    context.close()
    page.goto(meeting_path + "/registrations")
    expect(page.get_by_text("Ama Owusu")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "meeting-registrations-en.png", full_page=True)

    # On a phone, in both languages, the page does not scroll sideways.
    phone_context, phone = signed_in_page(
        browser, live_server, people["contact"], meeting_path,
        viewport={"width": 390, "height": 844},
    )
    for language in ("ar", "en"):
        # The switcher's own words are in the page's language: found by its place.
        phone.locator("#language-select").select_option(language)
        phone.locator("form.language-switch button").click()
        expect(phone.locator("html")).to_have_attribute("lang", language)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, language
        phone.screenshot(path=SCREENSHOTS / f"meeting-390-{language}.png", full_page=True)
    phone_context.close()
    assert browser_problems == []
