"""The job worker under faults: a running job keeps its claim while it works and loses it when
its worker dies; `flask portal worker` carries on after losing its database connection.

The clock of the outbox is replaced where the tests need minutes to pass, and threads wait
for events, never for a fixed time, so that a slow machine makes no test fail.
"""

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from portal.core import jobs
from portal.core.jobs import Job, claim_next, enqueue, requeue_stale, run_due_jobs, work_forever
from portal.core.models import now_utc
from portal.extensions import db
from tests.core.test_outbox import email

#: The longest any test waits for another thread; reached only when something is broken.
PATIENCE_SECONDS = 60
PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Clock:
    """The outbox's clock, moved forward by the test."""

    def __init__(self):
        self.now = now_utc()

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(jobs, "now_utc", clock)
    return clock


def wait_until(condition, what):
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.02)


def job_row(job_id):
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    db.session.commit()  # end the read, so that the other threads' writes are not held up
    return job


def in_thread(app, function, *args, **kwargs):
    """Run `function` in a thread with an application context (and database session) of its
    own, as a second process would."""

    def target():
        with app.app_context():
            function(*args, **kwargs)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def blocking_handler(monkeypatch, kind="test.blocking"):
    """Register a job handler that holds a database transaction open until `finish` is set;
    returns the events (`started`, `finish`)."""
    started, finish = threading.Event(), threading.Event()

    def handle(payload):
        db.session.execute(select(Job.id).limit(1))
        started.set()
        assert finish.wait(PATIENCE_SECONDS)

    monkeypatch.setitem(jobs.HANDLERS, kind, handle)
    return started, finish


# Claims and heartbeats ---------------------------------------------------------------------


def test_a_job_claimed_by_a_worker_that_died_is_run_again_after_the_stale_timeout(
    app, clock, mailbox
):
    enqueue("send_email", **email("once@example.org"))
    db.session.commit()
    job = claim_next()  # ...and the worker that claimed it dies: no heartbeat renews the claim
    assert job.status == "running"

    clock.advance(119)
    assert requeue_stale() == 0
    assert run_due_jobs() == 0

    clock.advance(2)
    assert requeue_stale() == 1
    assert run_due_jobs() == 1
    assert [m.envelope_to for m in mailbox.messages] == [["once@example.org"]]
    job = job_row(job.id)
    assert (job.status, job.attempts) == ("done", 2)


def test_a_long_job_renews_its_claim_and_no_other_worker_takes_it(app, clock, monkeypatch):
    monkeypatch.setattr(jobs, "heartbeat_seconds", lambda: 0.05)
    started, finish = blocking_handler(monkeypatch)
    job = enqueue("test.blocking")
    db.session.commit()
    job_id = job.id
    worker = in_thread(app, run_due_jobs)
    assert started.wait(PATIENCE_SECONDS)

    # Six minutes pass, three times the stale timeout; the claim is renewed all along.
    for _ in range(4):
        clock.advance(90)
        wait_until(lambda: job_row(job_id).heartbeat_at >= clock.now, "a renewed claim")
        assert requeue_stale() == 0
        assert claim_next() is None

    finish.set()
    worker.join(PATIENCE_SECONDS)
    job = job_row(job_id)
    assert (job.status, job.attempts) == ("done", 1)


def test_a_claim_is_renewed_four_times_within_the_stale_timeout(app):
    app.config["PORTAL_JOB_STALE_SECONDS"] = 120
    assert jobs.heartbeat_seconds() == 30


# The worker loop ---------------------------------------------------------------------------


@pytest.fixture
def worker(app):
    """Start `work_forever` in a thread (polling often); stopped and joined at the end."""
    stop = threading.Event()
    threads = []

    def start():
        threads.append(in_thread(app, work_forever, poll_seconds=0.05, stop=stop))
        return threads[-1]

    yield start
    stop.set()
    for thread in threads:
        thread.join(PATIENCE_SECONDS)
        assert not thread.is_alive(), "the worker did not stop"


def test_the_worker_carries_on_when_the_database_cannot_be_reached(
    app, worker, mailbox, monkeypatch, caplog
):
    real_claim_next = jobs.claim_next
    failures = []

    def claim_next_while_the_database_is_away():
        if len(failures) < 3:
            failures.append(1)
            raise OperationalError("SELECT", {}, Exception("connection refused"))
        return real_claim_next()

    monkeypatch.setattr(jobs, "claim_next", claim_next_while_the_database_is_away)
    caplog.set_level(logging.INFO, logger=jobs.__name__)
    thread = worker()
    enqueue("send_email", **email("after-the-outage@example.org"))
    db.session.commit()

    wait_until(lambda: mailbox.messages, "the email")
    assert thread.is_alive()
    assert [m.envelope_to for m in mailbox.messages] == [["after-the-outage@example.org"]]
    lost = [r for r in caplog.records if "lost its database connection" in r.getMessage()]
    assert len(lost) == 3
    # The waits double from the poll interval.
    assert [r.getMessage().rsplit("in ", 1)[1] for r in lost] == ["0.05 s", "0.1 s", "0.2 s"]
    back = "reconnected to the database after 3"
    wait_until(
        lambda: any(back in r.getMessage() for r in caplog.records), "the worker to say it is back"
    )


def test_the_worker_stops_when_asked_after_the_job_at_hand(app, monkeypatch):
    started, finish = blocking_handler(monkeypatch)
    job = enqueue("test.blocking")
    db.session.commit()
    job_id = job.id
    stop = threading.Event()
    thread = in_thread(app, work_forever, poll_seconds=0.05, stop=stop)
    assert started.wait(PATIENCE_SECONDS)

    stop.set()
    finish.set()
    thread.join(PATIENCE_SECONDS)
    assert not thread.is_alive()
    assert job_row(job_id).status == "done"


def test_the_worker_command_runs_jobs_and_stops_on_sigterm(
    app, database_url, smtp_server, mailbox, tmp_path
):
    environment = {
        **os.environ,
        "FLASK_APP": "wsgi.py",
        "DATABASE_URL": database_url,
        "PORTAL_INSTANCE_DIR": str(tmp_path),
        "MAIL_BACKEND": "smtp",
        "MAIL_PORT": str(smtp_server.port),
    }
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "portal", "worker", "--poll", "0.1"],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        enqueue("send_email", **email("from-the-command@example.org"))
        db.session.commit()
        wait_until(lambda: mailbox.messages, "the email sent by the worker process")
        process.send_signal(signal.SIGTERM)
        assert process.wait(PATIENCE_SECONDS) == 0, log_path.read_text()
    finally:
        process.kill()
        process.wait()
    assert [m.envelope_to for m in mailbox.messages] == [["from-the-command@example.org"]]


def terminate_other_connections():
    """End every other connection to the test database, as an administrator (or a failover)
    would; the worker's among them."""
    ended = db.session.scalar(
        text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    )
    db.session.commit()
    return ended


def test_the_worker_carries_on_after_its_database_connections_are_terminated(
    app, worker, mailbox, monkeypatch, caplog
):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("pg_terminate_backend needs PostgreSQL (PORTAL_TEST_DATABASE_URL)")
    caplog.set_level(logging.INFO, logger=jobs.__name__)
    app.config["PORTAL_JOB_STALE_SECONDS"] = 2
    started, finish = blocking_handler(monkeypatch)
    job = enqueue("test.blocking")
    db.session.commit()
    interrupted_id = job.id
    thread = worker()
    assert started.wait(PATIENCE_SECONDS)

    # The worker is inside a job, its transaction open: its connection goes away under it.
    assert terminate_other_connections() >= 1
    finish.set()
    wait_until(
        lambda: any("lost its database connection" in r.getMessage() for r in caplog.records),
        "the worker to notice",
    )
    enqueue("send_email", **email("after-the-kill@example.org"))
    db.session.commit()
    wait_until(lambda: mailbox.messages, "the email queued after the connections were ended")
    assert thread.is_alive()
    assert [m.envelope_to for m in mailbox.messages] == [["after-the-kill@example.org"]]

    # The job whose outcome could not be recorded kept its claim until the claim went stale,
    # and was then run again.
    wait_until(lambda: job_row(interrupted_id).status == "done", "the interrupted job run again")
    assert job_row(interrupted_id).attempts == 2

    # Connections ended while the worker waits: the pool checks a connection before use.
    terminate_other_connections()
    enqueue("send_email", **email("while-idle@example.org", subject="While idle"))
    db.session.commit()
    wait_until(lambda: len(mailbox.messages) == 2, "the email queued while the worker was idle")
    assert thread.is_alive()
