"""Benchmark of the forum's topic page and thread page as a signed-in delegate sees them.

    SCALE=1 .venv/bin/python bench/forum_pages.py
    SCALE=10 .venv/bin/python bench/forum_pages.py \\
        --database postgresql+psycopg://postgres@127.0.0.1:5432/bench_forum

Steps: a fresh database (a SQLite file in a temporary folder by default; with `--database`,
a PostgreSQL database of that name, created and afterwards dropped by the benchmark, whose
name must start with `bench`) gets the project's migrations and a generated forum of
50 topics, 2,000 threads and 20,000 posts per SCALE (bench/forum_data.py). gunicorn serves
the portal with 2 workers on a loopback port; the benchmark signs in through the real form,
checks that both pages answer 200 with their content for that cookie, then loads each page
with wrk (3 s warm-up, then 20 s) and reads requests/s and the p50/p99 latencies. Finally it
renders each page in-process a few times to count its SQL queries and their time.

The measured topic and thread are the same rows at every SCALE, so comparing SCALE=1 and
SCALE=10 shows whether a page's cost grows with the size of the database. The aim: the thread
page at SCALE=10 keeps at least 80 % of its SCALE=1 throughput.

The figures are printed and written to docs/benchmarks.md (section "Forum pages (topic and
thread)"); runs of another SCALE or database already there are kept.
"""

import argparse
import os
import re
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

# Run as a script (`python bench/forum_pages.py`): make the project importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench import database, harness  # noqa: E402
from bench.database import bench_config, database_version  # noqa: E402
from bench.forum_data import (  # noqa: E402
    HOT_THREAD_POSTS,
    HOT_TOPIC_THREADS,
    populate,
)
from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402

NAME = "forum_pages"
TITLE = "Forum pages (topic and thread)"
#: Rounds of replaying a page's SELECT statements to time them.
REPLAYS = 7
AIM = 0.8


def main():
    options = parse_arguments()
    scale = int(os.environ.get("SCALE", "1"))
    run = database.run_in_fresh_folder(
        "bench-forum-", options, lambda url, workdir: benchmark(options, scale, url, workdir)
    )
    print_run(run)
    if options.no_doc:
        return
    runs = database.keep_run(
        NAME, run, lambda saved, new: key(saved) == key(new),
        lambda r: (r["database"], r["scale"]), render,
    )
    for line in aim_lines(runs):
        print(line)


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=20, help="measured load per page")
    parser.add_argument("--repeat", type=int, default=3,
                        help="measurements per page; the median is kept")
    parser.add_argument("--warm-up", type=int, default=3, help="unmeasured load per page")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--seed", type=int, default=20261125)
    database.add_run_arguments(parser)
    return parser.parse_args()


# The run ------------------------------------------------------------------------------------


def code_fingerprint():
    return harness.code_fingerprint("portal", "migrations")


def benchmark(options, scale, url, workdir):
    code = code_fingerprint()
    os.environ["PORTAL_INSTANCE_DIR"] = str(workdir)
    app = create_app(bench_config(url, workdir))
    with app.app_context():
        started = time.perf_counter()
        upgrade()
        print(f"SCALE={scale}: generating the forum...", flush=True)
        data = populate(scale, options.seed)
        generated = time.perf_counter() - started
        with db.engine.connect() as connection:
            version = database_version(connection)
        db.engine.dispose()
    print(f"{data.topics} topics, {data.threads} threads, {data.posts} posts, {data.users} "
          f"people in {generated:.0f} s ({version})", flush=True)
    pages = {
        "topic": (f"/forum/topics/{data.hot_topic_id}", data.hot_topic_title),
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
            harness.check_page(port, path, cookie, expected)  # still signed in: nothing skewed
    with app.app_context():
        for page, (path, _expected) in pages.items():
            results[page].update(profile(app, path, cookie))
        db.engine.dispose()
    return {
        "database": make_url(url).get_backend_name(),
        "database_version": version,
        "scale": scale,
        "data": {"topics": data.topics, "threads": data.threads, "posts": data.posts,
                 "users": data.users},
        "pages": results,
        "load": {
            "tool": harness.load_tool_name(),
            "threads": options.threads,
            "connections": options.connections,
            "seconds": options.seconds,
            "warm_up": options.warm_up,
            "repeat": options.repeat,
        },
        "generation_s": round(generated),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "command": safe_command(),
        "code": code if code == code_fingerprint() else f"{code}, changed during the run",
        "machine": harness.machine(version),
    }


def profile(app, path, cookie):
    """The SQL of one render of `path`: how many statements, and what its SELECTs cost when
    replayed (execute and fetch every row, median of `REPLAYS` rounds; SQLite does most of
    the work of a query while its rows are fetched, so timing the execute call alone would
    miss it). Also the costliest statement, to point at the cause when a page slows down."""
    client = app.test_client()
    client.set_cookie(harness.COOKIE_NAME, cookie)
    statements = []

    def record(_connection, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))

    client.get(path)  # unmeasured: the read marker and the session are now as under load
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    if response.status_code != 200:
        raise RuntimeError(f"in-process GET {path} answered {response.status_code}")
    selects = [(s, p) for s, p in statements if s.lstrip().upper().startswith("SELECT")]
    rounds = []
    with db.engine.connect() as connection:
        for _ in range(REPLAYS):
            times = []
            for statement, parameters in selects:
                started = time.perf_counter()
                connection.exec_driver_sql(statement, parameters).fetchall()
                times.append((time.perf_counter() - started) * 1000)
            rounds.append(times)
    per_statement = [statistics.median(column) for column in zip(*rounds)]
    costliest = max(range(len(selects)), key=per_statement.__getitem__)
    return {
        "queries": len(statements),
        "sql_ms": round(statistics.median(sum(times) for times in rounds), 2),
        "slowest_sql": " ".join(selects[costliest][0].split()),
        "slowest_sql_ms": round(per_statement[costliest], 2),
    }


def safe_command():
    """The command line, without a database password."""
    arguments = [
        make_url(a).render_as_string(hide_password=True) if "://" in a else a
        for a in sys.argv[1:]
    ]
    return " ".join(
        [f"SCALE={os.environ.get('SCALE', '1')}", ".venv/bin/python", "bench/forum_pages.py"]
        + arguments
    )


def key(run):
    return run["database"], run["scale"]


# Output -------------------------------------------------------------------------------------


def print_run(run):
    data = run["data"]
    print(f"\n{run['database_version']}, SCALE={run['scale']}: {data['topics']} topics, "
          f"{data['threads']} threads, {data['posts']} posts")
    print(f"{'page':8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'failed':>7} {'queries':>8} "
          f"{'SQL ms':>7} {'others CPU %':>13}")
    for page, figures in run["pages"].items():
        print(f"{page:8} {figures['requests_per_s']:8.1f} {figures['p50_ms']:8.1f} "
              f"{figures['p99_ms']:8.1f} {figures['failed']:7d} {figures['queries']:8.0f} "
              f"{figures['sql_ms']:7.2f} {figures['other_cpu_pct']:13.1f}")
        print(f"         costliest query ({figures['slowest_sql_ms']} ms): "
              f"{figures['slowest_sql'][:400]}")


def render(runs):
    """The Markdown of the section, from every stored run."""
    latest = max(runs, key=lambda r: r["date"])
    machine = latest["machine"]
    load = latest["load"]
    lines = [
        f"## {TITLE}",
        "",
        "`bench/forum_pages.py` builds a forum of 50 topics, 2,000 threads and 20,000 posts of "
        "generated prose per SCALE, serves it with gunicorn (2 sync workers) and loads two pages "
        "as a signed-in State Party delegate: the topic page `/forum/topics/<id>` of a topic with "
        f"{HOT_TOPIC_THREADS} threads, and the first page (20 posts) of the thread page "
        f"`/forum/threads/<id>` of a thread with {HOT_THREAD_POSTS} posts. That topic and "
        "thread are the same rows at every SCALE; only the rest of the data grows. PostgreSQL "
        "gets `VACUUM ANALYZE` after the load (as autovacuum would soon do); SQLite is left "
        "without statistics, as the portal leaves it.",
        "",
        f"**Machine:** {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB "
        f"memory, Python {machine['python']}. The load tool, the two gunicorn workers and the "
        f"database all run on this machine and share its {machine['cores']} cores, so the "
        "figures are lower than a server would give and are meant to be compared with each "
        "other.",
        "",
        f"**Load:** {load['tool']}, {load['threads']} threads, {load['connections']} "
        f"connections, on 127.0.0.1: {load['warm_up']} s of warm-up, then {load['repeat']} "
        f"measurements of {load['seconds']} s per page; the table gives the one with the "
        "median throughput, and in brackets the lowest and highest throughput of the "
        "measurements. *Queries* is the number of SQL statements of one render; *SQL ms* the time "
        "its SELECTs take when replayed on the same database (execute and fetch, median of "
        f"{REPLAYS} rounds), measured in-process after the load. *Others' CPU* is the share of "
        "the machine's CPU that processes outside the benchmark used during the measurement "
        f"(each measurement first waits until it is below {harness.QUIET_PCT} %): the "
        "machine is shared, and a figure taken while it is busy is not worth comparing.",
        "",
        "| Database | SCALE | Topics / threads / posts | Page | Requests/s | p50 ms | p99 ms "
        "| Queries | SQL ms | Others' CPU | Date |",
        "| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for run in runs:
        data = run["data"]
        size = f"{data['topics']:,} / {data['threads']:,} / {data['posts']:,}"
        for page, figures in run["pages"].items():
            failed = f", {figures['failed']} failed" if figures["failed"] else ""
            spread = figures["requests_per_s_runs"]
            lines.append(
                f"| {run['database_version']} | {run['scale']} | {size} | {page} "
                f"| {figures['requests_per_s']:.1f} ({min(spread):.0f}–{max(spread):.0f}{failed}) "
                f"| {figures['p50_ms']:.1f} "
                f"| {figures['p99_ms']:.1f} | {figures['queries']:.0f} | {figures['sql_ms']:.1f} "
                f"| {figures['other_cpu_pct']:.0f} % | {run['date']} |"
            )
    lines += ["", "**Aim:** the thread page at SCALE=10 within 20 % of its SCALE=1 throughput."]
    lines += [""] + [f"- {line}" for line in aim_lines(runs)]
    growing = growing_queries(runs)
    if growing:
        lines += ["", "**SQL that grows with the data** (a page whose SQL time at SCALE=10 is more "
                  "than twice that at SCALE=1, with its costliest statement):", ""]
        lines += [f"- {line}" for line in growing]
    lines += ["", "**Commands** (*code* is a hash of `portal/` and `migrations/` when the run "
              "started: runs with different hashes measured different code):", ""]
    lines += [f"- `{run['command']}` ({run['database_version']}, {run['date']}, code "
              f"`{run['code']}`, data generated in {run['generation_s']} s)" for run in runs]
    return "\n".join(lines)


def growing_queries(runs):
    by_key = {key(run): run for run in runs}
    lines = []
    for (engine, scale), large in sorted(by_key.items()):
        small = by_key.get((engine, 1))
        if scale == 1 or small is None:
            continue
        for page, figures in large["pages"].items():
            before = small["pages"][page]["sql_ms"]
            if figures["sql_ms"] > 2 * before and figures["sql_ms"] > 5:
                statement = re.sub(r"^SELECT (DISTINCT )?.*? FROM ", r"SELECT \1... FROM ",
                                   figures["slowest_sql"])
                lines.append(
                    f"{large['database_version']}, {page} page: {before:.1f} ms at SCALE=1, "
                    f"{figures['sql_ms']:.1f} ms at SCALE={scale}; costliest "
                    f"({figures['slowest_sql_ms']:.1f} ms): `{statement}`"
                )
    return lines


def aim_lines(runs):
    by_key = {key(run): run for run in runs}
    lines = []
    for engine in sorted({run["database"] for run in runs}):
        small, large = by_key.get((engine, 1)), by_key.get((engine, 10))
        if small is None or large is None:
            lines.append(f"{engine}: needs runs at SCALE=1 and SCALE=10.")
            continue
        ratio = (large["pages"]["thread"]["requests_per_s"]
                 / small["pages"]["thread"]["requests_per_s"])
        verdict = "met" if ratio >= AIM else "**not met**"
        caveat = "" if small["code"] == large["code"] else (
            " (careful: the two runs measured different code)"
        )
        lines.append(
            f"{large['database_version']}: the thread page at SCALE=10 keeps {ratio * 100:.0f} % "
            f"of its SCALE=1 throughput: {verdict}{caveat}."
        )
    return lines


if __name__ == "__main__":
    main()
