"""Previewing a reply and keeping it as a draft: the preview is made exactly as a post is
(Markdown, clean_html(), mentions), drafts are kept per thread for their author alone and come
back with them, and neither is open to someone who cannot post or read."""

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.forum.models import Post, PostDraft
from tests.forum.pages import active_content, read
from tests.forum.test_posting import HOSTILE, reply_data


@pytest.fixture
def open_thread(make, forum):
    space = forum.space("users")
    topic = forum.topic(space, questions=["How do you assess the risk of diversion?"])
    return forum.thread(topic, make.user(name="Opening author"), body="Our national practice.")


def preview(client, thread, body, **more):
    return client.post(
        f"/forum/threads/{thread.id}/reply", data=reply_data(body, preview="Preview", **more)
    )


def save(client, thread, body, **more):
    return client.post(
        f"/forum/threads/{thread.id}/reply", data=reply_data(body, save_draft="Save as draft", **more)
    )


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_preview_shows_the_post_as_it_will_be_and_posts_nothing(
    client, make, sign_in, open_thread
):
    make.user(name="Ana López", email="ana.lopez@sre.example")
    sign_in(make.user())
    response = preview(client, open_thread, "We **always** check, @ana.lopez@sre.example.")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<strong>always</strong>" in page
    assert '<span class="mention">@Ana López</span>' in page
    assert read(response).has("Preview")
    # The form still holds the text, and nothing was posted.
    assert "We **always** check" in page
    assert count(Post) == 1


@pytest.mark.parametrize("vector", HOSTILE)
def test_a_preview_is_cleaned_as_a_post_is(client, make, sign_in, open_thread, vector):
    sign_in(make.user())
    response = preview(client, open_thread, f"Before {vector} after")
    assert response.status_code == 200
    assert active_content(response) == []
    assert read(response).has("Before") and read(response).has("after")


def test_a_preview_refuses_what_posting_refuses(client, make, sign_in, open_thread, forum):
    outsider = make.user(delegation=make.delegation(kind="international_organisation"))
    sign_in(make.user())
    response = preview(client, open_thread, f"Over to @{outsider.email}")
    # The observer can read this thread (every approved user may), so the mention is fine.
    assert response.status_code == 200
    secret = forum.thread(forum.topic(forum.space("states")), body="Between States.")
    states_writer = make.user()
    sign_in(states_writer)
    response = preview(client, secret, f"Over to @{outsider.email}")
    assert response.status_code == 400
    # The same neutral answer as for an unknown address: the author may not know the outsider.
    assert read(response).has(f"No one who can read this thread has the address {outsider.email}")
    assert count(Post) == 2
    # The text is kept as a draft all the same, to be corrected rather than written again.
    assert db.session.scalar(select(PostDraft.body_source)) == f"Over to @{outsider.email}"


def test_a_draft_comes_back_to_its_author_and_is_gone_once_posted(
    client, make, sign_in, open_thread, forum
):
    author = make.user()
    sign_in(author)
    first = forum.opening(open_thread)
    response = save(client, open_thread, "Half a thought about *transit*.", quoted_post=first.id)
    assert response.status_code == 302
    page = client.get(response.headers["Location"], follow_redirects=True)
    assert read(page).has("Your draft is saved")
    assert "Half a thought about *transit*." in page.get_data(as_text=True)
    assert read(page).has("Your reply quotes Opening author")
    assert read(page).has("Our national practice.")
    # Later, from the thread's address: the draft is still there.
    again = client.get(f"/forum/threads/{open_thread.id}")
    assert "Half a thought about *transit*." in again.get_data(as_text=True)
    assert read(again).has("Your draft, saved")
    # Posting it removes the draft.
    response = client.post(
        f"/forum/threads/{open_thread.id}/reply",
        data=reply_data("A whole thought about transit.", quoted_post=first.id),
    )
    assert response.status_code == 302
    assert count(PostDraft) == 0
    assert "Half a thought" not in client.get(f"/forum/threads/{open_thread.id}").get_data(
        as_text=True
    )


def test_a_draft_is_private_to_its_author(app, client, make, sign_in, open_thread):
    author, colleague = make.user(), make.user()
    sign_in(author)
    assert save(client, open_thread, "My unfinished words.").status_code == 302
    other = app.test_client()
    sign_in(colleague, http=other)
    page = other.get(f"/forum/threads/{open_thread.id}").get_data(as_text=True)
    assert "My unfinished words." not in page
    assert "Your draft" not in page
    # Discarding is one's own draft only: the colleague's request leaves the author's in place.
    response = other.post(f"/forum/threads/{open_thread.id}/draft/discard")
    assert response.status_code == 302
    assert count(PostDraft) == 1
    response = client.post(f"/forum/threads/{open_thread.id}/draft/discard")
    assert response.status_code == 302
    assert count(PostDraft) == 0


def test_no_draft_nor_preview_where_one_cannot_read_or_post(client, make, sign_in, forum):
    secret = forum.thread(forum.topic(forum.space("states")), body="Between States.")
    observer = make.user(delegation=make.delegation(kind="international_organisation"))
    sign_in(observer)
    assert save(client, secret, "Let me in.").status_code == 404
    assert preview(client, secret, "Let me in.").status_code == 404
    assert client.post(f"/forum/threads/{secret.id}/draft/discard").status_code == 404
    assert count(PostDraft) == 0


def test_a_locked_thread_keeps_no_draft(client, make, sign_in, forum):
    locked = forum.lock(forum.thread(forum.topic(forum.space("users"))))
    sign_in(make.user())
    response = save(client, locked, "Too late.")
    assert response.status_code == 400
    assert read(response).has("This thread is locked")
    assert "Too late." in response.get_data(as_text=True)
    assert count(PostDraft) == 0


def test_a_draft_longer_than_a_post_is_refused_and_nothing_is_kept(
    app, client, make, sign_in, open_thread
):
    sign_in(make.user())
    too_long = "x" * (app.config["PORTAL_POST_MAX_CHARS"] + 1)
    response = save(client, open_thread, too_long)
    assert response.status_code == 400
    assert read(response).has("The post is too long")
    assert count(PostDraft) == 0


def test_anonymous_visitors_are_sent_to_sign_in(client, open_thread):
    response = save(client, open_thread, "Hello")
    assert response.status_code == 302
    assert "/auth/" in response.headers["Location"]
    assert count(PostDraft) == 0
