"""The outbox: jobs commit or roll back with the change that queued them, run after commit,
are retried with backoff, and are never lost by a process that dies."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.core import jobs
from portal.core.jobs import Job, enqueue, requeue_stale, run_due_jobs
from portal.core.models import now_utc
from portal.extensions import db
from tests.conftest import text_of


def email(to, subject="Outbox test"):
    """The payload of a `send_email` job, as portal.core.mail.queue_email renders it."""
    return {
        "to": to,
        "subject": subject,
        "text": "Plain text body.",
        "html": "<p>HTML body.</p>",
        "language": "en",
        "message_id": f"<{subject.replace(' ', '-')}@att-portal.invalid>",
    }


def stored_job(status=None, **fields):
    job = Job(kind="send_email", payload=email("someone@example.org"), **fields)
    if status:
        job.status = status
    db.session.add(job)
    db.session.commit()
    return job


def all_jobs():
    db.session.expire_all()
    return db.session.scalars(select(Job).order_by(Job.id)).all()


def test_a_job_queued_in_a_transaction_that_rolls_back_never_runs(app, mailbox):
    enqueue("send_email", **email("rolled-back@example.org"))
    db.session.rollback()
    assert run_due_jobs() == 0
    assert all_jobs() == []

    enqueue("send_email", **email("committed@example.org"))
    db.session.commit()
    assert run_due_jobs() == 1
    assert [m.envelope_to for m in mailbox.messages] == [["committed@example.org"]]
    assert [job.status for job in all_jobs()] == ["done"]


def test_an_unknown_kind_of_job_cannot_be_queued(app):
    with pytest.raises(ValueError):
        enqueue("no_such_kind")


def test_a_request_that_queues_an_email_delivers_it_after_commit(app, client, make, mailbox):
    member = make.user()
    response = client.post("/auth/reset-password", data={"email": member.email})
    assert response.status_code == 200
    # Delivered before the response came back (jobs run inline after the request).
    message = mailbox.last_to(member.email)
    assert message["Subject"] == "Reset your ATT portal password"
    assert "/auth/password/" in text_of(message)
    [job] = all_jobs()
    assert (job.status, job.attempts, job.last_error) == ("done", 1, None)


def test_a_refused_email_is_retried_with_growing_delays_until_it_fails(app, mailbox):
    app.config["PORTAL_JOB_MAX_ATTEMPTS"] = 3
    mailbox.refuse = True
    job = stored_job()
    for attempt, delay in ((1, 1), (2, 2)):
        before = now_utc()
        assert run_due_jobs() == 1
        [job] = all_jobs()
        assert (job.status, job.attempts) == ("pending", attempt)
        assert "451" in job.last_error
        assert (
            before + timedelta(seconds=delay)
            <= job.run_after
            <= now_utc() + timedelta(seconds=delay)
        )
        assert run_due_jobs() == 0, "not due before its delay"
        job.run_after = now_utc() - timedelta(seconds=1)
        db.session.commit()
    assert run_due_jobs() == 1
    [job] = all_jobs()
    assert (job.status, job.attempts) == ("failed", 3)
    assert job.finished_at is not None and "451" in job.last_error
    assert run_due_jobs() == 0
    assert mailbox.messages == []


def test_the_delay_between_attempts_doubles_up_to_an_hour(app):
    app.config["PORTAL_JOB_BACKOFF_SECONDS"] = 30
    assert [jobs.backoff(n).total_seconds() for n in (1, 2, 3, 8, 20)] == [30, 60, 120, 3600, 3600]


def test_a_job_whose_heartbeat_stopped_is_put_back_after_the_stale_timeout(app, mailbox):
    """Claimed ten minutes ago: the one whose worker died stopped renewing its claim two minutes
    ago; the one still at work renewed it half a minute ago."""
    claimed = now_utc() - timedelta(minutes=10)
    dead = stored_job(
        status="running", started_at=claimed, heartbeat_at=now_utc() - timedelta(seconds=121)
    )
    alive = stored_job(
        status="running", started_at=claimed, heartbeat_at=now_utc() - timedelta(seconds=30)
    )
    assert requeue_stale() == 1
    assert {job.id: job.status for job in all_jobs()} == {dead.id: "pending", alive.id: "running"}
    assert run_due_jobs() == 1
    assert len(mailbox.messages) == 1
    assert {job.id: job.status for job in all_jobs()} == {dead.id: "done", alive.id: "running"}


def test_the_stale_timeout_is_a_setting(app, mailbox):
    app.config["PORTAL_JOB_STALE_SECONDS"] = 600
    stored_job(status="running", attempts=1, heartbeat_at=now_utc() - timedelta(seconds=300))
    assert requeue_stale() == 0

    app.config["PORTAL_JOB_STALE_SECONDS"] = 240
    assert requeue_stale() == 1
    assert [job.status for job in all_jobs()] == ["pending"]


def test_a_stale_job_that_used_its_last_attempt_is_failed_not_run_again(app, mailbox):
    """If the job is what killed the worker, running it again would kill the next one too."""
    app.config["PORTAL_JOB_MAX_ATTEMPTS"] = 3
    stored_job(status="running", heartbeat_at=now_utc() - timedelta(minutes=16), attempts=3)
    assert requeue_stale() == 0
    [job] = all_jobs()
    assert (job.status, job.attempts) == ("failed", 3)
    assert job.finished_at is not None and job.last_error
    assert run_due_jobs() == 0
    assert mailbox.messages == []


def test_a_job_is_not_run_before_its_time(app, mailbox):
    later = stored_job(run_after=now_utc() + timedelta(minutes=5))
    assert run_due_jobs() == 0
    [job] = all_jobs()
    assert (job.id, job.status, job.attempts) == (later.id, "pending", 0)
    assert mailbox.messages == []
