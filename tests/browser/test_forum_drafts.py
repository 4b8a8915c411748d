"""A delegate writes a reply over two visits in Chromium: quotes a post, mentions a colleague,
previews the reply, keeps it as a draft, leaves, comes back to it and posts it.

Screenshots of the reply form with its quote and preview, in English, in Arabic and at phone
width, go to tests/screenshots/.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_forum import SIDEWAYS_OVERFLOW, TOPIC_TITLE, topic  # noqa: F401
from portal.forum import services
from portal.extensions import db

pytestmark = pytest.mark.browser

OPENING = "Our licensing authority checks the **end-user certificate** with the importing State."
DRAFT = "Thank you {mention}. We check the same certificate, and we add a *post-shipment* visit."


def test_a_reply_is_quoted_previewed_kept_as_a_draft_and_posted_on_return(
    page, make, topic, sign_in_through_pages, screenshot, browser_problems  # noqa: F811
):
    ghana = make.delegation(kind="state_party", name="Ghana", short_name="GHA", iso3="GHA")
    sweden = make.delegation(kind="state_party", name="Sweden", short_name="SWE", iso3="SWE")
    kwame = make.user(name="Kwame Mensah", delegation=ghana)
    ingrid = make.user(name="Ingrid Lindqvist", delegation=sweden)
    thread, _post = services.create_thread(
        topic, kwame, "national_practice", "Ghana: checks before an export licence", OPENING
    )
    db.session.commit()

    page.goto(f"/forum/threads/{thread.id}")
    sign_in_through_pages(ingrid)
    page.locator("#post-1").get_by_role("link", name="Quote").click()
    reply = page.locator("#reply")
    expect(reply.locator(".reply-quote")).to_contain_text("Your reply quotes Kwame Mensah:")
    expect(reply.locator(".reply-quote")).to_contain_text("end-user certificate")
    page.get_by_label("Your message").fill(DRAFT.format(mention=f"@{kwame.email}"))
    page.get_by_role("button", name="Preview").click()

    preview = page.locator(".post-preview")
    expect(preview.locator(".mention")).to_have_text("@Kwame Mensah")
    expect(preview.locator("em")).to_have_text("post-shipment")
    expect(page.locator(".reply-quote")).to_contain_text("end-user certificate")
    screenshot("forum-reply-preview-en")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("forum-reply-preview-mobile")
    assert page.evaluate(SIDEWAYS_OVERFLOW) == 0, "the reply form scrolls sideways on a phone"
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_text("Your draft is saved")).to_be_visible()

    # Ingrid leaves for the topic, then comes back to the thread: the draft is there.
    page.get_by_role("link", name=TOPIC_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TOPIC_TITLE)
    page.get_by_role("link", name="Ghana: checks before an export licence").click()
    expect(page.get_by_text("Your draft, saved")).to_be_visible()
    expect(page.get_by_label("Your message")).to_have_value(
        DRAFT.format(mention=f"@{kwame.email}")
    )
    expect(page.locator(".reply-quote")).to_contain_text("Your reply quotes Kwame Mensah:")

    page.get_by_label("Language").select_option("ar")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.locator("#reply").scroll_into_view_if_needed()
    screenshot("forum-reply-draft-ar")
    page.get_by_role("button", name="معاينة").click()
    expect(page.locator(".post-preview .mention")).to_have_text("@Kwame Mensah")
    screenshot("forum-reply-preview-ar")
    # A preview keeps the draft too: back on the thread, in English again, it is there to post.
    page.goto(f"/forum/threads/{thread.id}")
    page.locator("#language-select").select_option("en")
    page.locator(".language-switch button").click()
    expect(page.locator("html")).to_have_attribute("dir", "ltr")

    page.get_by_role("button", name="Post reply").click()
    posted = page.locator("#post-2")
    expect(posted.locator("blockquote.quote")).to_contain_text("end-user certificate")
    expect(posted.locator(":scope > .prose .mention")).to_have_text("@Kwame Mensah")
    expect(page).to_have_url(re.compile(r"#post-2$"))
    page.reload()
    expect(page.get_by_label("Your message")).to_have_value("")
    expect(page.get_by_text("Your draft, saved")).to_have_count(0)

    assert browser_problems == []
