"""Instant notification emails, received over real SMTP: who gets one at each level and delivery,
one email per thread per coalescing window, nothing for a person who lost access in between,
nothing restricted in a restricted item's email, each in its recipient's language, the
one-click unsubscribe, and no email lost or doubled when the mail server fails."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal.accounts.models import GroupMembership
from portal.core.jobs import Job, run_due_jobs
from portal.core.models import now_utc
from portal.extensions import db
from portal.forum import services as forum_services
from portal.notifications import delivery
from portal.notifications.delivery import (
    ALL_EMAIL,
    ONE_SUBSCRIPTION,
    BadToken,
    apply_unsubscribe,
    unsubscribe_token,
)
from portal.notifications.models import Notification, NotificationSettings, Subscription
from tests.conftest import html_of, link_in, text_of
from tests.notifications.conftest import jobs_of, notifications_of

WINDOW = timedelta(minutes=10)


def whole(message):
    """Everything a reader of the email sees: its subject, text and HTML."""
    return "\n".join([message["Subject"], text_of(message), html_of(message)])


def received(mailbox, *people):
    return [len(mailbox.to(person.email)) for person in people]


def pass_the_window():
    """Move every email sent and every job waiting back by more than the coalescing window,
    as if that much time had gone by."""
    db.session.expire_all()
    for notification in db.session.scalars(
        select(Notification).where(Notification.emailed_at.is_not(None))
    ):
        notification.emailed_at -= WINDOW + timedelta(minutes=1)
    db.session.execute(
        update(Job)
        .where(Job.status == "pending")
        .values(run_after=now_utc() - timedelta(seconds=1))
    )
    db.session.commit()


def test_each_level_sends_the_emails_it_promises(forum, make, follow, mailbox, place):
    space, topic, thread, author = place
    watching, new_threads, normal, muted = (make.user() for _ in range(4))
    for person, level in [
        (watching, "watching"),
        (new_threads, "new_threads"),
        (normal, "normal"),
        (muted, "muted"),
    ]:
        follow(person, topic, level)

    forum.thread(topic, title="Diversion risk assessment")
    run_due_jobs()
    assert received(mailbox, watching, new_threads, normal, muted) == [1, 1, 0, 0]
    assert (
        mailbox.last_to(new_threads.email)["Subject"] == "New thread: “Diversion risk assessment”"
    )

    forum.reply(thread, body=f"Agreed, @{normal.email} and @{muted.email}.")
    run_due_jobs()
    assert received(mailbox, watching, new_threads, normal, muted) == [2, 1, 1, 0]
    assert mailbox.last_to(watching.email)["Subject"] == "New post in “Brokering controls”"
    assert mailbox.last_to(normal.email)["Subject"] == "You were mentioned in “Brokering controls”"
    assert "You were mentioned" in text_of(mailbox.last_to(normal.email))
    assert mailbox.last_to(author.email)["Subject"] == "New reply in “Brokering controls”"
    assert "Agreed" in text_of(mailbox.last_to(author.email))


def test_a_reply_that_mentions_the_person_it_answers_is_one_email_saying_both(
    forum, make, mailbox, place
):
    space, topic, thread, author = place
    forum.reply(thread, body=f"@{author.email}, your question deserves an answer.")
    run_due_jobs()
    assert received(mailbox, author) == [1]
    email = mailbox.last_to(author.email)
    assert email["Subject"] == "New reply in “Brokering controls”, mentioning you"
    assert "Reply to you that mentions you" in text_of(email)
    assert "You were mentioned" not in text_of(email)


def test_only_instant_delivery_sends_an_email_at_once(forum, make, follow, mailbox, place):
    space, topic, thread, author = place
    people = {delivery_: make.user() for delivery_ in ("in_app", "instant", "daily", "weekly")}
    for delivery_, person in people.items():
        follow(person, topic, "watching", delivery_)

    forum.reply(thread)
    run_due_jobs()
    assert received(mailbox, *people.values()) == [0, 1, 0, 0]
    for delivery_, person in people.items():
        [notification] = notifications_of(person)
        assert notification.delivery == delivery_
        assert (notification.emailed_at is not None) == (delivery_ == "instant")


def test_the_default_delivery_applies_where_a_subscription_names_none(
    forum, make, follow, default_delivery, mailbox, place
):
    space, topic, thread, author = place
    quiet, loud = make.user(), make.user()
    default_delivery(quiet, "in_app")
    follow(quiet, topic)
    follow(loud, topic)
    forum.reply(thread)
    run_due_jobs()
    assert received(mailbox, quiet, loud) == [0, 1]


def test_replies_within_the_window_travel_together(app, forum, make, follow, mailbox, place):
    space, topic, thread, author = place
    watcher = make.user()
    follow(watcher, thread)

    forum.reply(thread, body="First reply.")
    run_due_jobs()
    [first] = mailbox.to(watcher.email)
    assert "First reply." in text_of(first)

    forum.reply(thread, body="Second reply.")
    forum.reply(thread, body="Third reply.")
    run_due_jobs()
    assert received(mailbox, watcher) == [1], "not again within the window"
    waiting = [job for job in jobs_of("notifications.send_instant") if job.status == "pending"]
    assert waiting and all(job.run_after > now_utc() + WINDOW / 2 for job in waiting)

    pass_the_window()
    run_due_jobs()
    [_, second] = mailbox.to(watcher.email)
    assert second["Subject"] == "New activity in “Brokering controls”"
    assert "Second reply." in text_of(second) and "Third reply." in text_of(second)
    assert "First reply." not in text_of(second)
    assert text_of(second).count("/open") == 2

    forum.reply(thread, body="Fourth reply.")
    run_due_jobs()
    assert received(mailbox, watcher) == [2]
    pass_the_window()
    run_due_jobs()
    assert received(mailbox, watcher) == [3]
    assert all(n.emailed_at is not None for n in notifications_of(watcher))


def test_two_jobs_for_the_same_thread_send_one_email(forum, make, follow, mailbox, place):
    space, topic, thread, author = place
    watcher = make.user()
    follow(watcher, thread)
    forum.reply(thread)
    run_due_jobs(limit=1)  # the fan-out only: its email job waits
    delivery.queue_instant({(watcher.id, f"thread:{thread.id}")})
    db.session.commit()
    run_due_jobs()
    assert received(mailbox, watcher) == [1]
    mine = [j for j in jobs_of("notifications.send_instant") if j.payload["user_id"] == watcher.id]
    assert [job.status for job in mine] == ["done", "done"]


def test_marking_and_queueing_the_email_are_one_transaction(
    forum, make, follow, mailbox, place, monkeypatch
):
    space, topic, thread, author = place
    watcher = make.user()
    follow(watcher, thread)

    def broken(*args, **kwargs):
        raise RuntimeError("the process died while writing the email")

    monkeypatch.setattr(delivery, "queue_email", broken)
    forum.reply(thread)
    run_due_jobs()
    [job] = [j for j in jobs_of("notifications.send_instant") if j.payload["user_id"] == watcher.id]
    assert (job.status, job.attempts) == ("pending", 1)
    [notification] = notifications_of(watcher)
    assert notification.emailed_at is None
    assert jobs_of("send_email") == [], "no email queued by the failed attempt"

    monkeypatch.undo()
    pass_the_window()
    run_due_jobs()
    assert received(mailbox, watcher) == [1]
    assert notifications_of(watcher)[0].emailed_at is not None


def remove_from_group(person, space, forum):
    db.session.execute(
        GroupMembership.__table__.delete().where(
            GroupMembership.user_id == person.id, GroupMembership.group_id == space.group_id
        )
    )
    db.session.commit()


def restrict_space(person, space, forum):
    forum_services.set_space_access(space, "state_parties", None, forum.officer)
    db.session.commit()


def suspend(person, space, forum):
    person.status = "suspended"
    db.session.commit()


@pytest.mark.parametrize("lose_access", [remove_from_group, restrict_space, suspend])
def test_a_person_who_lost_access_before_the_email_gets_nothing(
    forum, make, follow, mailbox, lose_access
):
    signatory = make.user(delegation=make.delegation(kind="signatory"))
    members = make.group(members=[signatory])
    if lose_access is remove_from_group:
        space = forum.space(level="group", group=members)
    else:
        space = forum.space(level="users")
    author = make.user(delegation=make.delegation(kind="state_party"))
    db.session.add(GroupMembership(group_id=members.id, user_id=author.id))
    db.session.commit()
    topic = forum.topic(space)
    follow(signatory, topic)

    forum.thread(topic, author=author, title="Secret heading", body="Secret body.")
    run_due_jobs(limit=1)  # the fan-out only: the email job is due but has not run
    assert [n.emailed_at for n in notifications_of(signatory)] == [None]
    lose_access(signatory, space, forum)
    run_due_jobs()
    assert mailbox.to(signatory.email) == []
    [notification] = notifications_of(signatory)
    if lose_access is not suspend:
        assert notification.emailed_at is not None, "settled: never sent later"


def test_a_restricted_item_is_announced_without_its_content(forum, make, follow, mailbox):
    reader = make.user(delegation=make.delegation(kind="state_party", name="Freedonia"))
    author = make.user(
        name="Agent Quixote", delegation=make.delegation(kind="state_party", name="Sylvania")
    )
    closed = forum.space(level="state_parties")
    open_space = forum.space(level="users")
    closed_topic = forum.topic(closed)
    restricted_topic = forum.topic(open_space, level="state_parties")
    follow(reader, closed_topic)
    follow(reader, restricted_topic)

    for topic in (closed_topic, restricted_topic):
        forum.thread(
            topic, author=author, title="Embargo negotiation", body="Classified tonnage figures."
        )
    run_due_jobs()
    first, second = mailbox.to(reader.email)
    for message in (first, second):
        seen = whole(message)
        assert message["Subject"] == "New activity in the ATT portal"
        for secret in ("Embargo", "Classified", "tonnage", "Quixote", "Sylvania"):
            assert secret not in seen, secret
        assert "A restricted discussion" in seen
        assert "/notifications/" in link_in(message, "/open")
    assert closed.names["en"] not in whole(first)
    assert "A space you follow" in text_of(first)
    assert open_space.names["en"] in text_of(second), "an open space is named"


def test_a_document_email_carries_its_title_and_summary_when_open(
    forum, library, make, follow, mailbox
):
    reader = make.user()
    space = forum.space()
    follow(reader, space)
    library.document(
        working_group_id=space.id,
        title="Risk assessment guide",
        summary="How exporters assess the risk of diversion.",
    )
    library.document(
        working_group_id=space.id,
        title="Confidential annex",
        summary="Names of the brokers.",
        level="state_parties",
    )
    run_due_jobs()
    first, second = mailbox.to(reader.email)
    assert first["Subject"] == "New document: “Risk assessment guide”"
    assert "How exporters assess the risk of diversion." in text_of(first)
    assert second["Subject"] == "New activity in the ATT portal"
    assert "Confidential" not in whole(second) and "brokers" not in whole(second)
    assert "A restricted document" in text_of(second)


def test_a_hidden_post_is_not_sent_but_its_author_hears_of_the_moderation(
    forum, make, follow, mailbox, place
):
    space, topic, thread, author = place
    watcher, writer = make.user(), make.user()
    follow(watcher, thread)
    post = forum.reply(thread, author=writer, body="Offensive remark.")
    run_due_jobs(limit=1)
    forum.hide(post)
    run_due_jobs()
    assert mailbox.to(watcher.email) == []
    notice = mailbox.last_to(writer.email)
    assert notice["Subject"] == "A moderator acted on your post in “Brokering controls”"
    assert "Offensive" not in whole(notice)


def test_each_email_is_in_its_recipients_language(forum, make, follow, mailbox, place):
    space, topic, thread, author = place
    french, arabic = make.user(language="fr", name="Chloé"), make.user(language="ar")
    follow(french, topic)
    follow(arabic, topic)
    forum.reply(thread)
    run_due_jobs()
    to_french, to_arabic = mailbox.last_to(french.email), mailbox.last_to(arabic.email)
    assert to_french["Content-Language"] == "fr"
    assert "Bonjour Chloé," in text_of(to_french)
    assert space.names["fr"] in text_of(to_french)
    assert '<html lang="fr" dir="ltr">' in html_of(to_french)
    assert "Portail d'échange d'informations du TCA" in html_of(to_french)
    assert to_arabic["Content-Language"] == "ar"
    assert "حضرة" in text_of(to_arabic)
    assert '<html lang="ar" dir="rtl">' in html_of(to_arabic)


def test_a_failing_mail_server_delays_the_emails_without_losing_or_doubling_them(
    app, forum, make, follow, mailbox, place
):
    space, topic, thread, author = place
    first, second = make.user(), make.user()
    follow(first, topic)
    follow(second, topic)
    mailbox.refuse = True
    forum.reply(thread)
    run_due_jobs()
    for attempt in (1, 2):
        assert {(job.status, job.attempts) for job in jobs_of("send_email")} == {
            ("pending", attempt)
        }
        pass_the_window()
        run_due_jobs()
    assert mailbox.messages == []

    mailbox.refuse = False
    pass_the_window()
    run_due_jobs()
    assert received(mailbox, first, second, author) == [1, 1, 1]
    run_due_jobs()
    pass_the_window()
    run_due_jobs()
    assert received(mailbox, first, second, author) == [1, 1, 1]
    assert {job.status for job in jobs_of("send_email")} == {"done"}


def test_every_email_has_a_one_click_unsubscribe(forum, make, follow, mailbox, place):
    space, topic, thread, author = place
    watcher = make.user()
    follow(watcher, topic)
    forum.reply(thread)
    run_due_jobs()
    message = mailbox.last_to(watcher.email)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = message["List-Unsubscribe"]
    assert header.startswith("<http://localhost/notifications/unsubscribe/") and header[-1] == ">"
    # On the wire as written, on one line although longer than 78 characters: folded, it would
    # become RFC 2047 encoded-words, which mail services do not read as a URL.
    assert len(f"List-Unsubscribe: {header}") > 78
    assert f"\r\nList-Unsubscribe: {header}\r\n".encode() in message.raw
    assert b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in message.raw
    assert link_in(message, "/notifications/unsubscribe/") == header[1:-1]
    assert link_in(message, "/notifications/settings")
    assert "/notifications/unsubscribe/" in html_of(message)


def test_the_unsubscribe_post_stops_the_subscription_that_sent_the_email(
    client, forum, make, follow, mailbox, place
):
    space, topic, thread, author = place
    watcher = make.user()
    follow(watcher, topic)
    forum.reply(thread)
    run_due_jobs()
    link = mailbox.last_to(watcher.email)["List-Unsubscribe"][1:-1]

    response = client.post(link, data={"List-Unsubscribe": "One-Click"})  # no session
    assert response.status_code == 200
    [subscription] = db.session.scalars(
        select(Subscription).where(Subscription.user_id == watcher.id)
    ).all()
    assert subscription.delivery == "in_app"

    forum.thread(topic, title="Another thread")
    forum.reply(thread)
    pass_the_window()
    run_due_jobs()
    assert received(mailbox, watcher) == [1]
    assert [n.delivery for n in notifications_of(watcher)] == ["instant", "in_app", "in_app"]


def test_the_unsubscribe_post_of_an_email_about_a_reply_stops_all_email(
    client, forum, make, follow, mailbox, place
):
    space, topic, thread, author = place
    follow(author, space)
    forum.reply(thread)
    run_due_jobs()
    link = mailbox.last_to(author.email)["List-Unsubscribe"][1:-1]
    assert client.post(link).status_code == 200

    db.session.expire_all()
    assert db.session.get(NotificationSettings, author.id).default_delivery == "in_app"
    deliveries = db.session.scalars(
        select(Subscription.delivery).where(Subscription.user_id == author.id)
    ).all()
    assert len(deliveries) == 2 and set(deliveries) == {"in_app"}
    forum.reply(thread)
    forum.thread(forum.topic(space))
    pass_the_window()
    run_due_jobs()
    assert received(mailbox, author) == [1]


def test_apply_unsubscribe_names_the_person_and_what_stops(app, make, follow, forum):
    person = make.user()
    subscription = follow(person, forum.space(), delivery="instant")

    assert apply_unsubscribe(unsubscribe_token(person.id, subscription.id)) == (
        person,
        ONE_SUBSCRIPTION,
    )
    assert subscription.delivery == "in_app"
    assert apply_unsubscribe(unsubscribe_token(person.id)) == (person, ALL_EMAIL)
    db.session.commit()
    assert db.session.get(NotificationSettings, person.id).default_delivery == "in_app"
    again = apply_unsubscribe(unsubscribe_token(person.id, subscription.id))
    assert again == (person, ONE_SUBSCRIPTION)


@pytest.mark.parametrize(
    "token",
    ["", "not-a-token", "WzEsbnVsbF0", "WzEsbnVsbF0.forged-signature"],
)
def test_a_forged_or_malformed_token_is_refused(app, token):
    with pytest.raises(BadToken):
        apply_unsubscribe(token)


def test_a_token_signed_otherwise_or_naming_nobody_is_refused(app, client, make):
    from itsdangerous import URLSafeSerializer

    other_salt = URLSafeSerializer(app.secret_key, salt="password-reset").dumps([1, None])
    other_key = URLSafeSerializer("another key", salt="unsubscribe").dumps([1, None])
    wrong_shape = URLSafeSerializer(app.secret_key, salt="unsubscribe").dumps({"user": 1})
    for token in (other_salt, other_key, wrong_shape, unsubscribe_token(10**6)):
        with pytest.raises(BadToken):
            apply_unsubscribe(token)
    assert client.post(f"/notifications/unsubscribe/{other_key}").status_code == 400
