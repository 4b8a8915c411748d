"""The outbox: jobs written in the same transaction as the change that causes them.

A request (or a service) calls `enqueue(kind, **payload)`; the job row commits or rolls back
with the change. After commit the jobs run, either in the web process right after the request
(development, tests) or in `flask portal worker` (production). A job handler must be
idempotent: a process may die after the work and before the job is marked done, and the job
then runs again. Failures are retried with exponential backoff; after the last attempt the job
stays `failed`, listed for the Secretariat, who can retry it.

A claimed job is `running`; while its handler works, a heartbeat thread renews the claim
(`heartbeat_at`) four times within PORTAL_JOB_STALE_SECONDS. A job whose heartbeat is older
than that belongs to a process that died, and `requeue_stale` puts it back.

The worker outlives its database: when a connection is lost (a restart, a failover, a
terminated backend), it rolls back, logs, waits (doubling from the poll interval up to
RECONNECT_MAX_WAIT) and carries on with a fresh connection.
"""

import logging
import threading
import time
import traceback
from datetime import timedelta

from flask import current_app, g, has_app_context
from sqlalchemy import insert, select, update
from sqlalchemy.exc import InterfaceError, OperationalError

from portal.core.models import CreatedMixin, IdMixin, now_utc
from portal.extensions import db

log = logging.getLogger(__name__)

PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
#: The longest wait between two attempts.
MAX_BACKOFF = timedelta(hours=1)
#: The longest wait of the worker between two attempts to reach a database that does not answer.
RECONNECT_MAX_WAIT = 60
#: The errors of a database connection that was lost or could not be made.
CONNECTION_ERRORS = (OperationalError, InterfaceError)

HANDLERS = {}
#: Callables the worker runs about once a minute, each ending its own transaction (for example
#: the scheduling of digests). A failure is logged and does not stop the worker.
PERIODIC = []


class Job(IdMixin, CreatedMixin, db.Model):
    __tablename__ = "jobs"

    kind = db.Column(db.String(64), nullable=False)
    payload = db.Column(db.JSON, nullable=False, default=dict)
    status = db.Column(db.String(16), nullable=False, default=PENDING, index=True)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    #: Not run before this time (set by the backoff after a failure).
    run_after = db.Column(db.DateTime, nullable=False, default=now_utc, index=True)
    started_at = db.Column(db.DateTime)
    #: Last renewal of a running job's claim; older than PORTAL_JOB_STALE_SECONDS: stale.
    heartbeat_at = db.Column(db.DateTime)
    finished_at = db.Column(db.DateTime)
    last_error = db.Column(db.Text)


def handler(kind):
    """Register the function that carries out jobs of `kind`; it receives the payload dict."""

    def register(function):
        HANDLERS[kind] = function
        return function

    return register


def enqueue(kind, **payload):
    """Add a job to the current transaction; it runs only if the transaction commits."""
    if kind not in HANDLERS:
        raise ValueError(f"no handler for job kind {kind!r}")
    job = Job(kind=kind, payload=payload, status=PENDING, run_after=now_utc())
    db.session.add(job)
    if has_app_context():
        g.portal_jobs_queued = True
    return job


def enqueue_many(kind, payloads, run_after=None):
    """Add one job of `kind` per payload to the current transaction, in one statement.

    `run_after` is when they may run: one time for all (now by default), or a list with one
    time per payload. Returns how many were added. Raises ValueError for an unknown kind.
    """
    if kind not in HANDLERS:
        raise ValueError(f"no handler for job kind {kind!r}")
    payloads = list(payloads)
    if not payloads:
        return 0
    now = now_utc()
    times = run_after if isinstance(run_after, list) else [run_after or now] * len(payloads)
    db.session.execute(
        insert(Job),
        [
            {
                "kind": kind,
                "payload": payload,
                "status": PENDING,
                "attempts": 0,
                "run_after": time_due,
                "created_at": now,
            }
            for payload, time_due in zip(payloads, times, strict=True)
        ],
    )
    if has_app_context():
        g.portal_jobs_queued = True
    return len(payloads)


def backoff(attempts):
    seconds = current_app.config["PORTAL_JOB_BACKOFF_SECONDS"] * (2 ** (attempts - 1))
    return min(timedelta(seconds=seconds), MAX_BACKOFF)


def stale_after():
    """How old a running job's heartbeat is when its process is taken for dead."""
    return timedelta(seconds=current_app.config["PORTAL_JOB_STALE_SECONDS"])


def heartbeat_seconds():
    """How often a running job renews its claim: four times within the stale timeout, so that a
    slow database or a busy machine delaying a beat or two does not let another worker take it."""
    return current_app.config["PORTAL_JOB_STALE_SECONDS"] / 4


def requeue_stale():
    """Put back jobs left `running` by a process that died, so that nothing is lost.

    A job that had used its last attempt is failed instead: if it is what killed the worker,
    running it again would kill the next one too.
    """
    stale = (Job.status == RUNNING, Job.heartbeat_at < now_utc() - stale_after())
    max_attempts = current_app.config["PORTAL_JOB_MAX_ATTEMPTS"]
    db.session.execute(
        update(Job)
        .where(*stale, Job.attempts >= max_attempts)
        .values(
            status=FAILED, finished_at=now_utc(), last_error="The worker stopped during the job."
        )
    )
    result = db.session.execute(
        update(Job).where(*stale).values(status=PENDING, run_after=now_utc())
    )
    db.session.commit()
    return result.rowcount


def claim_next():
    """Take the oldest due job, marking it running; concurrent workers skip locked rows."""
    job = db.session.scalars(
        select(Job)
        .where(Job.status == PENDING, Job.run_after <= now_utc())
        .order_by(Job.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if job is None:
        db.session.commit()
        return None
    job.status = RUNNING
    job.started_at = job.heartbeat_at = now_utc()
    job.attempts += 1
    db.session.commit()
    return job


class Heartbeat:
    """Renews the claim of a running job from a thread of its own while the handler works.

    The renewal uses a connection of its own, so the handler's transaction is left alone. A
    renewal that fails (the database is away for a moment) is logged and tried at the next beat.
    """

    def __init__(self, job_id):
        self.job_id = job_id
        self.engine = db.engine
        self.interval = heartbeat_seconds()
        self.stopped = threading.Event()
        self.thread = threading.Thread(
            target=self.beat, name=f"job-{job_id}-heartbeat", daemon=True
        )

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stopped.set()
        self.thread.join()

    def beat(self):
        while not self.stopped.wait(self.interval):
            try:
                with self.engine.begin() as connection:
                    connection.execute(
                        update(Job)
                        .where(Job.id == self.job_id, Job.status == RUNNING)
                        .values(heartbeat_at=now_utc())
                    )
            except CONNECTION_ERRORS:
                log.warning("job %s: its claim could not be renewed", self.job_id, exc_info=True)


def run_job(job):
    """Carry out one claimed job and record the outcome. Returns True on success.

    Raises the errors of a lost database connection met while recording the outcome; the job
    then stays `running` until its claim goes stale.
    """
    job_id = job.id
    try:
        with Heartbeat(job_id):
            HANDLERS[job.kind](dict(job.payload))
    except Exception:  # noqa: BLE001 - any failure of a handler is recorded and retried
        db.session.rollback()
        job = db.session.get(Job, job_id)
        job.last_error = traceback.format_exc(limit=5)[-4000:]
        if job.attempts >= current_app.config["PORTAL_JOB_MAX_ATTEMPTS"]:
            job.status = FAILED
            job.finished_at = now_utc()
            log.error("job %s (%s) failed for good", job.id, job.kind)
        else:
            job.status = PENDING
            job.run_after = now_utc() + backoff(job.attempts)
            log.warning("job %s (%s) failed, attempt %s", job.id, job.kind, job.attempts)
        db.session.commit()
        return False
    job.status = DONE
    job.finished_at = now_utc()
    job.last_error = None
    db.session.commit()
    return True


def run_due_jobs(limit=100):
    """Run due jobs until none is left (or `limit` ran). Returns how many ran."""
    count = 0
    while count < limit:
        job = claim_next()
        if job is None:
            break
        run_job(job)
        count += 1
    return count


def retry(job):
    """Queue a failed job again now (the Secretariat's retry button)."""
    job.status = PENDING
    job.attempts = 0
    job.run_after = now_utc()
    job.finished_at = None
    if has_app_context():
        g.portal_jobs_queued = True


def run_periodic():
    """Run each of `PERIODIC` once; one that fails is logged and the others still run."""
    for task in PERIODIC:
        try:
            task()
        except Exception:  # noqa: BLE001 - the worker must outlive a failing periodic task
            db.session.rollback()
            log.exception("periodic task %s failed", task.__name__)


def work_forever(poll_seconds=2.0, stop=None):
    """The worker loop of `flask portal worker`: runs due jobs until `stop` (a threading.Event)
    is set, finishing the job at hand first.

    Every quarter of the stale timeout (at most every minute) it puts back stale jobs and runs
    the periodic tasks. A lost database connection is logged and waited out, with a wait that
    doubles from `poll_seconds` up to RECONNECT_MAX_WAIT; nothing else stops the loop.
    """
    stop = stop or threading.Event()
    log.info("worker started")
    upkeep_due = 0.0
    failures = 0
    while not stop.is_set():
        try:
            if time.monotonic() >= upkeep_due:
                requeue_stale()
                run_periodic()
                upkeep_due = time.monotonic() + min(60, heartbeat_seconds())
            ran = run_due_jobs()
        except CONNECTION_ERRORS:
            failures += 1
            wait = min(poll_seconds * 2 ** (failures - 1), RECONNECT_MAX_WAIT)
            log.exception("worker lost its database connection; trying again in %g s", wait)
            discard_session()
            stop.wait(wait)
            continue
        if failures:
            log.warning("worker reconnected to the database after %s failed attempts", failures)
            failures = 0
        if not ran:
            stop.wait(poll_seconds)
    log.info("worker stopped")


def discard_session():
    """Drop the session of a lost connection; the next query takes a new one from the pool
    (SQLAlchemy has already invalidated the pool's connections to the vanished server)."""
    try:
        db.session.rollback()
    except CONNECTION_ERRORS:
        log.debug("rollback on a lost connection failed", exc_info=True)
    db.session.remove()


def run_inline_after_request(response):
    """In development and tests, run what this request queued once it has committed."""
    if g.pop("portal_jobs_queued", False) and current_app.config["PORTAL_RUN_JOBS_INLINE"]:
        db.session.rollback()  # a view that did not commit queued nothing that will run
        run_due_jobs()
    return response


def outbox_state():
    """Counts for /healthz and the Secretariat: pending, failed and the oldest pending age."""
    pending = db.session.scalar(select(db.func.count()).where(Job.status == PENDING))
    failed = db.session.scalar(select(db.func.count()).where(Job.status == FAILED))
    oldest = db.session.scalar(select(db.func.min(Job.created_at)).where(Job.status == PENDING))
    age = int((now_utc() - oldest).total_seconds()) if oldest else 0
    return {"pending": pending, "failed": failed, "oldest_pending_seconds": age}
