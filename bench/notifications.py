"""Benchmark of the notifications: posting where thousands watch, the fan-out job, a digest.

    .venv/bin/python bench/notifications.py
    .venv/bin/python bench/notifications.py \\
        --database postgresql+psycopg://postgres@127.0.0.1:5432/bench_notifications

Steps: a fresh database (a SQLite file in a temporary folder by default; with `--database`,
a PostgreSQL database of that name, created and afterwards dropped by the benchmark, whose
name must start with `bench`) gets the project's migrations and the data of
bench/notification_data.py: 5,000 active people watching topic A (60 % instant email, 30 %
daily digest, 10 % in the portal only), nobody following topic B, one thread in each.

1. The posting request. gunicorn serves the portal with 2 workers and
   `PORTAL_RUN_JOBS_INLINE=0`, as in production: the jobs a request queues wait for the
   worker, and no worker runs. The benchmark account signs in through the real form and posts
   replies through the thread page's form (CSRF token read from the page), alternating
   between topic A's and topic B's thread; each POST must answer 302 to the new post, and
   the posts must be in the database afterwards. The aim: the p50 time of a POST in topic A
   within 10 % of that in topic B, because the fan-out is not done in the request.
2. The fan-out job, in-process: a fresh reply in topic A, then `run_due_jobs(limit=1)` runs
   its `notifications.fan_out` job alone (every other pending job is parked beforehand, so
   the emails it queues are counted, not sent). Repeated on fresh replies; the median and
   the highest time are kept, with the SQL statements of the job (a `before_cursor_execute`
   listener) to show that the fan-out is set-based.
3. The daily digest: every watcher gets 3 unsent daily notifications of yesterday, then
   `send_digests("daily", yesterday)` renders and queues one email each; a second run must
   queue none.

Emails are never sent: the jobs stay pending in the benchmark's database (and the mail backend
is the `files` one, writing into the temporary folder, should one run). The figures are
printed and written to docs/benchmarks.md (section "Notifications (fan-out and digests)");
the run of the other database already there is kept.
"""

import argparse
import os
import re
import statistics
import sys
import time
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

# Run as a script (`python bench/notifications.py`): make the project importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, func, select, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench import database, harness  # noqa: E402
from bench.database import bench_config, database_version  # noqa: E402
from bench.notification_data import (  # noqa: E402
    DELIVERY_SHARES,
    DIGEST_ITEMS,
    add_digest_backlog,
    populate,
)
from portal import create_app  # noqa: E402
from portal.accounts.models import User  # noqa: E402
from portal.core.events import Event  # noqa: E402
from portal.core.jobs import PENDING, Job, run_due_jobs  # noqa: E402
from portal.core.models import now_utc  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.forum.models import Post, Thread  # noqa: E402
from portal.forum.services import reply  # noqa: E402
from portal.notifications.delivery import send_digests  # noqa: E402
from portal.notifications.models import Notification  # noqa: E402

NAME = "notifications"
TITLE = "Notifications (fan-out and digests)"
#: The posting request in a watched topic may take at most this much longer than elsewhere.
AIM = 0.10
FAN_OUT_JOB = "notifications.fan_out"
#: Pending jobs the benchmark does not run are moved this far into the future.
PARKED = timedelta(days=3650)
REPLY_BODY = (
    "Reply {number}: our register lists each broker's activities and the States where they "
    "act; we share extracts with the authorities of those States on request."
)


def main():
    options = parse_arguments()
    # A run should take minutes: each phase waits this long at most, once, then goes ahead.
    harness.QUIET_WAIT_SECONDS = options.quiet_wait
    run = database.run_in_fresh_folder(
        "bench-notifications-", options, lambda url, workdir: benchmark(options, url, workdir)
    )
    print_run(run)
    if options.no_doc:
        return
    database.keep_run(
        NAME,
        run,
        lambda saved, new: saved["database"] == new["database"],
        lambda r: r["database"],
        render,
    )


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--watchers", type=int, default=5_000, help="people watching topic A")
    parser.add_argument("--replies", type=int, default=30, help="measured POSTs per topic")
    parser.add_argument("--warm-up", type=int, default=3, help="unmeasured POSTs per topic")
    parser.add_argument("--fan-outs", type=int, default=5, help="fan-out jobs measured")
    parser.add_argument(
        "--quiet-wait",
        type=int,
        default=60,
        help="seconds each phase waits at most for a quiet machine (the figures say how busy "
        "it was)",
    )
    parser.add_argument("--seed", type=int, default=20261125)
    database.add_run_arguments(parser)
    return parser.parse_args()


# The run ------------------------------------------------------------------------------------


def code_fingerprint():
    return harness.code_fingerprint("portal", "migrations")


def benchmark(options, url, workdir):
    code = code_fingerprint()
    os.environ["PORTAL_INSTANCE_DIR"] = str(workdir)
    app = create_app(bench_config(url, workdir))
    with app.app_context():
        started = time.perf_counter()
        upgrade()
        print(f"Generating {options.watchers:,} watchers...", flush=True)
        data = populate(options.watchers, options.seed)
        generated = time.perf_counter() - started
        with db.engine.connect() as connection:
            version = database_version(connection)
        db.engine.dispose()
    print(
        f"{data.users:,} people, {data.watchers:,} watching topic A "
        f"({format_deliveries(data.deliveries)}) in {generated:.0f} s ({version})",
        flush=True,
    )
    database_processes = ["postgres"] if url.startswith("postgresql") else []
    posting = measure_posting(options, data, url, workdir, database_processes)
    with app.app_context():
        check_posts(data, posting)
        ours = harness.OurProcesses(None, database_processes)
        fan_out = measure_fan_out(options, data, ours)
        digest = measure_digest(data, ours)
        db.engine.dispose()
    return {
        "database": make_url(url).get_backend_name(),
        "database_version": version,
        "data": {"users": data.users, "watchers": data.watchers, "deliveries": data.deliveries},
        "posting": posting["figures"],
        "fan_out": fan_out,
        "digest": digest,
        "generation_s": round(generated),
        "quiet_wait_s": options.quiet_wait,
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "command": safe_command(),
        "code": code if code == code_fingerprint() else f"{code}, changed during the run",
        "machine": harness.machine(version),
    }


def format_deliveries(deliveries):
    return ", ".join(f"{count:,} {delivery}" for delivery, count in deliveries.items())


# 1. The posting request ---------------------------------------------------------------------


def measure_posting(options, data, url, workdir, database_processes):
    """POST replies to both threads through gunicorn; returns the figures and the post ids."""
    env = database.server_env(url, workdir)
    threads = {"watched": data.thread_a_id, "unfollowed": data.thread_b_id}
    times = {name: [] for name in threads}
    post_ids = {name: [] for name in threads}
    with harness.gunicorn(env, workers=2, log_path=workdir / "gunicorn.log") as (port, group):
        cookie = harness.sign_in(port, data.email, data.password)
        ours = harness.OurProcesses(group, database_processes)
        print(
            f"Posting {options.warm_up} unmeasured and {options.replies} measured replies "
            "to each thread...",
            flush=True,
        )
        for number in range(options.warm_up + options.replies):
            # Alternate, and change which comes first, so that drift touches both alike.
            order = list(threads) if number % 2 == 0 else list(reversed(threads))
            if number == options.warm_up:
                harness.wait_for_quiet(ours)
                before, started = harness.cpu_seconds(), time.monotonic()
            for name in order:
                cookie, elapsed, post_id = post_reply(port, cookie, threads[name], number)
                post_ids[name].append(post_id)
                if number >= options.warm_up:
                    times[name].append(elapsed)
        others = ours.others_share(before, harness.cpu_seconds(), started)
    figures = {name: latency_figures(values) for name, values in times.items()}
    figures["ratio_p50"] = round(figures["watched"]["p50_ms"] / figures["unfollowed"]["p50_ms"], 3)
    figures["ratio_p95"] = round(figures["watched"]["p95_ms"] / figures["unfollowed"]["p95_ms"], 3)
    figures["replies"] = options.replies
    figures["warm_up"] = options.warm_up
    figures["other_cpu_pct"] = round(others, 1)
    return {"figures": figures, "post_ids": post_ids, "threads": threads}


TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def post_reply(port, cookie, thread_id, number):
    """Read the thread page's form token, then POST a reply (timed); returns the cookie a
    browser would hold, the POST's time in ms and the new post's id."""
    path = f"/forum/threads/{thread_id}"
    status, headers, body = harness.request(port, "GET", path, cookie)
    token = TOKEN.search(body)
    if status != 200 or token is None:
        raise RuntimeError(f"GET {path} answered {status} without a reply form")
    cookie = harness.session_cookie(headers) or cookie
    form = {
        "csrf_token": token.group(1),
        "body": REPLY_BODY.format(number=number + 1),
        "question": "",
        "quoted_post": "",
        "submit": "Post reply",
    }
    started = time.perf_counter()
    status, headers, _body = harness.request(port, "POST", f"{path}/reply", cookie, form)
    elapsed = (time.perf_counter() - started) * 1000
    location = dict((name.lower(), value) for name, value in headers).get("location", "")
    posted = re.search(r"/forum/posts/(\d+)$", location)
    if status != 302 or posted is None:
        raise RuntimeError(f"POST {path}/reply answered {status} (Location {location!r})")
    return harness.session_cookie(headers) or cookie, elapsed, int(posted.group(1))


def latency_figures(values):
    ordered = sorted(values)
    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 1),
        "max_ms": round(ordered[-1], 1),
    }


def check_posts(data, posting):
    """Fail unless every reply the server redirected to is a post of the right thread."""
    for name, thread_id in posting["threads"].items():
        ids = posting["post_ids"][name]
        found = db.session.scalar(
            select(func.count()).where(Post.id.in_(ids), Post.thread_id == thread_id)
        )
        if found != len(ids):
            raise RuntimeError(f"{len(ids)} replies posted to thread {thread_id}, {found} stored")


# 2. The fan-out job -------------------------------------------------------------------------


def park_pending_jobs():
    """Move every pending job out of reach of `run_due_jobs`; returns how many."""
    result = db.session.execute(
        update(Job).where(Job.status == PENDING).values(run_after=now_utc() + PARKED)
    )
    db.session.commit()
    return result.rowcount


class StatementLog:
    """The SQL statements sent while it listens: how many of each kind (the first word; an
    executemany counts once, being one statement with many rows), and the most parameters
    bound to a single statement (long IN lists grow with the people reached)."""

    def __init__(self):
        self.verbs = Counter()
        self.widest = 0

    def record(self, _connection, _cursor, statement, parameters, _context, many):
        self.verbs[statement.lstrip().split(None, 1)[0].upper()] += 1
        if not many:
            self.widest = max(self.widest, len(parameters or ()))

    @property
    def count(self):
        return sum(self.verbs.values())


@contextmanager
def listening(log):
    event.listen(db.engine, "before_cursor_execute", log.record)
    try:
        yield log
    finally:
        event.remove(db.engine, "before_cursor_execute", log.record)


def measure_fan_out(options, data, ours):
    """Time the fan-out job of fresh replies in topic A, one at a time."""
    author = db.session.scalar(select(User).where(User.email == data.email))
    thread = db.session.get(Thread, data.thread_a_id)
    parked = park_pending_jobs()
    print(
        f"Parked the {parked} jobs the posting left; {options.fan_outs} fan-outs of a reply "
        f"in topic A...",
        flush=True,
    )
    runs = []
    harness.wait_for_quiet(ours)
    # Over the whole phase: a single job is too short for a CPU share to mean much.
    before, started_cpu = harness.cpu_seconds(), time.monotonic()
    for number in range(options.fan_outs):
        post = reply(thread, author, REPLY_BODY.format(number=1000 + number))
        db.session.commit()
        job = db.session.scalars(
            select(Job).where(
                Job.kind == FAN_OUT_JOB, Job.status == PENDING, Job.run_after <= now_utc()
            )
        ).one()
        job_id, event_id = job.id, job.payload["event_id"]
        if db.session.get(Event, event_id).subject_id != post.id:
            raise RuntimeError(f"job {job_id} is not the fan-out of post {post.id}")
        with listening(StatementLog()) as statements:
            started = time.perf_counter()
            ran = run_due_jobs(limit=1)
            elapsed = time.perf_counter() - started
        db.session.expire_all()
        if ran != 1 or db.session.get(Job, job_id).status != "done":
            raise RuntimeError(f"the fan-out job of post {post.id} did not run to the end")
        queued = Counter(
            db.session.scalars(select(Job.kind).where(Job.id > job_id, Job.status == PENDING))
        )
        notifications = db.session.scalar(
            select(func.count()).where(Notification.event_id == event_id)
        )
        runs.append(
            {
                "seconds": round(elapsed, 3),
                "notifications": notifications,
                "statements": statements.count,
                "statement_kinds": dict(statements.verbs),
                "widest_statement_parameters": statements.widest,
                "queued": dict(queued),
            }
        )
        print(
            f"  fan-out {number + 1}: {elapsed:.2f} s, {notifications:,} notifications, "
            f"{statements.count} SQL statements, queued {dict(queued) or 'nothing'}",
            flush=True,
        )
        park_pending_jobs()
    others = ours.others_share(before, harness.cpu_seconds(), started_cpu)
    seconds = [run["seconds"] for run in runs]
    return {
        "median_s": round(statistics.median(seconds), 3),
        "max_s": max(seconds),
        "runs": runs,
        "other_cpu_pct": round(others, 1),
    }


# 3. The daily digest ------------------------------------------------------------------------


def measure_digest(data, ours):
    """Time `send_digests("daily", yesterday)` for every watcher, then again."""
    yesterday = now_utc().date() - timedelta(days=1)
    written = add_digest_backlog(data, yesterday)
    park_pending_jobs()
    print(f"{written:,} unsent daily notifications of {yesterday}; the daily digest...", flush=True)
    runs = []
    harness.wait_for_quiet(ours)
    for _ in range(2):
        first_job = db.session.scalar(select(func.max(Job.id))) or 0
        before, started_cpu = harness.cpu_seconds(), time.monotonic()
        started = time.perf_counter()
        digests = send_digests("daily", yesterday)
        db.session.commit()
        elapsed = time.perf_counter() - started
        others = ours.others_share(before, harness.cpu_seconds(), started_cpu)
        queued = Counter(db.session.scalars(select(Job.kind).where(Job.id > first_job)))
        if digests != queued.get("send_email", 0):
            raise RuntimeError(f"{digests} digests reported, {dict(queued)} jobs queued")
        runs.append(
            {
                "seconds": round(elapsed, 2),
                "emails": queued.get("send_email", 0),
                "queued": dict(queued),
                "other_cpu_pct": round(others, 1),
            }
        )
        print(f"  {elapsed:.2f} s, queued {dict(queued) or 'nothing'}", flush=True)
    first = runs[0]
    return {
        "notifications": written,
        "people": data.watchers,
        "seconds": first["seconds"],
        "per_person_ms": round(first["seconds"] * 1000 / max(first["emails"], 1), 2),
        "emails": first["emails"],
        "other_cpu_pct": first["other_cpu_pct"],
        "second_run": runs[1],
    }


def safe_command():
    """The command line, without a database password."""
    arguments = [
        make_url(a).render_as_string(hide_password=True) if "://" in a else a for a in sys.argv[1:]
    ]
    return " ".join([".venv/bin/python", "bench/notifications.py"] + arguments)


# Output -------------------------------------------------------------------------------------


def aim_line(run):
    posting = run["posting"]
    ratio = posting["ratio_p50"]
    verdict = "met" if abs(ratio - 1) <= AIM else "**not met**"
    return (
        f"p50 in the watched topic / p50 elsewhere = {ratio:.2f} "
        f"(p95: {posting['ratio_p95']:.2f}): aim {verdict}"
    )


def rows(run):
    """(measure, figure) pairs of one run, for the terminal and the document."""
    posting, fan_out, digest = run["posting"], run["fan_out"], run["digest"]
    watchers = run["data"]["watchers"]
    runs = fan_out["runs"]
    queued = [sum(r["queued"].values()) for r in runs]
    kinds = sorted({kind for r in runs for kind in r["queued"]})
    statements = sorted({r["statements"] for r in runs})
    verbs = ", ".join(
        f"{count} {verb}"
        for verb, count in sorted(runs[0]["statement_kinds"].items(), key=lambda item: -item[1])
    )
    widest = max(r["widest_statement_parameters"] for r in runs)
    each = ", ".join(f"{r['seconds']:.2f}" for r in runs)
    second = digest["second_run"]
    return [
        (
            f"POST of a reply in topic A ({watchers:,} watchers): p50 / p95 / max",
            f"{posting['watched']['p50_ms']:.1f} / {posting['watched']['p95_ms']:.1f} / "
            f"{posting['watched']['max_ms']:.1f} ms",
        ),
        (
            "POST of a reply in topic B (no subscriber): p50 / p95 / max",
            f"{posting['unfollowed']['p50_ms']:.1f} / {posting['unfollowed']['p95_ms']:.1f} / "
            f"{posting['unfollowed']['max_ms']:.1f} ms",
        ),
        ("Topic A / topic B", aim_line(run)),
        ("Watchers of topic A by delivery", format_deliveries(run["data"]["deliveries"])),
        (
            f"Fan-out job of one reply in topic A ({len(runs)} replies): median / max",
            f"{fan_out['median_s']:.2f} / {fan_out['max_s']:.2f} s (each: {each} s)",
        ),
        ("Notifications written per fan-out", " / ".join(f"{r['notifications']:,}" for r in runs)),
        (
            "SQL statements per fan-out job",
            f"{' or '.join(str(count) for count in statements)} ({verbs} in the first); "
            f"the widest binds {widest:,} parameters",
        ),
        (
            "Jobs queued per fan-out, not run" + (f" ({', '.join(kinds)})" if kinds else ""),
            " / ".join(f"{count:,}" for count in queued),
        ),
        (
            f"Daily digest, {digest['people']:,} people with {DIGEST_ITEMS} items each",
            f"{digest['seconds']:.1f} s, {digest['per_person_ms']:.2f} ms per person, "
            f"{digest['emails']:,} emails queued",
        ),
        (
            "The same digest run again",
            f"{second['seconds']:.2f} s, {second['emails']:,} emails queued",
        ),
        (
            "Others' CPU: posting / fan-outs / digest",
            f"{posting['other_cpu_pct']:.0f} % / {fan_out['other_cpu_pct']:.0f} % / "
            f"{digest['other_cpu_pct']:.0f} %",
        ),
    ]


def print_run(run):
    print(f"\n{run['database_version']}: {run['data']['users']:,} people")
    for measure, figure in rows(run):
        print(f"  {measure}: {figure}")


def render(runs):
    """The Markdown of the section, from every stored run."""
    latest = max(runs, key=lambda r: r["date"])
    machine = latest["machine"]
    shares = ", ".join(f"{share} % {delivery}" for delivery, share in DELIVERY_SHARES.items())
    watchers = latest["data"]["watchers"]
    lines = [
        f"## {TITLE}",
        "",
        "`bench/notifications.py` answers the question: does a post in a topic watched by "
        f"{watchers:,} people cost its author anything, and how long do the fan-out and a daily "
        f"digest take? It makes {watchers:,} active people who watch topic A (delivery: {shares}) "
        "and nobody who "
        "follows topic B, both in a working group every user may read, one thread in each.",
        "",
        "- **Posting.** gunicorn (2 sync workers) with `PORTAL_RUN_JOBS_INLINE=0`, as in "
        "production: the request writes the post, its event and the fan-out job, and the "
        "worker (not running here) would do the rest. The benchmark account, a State Party "
        "delegate signed in through the real form, posts replies through the thread page's "
        "form (CSRF token read from the page), alternately in topic A's and topic B's thread, "
        "after a few unmeasured ones; each POST must answer 302 to its post, and the posts must "
        "be stored. The time is that of the POST alone, on 127.0.0.1.",
        "- **Fan-out.** In-process, a fresh reply in topic A, then `run_due_jobs(limit=1)` runs "
        "its `notifications.fan_out` job alone: the time includes the outbox claiming and "
        "closing the job (its statements are among those counted), and the queueing of the "
        "instant emails, but not their sending (the "
        "queued jobs are counted and left pending; the posting's own fan-out jobs were set "
        "aside first). SQL statements are counted with a `before_cursor_execute` listener; "
        "an executemany counts once. *The widest* is the most parameters bound to one "
        "statement: the fan-out passes the people it reaches as IN lists, and a statement "
        "may bind at most 32,766 parameters on SQLite (65,535 on PostgreSQL).",
        "- **Digest.** Each watcher gets 3 unsent daily notifications of yesterday (bulk "
        'insert), then `send_digests("daily", yesterday)` renders and queues one email per '
        "person, each in a transaction of its own (the time includes the commits); a second "
        "run must queue nothing.",
        "",
        f"**Machine:** {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB "
        f"memory, Python {machine['python']}; the client, gunicorn and the database share "
        "these cores. *Others' CPU* is the share of the machine that processes outside the "
        "benchmark used during each phase; each phase first waits for it to fall below "
        f"{harness.QUIET_PCT} % (for {latest['quiet_wait_s']} s at most).",
        "",
        f"**Aim:** the p50 of the POST in topic A within {AIM * 100:.0f} % of that in topic B "
        "(the p95 of a few dozen requests is shown, but too noisy to judge by).",
    ]
    for run in runs:
        lines += [
            "",
            f"### {run['database_version']} ({run['date']}, code `{run['code']}`)",
            "",
            "| Measure | Figure |",
            "| --- | --- |",
        ]
        lines += [f"| {measure} | {figure} |" for measure, figure in rows(run)]
    lines += [
        "",
        "**Commands** (*code* is a hash of `portal/` and `migrations/` when the run "
        "started: runs with different hashes measured different code):",
        "",
    ]
    lines += [
        f"- `{run['command']}` ({run['database_version']}, {run['date']}, code "
        f"`{run['code']}`, data generated in {run['generation_s']} s)"
        for run in runs
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
