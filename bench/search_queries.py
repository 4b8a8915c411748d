"""Benchmark of the search page and the index behind it, as a signed-in delegate uses them.

    SCALE=1 .venv/bin/python bench/search_queries.py
    SCALE=1 .venv/bin/python bench/search_queries.py \\
        --database postgresql+psycopg://postgres@127.0.0.1:5432/bench_search

Steps: a fresh database (a SQLite file in a temporary folder by default; with `--database`,
a PostgreSQL database of that name, created and afterwards dropped by the benchmark, whose
name must start with `bench`) gets the project's migrations and the library of
bench/search_data.py: 2,000 documents per SCALE with extracted texts of 2,000 to 5,000 words
in English and some French, Spanish and Russian versions, at mixed access levels.

1. The index is built with `portal.search.engine.rebuild()`, the work of `flask search
   rebuild`; its time and items per second are reported.
2. gunicorn serves the portal with 2 workers; the benchmark signs in through the real form as
   a State Party delegate, checks that each query's page answers 200 and shows the number of
   documents the index finds for that delegate, then loads each page with wrk (the harness's
   Python load without wrk): warm-up, then 3 measurements of 10 s; requests/s, p50 and p99.
3. In-process, the same searches through `get_index().search(...)` alone and through the whole
   page (test client, same cookie), median of 20 each, to tell the engine from the rest of the
   request. The query whose engine time is longest is profiled with cProfile.

The figures are printed and written to docs/benchmarks.md (section "Search"); runs of another
SCALE or database already there are kept.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
import urllib.parse
from datetime import datetime, timezone
from pathlib import Path

# Run as a script (`python bench/search_queries.py`): make the project importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench import database, harness  # noqa: E402
from bench.database import bench_config, database_version  # noqa: E402
from bench.search_data import DOCUMENTS_PER_SCALE, RARE_WORD, populate  # noqa: E402
from portal import create_app  # noqa: E402
from portal.access import principals_of  # noqa: E402
from portal.accounts.models import User  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.search.engine import get_index, rebuild  # noqa: E402
from portal.search.views import PER_PAGE  # noqa: E402

NAME = "search"
TITLE = "Search"
#: The queries measured, by what each stands for; typed into the search box as they are.
QUERIES = {
    "common word": "diversion",
    "rare word": RARE_WORD,
    "phrase": '"national control list"',
    "field query": "type:working_paper wg:WGTR after:2025",
    "symbol prefix": "symbol:ATT/CSP11.WGETI",
    "symbol part": "CSP11.WGETI",
    "typo": "diversiom",
    "delegation by name": "from:Ghana",
}
#: In-process rounds of each search and page; the median is kept.
ROUNDS = 20
#: Functions of the profile kept, by time spent in the function itself.
PROFILE_TOP = 8


def main():
    options = parse_arguments()
    # A run should take minutes on a shared machine: each measurement waits this long at
    # most for a quiet machine, and is taken this many times at most; the figures say how busy
    # it was.
    harness.QUIET_WAIT_SECONDS = options.quiet_wait
    harness.ATTEMPTS = options.attempts
    scale = int(os.environ.get("SCALE", "1"))
    run = database.run_in_fresh_folder(
        "bench-search-", options, lambda url, workdir: benchmark(options, scale, url, workdir)
    )
    print_run(run)
    if options.no_doc:
        return
    database.keep_run(
        NAME,
        run,
        lambda saved, new: key(saved) == key(new),
        lambda r: (r["database"], r["scale"]),
        render,
    )


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="measured load per query")
    parser.add_argument(
        "--repeat", type=int, default=3, help="measurements per query; the median is kept"
    )
    parser.add_argument("--warm-up", type=int, default=3, help="unmeasured load per query")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument(
        "--quiet-wait",
        type=int,
        default=60,
        help="seconds each measurement waits at most for a quiet machine",
    )
    parser.add_argument(
        "--attempts",
        type=int,
        default=harness.ATTEMPTS,
        help="tries of a measurement while other processes take the CPU",
    )
    parser.add_argument("--seed", type=int, default=20261125)
    database.add_run_arguments(parser)
    return parser.parse_args()


# The run ------------------------------------------------------------------------------------


def code_fingerprint():
    return harness.code_fingerprint("portal", "search_index", "migrations")


def page_path(text):
    return "/search/?" + urllib.parse.urlencode({"q": text})


def count_text(total):
    """How the page shows the number of results, whatever the wording around it."""
    return f"<strong>{total} "


def benchmark(options, scale, url, workdir):
    code = code_fingerprint()
    os.environ["PORTAL_INSTANCE_DIR"] = str(workdir)
    app = create_app(bench_config(url, workdir))
    with app.app_context():
        started = time.perf_counter()
        upgrade()
        print(f"SCALE={scale}: generating {DOCUMENTS_PER_SCALE * scale:,} documents...", flush=True)
        data = populate(scale, options.seed)
        generated = time.perf_counter() - started
        with db.engine.connect() as connection:
            version = database_version(connection)
        print(
            f"{data.documents:,} documents, {data.files:,} files, {data.words:,} words in "
            f"{generated:.0f} s ({version}); rebuilding the index...",
            flush=True,
        )
        started = time.perf_counter()
        indexed = rebuild()
        rebuild_s = time.perf_counter() - started
        print(f"Indexed {indexed:,} items in {rebuild_s:.1f} s", flush=True)
        reader = principals_of(db.session.scalar(select(User).where(User.email == data.email)))
        totals = {name: search(text, reader).total for name, text in QUERIES.items()}
        db.session.remove()
        db.engine.dispose()
    env = database.server_env(url, workdir)
    results = {}
    database_processes = ["postgres"] if url.startswith("postgresql") else []
    with harness.gunicorn(env, workers=2, log_path=workdir / "gunicorn.log") as (port, group):
        cookie = harness.sign_in(port, data.email, data.password)
        for name, text in QUERIES.items():
            cookie = harness.check_page(port, page_path(text), cookie, count_text(totals[name]))
        for name, text in QUERIES.items():
            path = page_path(text)
            print(f"Loading {path} ({totals[name]:,} hits) for {options.seconds} s...", flush=True)
            results[name] = harness.measure(
                port,
                path,
                cookie,
                options.seconds,
                options.warm_up,
                options.threads,
                options.connections,
                options.repeat,
                group,
                database_processes,
            )
            results[name]["hits"] = totals[name]
            harness.check_page(port, path, cookie, count_text(totals[name]))
    with app.app_context():
        in_process(app, cookie, reader, results)
        slowest = max(results, key=lambda name: results[name]["engine_ms"])
        profile = profile_search(QUERIES[slowest], reader)
        db.engine.dispose()
    return {
        "database": make_url(url).get_backend_name(),
        "database_version": version,
        "scale": scale,
        "data": {
            "documents": data.documents,
            "files": data.files,
            "words": data.words,
            "users": data.users,
            "levels": data.levels,
            "languages": data.languages,
        },
        "rebuild": {
            "items": indexed,
            "seconds": round(rebuild_s, 1),
            "items_per_s": round(indexed / rebuild_s, 1),
            "index_mb": round(folder_size(workdir / "index") / 1e6, 1),
        },
        "queries": results,
        "profile": {"query": slowest, "functions": profile},
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
        "command": safe_command(scale),
        "code": code if code == code_fingerprint() else f"{code}, changed during the run",
        "machine": harness.machine(version),
    }


def search(text, reader):
    """The search the page runs for `text`, without filters, first page."""
    return get_index().search(text, reader, sort="relevance", page=1, per_page=PER_PAGE)


def in_process(app, cookie, reader, results):
    """Median time of the search alone and of the whole page, in-process, for each query."""
    client = app.test_client()
    client.set_cookie(harness.COOKIE_NAME, cookie)
    for name, text in QUERIES.items():
        path = page_path(text)
        response = client.get(path)  # unmeasured: the searcher of this process is now open
        if response.status_code != 200:
            raise RuntimeError(f"in-process GET {path} answered {response.status_code}")
        results[name]["engine_ms"] = round(median_ms(search, text, reader), 2)
        results[name]["page_ms"] = round(median_ms(client.get, path), 2)


def median_ms(action, *arguments):
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        action(*arguments)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def profile_search(text, reader):
    """The functions that take most of one search's time (their own time, in ms)."""
    profiler = cProfile.Profile()
    profiler.enable()
    search(text, reader)
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    top = sorted(stats.items(), key=lambda item: -item[1][2])[:PROFILE_TOP]
    return [
        {
            "function": f"{short_path(filename)}:{line} {function}",
            "own_ms": round(own * 1000, 2),
            "cumulative_ms": round(cumulative * 1000, 2),
            "calls": calls,
        }
        for (filename, line, function), (_primitive, calls, own, cumulative, _callers) in top
    ]


def short_path(filename):
    parts = Path(filename).parts
    for anchor in ("site-packages", "search_index", "portal"):
        if anchor in parts:
            index = parts.index(anchor)
            return "/".join(parts[index + (anchor == "site-packages") :])
    return filename


def folder_size(folder):
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def safe_command(scale):
    """The command line, without a database password."""
    arguments = [
        make_url(a).render_as_string(hide_password=True) if "://" in a else a for a in sys.argv[1:]
    ]
    return " ".join([f"SCALE={scale}", ".venv/bin/python", "bench/search_queries.py"] + arguments)


def key(run):
    return run["database"], run["scale"]


# Output -------------------------------------------------------------------------------------


def print_run(run):
    data, built = run["data"], run["rebuild"]
    print(
        f"\n{run['database_version']}, SCALE={run['scale']}: {data['documents']:,} documents, "
        f"{data['files']:,} files, {data['words']:,} words"
    )
    print(
        f"Rebuild: {built['items']:,} items in {built['seconds']} s "
        f"({built['items_per_s']} items/s), index {built['index_mb']} MB"
    )
    print(
        f"{'query':14} {'hits':>6} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'failed':>7} "
        f"{'engine ms':>10} {'page ms':>8} {'others CPU %':>13}"
    )
    for name, figures in run["queries"].items():
        print(
            f"{name:14} {figures['hits']:6d} {figures['requests_per_s']:7.1f} "
            f"{figures['p50_ms']:8.1f} {figures['p99_ms']:8.1f} {figures['failed']:7d} "
            f"{figures['engine_ms']:10.1f} {figures['page_ms']:8.1f} "
            f"{figures['other_cpu_pct']:13.1f}"
        )
    print(f"Profile of one search for the {run['profile']['query']} (own time):")
    for entry in run["profile"]["functions"]:
        print(f"  {entry['own_ms']:8.1f} ms {entry['calls']:8d} calls  {entry['function']}")


def render(runs):
    """The Markdown of the section, from every stored run."""
    latest = max(runs, key=lambda r: r["date"])
    machine = latest["machine"]
    load = latest["load"]
    queries = "; ".join(f"{name} `{text}`" for name, text in QUERIES.items())
    lines = [
        f"## {TITLE}",
        "",
        "`bench/search_queries.py` writes a library of 2,000 documents per SCALE "
        "(bench/search_data.py): each has an English text of 2,000 to 5,000 words extracted "
        "beforehand, and 30 % a French, 25 % a Spanish and 15 % a Russian version of the same "
        "length; the access levels are mixed (public, users, States, States Parties, two "
        "groups). It builds the index with `portal.search.engine.rebuild()`, which is what "
        "`flask search rebuild` runs, then serves the portal with gunicorn (2 sync workers) and "
        f"loads the search page `/search/?q=...` as a signed-in State Party delegate for: "
        f"{queries}. Before the load, each page must answer 200 and show the number of "
        "documents the index finds for that delegate.",
        "",
        f"**Machine:** {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB "
        f"memory, Python {machine['python']}. The load tool, the two gunicorn workers and the "
        f"database all run on this machine and share its {machine['cores']} cores.",
        "",
        f"**Load:** {load['tool']}, {load['threads']} threads, {load['connections']} "
        f"connections, on 127.0.0.1: {load['warm_up']} s of warm-up, then {load['repeat']} "
        f"measurements of {load['seconds']} s per query; the table gives the one with the "
        "median throughput, and in brackets the lowest and highest throughput. *Engine ms* is "
        "`get_index().search(...)` alone and *Page ms* the whole page through the test client "
        f"(same cookie), both in-process after the load, median of {ROUNDS}, one at a time: "
        "their difference is the rest of the request (session, database re-check of the 20 "
        "hits, facet labels, template). *Others' CPU* is the share of the machine's CPU used by "
        "processes outside the benchmark during the measurement.",
        "",
        "**Building the index**",
        "",
        "| Database | SCALE | Documents / files | Words | Rebuild s | Items/s | Index MB | Date |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for run in runs:
        data, built = run["data"], run["rebuild"]
        lines.append(
            f"| {run['database_version']} | {run['scale']} | {data['documents']:,} / "
            f"{data['files']:,} | {data['words']:,} | {built['seconds']:.1f} "
            f"| {built['items_per_s']:.1f} | {built['index_mb']:.0f} | {run['date']} |"
        )
    for run in runs:
        lines += [
            "",
            f"**Queries, {run['database_version']}, SCALE={run['scale']}**",
            "",
            "| Query | Hits | Requests/s | p50 ms | p99 ms | Engine ms | Page ms | Others' CPU |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for name, figures in run["queries"].items():
            failed = f", {figures['failed']} failed" if figures["failed"] else ""
            spread = figures["requests_per_s_runs"]
            lines.append(
                f"| {name} `{QUERIES[name]}` | {figures['hits']:,} "
                f"| {figures['requests_per_s']:.1f} ({min(spread):.0f}–{max(spread):.0f}{failed}) "
                f"| {figures['p50_ms']:.1f} | {figures['p99_ms']:.1f} "
                f"| {figures['engine_ms']:.1f} | {figures['page_ms']:.1f} "
                f"| {figures['other_cpu_pct']:.0f} % |"
            )
    lines += [
        "",
        "**Where the time goes** (cProfile of one in-process search of the query with "
        "the longest engine time; the functions with the most time of their own):",
        "",
    ]
    for run in runs:
        profile = run["profile"]
        top = "; ".join(
            f"`{entry['function']}` {entry['own_ms']:.0f} ms ({entry['calls']:,} calls)"
            for entry in profile["functions"][:5]
        )
        engine = run["queries"][profile["query"]]
        lines.append(
            f"- {run['database_version']}, SCALE={run['scale']}, the {profile['query']} "
            f"(engine {engine['engine_ms']:.0f} ms of a {engine['page_ms']:.0f} ms page): {top}."
        )
    lines += [
        "",
        "**Commands** (*code* is a hash of `portal/`, `search_index/` and "
        "`migrations/` when the run started):",
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
