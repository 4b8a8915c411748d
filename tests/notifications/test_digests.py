"""Daily and weekly digests, received over real SMTP: one email per person and period grouped by
working group and thread, sent once however often the job runs, later notifications left for
the next period, nothing the person can no longer see, and their scheduling by the worker and
by `flask notifications digest`."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from portal.core import jobs
from portal.core.jobs import run_due_jobs, run_periodic
from portal.extensions import db
from portal.notifications import delivery
from portal.notifications.delivery import schedule_digests, send_digests
from portal.notifications.models import DigestRun, Notification, NotificationSettings
from tests.conftest import html_of, link_in, text_of
from tests.notifications.conftest import jobs_of, notifications_of

TODAY = date.today()
YESTERDAY = TODAY - timedelta(days=1)
MONDAY = TODAY - timedelta(days=TODAY.weekday())


def whole(message):
    return "\n".join([message["Subject"], text_of(message), html_of(message)])


def created_on(day):
    """Date every notification written so far as if made at noon on `day`."""
    db.session.execute(
        update(Notification).values(
            created_at=datetime.combine(day, datetime.min.time()) + timedelta(hours=12)
        )
    )
    db.session.commit()


@pytest.fixture
def reader(make, default_delivery):
    """A State Party delegate who takes a daily digest."""
    person = make.user(name="Digest Reader")
    default_delivery(person, "daily")
    return person


@pytest.fixture
def spaces(forum, make, follow, reader):
    """An open working group and a States Parties one, each with a topic the reader watches,
    each with a thread and a reply in it."""
    author = make.user(name="Agent Quixote")
    open_space = forum.space(level="users")
    closed = forum.space(level="state_parties")
    made = []
    for space, title, body in (
        (open_space, "Stockpile management", "Marking and record-keeping."),
        (closed, "Embargo negotiation", "Classified tonnage figures."),
    ):
        topic = forum.topic(space)
        follow(reader, topic)
        thread = forum.thread(topic, author=author, title=title, body=body)
        forum.reply(thread, author=author, body=f"More on {body}")
        made.append(thread)
    run_due_jobs()
    return open_space, closed, made


def test_a_daily_digest_groups_updates_by_space_and_thread(mailbox, reader, spaces):
    open_space, closed, (open_thread, closed_thread) = spaces
    assert mailbox.messages == []
    assert send_digests("daily", TODAY) == 1
    run_due_jobs()
    [message] = mailbox.to(reader.email)
    assert message["Subject"] == "Your daily digest: 4 updates"
    text = text_of(message)
    assert text.index(open_space.names["en"]) < text.index("Stockpile management")
    assert text.index("Stockpile management") < text.index("A space you follow")
    assert text.index("A space you follow") < text.index("A restricted discussion")
    assert "Marking and record-keeping." in text
    assert text.count("/open") == 4
    for secret in ("Embargo", "Classified", "tonnage", closed.names["en"]):
        assert secret not in whole(message)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Stop all notification emails" in text
    assert link_in(message, "/notifications/settings")
    assert all(n.emailed_at is not None for n in notifications_of(reader))


def test_a_digest_is_sent_once_per_period(mailbox, reader, spaces):
    assert send_digests("daily", TODAY) == 1
    assert send_digests("daily", TODAY) == 0
    for _ in range(2):
        jobs.enqueue_many("notifications.digest", [{"period": "daily", "start": str(TODAY)}])
    db.session.commit()
    run_due_jobs()
    assert len(mailbox.to(reader.email)) == 1
    assert [
        (run.user_id, run.period, run.period_start) for run in db.session.scalars(select(DigestRun))
    ] == [(reader.id, "daily", TODAY)]


def test_a_concurrent_run_that_wrote_the_digest_first_wins(mailbox, reader, spaces, monkeypatch):
    db.session.add(
        DigestRun(user_id=reader.id, period="daily", period_start=TODAY, sent_at=datetime.now())
    )
    db.session.commit()
    found = db.session.get

    def not_seen_yet(model, key, **kwargs):
        """As a run that started before the other one committed sees it: not there yet."""
        return None if model is DigestRun else found(model, key, **kwargs)

    monkeypatch.setattr(db.session, "get", not_seen_yet)
    assert send_digests("daily", TODAY) == 0
    monkeypatch.undo()
    run_due_jobs()
    assert mailbox.messages == []
    assert all(n.emailed_at is None for n in notifications_of(reader))


def test_notifications_after_the_period_wait_for_the_next_one(mailbox, reader, spaces):
    assert send_digests("daily", YESTERDAY) == 0
    assert all(n.emailed_at is None for n in notifications_of(reader))
    created_on(TODAY - timedelta(days=3))
    assert send_digests("daily", YESTERDAY) == 1, "older unsent ones go in the next digest"
    run_due_jobs()
    assert len(mailbox.to(reader.email)) == 1


def test_a_weekly_digest_covers_monday_to_sunday(
    mailbox, make, forum, follow, default_delivery, reader
):
    weekly = make.user()
    default_delivery(weekly, "weekly")
    space = forum.space()
    follow(weekly, space)
    follow(reader, space)
    forum.thread(forum.topic(space), title="Weekly matters")
    run_due_jobs()
    assert send_digests("weekly", MONDAY - timedelta(days=3)) == 0, "this week's wait"
    assert send_digests("weekly", TODAY) == 1
    run_due_jobs()
    [message] = mailbox.to(weekly.email)
    assert message["Subject"] == "Your weekly digest: 1 update"
    assert "Weekly matters" in text_of(message)
    assert mailbox.to(reader.email) == [], "a daily reader is not in the weekly digest"
    [run] = db.session.scalars(select(DigestRun)).all()
    assert (run.period, run.period_start) == ("weekly", MONDAY)


def test_what_the_reader_can_no_longer_see_is_left_out(mailbox, forum, reader, spaces):
    open_space, closed, threads = spaces
    reader.delegation.kind = "signatory"  # no longer a State Party
    db.session.commit()
    assert send_digests("daily", TODAY) == 1
    run_due_jobs()
    [message] = mailbox.to(reader.email)
    assert message["Subject"] == "Your daily digest: 2 updates"
    assert "A restricted discussion" not in text_of(message)
    assert all(n.emailed_at is not None for n in notifications_of(reader))


def test_no_email_when_nothing_is_left_to_tell(mailbox, forum, reader, spaces):
    open_space, closed, threads = spaces
    reader.status = "suspended"
    db.session.commit()
    assert send_digests("daily", TODAY) == 0
    reader.status = "active"
    reader.delegation.kind = "signatory"
    db.session.execute(
        update(Notification)
        .where(Notification.working_group_id == open_space.id)
        .values(delivery="in_app")
    )
    db.session.commit()
    assert send_digests("daily", TODAY) == 0
    run_due_jobs()
    assert mailbox.messages == []
    assert db.session.get(DigestRun, (reader.id, "daily", TODAY)) is not None


def test_the_digest_is_in_the_readers_language(mailbox, make, forum, follow, default_delivery):
    french = make.user(language="fr", name="Chloé")
    default_delivery(french, "daily")
    space = forum.space()
    follow(french, space)
    forum.thread(forum.topic(space), title="Marquage des armes")
    run_due_jobs()
    send_digests("daily", TODAY)
    run_due_jobs()
    [message] = mailbox.to(french.email)
    assert message["Content-Language"] == "fr"
    assert "Bonjour Chloé," in text_of(message)
    assert space.names["fr"] in text_of(message)
    assert '<html lang="fr"' in html_of(message)


def test_the_worker_schedules_the_last_completed_day_and_week_once(app, mailbox, reader, spaces):
    assert schedule_digests in jobs.PERIODIC
    now = datetime.combine(TODAY, datetime.min.time()) + timedelta(minutes=1)
    assert schedule_digests(now) == 2
    assert schedule_digests(now) == 0
    run_periodic()
    assert sorted(
        (job.payload["period"], job.payload["start"]) for job in jobs_of("notifications.digest")
    ) == [("daily", str(YESTERDAY)), ("weekly", str(MONDAY - timedelta(days=7)))]

    created_on(YESTERDAY)
    run_due_jobs()
    [message] = mailbox.to(reader.email)
    assert message["Subject"] == "Your daily digest: 4 updates"


def test_a_failing_periodic_task_does_not_stop_the_others(app, monkeypatch):
    calls = []

    def broken():
        raise RuntimeError("database away")

    monkeypatch.setattr(jobs, "PERIODIC", [broken, lambda: calls.append("ran")])
    run_periodic()
    assert calls == ["ran"]


def test_the_digest_command_sends_a_chosen_day(app, mailbox, reader, spaces):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["notifications", "digest", "daily", "--day", str(TODAY)])
    assert result.exit_code == 0, result.output
    assert f"Queued 1 daily digests for the period starting {TODAY}" in result.output
    result = runner.invoke(args=["notifications", "digest", "daily", "--day", str(TODAY)])
    assert "Queued 0 daily digests" in result.output
    result = runner.invoke(args=["notifications", "digest", "weekly"])
    assert result.exit_code == 0 and "Queued 0 weekly digests" in result.output
    run_due_jobs()
    assert len(mailbox.to(reader.email)) == 1


def test_a_digest_unsubscribe_stops_all_email(client, mailbox, reader, spaces):
    send_digests("daily", TODAY)
    run_due_jobs()
    link = mailbox.last_to(reader.email)["List-Unsubscribe"][1:-1]
    assert client.post(link).status_code == 200
    db.session.expire_all()
    assert db.session.get(NotificationSettings, reader.id).default_delivery == "in_app"


def test_an_unknown_period_is_refused(app):
    with pytest.raises(ValueError):
        send_digests("monthly", TODAY)
    with pytest.raises(ValueError):
        delivery.period_bounds("daily", "yesterday")
