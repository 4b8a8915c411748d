"""Writing in the forum: Markdown made safe end to end, input refused with a clear message and
nothing saved, mentions, the events of a new thread or reply, and attachments."""

import html
import re

import pytest
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from portal.core.events import Event
from portal.core.files import stored_path
from portal.extensions import db
from portal.forum.models import Attachment, Post, Thread
from tests.forum.conftest import EXE, row_counts, upload
from tests.forum.pages import active_content, read


@pytest.fixture
def open_thread(make, forum):
    """A thread in an open topic of a space every user reads, and a delegate who reads it."""
    space = forum.space("users")
    topic = forum.topic(space, questions=["How do you assess the risk of diversion?"])
    thread = forum.thread(topic, make.user(name="Opening author"), body="Our national practice.")
    return thread


def reply_data(body, **more):
    return {"body": body, "question": "", "quoted_post": "", **more}


def thread_data(title, body, **more):
    return {"title": title, "kind": "discussion", "body": body, "question": "", **more}


# Markdown and hostile HTML ----------------------------------------------------------------------


def test_markdown_is_rendered_and_links_do_not_pass_credit_or_referrer(
    client, make, sign_in, open_thread
):
    sign_in(make.user())
    body = (
        "We **always** check:\n\n- the end user\n- the route\n\n"
        "See [our guide](https://example.org/guide)."
    )
    response = client.post(f"/forum/threads/{open_thread.id}/reply", data=reply_data(body))
    assert response.status_code == 302
    page = client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "<strong>always</strong>" in page
    assert "<li>the end user</li>" in page and "<li>the route</li>" in page
    assert (
        '<a href="https://example.org/guide" rel="nofollow noopener noreferrer">our guide</a>'
        in page
    )


HOSTILE = [
    "<script>alert('xss')</script>",
    '<img src=x onerror="alert(1)">',
    "[click me](javascript:alert(1))",
    '<a href="javascript:alert(1)">link</a>',
    "[entity](&#106;avascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<iframe src="https://evil.example"></iframe>',
    "<svg onload=alert(1)>",
    '<p style="position:fixed">cover</p>',
    '[x](https://example.org "title" onclick="alert(1)")',
    "![tracker](https://evil.example/pixel.png)",
]


@pytest.mark.parametrize("vector", HOSTILE)
def test_hostile_html_in_a_reply_is_shown_inert(client, make, sign_in, open_thread, vector):
    sign_in(make.user())
    response = client.post(
        f"/forum/threads/{open_thread.id}/reply", data=reply_data(f"Before {vector} after")
    )
    assert response.status_code == 302
    post = db.session.scalar(select(Post).where(Post.thread_id == open_thread.id, Post.number == 2))
    assert post.body_source == f"Before {vector} after"
    assert active_content(post.body_html) == []
    pages = (
        client.get(f"/forum/threads/{open_thread.id}"),
        client.get(f"/forum/posts/{post.id}/history"),
    )
    for page in pages:
        assert page.status_code == 200
        assert active_content(page) == []
        assert read(page).has("Before") and read(page).has("after")


def test_hostile_titles_names_and_descriptions_are_escaped_everywhere(client, make, sign_in, forum):
    officer = make.secretariat()
    space = forum.space("users")
    sign_in(officer)
    response = client.post(
        f"/forum/{space.code}/topics/new",
        data={
            "title": "<script>alert('topic')</script>",
            "description": "<img src=x onerror=alert(1)> [x](javascript:alert(2))",
            "questions": "<script>alert('question')</script>",
        },
    )
    assert response.status_code == 302
    topic_url = response.headers["Location"]
    evil = make.user(name="<b onmouseover=alert(3)>Evil</b>")
    response = client.post(
        f"{topic_url}/new",
        data=thread_data("<script>alert('thread')</script>", f"Hello @{evil.email}"),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    thread = db.session.scalar(select(Thread))
    pages = [
        client.get(topic_url),
        client.get(f"/forum/{space.code}"),
        client.get(f"/forum/threads/{thread.id}"),
        client.get("/forum/unread"),
    ]
    for page in pages:
        assert page.status_code == 200
        assert active_content(page) == []
    thread_page = read(pages[2])
    assert thread_page.has("<script>alert('thread')</script>")
    assert thread_page.has("Hello @<b onmouseover=alert(3)>Evil</b>")
    topic_page = read(pages[0])
    assert topic_page.has("<script>alert('topic')</script>")
    assert topic_page.has("<script>alert('question')</script>")


# Refused input: a clear message, the form again with what was typed, nothing saved --------------


def assert_refused(response, message, typed, before):
    assert response.status_code == 400, response.status_code
    text = response.get_data(as_text=True)
    assert message in html.unescape(text), text
    assert html.escape(typed, quote=False) in text or html.escape(typed) in text
    assert "<form" in text
    assert row_counts() == before


def test_an_empty_reply_is_refused(client, make, sign_in, open_thread):
    sign_in(make.user())
    before = row_counts()
    for body in ("", "   \n  "):
        response = client.post(f"/forum/threads/{open_thread.id}/reply", data=reply_data(body))
        assert_refused(response, "This field is required.", body, before)


def test_a_reply_over_the_configured_length_is_refused(app, client, make, sign_in, open_thread):
    app.config["PORTAL_POST_MAX_CHARS"] = 40
    sign_in(make.user())
    before = row_counts()
    body = "This reply is a little longer than forty characters."
    response = client.post(f"/forum/threads/{open_thread.id}/reply", data=reply_data(body))
    assert_refused(response, "The post is too long: at most 40 characters.", body, before)
    exactly = "x" * 40
    response = client.post(f"/forum/threads/{open_thread.id}/reply", data=reply_data(exactly))
    assert response.status_code == 302


def test_a_new_thread_over_the_length_or_without_a_title_is_refused(
    app, client, make, sign_in, open_thread
):
    app.config["PORTAL_POST_MAX_CHARS"] = 40
    sign_in(make.user())
    url = f"/forum/topics/{open_thread.topic_id}/new"
    before = row_counts()
    long_title = "T" * 301
    response = client.post(url, data=thread_data(long_title, "A short opening post."))
    assert_refused(
        response, "Field cannot be longer than 300 characters.", "A short opening post.", before
    )
    assert f'value="{long_title}"' in response.get_data(as_text=True)
    response = client.post(url, data=thread_data("   ", "A short opening post."))
    assert_refused(response, "This field is required.", "A short opening post.", before)
    body = "An opening post a good deal longer than forty characters."
    response = client.post(url, data=thread_data("Practice of export licensing", body))
    assert_refused(response, "The post is too long: at most 40 characters.", body, before)
    assert 'value="Practice of export licensing"' in response.get_data(as_text=True)
    response = client.post(url, data=thread_data("T" * 300, "Short enough."))
    assert response.status_code == 302


def test_replying_in_a_locked_thread_is_refused_except_to_moderators(
    client, make, sign_in, signed_in, forum, open_thread
):
    forum.lock(open_thread)
    sign_in(make.user())
    before = row_counts()
    body = "But I had more to say."
    response = client.post(f"/forum/threads/{open_thread.id}/reply", data=reply_data(body))
    assert_refused(response, "This thread is locked: no new replies.", body, before)
    chair = forum.chair(open_thread.topic.working_group)
    response = signed_in(chair).post(
        f"/forum/threads/{open_thread.id}/reply", data=reply_data("Closing remarks of the chair.")
    )
    assert response.status_code == 302
    assert db.session.get(Thread, open_thread.id).post_count == 2


def test_writing_in_a_closed_topic_is_refused_except_to_moderators(
    client, make, sign_in, signed_in, forum, open_thread
):
    topic = forum.close(open_thread.topic)
    sign_in(make.user())
    before = row_counts()
    body = "A late contribution."
    response = client.post(f"/forum/threads/{open_thread.id}/reply", data=reply_data(body))
    assert_refused(response, "This topic is closed: it can be read but not added to.", body, before)
    response = client.post(f"/forum/topics/{topic.id}/new", data=thread_data("Late", body))
    assert_refused(response, "This topic is closed: it can be read but not added to.", body, before)
    officer = signed_in(make.secretariat())
    assert (
        officer.post(
            f"/forum/threads/{open_thread.id}/reply", data=reply_data("Summary by the Secretariat.")
        ).status_code
        == 302
    )
    assert (
        officer.post(
            f"/forum/topics/{topic.id}/new", data=thread_data("Summary", "The outcome.")
        ).status_code
        == 302
    )


@pytest.mark.parametrize("which", ["another thread", "hidden", "withdrawn", "missing"])
def test_quoting_a_post_that_is_not_available_is_refused(
    client, make, sign_in, forum, open_thread, which
):
    if which == "another thread":
        quoted = forum.opening(forum.thread(open_thread.topic))
    elif which == "hidden":
        quoted = forum.hide(forum.reply(open_thread))
    elif which == "withdrawn":
        quoted = forum.withdraw(forum.reply(open_thread))
    sign_in(make.user())
    quoted_id = str(quoted.id) if which != "missing" else "999999"
    before = row_counts()
    body = "As was said before, I agree."
    response = client.post(
        f"/forum/threads/{open_thread.id}/reply", data=reply_data(body, quoted_post=quoted_id)
    )
    assert_refused(response, "The post you quote is not available.", body, before)


def test_a_quote_shows_the_quoted_post(client, make, sign_in, forum, open_thread):
    quoted = forum.reply(open_thread, make.user(name="Ana"), body="Risk assessments take weeks.")
    sign_in(make.user())
    page = client.get(f"/forum/threads/{open_thread.id}?quote={quoted.id}")
    assert f'name="quoted_post" type="hidden" value="{quoted.id}"' in page.get_data(as_text=True)
    response = client.post(
        f"/forum/threads/{open_thread.id}/reply",
        data=reply_data("Ours take days.", quoted_post=str(quoted.id)),
    )
    assert response.status_code == 302
    post = db.session.scalar(select(Post).where(Post.body_source == "Ours take days."))
    assert post.quoted_post_id == quoted.id
    text = read(client.get(f"/forum/threads/{open_thread.id}")).text
    assert "Ana wrote: Risk assessments take weeks. Ours take days." in text


NEUTRAL_MENTION = "No one who can read this thread has the address {}."


def test_mentioning_an_unknown_or_inactive_address_is_refused(client, make, sign_in, open_thread):
    suspended = make.user(status="suspended")
    sign_in(make.user())
    before = row_counts()
    for address in ("nobody@example.org", suspended.email):
        body = f"Could @{address} tell us more?"
        response = client.post(f"/forum/threads/{open_thread.id}/reply", data=reply_data(body))
        assert_refused(response, NEUTRAL_MENTION.format(address), body, before)


def test_a_mention_reveals_no_account_the_author_may_not_know_of(client, make, sign_in, forum):
    """An account of another delegation that cannot read the thread gets the very answer of an
    address nobody has: neither its existence nor its name shows."""
    thread = forum.thread(forum.topic(forum.space("state_parties")))
    observer = make.user(
        name="Olga Observer", delegation=make.delegation(kind="international_organisation")
    )
    sign_in(make.user())
    before = row_counts()
    answers = {}
    for address in (observer.email, "olga.nobody@example.org"):
        body = f"What does @{address} think?"
        response = client.post(f"/forum/threads/{thread.id}/reply", data=reply_data(body))
        assert_refused(response, NEUTRAL_MENTION.format(address), body, before)
        text = response.get_data(as_text=True)
        assert "Olga Observer" not in text
        # The same page but for the address typed, the form's fresh CSRF tokens and submission
        # id, and the clock.
        text = re.sub(r'value="[\w.-]{20,}"', "", text.replace(address, "ADDRESS"))
        answers[address] = re.sub(r"\d{1,2}:\d{2}|datetime=\"[^\"]*\"", "TIME", text)
    assert answers[observer.email] == answers["olga.nobody@example.org"]


def test_mentioning_someone_who_cannot_read_the_thread_is_refused(client, make, sign_in, forum):
    """Someone the author may know of (a colleague of their delegation; for the Secretariat,
    anyone) is named in the refusal."""
    member = make.user(name="Ana Lopez")
    colleague = make.user(name="Olga Colleague", delegation=member.delegation)
    observer = make.user(
        name="Oscar Observer", delegation=make.delegation(kind="international_organisation")
    )
    in_group = forum.topic(forum.space("group", group=make.group(members=[member])))
    for_states = forum.topic(forum.space("state_parties"))
    for author, topic, person in (
        (member, in_group, colleague),
        (make.secretariat(), for_states, observer),
    ):
        thread = forum.thread(topic, author=author)
        http = client.application.test_client()
        sign_in(author, http=http)
        before = row_counts()
        named = f"{person.name} cannot read this thread, so they cannot be mentioned in it."
        body = f"What does @{person.email} think?"
        response = http.post(f"/forum/threads/{thread.id}/reply", data=reply_data(body))
        assert_refused(response, named, body, before)
        response = http.post(f"/forum/topics/{topic.id}/new", data=thread_data("Views", body))
        assert_refused(response, named, body, before)


def test_an_attachment_of_a_refused_kind_refuses_the_whole_post(
    client, make, sign_in, open_thread, app
):
    sign_in(make.user())
    before = row_counts()
    body = "Please see our control list attached."
    response = client.post(
        f"/forum/threads/{open_thread.id}/reply",
        data=reply_data(body, attachments=[upload(), upload(EXE, "control-list.exe")]),
        content_type="multipart/form-data",
    )
    assert_refused(response, "control-list.exe: This kind of file is not accepted.", body, before)
    response = client.post(
        f"/forum/topics/{open_thread.topic_id}/new",
        data=thread_data("Control list", body, attachments=[upload(EXE, "list.pdf")]),
        content_type="multipart/form-data",
    )
    assert_refused(response, "list.pdf: This kind of file is not accepted.", body, before)


# Mentions and events ----------------------------------------------------------------------------


def test_a_mention_shows_the_name_and_tells_the_person(client, make, sign_in, open_thread):
    ana = make.user(name="Ana López", email="ana.lopez@sre.example")
    author = make.user()
    sign_in(author)
    body = "Thank you @ana.lopez@sre.example and @" + author.email + " (myself)."
    response = client.post(f"/forum/threads/{open_thread.id}/reply", data=reply_data(body))
    assert response.status_code == 302
    post = db.session.scalar(select(Post).where(Post.number == 2))
    assert '<span class="mention">@Ana López</span>' in post.body_html
    page = client.get(f"/forum/threads/{open_thread.id}").get_data(as_text=True)
    assert '<span class="mention">@Ana López</span>' in page
    # A reply's mentions ride on its one event, so that a person both answered and mentioned
    # is told once; the author's mention of themselves tells nobody.
    created = db.session.scalar(select(Event).where(Event.kind == "post.created"))
    assert (created.subject_type, created.subject_id) == ("post", post.id)
    assert created.actor_id == author.id
    assert created.detail == {"mentioned": [ana.id]}
    assert created.acl == post.acl
    assert db.session.scalars(select(Event).where(Event.kind == "post.mention")).all() == []


def test_a_mention_in_a_new_thread_tells_the_person(client, make, sign_in, open_thread):
    ana = make.user(name="Ana López", email="ana.lopez@sre.example")
    author = make.user()
    sign_in(author)
    body = "A question for @ana.lopez@sre.example."
    response = client.post(
        f"/forum/topics/{open_thread.topic_id}/new", data=thread_data("Transit", body)
    )
    assert response.status_code == 302
    post = db.session.scalar(select(Post).where(Post.author_id == author.id))
    mentions = db.session.scalars(select(Event).where(Event.kind == "post.mention")).all()
    assert [(e.recipient_id, e.subject_type, e.subject_id, e.actor_id) for e in mentions] == [
        (ana.id, "post", post.id, author.id)
    ]
    assert mentions[0].acl == post.acl


def test_a_mention_in_code_is_not_a_mention(client, make, sign_in, open_thread):
    sign_in(make.user())
    body = "Write it as `@someone@example.org` in your post."
    response = client.post(f"/forum/threads/{open_thread.id}/reply", data=reply_data(body))
    assert response.status_code == 302
    assert db.session.scalars(select(Event).where(Event.kind == "post.mention")).all() == []


def test_a_new_thread_and_a_reply_write_their_events_with_the_change(
    client, make, sign_in, open_thread
):
    author = make.user()
    sign_in(author)
    before = {kind: count_events(kind) for kind in ("thread.created", "post.created")}
    response = client.post(
        f"/forum/topics/{open_thread.topic_id}/new",
        data=thread_data("Transit controls", "How do you control transit?"),
    )
    assert response.status_code == 302
    thread = db.session.scalar(select(Thread).where(Thread.title == "Transit controls"))
    created = db.session.scalars(
        select(Event).where(Event.kind == "thread.created").order_by(Event.id)
    ).all()[-1]
    assert (created.subject_type, created.subject_id, created.actor_id, created.acl) == (
        "thread",
        thread.id,
        author.id,
        thread.acl,
    )
    assert count_events("thread.created") == before["thread.created"] + 1
    response = client.post(f"/forum/threads/{thread.id}/reply", data=reply_data("By permit."))
    assert response.status_code == 302
    post = db.session.scalar(select(Post).where(Post.body_source == "By permit."))
    replied = db.session.scalars(
        select(Event).where(Event.kind == "post.created").order_by(Event.id)
    ).all()[-1]
    assert (replied.subject_type, replied.subject_id, replied.actor_id) == (
        "post",
        post.id,
        author.id,
    )
    assert count_events("post.created") == before["post.created"] + 1
    assert count_events("thread.created") == before["thread.created"] + 1


def count_events(kind):
    return len(db.session.scalars(select(Event.id).where(Event.kind == kind)).all())


def test_an_event_is_not_kept_when_its_change_is_rolled_back(app, make, forum, open_thread):
    """Events go into the request's transaction: a rollback takes them away with the post."""
    from portal.forum import services

    before = row_counts()
    services.reply(open_thread, make.user(), "Written, then rolled back.")
    db.session.flush()
    assert count_events("post.created") == 1
    db.session.rollback()
    assert row_counts() == before


# Attachments ------------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_attachments_are_stored_listed_and_downloaded_by_readers_only(
    client, make, sign_in, signed_in, forum
):
    topic = forum.topic(forum.space("states"))
    thread = forum.thread(topic)
    author = make.user()
    sign_in(author)
    response = client.post(
        f"/forum/threads/{thread.id}/reply",
        data=reply_data(
            "Our two annexes.",
            attachments=[upload(b"a;b;c\n1;2;3\n", "figures.csv"), upload(PDF, "guide.docx")],
        ),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    post = db.session.scalar(select(Post).where(Post.body_source == "Our two annexes."))
    attachments = db.session.scalars(
        select(Attachment).where(Attachment.post_id == post.id).order_by(Attachment.id)
    ).all()
    assert [(a.name, a.mime_type, a.acl) for a in attachments] == [
        ("figures.csv", "text/csv", "state"),
        ("guide.pdf", "application/pdf", "state"),
    ]
    assert all(stored_path(a.sha256).exists() for a in attachments)
    page = read(client.get(f"/forum/threads/{thread.id}"))
    assert page.has("figures.csv") and page.has("guide.pdf")

    signatory = signed_in(make.user(delegation=make.delegation(kind="signatory")))
    for http in (client, signatory):
        response = http.get(f"/forum/attachments/{attachments[1].id}")
        assert response.status_code == 200
        assert response.data == PDF
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert "guide.pdf" in response.headers["Content-Disposition"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Type"] == "application/pdf"
    observer = signed_in(make.user(delegation=make.delegation(kind="international_organisation")))
    assert observer.get(f"/forum/attachments/{attachments[0].id}").status_code == 404
    assert client.get("/forum/attachments/999999").status_code == 404


def test_the_attachment_of_a_hidden_or_withdrawn_post_is_not_downloadable(
    make, signed_in, forum, open_thread
):
    author = make.user()
    hidden = forum.reply(open_thread, author, files=[upload(b"hidden annex\n")])
    withdrawn = forum.reply(open_thread, author, files=[upload(b"withdrawn annex\n")])
    forum.hide(hidden)
    forum.withdraw(withdrawn)
    reader = signed_in(make.user())
    writer = signed_in(author)
    moderator = signed_in(forum.chair(open_thread.topic.working_group))
    hidden_url = f"/forum/attachments/{hidden.attachments[0].id}"
    withdrawn_url = f"/forum/attachments/{withdrawn.attachments[0].id}"
    assert reader.get(hidden_url).status_code == 404
    assert writer.get(hidden_url).status_code == 200
    assert moderator.get(hidden_url).status_code == 200
    for http in (reader, writer, moderator):
        assert http.get(withdrawn_url).status_code == 404
    page = read(reader.get(f"/forum/threads/{open_thread.id}"))
    assert not page.has("practice.txt")


def test_two_replies_at_the_same_moment_get_the_next_two_numbers(app, make, forum, open_thread):
    """Two delegates reply while neither has committed: each post gets its own number."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer at a time into the database")
    import threading

    from portal.forum import services

    first_author, second_author = make.user(), make.user()
    services.reply(db.session.get(Thread, open_thread.id), first_author, "First of two.")
    db.session.flush()  # holds the thread row until the commit below
    failures = []

    def second_reply():
        with app.app_context():
            try:
                thread = db.session.get(Thread, open_thread.id)
                services.reply(
                    thread, db.session.get(type(second_author), second_author.id), "Second of two."
                )
                db.session.commit()
            except SQLAlchemyError as error:  # reported to the test below
                failures.append(error)
                db.session.rollback()
            finally:
                db.session.remove()

    other = threading.Thread(target=second_reply)
    other.start()
    other.join(timeout=1)  # it waits for the thread row
    db.session.commit()
    other.join(timeout=10)
    assert not other.is_alive()
    assert failures == []
    numbers = dict(
        db.session.execute(
            select(Post.body_source, Post.number).where(Post.thread_id == open_thread.id)
        ).all()
    )
    assert (numbers["First of two."], numbers["Second of two."]) == (2, 3)
    assert db.session.get(Thread, open_thread.id).post_count == 3
