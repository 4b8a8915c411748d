"""Two delegations discuss a topic in Chromium: a national practice, a quoted reply, the answers.

Delegate A finds the working group through the navigation and starts a thread answering a
guiding question; delegate B, in a browser of their own, quotes it in a reply; the topic page
then lists A's delegation under the question. Screenshots of the topic and thread pages, in
English, in Arabic (right to left) and at phone width, go to tests/screenshots/.
"""

import re

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.forum import services
from portal.forum.models import WorkingGroup
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

WORKING_GROUP_NAMES = {
    "en": "Working Group on Effective Treaty Implementation",
    "fr": "Groupe de travail sur la mise en œuvre efficace du Traité",
    "es": "Grupo de Trabajo sobre la Aplicación Eficaz del Tratado",
    "ar": "الفريق العامل المعني بالتنفيذ الفعال للمعاهدة",
    "ru": "Рабочая группа по эффективному осуществлению Договора",
    "zh": "条约有效执行问题工作组",
}
TOPIC_TITLE = "Article 11: preventing diversion"
THREAD_TITLE = "Ghana: checks before an export licence"
QUESTIONS = [
    (
        "What does your national control system check to assess the risk of diversion "
        "before it authorizes an export?"
    ),
    "How does your State share information on diverted transfers with other States Parties?",
]
PRACTICE = """Our licensing authority checks every application against:

- the **end-user certificate**, verified with the authorities of the importing State;
- the **delivery verification** of earlier exports to the same end user;
- the diversion indicators that other States Parties have shared.

Applications that fail one check go to the inter-ministerial committee."""
#: B's reply; `{mention}` is A's email address.
REPLY = """Thank you {mention}, this is close to our own practice. We add a post-shipment check:

| Check | When |
|---|---|
| End-user certificate | Before the licence |
| Post-shipment verification | Within six months |"""
#: Whatever the reader's language, a page should never scroll sideways on a phone.
SIDEWAYS_OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def topic(make):
    """A topic of an open working group, with two guiding questions."""
    chair = make.secretariat(name="Dalia Mansour")
    space = WorkingGroup(code="WGETI", names=WORKING_GROUP_NAMES, access_level="users")
    space.derive_acl()
    db.session.add(space)
    created = services.create_topic(
        space,
        chair,
        title=TOPIC_TITLE,
        description="Share how your national control system **prevents diversion**, "
        "following the guiding questions below.",
        cycle=11,
        questions=QUESTIONS,
    )
    db.session.commit()
    return created


@pytest.fixture
def second_page(browser, live_server, browser_problems):
    """A tab in a browser context of its own (its own cookies, so another person), whose console
    errors and uncaught errors are added to `browser_problems`."""
    context = browser.new_context(
        base_url=live_server, locale="en-GB", viewport={"width": 1280, "height": 800}
    )
    tab = context.new_page()
    tab.on(
        "console",
        lambda message: (
            message.type == "error"
            and browser_problems.append(f"second tab, console: {message.text}")
        ),
    )
    tab.on("pageerror", lambda error: browser_problems.append(f"second tab, uncaught: {error}"))
    yield tab
    context.close()


def test_delegates_share_a_practice_quote_it_and_the_topic_lists_the_answer(
    page, second_page, make, topic, sign_in_through_pages, screenshot, browser_problems
):
    ghana = make.delegation(kind="state_party", name="Ghana", short_name="GHA", iso3="GHA")
    sweden = make.delegation(kind="state_party", name="Sweden", short_name="SWE", iso3="SWE")
    delegate_a = make.user(name="Kwame Mensah", delegation=ghana)
    delegate_b = make.user(name="Ingrid Lindqvist", delegation=sweden)

    # A finds the topic through the navigation and shares a national practice.
    page.goto("/")
    sign_in_through_pages(delegate_a)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Working groups").click()
    page.get_by_role("link", name=WORKING_GROUP_NAMES["en"]).click()
    page.get_by_role("link", name=TOPIC_TITLE).click()
    page.get_by_role("link", name="Start a thread").click()
    page.get_by_label("Kind of thread").select_option(label="National practice")
    page.get_by_label("Title").fill(THREAD_TITLE)
    page.get_by_label("Your message").fill(PRACTICE)
    page.get_by_label("Answers the guiding question").select_option(label=f"1. {QUESTIONS[0]}")
    page.get_by_role("button", name="Start thread").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(THREAD_TITLE)
    first = page.locator("#post-1")
    expect(first.locator(".answers")).to_contain_text(QUESTIONS[0])
    expect(first.locator(".prose li")).to_have_count(3)
    expect(first.locator(".prose strong").first).to_have_text("end-user certificate")
    thread_url = page.url

    # B, signed in elsewhere, quotes A's post in a reply.
    second_page.goto(thread_url)
    expect(second_page).to_have_url(re.compile(r"/auth/sign-in\?next="))
    sign_in_with(second_page, delegate_b)
    expect(second_page).to_have_url(thread_url)
    second_page.locator("#post-1").get_by_role("link", name="Quote").click()
    expect(second_page.locator("#reply .reply-quote")).to_contain_text(
        "Your reply quotes Kwame Mensah:"
    )
    expect(second_page.locator("#reply .reply-quote")).to_contain_text("end-user certificate")
    second_page.get_by_label("Your message").fill(REPLY.format(mention=f"@{delegate_a.email}"))
    second_page.get_by_role("button", name="Post reply").click()

    reply = second_page.locator("#post-2")
    expect(reply).to_contain_text("Ingrid Lindqvist")
    quote = reply.locator("blockquote.quote")
    expect(quote.locator(".quote-attribution")).to_have_text("Kwame Mensah wrote:")
    expect(quote).to_contain_text("end-user certificate")
    own_text = reply.locator(":scope > .prose")
    expect(own_text).to_contain_text("post-shipment check")
    expect(own_text.locator(".mention")).to_have_text("@Kwame Mensah")
    above = reply.evaluate(
        "post => post.querySelector('blockquote.quote').compareDocumentPosition("
        "post.querySelector(':scope > .prose')) === Node.DOCUMENT_POSITION_FOLLOWING"
    )
    assert above, "the quote should come before the reply's own text"

    second_page.get_by_role("link", name=TOPIC_TITLE).click()
    questions = second_page.locator("ol.questions > li")
    expect(questions.nth(0)).to_contain_text("Practices shared by: Ghana")
    expect(questions.nth(1)).to_contain_text("No delegation has answered yet.")

    # A comes back: the thread has a reply A has not read.
    page.get_by_role("link", name=TOPIC_TITLE).click()
    expect(page.locator("tr.unread")).to_contain_text(THREAD_TITLE)
    screenshot("forum-topic-en")
    page.get_by_role("link", name=THREAD_TITLE).click()
    expect(page.locator("#post-2")).to_have_class(re.compile(r"\bpost-unread\b"))
    screenshot("forum-thread-en")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    screenshot("forum-thread-mobile")
    assert page.evaluate(SIDEWAYS_OVERFLOW) == 0, "the thread page scrolls sideways on a phone"

    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_label("Language").select_option("ar")
    page.get_by_role("button", name="Change").click()
    expect(page).to_have_url(thread_url)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#post-1")).to_contain_text("غانا")
    screenshot("forum-thread-ar")
    page.get_by_role("link", name=TOPIC_TITLE).click()
    expect(page.locator("ol.questions > li").nth(0)).to_contain_text("غانا")
    screenshot("forum-topic-ar")

    assert browser_problems == []


def sign_in_with(tab, user):
    """Fill the sign-in page open in `tab` for `user`, who has no second factor.

    `sign_in_through_pages` works on the `page` fixture only, hence this short twin for a
    second person's tab.
    """
    tab.get_by_label("Email address", exact=True).fill(user.email)
    tab.get_by_label("Password", exact=True).fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
