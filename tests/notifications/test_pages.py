"""The notification pages as a person uses them: the notification centre and its header count,
opening and marking notifications read, preferences and the subscriptions table, following
from a page, saved searches and the public unsubscribe pages of the emails.

Notifications are written as rows here (what the fan-out would write), so that each test says
exactly what the person was told of; the fan-out itself is tested in test_fan_out.py.
"""

import itertools
import re
from contextlib import contextmanager
from datetime import timedelta

import lxml.html
import pytest
from flask import render_template_string
from flask_login import login_user
from sqlalchemy import delete, event, select

from portal.accounts.models import GroupMembership
from portal.core.models import now_utc
from portal.extensions import db
from portal.notifications.delivery import unsubscribe_token
from portal.notifications.models import Notification, NotificationSettings, Subscription
from portal.notifications.services import save_search, subscribe
from tests.forum import conftest as forum_fixtures
from tests.library.builders import document

# The forum's fixtures: spaces, topics and threads, one signed-in client per person, and
# tracebacks of unexpected errors.
forum = forum_fixtures.forum
signed_in = forum_fixtures.signed_in
errors_are_shown = forum_fixtures.errors_are_shown

_keys = itertools.count(1)


def notify(person, subject, reason="watching", actor=None, read=False, minutes_ago=0):
    """A notification for `person` about `subject` (a post, thread, topic or document)."""
    kind = subject.__tablename__.rstrip("s")
    notification = Notification(
        user_id=person.id,
        dedupe_key=f"test:{next(_keys)}",
        reason=reason,
        delivery="in_app",
        subject_type=kind,
        subject_id=subject.id,
        coalesce_key=f"{kind}:{subject.id}",
        actor_id=actor.id if actor is not None else None,
        read_at=now_utc() if read else None,
        created_at=now_utc() - timedelta(minutes=minutes_ago),
    )
    db.session.add(notification)
    db.session.commit()
    return notification


def has_class(name):
    """An XPath condition: the element has the class `name`."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def selected(element, name):
    """The values chosen in the select named `name` inside `element`."""
    return element.xpath(f"//select[@name='{name}']/option[@selected]/@value")


def page_of(response):
    return lxml.html.fromstring(response.get_data(as_text=True))


def entries(response):
    """The notification centre's entries: (text, is unread) in the order shown."""
    return [
        (" ".join(item.text_content().split()), "notification-unread" in item.get("class"))
        for item in page_of(response).xpath(f"//li[{has_class('notification')}]")
    ]


def header_count(response):
    """What the header's notifications link says to a screen reader."""
    link = page_of(response).xpath(f"//a[{has_class('notifications-link')}]")[0]
    return " ".join(link.text_content().split())


def subscriptions_of(person):
    return db.session.scalars(
        select(Subscription).where(Subscription.user_id == person.id).order_by(Subscription.id)
    ).all()


@pytest.fixture
def place(forum, make):
    """A working group with a topic and a thread, started by someone else."""
    space = forum.space()
    topic = forum.topic(space, title="Transparency and reporting")
    thread = forum.thread(topic, title="Reporting templates", author=make.user())
    return space, topic, thread


# The notification centre --------------------------------------------------------------------


def test_centre_lists_newest_first_with_what_where_who_and_when(forum, make, signed_in, place):
    space, topic, thread = place
    person = make.user()
    colleague = make.user(name="Amina Diallo")
    post = forum.reply(thread, author=colleague)
    paper = document(forum.officer, title="Paper on end-use controls")
    notify(person, topic, reason="new_thread", actor=colleague, minutes_ago=30, read=True)
    notify(person, paper, reason="new_document", actor=forum.officer, minutes_ago=20)
    notify(person, post, reason="mention", actor=colleague, minutes_ago=10)
    notify(person, post, reason="watching", actor=colleague)

    response = signed_in(person).get("/notifications/")

    assert response.status_code == 200
    shown = entries(response)
    expected = [
        "Unread New post in a thread you follow",
        "Unread You were mentioned",
        "Unread New document",
        "New thread",
    ]
    for (text, _unread), start in zip(shown, expected, strict=True):
        assert text.startswith(start), (text, start)
    assert [unread for _text, unread in shown] == [True, True, True, False]
    newest = shown[0][0]
    assert "Reporting templates" in newest  # the thread the post is in
    assert space.names["en"] in newest
    assert f"By Amina Diallo ({colleague.delegation.name})" in newest
    assert "Paper on end-use controls" in shown[2][0]
    assert header_count(response) == "Notifications 3 (3 unread)"


def test_people_see_only_their_own_notifications(make, signed_in, place):
    _space, topic, _thread = place
    person, other = make.user(), make.user()
    notify(other, topic, reason="new_thread")

    response = signed_in(person).get("/notifications/")

    assert entries(response) == []
    assert "You have no notifications" in response.get_data(as_text=True)
    assert header_count(response) == "Notifications"


def test_marking_one_and_all_as_read(make, signed_in, place):
    _space, topic, thread = place
    person = make.user()
    first = notify(person, topic, reason="new_thread", minutes_ago=5)
    notify(person, thread, reason="new_thread")
    client = signed_in(person)

    response = client.post(f"/notifications/{first.id}/read", data={"next": "/notifications/"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/notifications/"
    assert db.session.get(Notification, first.id).read_at is not None
    assert header_count(client.get("/notifications/")) == "Notifications 1 (1 unread)"

    response = client.post("/notifications/read-all", follow_redirects=True)
    assert [unread for _text, unread in entries(response)] == [False, False]
    assert header_count(response) == "Notifications"


def test_marking_another_persons_notification_answers_404(make, signed_in, place):
    _space, topic, _thread = place
    person, other = make.user(), make.user()
    theirs = notify(other, topic, reason="new_thread")

    assert signed_in(person).post(f"/notifications/{theirs.id}/read").status_code == 404
    assert signed_in(person).get(f"/notifications/{theirs.id}/open").status_code == 404
    assert db.session.get(Notification, theirs.id).read_at is None


def test_what_the_person_can_no_longer_see_is_neither_shown_nor_counted(forum, make, signed_in):
    person = make.user()
    team = make.group(members=[person], name="Friends of the Chair")
    closed = forum.space(level="group", group=team)
    thread = forum.thread(forum.topic(closed), title="Draft decision, closed circle")
    hidden = notify(person, thread, reason="new_thread")
    client = signed_in(person)
    assert "Draft decision, closed circle" in client.get("/notifications/").get_data(as_text=True)

    db.session.execute(delete(GroupMembership).where(GroupMembership.user_id == person.id))
    db.session.commit()

    response = client.get("/notifications/")
    assert "Draft decision, closed circle" not in response.get_data(as_text=True)
    assert entries(response) == []
    assert header_count(response) == "Notifications"
    assert client.get(f"/notifications/{hidden.id}/open").status_code == 404
    assert db.session.get(Notification, hidden.id).read_at is None


def test_a_deleted_subject_is_not_shown(make, signed_in, place):
    _space, topic, _thread = place
    person = make.user()
    notify(person, topic, reason="new_thread")
    gone = Notification(
        user_id=person.id,
        dedupe_key="test:gone",
        reason="new_document",
        delivery="in_app",
        subject_type="document",
        subject_id=987654,
        coalesce_key="document:987654",
    )
    db.session.add(gone)
    db.session.commit()

    response = signed_in(person).get("/notifications/")

    assert len(entries(response)) == 1
    assert header_count(response) == "Notifications 1 (1 unread)"


def test_the_centre_has_pages_of_thirty(make, signed_in, place):
    _space, topic, _thread = place
    person = make.user()
    for minutes in range(31):
        notify(person, topic, reason="new_thread", minutes_ago=minutes)
    client = signed_in(person)

    assert len(entries(client.get("/notifications/"))) == 30
    assert len(entries(client.get("/notifications/?page=2"))) == 1


def test_the_header_counts_more_than_99_as_99_plus(make, signed_in, place):
    _space, topic, _thread = place
    person = make.user()
    db.session.add_all(
        Notification(
            user_id=person.id,
            dedupe_key=f"test:many:{number}",
            reason="new_thread",
            delivery="in_app",
            subject_type="topic",
            subject_id=topic.id,
            coalesce_key=f"topic:{topic.id}",
        )
        for number in range(120)
    )
    db.session.commit()

    response = signed_in(person).get("/forum/")

    assert header_count(response) == "Notifications 99+ (more than 99 unread)"


# Opening a notification ---------------------------------------------------------------------


def test_opening_marks_read_and_leads_to_the_item(forum, make, signed_in, place):
    _space, topic, thread = place
    person = make.user()
    post = forum.reply(thread)
    paper = document(forum.officer)
    about_post = notify(person, post)
    about_thread = notify(person, thread, reason="new_thread")
    about_topic = notify(person, topic, reason="moderation")
    about_document = notify(person, paper, reason="new_document")
    client = signed_in(person)

    response = client.get(f"/notifications/{about_post.id}/open")
    assert response.status_code == 302
    assert db.session.get(Notification, about_post.id).read_at is not None
    response = client.get(response.headers["Location"])
    assert response.headers["Location"] == f"/forum/threads/{thread.id}?page=1#post-2"

    expected = {
        about_thread: f"/forum/threads/{thread.id}",
        about_topic: f"/forum/topics/{topic.id}",
        about_document: f"/library/documents/{paper.id}",
    }
    for notification, location in expected.items():
        response = client.get(f"/notifications/{notification.id}/open")
        assert response.status_code == 302
        assert response.headers["Location"] == location
        assert db.session.get(Notification, notification.id).read_at is not None
    assert header_count(client.get("/notifications/")) == "Notifications"


# Preferences and the subscriptions table ----------------------------------------------------


@pytest.fixture
def follower(make, place):
    """A person following the space, the topic, the thread, a document type and a search."""
    space, topic, thread = place
    person = make.user()
    subscribe(person, "working_group", space.id, level="new_threads")
    subscribe(person, "topic", topic.id, level="watching", delivery="daily")
    subscribe(person, "thread", thread.id, level="normal")
    subscribe(person, "document_type", target_code="working_paper", level="watching")
    save_search(person, "Diversion papers", "diversion", {"type": ["working_paper"]})
    db.session.commit()
    return person


def test_settings_list_every_subscription_with_links(follower, signed_in, place):
    space, topic, thread = place

    response = signed_in(follower).get("/notifications/settings")

    assert response.status_code == 200
    page = page_of(response)
    links = {a.text_content().strip(): a.get("href") for a in page.xpath("//table//th//a")}
    assert links[space.names["en"]] == f"/forum/{space.code}"
    assert links[topic.title] == f"/forum/topics/{topic.id}"
    assert links[thread.title] == f"/forum/threads/{thread.id}"
    assert links["Working paper"] == "/library/type/working_paper"
    assert links["Diversion papers"] == "/search/?q=diversion&f=type:working_paper"
    topic_row = next(s for s in subscriptions_of(follower) if s.target_type == "topic")
    chosen = selected(page, f"subscription-{topic_row.id}-delivery")
    assert chosen == ["daily"]


def test_settings_save_every_row_at_once(follower, signed_in):
    rows = {s.target_type: s for s in subscriptions_of(follower)}
    data = {"default_delivery": "weekly"}  # the unchecked box: posting does not follow threads
    for subscription in rows.values():
        data[f"subscription-{subscription.id}-delivery"] = ""
        data[f"subscription-{subscription.id}-level"] = subscription.level
    data[f"subscription-{rows['thread'].id}-level"] = "muted"
    data[f"subscription-{rows['saved_search'].id}-delivery"] = "instant"

    response = signed_in(follower).post("/notifications/settings", data=data)

    assert response.status_code == 302
    preferences = db.session.get(NotificationSettings, follower.id)
    assert (preferences.default_delivery, preferences.is_watching_on_post) == ("weekly", False)
    saved = {s.target_type: (s.level, s.delivery) for s in subscriptions_of(follower)}
    assert saved == {
        "working_group": ("new_threads", None),
        "topic": ("watching", None),
        "thread": ("muted", None),
        "document_type": ("watching", None),
        "saved_search": ("watching", "instant"),
    }


def test_an_invalid_choice_answers_400_and_saves_nothing(follower, signed_in):
    before = [(s.level, s.delivery) for s in subscriptions_of(follower)]
    rows = {s.target_type: s for s in subscriptions_of(follower)}
    data = {
        "default_delivery": "weekly",
        "is_watching_on_post": "y",
        f"subscription-{rows['topic'].id}-level": "loud",
    }

    response = signed_in(follower).post("/notifications/settings", data=data)

    assert response.status_code == 400
    assert "Nothing was saved." in response.get_data(as_text=True)
    assert page_of(response).get_element_by_id(f"subscription-{rows['topic'].id}-level") is not None
    assert db.session.get(NotificationSettings, follower.id) is None
    assert [(s.level, s.delivery) for s in subscriptions_of(follower)] == before

    response = signed_in(follower).post("/notifications/settings", data={"default_delivery": "x"})
    assert response.status_code == 400
    assert db.session.get(NotificationSettings, follower.id) is None


def test_a_subscription_is_removed_by_its_owner_only(follower, make, signed_in):
    topic_row = next(s for s in subscriptions_of(follower) if s.target_type == "topic")

    stranger = signed_in(make.user())
    assert stranger.post(f"/notifications/subscriptions/{topic_row.id}/delete").status_code == 404
    assert len(subscriptions_of(follower)) == 5

    response = signed_in(follower).post(f"/notifications/subscriptions/{topic_row.id}/delete")
    assert response.status_code == 302
    assert response.headers["Location"] == "/notifications/settings"
    assert "topic" not in {s.target_type for s in subscriptions_of(follower)}


def test_a_subscription_to_what_the_person_no_longer_sees_shows_no_title(forum, make, signed_in):
    person = make.user()
    team = make.group(members=[person])
    closed = forum.space(level="group", group=team)
    thread = forum.thread(forum.topic(closed), title="Confidential consultations")
    subscribe(person, "thread", thread.id)
    db.session.commit()
    db.session.execute(delete(GroupMembership).where(GroupMembership.user_id == person.id))
    db.session.commit()

    response = signed_in(person).get("/notifications/settings")

    text = response.get_data(as_text=True)
    assert "Confidential consultations" not in text
    assert "Something you can no longer see" in text


# Following from a page ----------------------------------------------------------------------


def test_following_a_space_topic_thread_and_document_type(make, signed_in, place):
    space, topic, thread = place
    person = make.user()
    client = signed_in(person)
    targets = [
        {"target_type": "working_group", "target_id": space.id},
        {"target_type": "topic", "target_id": topic.id, "delivery": "weekly"},
        {"target_type": "thread", "target_id": thread.id, "level": "normal"},
        {"target_type": "document_type", "target_code": "chair_report", "level": "new_threads"},
    ]
    for target in targets:
        response = client.post(
            "/notifications/subscribe",
            data={"level": "watching", "next": f"/forum/topics/{topic.id}", **target},
        )
        assert response.status_code == 302
        assert response.headers["Location"] == f"/forum/topics/{topic.id}"

    saved = {
        (s.target_type, s.target_id, s.target_code): (s.level, s.delivery)
        for s in subscriptions_of(person)
    }
    assert saved == {
        ("working_group", space.id, ""): ("watching", None),
        ("topic", topic.id, ""): ("watching", "weekly"),
        ("thread", thread.id, ""): ("normal", None),
        ("document_type", 0, "chair_report"): ("new_threads", None),
    }
    assert "Subscription saved" in client.get("/notifications/settings").get_data(as_text=True)


def test_following_again_changes_the_subscription(make, signed_in, place):
    _space, topic, _thread = place
    person = make.user()
    client = signed_in(person)
    for level in ("watching", "muted"):
        data = {"target_type": "topic", "target_id": topic.id, "level": level}
        assert client.post("/notifications/subscribe", data=data).status_code == 302
    assert [(s.level, s.target_id) for s in subscriptions_of(person)] == [("muted", topic.id)]


@pytest.mark.parametrize(
    "target",
    [
        {"target_type": "topic", "target_id": "987654"},
        {"target_type": "thread", "target_id": "not a number"},
        {"target_type": "thread", "target_id": "²"},
        {"target_type": "working_group", "target_id": "99999999999999999999"},
        {"target_type": "document_type", "target_code": "love_letter"},
        {"target_type": "saved_search", "target_code": "abc"},
        {"target_type": "delegation", "target_id": "1"},
    ],
)
def test_following_what_does_not_exist_answers_404(make, signed_in, target):
    person = make.user()

    response = signed_in(person).post(
        "/notifications/subscribe", data={"level": "watching", **target}
    )

    assert response.status_code == 404
    assert subscriptions_of(person) == []


def test_following_what_the_person_may_not_see_answers_404(forum, make, signed_in):
    person = make.user()
    closed = forum.space(level="group", group=make.group())
    topic = forum.topic(closed)
    client = signed_in(person)

    for target_type, target_id in [("working_group", closed.id), ("topic", topic.id)]:
        data = {"target_type": target_type, "target_id": target_id, "level": "watching"}
        assert client.post("/notifications/subscribe", data=data).status_code == 404
    assert subscriptions_of(person) == []


def test_a_bad_level_or_delivery_answers_400(make, signed_in, place):
    _space, topic, _thread = place
    person = make.user()
    client = signed_in(person)

    response = client.post(
        "/notifications/subscribe",
        data={"target_type": "topic", "target_id": topic.id, "level": "loudly"},
    )
    assert response.status_code == 400
    assert "Choose a level from the list." in response.get_data(as_text=True)
    response = client.post(
        "/notifications/subscribe",
        data={"target_type": "topic", "target_id": topic.id, "delivery": "pigeon"},
    )
    assert response.status_code == 400
    assert subscriptions_of(person) == []


def test_following_never_returns_to_another_site(make, signed_in, place):
    _space, topic, _thread = place
    data = {
        "target_type": "topic",
        "target_id": topic.id,
        "level": "watching",
        "next": "https://evil.example/",
    }

    response = signed_in(make.user()).post("/notifications/subscribe", data=data)

    assert response.headers["Location"] == "/notifications/settings"


def test_the_follow_form_of_a_page_follows_and_stops_following(app, make, signed_in, place):
    _space, _topic, thread = place
    person = make.user()
    client = signed_in(person)
    # As a page includes it: the person's current subscription found by the template global.
    template = (
        '{% from "notifications/_subscribe.html" import subscribe_form %}'
        "{{ subscribe_form('thread', thread_id, current=subscription_for('thread', thread_id)) }}"
    )

    def forms_of_the_page():
        with app.test_request_context(f"/forum/threads/{thread.id}"):
            login_user(person)
            html = render_template_string(template, thread_id=thread.id)
        return lxml.html.fromstring(html).xpath("//form")

    [form] = forms_of_the_page()
    data = dict(form.form_values())
    data["level"] = "new_threads"
    response = client.post(form.get("action"), data=data)
    assert response.headers["Location"] == f"/forum/threads/{thread.id}"
    [subscription] = subscriptions_of(person)
    assert (subscription.target_id, subscription.level) == (thread.id, "new_threads")

    follow, stop = forms_of_the_page()
    assert selected(follow, "level") == ["new_threads"]
    response = client.post(stop.get("action"), data=dict(stop.form_values()))
    assert response.headers["Location"] == f"/forum/threads/{thread.id}"
    assert subscriptions_of(person) == []


# Saved searches -----------------------------------------------------------------------------


def test_a_search_is_saved_and_the_person_returns_to_it(make, signed_in):
    person = make.user()
    data = {
        "name": "Diversion papers",
        "q": "diversion",
        "f": ["type:working_paper", "nonsense:x", "lang:"],
        "delivery": "daily",
    }

    response = signed_in(person).post("/notifications/saved-searches", data=data)

    assert response.status_code == 302
    assert response.headers["Location"] == "/search/?q=diversion&f=type:working_paper"
    [saved] = subscriptions_of(person)
    assert (saved.target_type, saved.name, saved.query, saved.filters, saved.delivery) == (
        "saved_search",
        "Diversion papers",
        "diversion",
        {"type": ["working_paper"]},
        "daily",
    )


@pytest.mark.parametrize(
    "data",
    [
        {"q": '"end-use certificate'},
        {"q": "", "f": ["cycle:twelve"]},
        {"q": ""},
        {"q": "diversion", "delivery": "pigeon"},
    ],
)
def test_a_search_that_cannot_be_run_is_not_saved(make, signed_in, data):
    person = make.user()

    response = signed_in(person).post("/notifications/saved-searches", data=data)

    assert response.status_code == 400
    assert subscriptions_of(person) == []


# Unsubscribing from an email ----------------------------------------------------------------


def confirm_button(response):
    forms = page_of(response).xpath("//main//form")
    assert len(forms) == 1
    return forms[0].get("action")


def test_the_unsubscribe_link_asks_before_changing_anything(client, make, follower):
    path = f"/notifications/unsubscribe/{unsubscribe_token(follower.id)}"

    response = client.get(path)

    assert response.status_code == 200
    assert confirm_button(response) == path
    assert db.session.get(NotificationSettings, follower.id) is None
    assert {s.delivery for s in subscriptions_of(follower)} == {None, "daily"}


def test_one_click_unsubscribe_works_without_a_session_or_token(app, client, follower):
    app.config["WTF_CSRF_ENABLED"] = True  # mail clients send no CSRF token
    path = f"/notifications/unsubscribe/{unsubscribe_token(follower.id)}"

    response = client.post(path, data={"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert "You will no longer receive these emails" in response.get_data(as_text=True)
    assert db.session.get(NotificationSettings, follower.id).default_delivery == "in_app"
    assert {s.delivery for s in subscriptions_of(follower)} == {"in_app"}


def test_unsubscribing_from_one_subscription_leaves_the_others(client, follower):
    topic_row = next(s for s in subscriptions_of(follower) if s.target_type == "topic")
    path = f"/notifications/unsubscribe/{unsubscribe_token(follower.id, topic_row.id)}"

    response = client.post(path)

    assert response.status_code == 200
    assert "Your other subscriptions are unchanged." in response.get_data(as_text=True)
    deliveries = {s.target_type: s.delivery for s in subscriptions_of(follower)}
    assert deliveries["topic"] == "in_app"
    assert deliveries["thread"] is None
    assert db.session.get(NotificationSettings, follower.id) is None


def test_a_forged_unsubscribe_token_answers_400(client):
    response = client.post("/notifications/unsubscribe/not-a-real-token")

    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)


def test_the_unsubscribe_page_never_unsubscribes_on_get(client):
    response = client.get("/notifications/unsubscribe/anything")

    assert response.status_code == 200
    assert confirm_button(response) == "/notifications/unsubscribe/anything"


# Signing in ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/notifications/"),
        ("GET", "/notifications/1/open"),
        ("POST", "/notifications/1/read"),
        ("POST", "/notifications/read-all"),
        ("GET", "/notifications/settings"),
        ("POST", "/notifications/settings"),
        ("POST", "/notifications/subscriptions/1/delete"),
        ("POST", "/notifications/subscribe"),
        ("POST", "/notifications/saved-searches"),
    ],
)
def test_visitors_are_sent_to_sign_in(client, method, path):
    response = client.open(path, method=method)

    assert response.status_code == 302
    assert re.match(r"^/auth/sign-in", response.headers["Location"])


@contextmanager
def statements():
    """The SQL statements run inside the block."""
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_the_header_count_is_one_query_per_page(make, signed_in, place):
    _space, topic, _thread = place
    person = make.user()
    notify(person, topic, reason="new_thread")
    client = signed_in(person)

    with statements() as seen:
        client.get("/forum/")

    assert len([s for s in seen if "FROM notifications" in s]) == 1


def test_the_centre_needs_no_query_per_entry(forum, make, signed_in, place):
    _space, topic, thread = place
    person = make.user()
    client = signed_in(person)

    def queries_for_centre():
        with statements() as seen:
            assert client.get("/notifications/").status_code == 200
        return len(seen)

    def notify_about_one_of_each():
        post = forum.reply(thread, author=make.user())
        notify(person, post, actor=post.author)
        notify(person, forum.thread(topic), reason="new_thread", actor=forum.officer)
        notify(person, topic, reason="moderation", actor=forum.officer)
        notify(person, document(forum.officer), reason="new_document", actor=forum.officer)

    notify_about_one_of_each()
    few = queries_for_centre()
    for _ in range(5):
        notify_about_one_of_each()

    assert len(entries(client.get("/notifications/"))) == 24
    assert queries_for_centre() == few
