"""Editing and withdrawing one's own posts: earlier versions stay readable with a diff, nobody
else can edit, and a withdrawn post leaves only a tombstone."""

import pytest
from sqlalchemy import select

from portal.core.audit import AuditEvent
from portal.core.events import Event
from portal.extensions import db
from portal.forum.models import Post, PostRevision
from tests.forum.conftest import row_counts
from tests.forum.pages import read


@pytest.fixture
def post(make, forum):
    topic = forum.topic(forum.space("users"))
    thread = forum.thread(topic)
    return forum.reply(
        thread, make.user(name="Author"), body="Licences take **ten** days.\nSecond line."
    )


def test_the_author_edits_and_readers_see_every_version_with_a_diff(
    client, sign_in, signed_in, make, post
):
    sign_in(post.author)
    edit_page = client.get(f"/forum/posts/{post.id}/edit")
    assert edit_page.status_code == 200
    assert "Licences take **ten** days." in edit_page.get_data(as_text=True)
    first = client.post(
        f"/forum/posts/{post.id}/edit", data={"body": "Licences take **five** days.\nSecond line."}
    )
    assert first.status_code == 302
    second = client.post(f"/forum/posts/{post.id}/edit", data={"body": "Licences take a week."})
    assert second.status_code == 302

    revisions = db.session.scalars(
        select(PostRevision).where(PostRevision.post_id == post.id).order_by(PostRevision.id)
    ).all()
    assert [r.body_source for r in revisions] == [
        "Licences take **ten** days.\nSecond line.",
        "Licences take **five** days.\nSecond line.",
    ]
    current = db.session.get(Post, post.id)
    assert current.body_source == "Licences take a week."
    assert current.edited_at is not None
    assert revisions[0].written_at == current.created_at

    reader = signed_in(make.user())
    thread_page = reader.get(f"/forum/threads/{post.thread_id}").get_data(as_text=True)
    assert f'href="/forum/posts/{post.id}/history"' in thread_page
    assert "Licences take a week." in thread_page and "<strong>ten</strong>" not in thread_page
    history = reader.get(f"/forum/posts/{post.id}/history")
    assert history.status_code == 200
    text = history.get_data(as_text=True)
    for html in (
        "Licences take <strong>ten</strong> days.",
        "Licences take <strong>five</strong> days.",
        "Licences take a week.",
    ):
        assert html in text
    page = read(history)
    assert page.has("-Licences take **ten** days.") and page.has("+Licences take **five** days.")
    assert page.has("-Second line.") and page.has("+Licences take a week.")


def test_saving_the_same_text_keeps_no_revision(client, sign_in, post):
    sign_in(post.author)
    response = client.post(f"/forum/posts/{post.id}/edit", data={"body": post.body_source})
    assert response.status_code == 302
    assert db.session.scalars(select(PostRevision)).all() == []


def test_others_cannot_edit(client, make, forum, signed_in, post):
    others = {
        403: [make.user(), forum.chair(post.thread.topic.working_group), make.secretariat()],
        404: [make.user(delegation=make.delegation(kind="international_organisation"))],
    }
    topic = forum.topic(forum.space("state_parties"))
    hidden_from_observers = forum.reply(forum.thread(topic), post.author)
    before = row_counts()
    for status, people in others.items():
        for person in people:
            http = signed_in(person)
            target = post if status == 403 else hidden_from_observers
            assert http.get(f"/forum/posts/{target.id}/edit").status_code == status
            response = http.post(f"/forum/posts/{target.id}/edit", data={"body": "Rewritten."})
            assert response.status_code == status
            assert http.post(f"/forum/posts/{target.id}/withdraw").status_code == status
    assert db.session.get(Post, post.id).body_source.startswith("Licences take **ten** days.")
    assert row_counts() == before


def test_an_edit_is_checked_like_a_new_post(app, client, make, sign_in, post):
    app.config["PORTAL_POST_MAX_CHARS"] = 60
    sign_in(post.author)
    before = row_counts()
    for body, message in [
        ("  ", "This field is required."),
        ("x" * 61, "The post is too long: at most 60 characters."),
        (
            "Ask @nobody@example.org",
            "No one who can read this thread has the address nobody@example.org.",
        ),
    ]:
        response = client.post(f"/forum/posts/{post.id}/edit", data={"body": body})
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert row_counts() == before
    assert db.session.get(Post, post.id).edited_at is None


def test_the_author_cannot_edit_a_hidden_post_or_in_a_locked_thread(client, forum, sign_in, post):
    sign_in(post.author)
    forum.lock(post.thread)
    assert client.post(f"/forum/posts/{post.id}/edit", data={"body": "Changed."}).status_code == 403
    forum.hide(post)
    assert client.post(f"/forum/posts/{post.id}/edit", data={"body": "Changed."}).status_code == 403


def test_withdrawing_leaves_a_tombstone_without_the_text(
    client, make, forum, sign_in, signed_in, post
):
    forum.reply(post.thread, make.user(), body="I agree.", quoted_post_id=post.id)
    sign_in(post.author)
    response = client.post(f"/forum/posts/{post.id}/withdraw")
    assert response.status_code == 302
    withdrawn = db.session.get(Post, post.id)
    assert withdrawn.withdrawn_at is not None
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "forum.post_withdraw")
    ).all()
    assert [(a.actor_id, a.target_type, a.target_id) for a in audit] == [
        (post.author_id, "posts", post.id)
    ]
    for http in (client, signed_in(make.user()), signed_in(make.secretariat())):
        html = http.get(f"/forum/threads/{post.thread_id}").get_data(as_text=True)
        page = read(html)
        assert page.has("This post was withdrawn by its author.")
        assert "Licences take" not in html
        assert page.has("I agree.")
        assert http.get(f"/forum/posts/{post.id}/history").status_code in (403, 404)
    assert client.post(f"/forum/posts/{post.id}/withdraw").status_code == 403
    assert client.post(f"/forum/posts/{post.id}/edit", data={"body": "Back."}).status_code == 403


def test_a_mention_added_by_an_edit_tells_the_person_once(client, make, sign_in, post):
    ana = make.user(name="Ana López")
    sign_in(post.author)
    for body in (
        f"Licences take a week, says @{ana.email}.",
        f"Licences take six days, says @{ana.email}.",
    ):
        response = client.post(f"/forum/posts/{post.id}/edit", data={"body": body})
        assert response.status_code == 302
    assert '<span class="mention">@Ana López</span>' in db.session.get(Post, post.id).body_html
    told = db.session.scalars(select(Event).where(Event.kind == "post.mention")).all()
    assert [(e.recipient_id, e.subject_id, e.actor_id) for e in told] == [
        (ana.id, post.id, post.author_id)
    ]
