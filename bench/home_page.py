"""Benchmark of the home page of a delegate who follows 30 places, against the thread page.

    SCALE=10 .venv/bin/python bench/home_page.py
    SCALE=10 .venv/bin/python bench/home_page.py \\
        --database postgresql+psycopg://postgres@127.0.0.1:5432/bench_home

Steps: a fresh database gets the project's migrations and the generated forum of
bench/forum_data.py (20,000 posts per SCALE: 200,000 at SCALE=10), moved forward in time so
that its last post is an hour old (the home page looks at the last 30 days). The benchmark
delegate follows 30 places it may read (up to 10 working groups, 10 topics, and the busiest
threads for the rest), and its previous visit is set 3 days back. gunicorn serves the portal
with 2 workers; the benchmark signs in through the real form, checks each page, loads it
with wrk and counts its SQL statements in-process (as bench/forum_pages.py does). Pages: the
home page (what is new since the last visit), the home page with everything of the last 30
days, and the thread page of bench/forum_pages.py's hot thread, the yardstick.

The aim: the home page runs a fixed number of statements (the same at SCALE=1 and SCALE=10)
and answers about as fast as the thread page. The figures go to docs/benchmarks.md (section
"Home page"); runs of another SCALE or database already there are kept.
"""

import argparse
import os
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, select, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench import database, harness  # noqa: E402
from bench.database import bench_config, database_version  # noqa: E402
from bench.forum_data import BENCH_EMAIL, populate  # noqa: E402
from bench.forum_pages import profile  # noqa: E402
from portal import create_app  # noqa: E402
from portal.access import principals_of  # noqa: E402
from portal.accounts.models import User  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.forum.models import Post, Thread, Topic, WorkingGroup  # noqa: E402
from portal.home.models import HomeVisit  # noqa: E402
from portal.notifications.models import Subscription  # noqa: E402

NAME = "home_page"
TITLE = "Home page"
#: Places the delegate follows: up to 10 working groups, 10 topics, and threads for the rest.
FOLLOWED = 30
FOLLOWED_EACH = 10


def main():
    options = parse_arguments()
    if options.busy_machine:
        harness.QUIET_WAIT_SECONDS = 0
        harness.ATTEMPTS = 1
    scale = int(os.environ.get("SCALE", "10"))
    run = database.run_in_fresh_folder(
        "bench-home-", options, lambda url, workdir: benchmark(options, scale, url, workdir)
    )
    print_run(run)
    if not options.no_doc:
        database.keep_run(
            NAME, run, lambda saved, new: key(saved) == key(new),
            lambda r: (r["database"], r["scale"]), render,
        )


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="measured load per page")
    parser.add_argument("--repeat", type=int, default=3,
                        help="measurements per page; the median is kept")
    parser.add_argument("--warm-up", type=int, default=3, help="unmeasured load per page")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument(
        "--busy-machine", action="store_true",
        help="measure at once, without waiting for other processes to quieten (the figures "
        "then compare the pages of one run with each other, not with other runs)",
    )
    database.add_run_arguments(parser)
    return parser.parse_args()


def move_to_now():
    """Shift every thread and post so that the last post was written an hour ago (row by
    row, in batches: the same on SQLite, which stores moments as text, and PostgreSQL)."""
    last = db.session.scalar(select(func.max(Post.created_at)))
    shift = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(hours=1) - last
    posts = db.session.execute(select(Post.id, Post.created_at)).all()
    for start in range(0, len(posts), 20_000):
        db.session.execute(
            update(Post),
            [{"id": i, "created_at": at + shift} for i, at in posts[start:start + 20_000]],
        )
    threads = db.session.execute(
        select(Thread.id, Thread.created_at, Thread.last_post_at)
    ).all()
    db.session.execute(
        update(Thread),
        [{"id": i, "created_at": at + shift, "last_post_at": latest + shift}
         for i, at, latest in threads],
    )
    db.session.commit()


def follow_thirty(user):
    """The delegate follows 30 places it may read (up to 10 working groups, 10 topics, the
    busiest threads for the rest), and last came 3 days ago."""
    held = principals_of(user)
    spaces = db.session.scalars(
        select(WorkingGroup.id).where(WorkingGroup.acl.in_(held)).order_by(WorkingGroup.id)
        .limit(FOLLOWED_EACH)
    ).all()
    topics = db.session.scalars(
        select(Topic.id).where(Topic.acl.in_(held)).order_by(Topic.id).limit(FOLLOWED_EACH)
    ).all()
    threads = db.session.scalars(
        select(Thread.id).where(Thread.acl.in_(held)).order_by(Thread.post_count.desc())
        .limit(FOLLOWED - len(spaces) - len(topics))
    ).all()
    rows = [("working_group", i) for i in spaces] + [("topic", i) for i in topics]
    rows += [("thread", i) for i in threads]
    db.session.execute(
        insert(Subscription),
        [{"user_id": user.id, "target_type": kind, "target_id": target_id, "target_code": "",
          "level": "watching", "name": "", "query": "", "filters": {},
          "created_at": datetime.now(timezone.utc).replace(tzinfo=None)}
         for kind, target_id in rows],
    )
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    db.session.add(HomeVisit(user_id=user.id, seen_at=now - timedelta(hours=2),
                             previous_seen_at=now - timedelta(days=3)))
    db.session.commit()
    return len(rows)


def benchmark(options, scale, url, workdir):
    code = harness.code_fingerprint("portal", "migrations")
    os.environ["PORTAL_INSTANCE_DIR"] = str(workdir)
    app = create_app(bench_config(url, workdir))
    with app.app_context():
        started = time.perf_counter()
        upgrade()
        print(f"SCALE={scale}: generating the forum...", flush=True)
        data = populate(scale, options.seed)
        move_to_now()
        delegate = db.session.scalar(select(User).where(User.email == BENCH_EMAIL))
        followed = follow_thirty(delegate)
        generated = time.perf_counter() - started
        with db.engine.connect() as connection:
            version = database_version(connection)
        db.engine.dispose()
    print(f"{data.threads} threads, {data.posts} posts, {followed} places followed, "
          f"in {generated:.0f} s ({version})", flush=True)
    pages = {
        "home (since last visit)": ("/", "Discussions you follow"),
        "home (last 30 days)": ("/?show=all", "Everything from the last 30 days."),
        "thread": (f"/forum/threads/{data.hot_thread_id}", data.hot_thread_title),
    }
    env = database.server_env(url, workdir)
    results = {}
    database_processes = ["postgres"] if url.startswith("postgresql") else []
    with harness.gunicorn(env, workers=2, log_path=workdir / "gunicorn.log") as (port, group):
        cookie = harness.sign_in(port, data.email, data.password)
        for path, expected in pages.values():
            cookie = harness.check_page(port, path, cookie, expected)
        for page, (path, expected) in pages.items():
            print(f"Loading {path} for {options.seconds} s...", flush=True)
            results[page] = harness.measure(
                port, path, cookie, options.seconds, options.warm_up,
                options.threads, options.connections, options.repeat, group,
                database_processes,
            )
            harness.check_page(port, path, cookie, expected)
    with app.app_context():
        for page, (path, _expected) in pages.items():
            results[page].update(profile(app, path, cookie))
        db.engine.dispose()
    return {
        "database": make_url(url).get_backend_name(),
        "database_version": version,
        "scale": scale,
        "data": {"threads": data.threads, "posts": data.posts, "followed": followed},
        "pages": results,
        "load": {"tool": harness.load_tool_name(), "threads": options.threads,
                 "connections": options.connections, "seconds": options.seconds,
                 "warm_up": options.warm_up, "repeat": options.repeat},
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "command": " ".join([f"SCALE={scale}", ".venv/bin/python", "bench/home_page.py"]
                            + [make_url(a).render_as_string(hide_password=True)
                               if "://" in a else a for a in sys.argv[1:]]),
        "code": code,
        "machine": harness.machine(version),
    }


def key(run):
    return run["database"], run["scale"]


def print_run(run):
    print(f"\n{run['database_version']}, SCALE={run['scale']}: {run['data']['posts']} posts")
    for page, figures in run["pages"].items():
        print(f"{page:26} {figures['requests_per_s']:8.1f} req/s"
              f"  p50 {figures['p50_ms']:7.1f} ms  p99 {figures['p99_ms']:7.1f} ms"
              f"  {figures['queries']:3.0f} queries  SQL {figures['sql_ms']:6.2f} ms")


def render(runs):
    machine = max(runs, key=lambda r: r["date"])["machine"]
    lines = [
        f"## {TITLE}",
        "",
        "`bench/home_page.py` builds the forum of `bench/forum_pages.py` (20,000 posts per "
        "SCALE), moved forward so that its last post is an hour old, and has the benchmark "
        "delegate follow 30 places (working groups, topics and the busiest threads) with a "
        "previous visit 3 days back. gunicorn (2 sync workers) serves the home page as that "
        "delegate, since the last visit and over the last 30 days, and the thread page of "
        "`bench/forum_pages.py` as the yardstick. *Queries* is the number of SQL statements of "
        "one render, *SQL ms* the time of its SELECTs replayed in-process (median of 7).",
        "",
        f"**Machine:** {machine['cpu']}, {machine['cores']} cores, shared with the load tool, "
        "the workers and the database (and, on this machine, other people's work: compare the "
        "rows of one run with each other).",
        "",
        "| Database | SCALE | Posts | Page | Requests/s | p50 ms | p99 ms | Queries | SQL ms "
        "| Others' CPU | Date |",
        "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for run in runs:
        for page, figures in run["pages"].items():
            lines.append(
                f"| {run['database_version']} | {run['scale']} | {run['data']['posts']:,} "
                f"| {page} | {figures['requests_per_s']:.1f} | {figures['p50_ms']:.1f} "
                f"| {figures['p99_ms']:.1f} | {figures['queries']:.0f} | {figures['sql_ms']:.1f} "
                f"| {figures['other_cpu_pct']:.0f} % | {run['date']} |"
            )
    lines += ["", "**Commands:**", ""]
    lines += [f"- `{run['command']}` ({run['database_version']}, {run['date']}, code "
              f"`{run['code']}`)" for run in runs]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
