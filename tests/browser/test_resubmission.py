"""A reply whose answer is lost on the way, and which the browser then sends again, is stored
once: Chromium lands on the post with the message that it was already received. Screenshots in
English and in Arabic (right to left), at phone width, go to tests/screenshots/.
"""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.forum.models import Post
from tests.forum import conftest as forum_fixtures

pytestmark = pytest.mark.browser

forum = forum_fixtures.forum

ALREADY_RECEIVED = {
    "en": "This was already received: it has not been stored a second time.",
    "ar": "سبق أن وردت هذه الاستمارة، ولم تُحفظ مرة ثانية.",
}
REPLY = "Our customs check the end-user certificate at the border."
SIDEWAYS_OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_reply_whose_answer_was_lost_is_sent_again_and_stored_once(
    page, make, forum, sign_in_through_pages, screenshot, browser_problems, language
):
    thread = forum.thread(forum.topic(forum.space("users")), title="Border checks")
    delegate = make.user(language=language)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/forum/threads/{thread.id}")
    sign_in_through_pages(delegate)
    page.goto(f"/forum/threads/{thread.id}")
    page.locator("#body").fill(REPLY)

    first_answers = []

    def lose_the_first_answer(route):
        if not first_answers:
            # The server stores the reply; its answer never reaches the browser.
            first_answers.append(route.fetch(max_redirects=0).status)
        route.continue_()  # and the browser sends the same form again

    page.route("**/reply", lose_the_first_answer)
    page.locator("#reply #submit").click()

    expect(page.locator(".flash")).to_have_text(ALREADY_RECEIVED[language])
    assert first_answers == [302]
    db.session.expire_all()
    assert len(db.session.scalars(select(Post).where(Post.body_source == REPLY)).all()) == 1
    expect(page.locator(".post", has_text=REPLY)).to_have_count(1)
    assert page.evaluate(SIDEWAYS_OVERFLOW) == 0
    screenshot(f"resubmission-{language}-390")
    assert browser_problems == []
