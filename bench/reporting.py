"""Benchmark of online reporting: the two status pages, and the import and export of a large
annual report.

    .venv/bin/python bench/reporting.py
    .venv/bin/python bench/reporting.py \\
        --database postgresql+psycopg://postgres@127.0.0.1:5432/bench_reporting

Steps: a fresh database (a SQLite file in a temporary folder by default; with `--database`,
a PostgreSQL database of that name, created and afterwards dropped by the benchmark, whose
name must start with `bench`) gets the project's migrations and the data of
bench/reporting_data.py: the 116 States Parties and 26 signatories of the reference data,
the annual reports of every year owed since 2015 from about 70 % of the States Parties due
(some amended: 2 versions), initial reports, a few drafts and voluntary reports. Every
submitted content is checked with the report rules first.

1. The status pages. gunicorn serves the portal with 2 workers; the benchmark checks that
   the public page `/reporting/status` answers 200 without signing in, signs in a
   Secretariat officer through the real forms (password, then the TOTP code of the second
   factor the Secretariat always needs) and checks `/reporting/status/secretariat`, then loads
   each page with wrk (3 s warm-up, then 3 measurements of 20 s; the median one is kept) for
   requests/s and the p50/p99 latencies. Then, in-process with the test client (same cookie),
   the SQL statements of one render are counted with a `before_cursor_execute` listener, its
   SELECTs replayed and timed, and the page rendered 20 times one at a time (median).
2. Import and export, in-process in a request context (as in the import view): the draft
   annual report of one State gets a content of 2,000 export lines and 2,000 import lines
   (`--lines`), all valid. For the Excel and the CSV format, median of 5 runs each:
   `formats.export(content, fmt)`; `formats.parse(data, fmt, "annual")`;
   `services.validate(report, content, today)` on the parsed content (the rules of
   `validation.validate_annual` and the report's year); and `formats.load(...)`, what the
   import view does with an upload (detect the format, read it while noting the position of
   every line, validate, place every error in the file). The parsed content must equal the
   exported one.

Aims, at this size (116 States Parties, about 1,000 submitted versions):
- each status page answers with a p50 under 200 ms under the load of 8 connections;
- a 4,000-line import (`formats.load`) takes under 10 s, from an Excel workbook and from a
  CSV file, and so does the export of the same report.

The machine is shared: before the measurements the benchmark waits (up to `--load-wait`
seconds) for a 1-minute load average under `--max-load`, and every measurement waits for
other processes to calm down (bench/harness.py); the loads seen are written with the
figures. The figures are printed and written to docs/benchmarks.md (section "Reporting
(status pages, import and export)"); the run of the other database already there is kept.
"""

import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

# Run as a script (`python bench/reporting.py`): make the project importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyotp
from flask_migrate import upgrade
from sqlalchemy import event, select
from sqlalchemy.engine import make_url

from bench import database, harness
from bench.database import bench_config, database_version
from bench.reporting_data import IMPORT_STATE, large_annual_content, populate
from portal import create_app
from portal.extensions import db
from portal.reporting import formats, services
from portal.reporting.models import Report, ReportVersion, VersionStatus
from portal.reporting.status import current_day
from portal.reporting.validation import is_error

NAME = "reporting"
TITLE = "Reporting (status pages, import and export)"
PAGES = {
    "public status": ("/reporting/status", "Reporting status"),
    "Secretariat status": ("/reporting/status/secretariat", "Reporting status by State"),
}
FILE_FORMATS = ("xlsx", "csv")
#: Aims: p50 of each status page under load, and the import and the export of the large file.
AIM_P50_MS = 200
AIM_IMPORT_S = 10
AIM_EXPORT_S = 10
#: In-process renders of a page (one at a time) and replays of its SELECTs.
RENDERS = 20
REPLAYS = 7
#: Renders of a page under cProfile, to find where its time goes.
PROFILED = 5


def main():
    options = parse_arguments()
    # A run should take minutes: each measurement waits this long at most for a quiet machine.
    harness.QUIET_WAIT_SECONDS = options.quiet_wait
    run = database.run_in_fresh_folder(
        "bench-reporting-", options, lambda url, workdir: benchmark(options, url, workdir)
    )
    print_run(run)
    for line in aim_lines(run):
        print(line)
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
    parser.add_argument("--seconds", type=int, default=20, help="measured load per page")
    parser.add_argument(
        "--repeat", type=int, default=3, help="measurements per page; the median is kept"
    )
    parser.add_argument("--warm-up", type=int, default=3, help="unmeasured load per page")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--lines", type=int, default=2_000, help="lines per table imported")
    parser.add_argument("--runs", type=int, default=5, help="runs of each import/export step")
    parser.add_argument(
        "--max-load",
        type=float,
        default=1.5,
        help="wait for a 1-minute load average below this before measuring",
    )
    parser.add_argument(
        "--load-wait", type=int, default=600, help="seconds to wait at most for that load"
    )
    parser.add_argument(
        "--quiet-wait",
        type=int,
        default=60,
        help="seconds each measurement waits at most for a quiet machine (the figures say how "
        "busy it was)",
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
        print("Generating the States and their reports...", flush=True)
        data = populate(options.seed)
        generated = time.perf_counter() - started
        checked = check_contents()
        with db.engine.connect() as connection:
            version = database_version(connection)
        db.engine.dispose()
    print(
        f"{data.states_parties} States Parties, {data.signatories} signatories; "
        f"{data.annual_sent:,} of {data.annual_due:,} annual reports due submitted "
        f"({data.annual_amended} amended), {data.initial_sent} initial reports; "
        f"{data.versions:,} submitted versions ({checked:,} checked), {data.drafts} drafts; "
        f"in {generated:.0f} s ({version})",
        flush=True,
    )
    database_processes = ["postgres"] if url.startswith("postgresql") else []
    loads = {"pages": wait_for_low_load(options)}
    pages, cookie = measure_pages(options, data, url, workdir, database_processes)
    for page, (path, _expected) in PAGES.items():
        signed_in = cookie if page != "public status" else None
        pages[page].update(profile(app, path, signed_in))
    with app.app_context():
        loads["files"] = wait_for_low_load(options)
        ours = harness.OurProcesses(None, database_processes)
        files = measure_files(options, app, data, ours)
        db.engine.dispose()
    loads["end"] = load_average()
    return {
        "database": make_url(url).get_backend_name(),
        "database_version": version,
        "data": {
            "states_parties": data.states_parties,
            "signatories": data.signatories,
            "annual_due": data.annual_due,
            "annual_sent": data.annual_sent,
            "annual_amended": data.annual_amended,
            "initial_sent": data.initial_sent,
            "initial_updated": data.initial_updated,
            "versions": data.versions,
            "drafts": data.drafts,
        },
        "pages": pages,
        "files": files,
        "load": {
            "tool": harness.load_tool_name(),
            "threads": options.threads,
            "connections": options.connections,
            "seconds": options.seconds,
            "warm_up": options.warm_up,
            "repeat": options.repeat,
        },
        "load_average": loads,
        "max_load": options.max_load,
        "load_wait_s": options.load_wait,
        "quiet_wait_s": options.quiet_wait,
        "generation_s": round(generated),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": safe_command(),
        "code": code if code == code_fingerprint() else f"{code}, changed during the run",
        "machine": harness.machine(version),
    }


def check_contents():
    """Fail unless every submitted version passes the report rules, as a submission must;
    returns how many were checked."""
    today = current_day()
    versions = db.session.scalars(
        select(ReportVersion).where(ReportVersion.status == VersionStatus.SUBMITTED.value)
    ).all()
    for version in versions:
        report = version.report
        errors = [p for p in services.validate(report, version.content, today) if is_error(p)]
        if errors:
            raise RuntimeError(f"version {version.receipt} does not pass the rules: {errors[:3]}")
    db.session.expire_all()
    return len(versions)


def load_average():
    return [round(value, 2) for value in os.getloadavg()]


def wait_for_low_load(options):
    """Wait (at most `--load-wait` s) for a 1-minute load average under `--max-load`;
    returns the load averages (1, 5, 15 min) seen when going ahead and the seconds waited."""
    started = time.monotonic()
    announced = False
    while os.getloadavg()[0] >= options.max_load:
        if time.monotonic() - started > options.load_wait:
            print(f"The load is still {os.getloadavg()[0]:.2f}: going ahead.", flush=True)
            break
        if not announced:
            print(
                f"Load average {os.getloadavg()[0]:.2f}: waiting for it to fall under "
                f"{options.max_load}...",
                flush=True,
            )
            announced = True
        time.sleep(10)
    return {"average": load_average(), "waited_s": round(time.monotonic() - started)}


# 1. The status pages ------------------------------------------------------------------------


def sign_in_secretariat(port, data):
    """Sign in the Secretariat officer through the real forms: password, then a TOTP code of
    the second factor; returns the session cookie value."""
    status, headers, body = harness.request(port, "GET", "/auth/sign-in")
    token = form_token(body, "/auth/sign-in", status)
    form = {"csrf_token": token, "email": data.email, "password": data.password}
    status, headers, _body = harness.request(
        port, "POST", "/auth/sign-in", harness.session_cookie(headers), form
    )
    cookie = harness.session_cookie(headers)
    location = {name.lower(): value for name, value in headers}.get("location", "")
    if status != 302 or cookie is None or not location.endswith("/auth/two-factor"):
        raise RuntimeError(f"sign-in answered {status} to {location!r}, not the second factor")
    status, headers, body = harness.request(port, "GET", "/auth/two-factor", cookie)
    token = form_token(body, "/auth/two-factor", status)
    cookie = harness.session_cookie(headers) or cookie
    form = {"csrf_token": token, "code": pyotp.TOTP(data.totp_secret).now()}
    status, headers, _body = harness.request(port, "POST", "/auth/two-factor", cookie, form)
    cookie = harness.session_cookie(headers)
    if status != 302 or cookie is None:
        raise RuntimeError(f"the second factor answered {status}")
    return cookie


def form_token(body, path, status):
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body)
    if status != 200 or token is None:
        raise RuntimeError(f"GET {path} answered {status} without a CSRF token")
    return token.group(1)


def measure_pages(options, data, url, workdir, database_processes):
    """Load both pages with wrk; returns their figures and the Secretariat's cookie."""
    env = database.server_env(url, workdir)
    results = {}
    with harness.gunicorn(env, workers=2, log_path=workdir / "gunicorn.log") as (port, group):
        public_path, public_text = PAGES["public status"]
        # A visitor's browser keeps the cookie the first page may set; none is also fine.
        anonymous = harness.check_page(port, public_path, None, public_text) or ""
        secretariat = sign_in_secretariat(port, data)
        secretariat_path, secretariat_text = PAGES["Secretariat status"]
        secretariat = harness.check_page(port, secretariat_path, secretariat, secretariat_text)
        # The public page must not show the Secretariat's list to a visitor.
        status, _headers, _body = harness.request(port, "GET", secretariat_path, anonymous)
        if status == 200:
            raise RuntimeError(f"{secretariat_path} answered 200 without signing in")
        cookies = {"public status": anonymous, "Secretariat status": secretariat}
        for page, (path, expected) in PAGES.items():
            print(f"Loading {path} for {options.seconds} s...", flush=True)
            results[page] = harness.measure(
                port,
                path,
                cookies[page],
                options.seconds,
                options.warm_up,
                options.threads,
                options.connections,
                options.repeat,
                group,
                database_processes,
            )
            # Still the same page for the same visitor: nothing skewed the figures.
            harness.check_page(port, path, cookies[page] or None, expected)
            results[page]["path"] = path
    return results, secretariat


def profile(app, path, cookie):
    """In-process, one render of `path`: its SQL statements (how many, of which kinds), what
    its SELECTs cost when replayed (execute and fetch every row, median of REPLAYS rounds) and
    the costliest of them; and the median time of RENDERS renders one at a time.

    Called outside any application context: each request then has its own, as under
    gunicorn (in a context left pushed, `g` would keep the user loaded by an earlier request).
    """
    with app.app_context():
        engine = db.engine
    # The same cookie on every request, as wrk sends it.
    client = app.test_client(use_cookies=False)
    headers = {"Cookie": f"{harness.COOKIE_NAME}={cookie}"} if cookie else {}
    statements = []

    def record(_connection, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))

    client.get(path, headers=headers)  # unmeasured: the session is now as under load
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(path, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    if response.status_code != 200:
        raise RuntimeError(
            f"in-process GET {path} answered {response.status_code} {response.location}"
        )
    kinds = Counter(statement.lstrip().split(None, 1)[0].upper() for statement, _ in statements)
    selects = [(s, p) for s, p in statements if s.lstrip().upper().startswith("SELECT")]
    rounds = []
    with engine.connect() as connection:
        for _ in range(REPLAYS):
            times = []
            for statement, parameters in selects:
                started = time.perf_counter()
                connection.exec_driver_sql(statement, parameters).fetchall()
                times.append((time.perf_counter() - started) * 1000)
            rounds.append(times)
    per_statement = [statistics.median(column) for column in zip(*rounds)]
    costliest = max(range(len(selects)), key=per_statement.__getitem__)
    renders = []
    for _ in range(RENDERS):
        started = time.perf_counter()
        client.get(path, headers=headers)
        renders.append((time.perf_counter() - started) * 1000)
    return {
        "hot_spots": hot_spots(client, path, headers),
        "queries": len(statements),
        "query_kinds": dict(kinds),
        "sql_ms": round(statistics.median(sum(times) for times in rounds), 2),
        "slowest_sql": " ".join(selects[costliest][0].split()),
        "slowest_sql_ms": round(per_statement[costliest], 2),
        "render_ms": round(statistics.median(renders), 1),
        "bytes": len(response.data),
    }


def hot_spots(client, path, headers, top=6):
    """The portal's functions that take the most time in a render of `path` (cumulative,
    nested ones included, in ms per request), under cProfile: it slows Python down, so the
    figures are for proportions, not for adding up."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(PROFILED):
        client.get(path, headers=headers)
    profiler.disable()
    portal = str(harness.ROOT / "portal")
    found = []
    for (filename, line, name), (_, calls, _own, cumulative, _) in pstats.Stats(
        profiler
    ).stats.items():
        if not filename.startswith(portal) or filename.endswith("_views.py"):
            continue
        if "/templates/" in filename or name.startswith("<"):
            continue
        where = f"{Path(filename).relative_to(harness.ROOT)}:{line} {name}"
        found.append((cumulative * 1000 / PROFILED, calls // PROFILED, where))
    found.sort(reverse=True)
    return [
        {"ms": round(ms, 1), "calls": calls, "function": where} for ms, calls, where in found[:top]
    ]


# 2. Import and export -----------------------------------------------------------------------


def timed(function, runs):
    """(median seconds, every time, the last result) of `runs` calls of `function`."""
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times, result


def measure_files(options, app, data, ours):
    """Export the large report to each format, then parse, validate and import the file."""
    today = current_day()
    report = db.session.get(Report, data.draft_report_id)
    if report.delegation.iso3 != IMPORT_STATE or report.draft is None:
        raise RuntimeError(f"report {report.id} is not the draft of {IMPORT_STATE}")
    content = large_annual_content(report.delegation.iso3, report.year, options.lines, options.seed)
    lines = sum(len(content[table]["lines"]) for table in ("exports", "imports"))
    results = {"lines": lines, "runs": options.runs, "formats": {}}
    # The import view runs in a request; the workbook's instructions are in its language.
    with app.test_request_context("/"):
        errors = [p for p in services.validate(report, content, today) if is_error(p)]
        if errors:
            raise RuntimeError(f"the generated report has errors: {errors[:3]}")
        harness.wait_for_quiet(ours)
        # Over the whole phase: the CSV steps are too short for a CPU share to mean much.
        before, started = harness.cpu_seconds(), time.monotonic()
        for fmt in FILE_FORMATS:
            print(f"{fmt}: export, parse, validate and import {lines:,} lines...", flush=True)
            export_s, export_runs, data_bytes = timed(
                lambda fmt=fmt: formats.export(content, fmt), options.runs
            )
            parse_s, parse_runs, parsed = timed(
                lambda fmt=fmt, data_bytes=data_bytes: formats.parse(data_bytes, fmt, "annual"),
                options.runs,
            )
            if parsed != content:
                raise RuntimeError(f"the {fmt} file does not give back the exported content")
            validate_s, validate_runs, problems = timed(
                lambda parsed=parsed: services.validate(report, parsed, today), options.runs
            )
            name = f"ATT-AR-{report.year}-{IMPORT_STATE}.{fmt}"
            load_s, load_runs, loaded = timed(
                lambda data_bytes=data_bytes, name=name: formats.load(
                    data_bytes, name, report, today
                ),
                options.runs,
            )
            if loaded != (fmt, content):
                raise RuntimeError(f"the import of the {fmt} file does not give the content")
            results["formats"][fmt] = {
                "bytes": len(data_bytes),
                "export_s": round(export_s, 3),
                "parse_s": round(parse_s, 3),
                "validate_s": round(validate_s, 3),
                "load_s": round(load_s, 3),
                "runs_s": {
                    "export": [round(t, 3) for t in export_runs],
                    "parse": [round(t, 3) for t in parse_runs],
                    "validate": [round(t, 3) for t in validate_runs],
                    "load": [round(t, 3) for t in load_runs],
                },
                "warnings": len(problems),
            }
    results["other_cpu_pct"] = round(ours.others_share(before, harness.cpu_seconds(), started), 1)
    db.session.rollback()
    return results


def safe_command():
    """The command line, without a database password."""
    arguments = [
        make_url(a).render_as_string(hide_password=True) if "://" in a else a for a in sys.argv[1:]
    ]
    return " ".join([".venv/bin/python", "bench/reporting.py"] + arguments)


# Output -------------------------------------------------------------------------------------


def aim_lines(run):
    """Whether each aim is met by this run."""
    lines = []
    for page, figures in run["pages"].items():
        met = figures["p50_ms"] < AIM_P50_MS
        lines.append(
            f"{run['database_version']}, {page} page: p50 {figures['p50_ms']:.0f} ms under "
            f"{run['load']['connections']} connections, aim under {AIM_P50_MS} ms: "
            f"{'met' if met else '**not met**'}."
        )
    files = run["files"]
    for fmt, figures in files["formats"].items():
        load_met = figures["load_s"] < AIM_IMPORT_S
        export_met = figures["export_s"] < AIM_EXPORT_S
        lines.append(
            f"{run['database_version']}, {files['lines']:,}-line {fmt} file: import "
            f"{figures['load_s']:.2f} s (aim under {AIM_IMPORT_S} s: "
            f"{'met' if load_met else '**not met**'}), export {figures['export_s']:.2f} s "
            f"(aim under {AIM_EXPORT_S} s: {'met' if export_met else '**not met**'})."
        )
    return lines


def data_line(data):
    return (
        f"{data['states_parties']} States Parties and {data['signatories']} signatories; "
        f"{data['annual_sent']:,} of the {data['annual_due']:,} annual reports due submitted "
        f"({data['annual_amended']} amended), {data['initial_sent']} initial reports "
        f"({data['initial_updated']} updated); {data['versions']:,} submitted versions and "
        f"{data['drafts']} drafts in all"
    )


def format_load(load):
    average = " / ".join(f"{value:.2f}" for value in load["average"])
    waited = f", after waiting {load['waited_s']} s" if load["waited_s"] else ""
    return f"{average}{waited}"


def format_hot_spots(figures):
    return "; ".join(
        f"`{spot['function']}` {spot['ms']:.0f} ms ({spot['calls']:,} calls)"
        for spot in figures["hot_spots"]
    )


def print_run(run):
    print(f"\n{run['database_version']}: {data_line(run['data'])}")
    print(
        f"{'page':20} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'failed':>6} {'queries':>7} "
        f"{'SQL ms':>7} {'render ms':>9} {'others %':>8}"
    )
    for page, figures in run["pages"].items():
        print(
            f"{page:20} {figures['requests_per_s']:7.1f} {figures['p50_ms']:7.1f} "
            f"{figures['p99_ms']:7.1f} {figures['failed']:6d} {figures['queries']:7d} "
            f"{figures['sql_ms']:7.2f} {figures['render_ms']:9.1f} "
            f"{figures['other_cpu_pct']:8.1f}"
        )
        print(
            f"{'':20} costliest query ({figures['slowest_sql_ms']} ms): "
            f"{figures['slowest_sql'][:300]}"
        )
        print(f"{'':20} where the time goes (cProfile): {format_hot_spots(figures)}")
    files = run["files"]
    print(f"\n{files['lines']:,} lines, median of {files['runs']} runs (s):")
    print(f"{'format':7} {'bytes':>9} {'export':>7} {'parse':>7} {'validate':>8} {'import':>7}")
    for fmt, figures in files["formats"].items():
        print(
            f"{fmt:7} {figures['bytes']:9,} {figures['export_s']:7.2f} {figures['parse_s']:7.2f} "
            f"{figures['validate_s']:8.2f} {figures['load_s']:7.2f}"
        )
    print(f"Others' CPU during import and export: {files['other_cpu_pct']:.0f} %")
    loads = run["load_average"]
    print(
        f"\nLoad average (1/5/15 min) before the pages: {format_load(loads['pages'])}; before "
        f"import/export: {format_load(loads['files'])}; at the end: "
        f"{' / '.join(f'{v:.2f}' for v in loads['end'])}"
    )


def render(runs):
    """The Markdown of the section, from every stored run."""
    latest = max(runs, key=lambda r: r["date"])
    machine = latest["machine"]
    load = latest["load"]
    files = latest["files"]
    lines = [
        f"## {TITLE}",
        "",
        (
            "`bench/reporting.py` answers two questions: do the reporting status pages stay fast "
            "with every State Party and ten years of reports, and how long do the import and the "
            "export of a very large annual report take? The data (bench/reporting_data.py): the "
            "States of the portal's reference data (`load_delegations()`), the annual reports of "
            "every year owed since 2015 from about 70 % of the States Parties due (most States "
            "report nearly every year, a few seldom; 65 % of first versions by the deadline; 15 % "
            "amended with a second version; 20 % restricted; 35 % imported from a file; 90 % of "
            "versions acknowledged), initial reports from 85 % of the States Parties (20 % "
            "updated), drafts of last year's report for a few States, and an initial and an annual "
            "report from 3 signatories that did not owe them. Reports and versions are bulk "
            "inserted as the services write them, with their dates spread over the years; every "
            "submitted content passes the report rules. PostgreSQL gets `VACUUM ANALYZE` after "
            "the load; SQLite is left without statistics, as the portal leaves it."
        ),
        "",
        (
            "- **Status pages.** gunicorn (2 sync workers) serves the public page "
            "`/reporting/status` to an anonymous visitor and `/reporting/status/secretariat` to a "
            "Secretariat officer signed in through the real forms (password and TOTP code), both "
            "for the latest year. "
            f"Load: {load['tool']}, {load['threads']} threads, {load['connections']} connections, "
            f"on 127.0.0.1: {load['warm_up']} s of warm-up, then {load['repeat']} measurements of "
            f"{load['seconds']} s per page; the table gives the one with the median throughput "
            "and, in brackets, the lowest and highest throughput. *Queries* is the number of SQL "
            "statements of one render (a `before_cursor_execute` listener, in-process with the "
            "test client and the same cookie), *SQL ms* the time its SELECTs take when replayed "
            f"(execute and fetch, median of {REPLAYS} rounds), *Render ms* the whole request "
            f"in-process, one at a time (median of {RENDERS}). *Others' CPU* is the share of the "
            "machine's CPU that processes outside the benchmark used during the measurement."
        ),
        (
            f"- **Import and export.** The draft of {IMPORT_STATE}'s annual report on last year "
            f"gets a content of {files['lines']:,} valid lines ({files['lines'] // 2:,} exports, "
            f"{files['lines'] // 2:,} imports: `services.MAX_LINES` per table, the most a draft "
            "holds), in a request context as in the import view. For each format, median of "
            f"{files['runs']} runs: *export* `formats.export(content, fmt)`; *parse* "
            "`formats.parse(data, fmt, 'annual')`; *validate* `services.validate(report, "
            "content, today)` (the rules of `validation.validate_annual` and the report's year) "
            "on the parsed content; *import* `formats.load(data, name, report, today)`, all the "
            "import view does with an upload before saving the draft (detect the format, read the "
            "file while noting where each line is, validate, place any error in the file). The "
            "parsed and the imported content must equal the exported one."
        ),
        "",
        (
            f"**Machine:** {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB "
            f"memory, Python {machine['python']}; the load tool, gunicorn and the database share "
            "these cores, so the figures are lower than a server would give. The machine is "
            f"shared: before each phase the benchmark waits (up to {latest['load_wait_s']} s) for "
            f"a 1-minute load average under {latest['max_load']}, and each measurement waits (up to "
            f"{latest['quiet_wait_s']} s) for others to use less than {harness.QUIET_PCT} % of the "
            "CPU; the load averages seen are given with each run."
        ),
        "",
        (
            f"**Aims**, at this size: each status page answers with a p50 under {AIM_P50_MS} ms "
            f"under {load['connections']} connections; the import of the {files['lines']:,}-line "
            f"report takes under {AIM_IMPORT_S} s from an Excel workbook and from a CSV file, and "
            f"its export under {AIM_EXPORT_S} s (a request; gunicorn's default timeout is 30 s). "
            "With 2 sync workers and 8 connections a request waits for about 3 others, so the "
            "p50 under load is about 4 times the time of one request alone (*Render ms*): the "
            "first aim asks for a page rendered in about 50 ms."
        ),
    ]
    for run in runs:
        loads = run["load_average"]
        lines += [
            "",
            f"### {run['database_version']} ({run['date']}, code `{run['code']}`)",
            "",
            (
                f"Data: {data_line(run['data'])}. Load average (1 / 5 / 15 min) before the pages "
                f"{format_load(loads['pages'])}; before import and export "
                f"{format_load(loads['files'])}."
            ),
            "",
            "| Page | Requests/s | p50 ms | p99 ms | Queries | SQL ms | Render ms | Others' CPU |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for page, figures in run["pages"].items():
            failed = f", {figures['failed']} failed" if figures["failed"] else ""
            spread = figures["requests_per_s_runs"]
            lines.append(
                f"| {page} `{figures['path']}` | {figures['requests_per_s']:.1f} "
                f"({min(spread):.0f}–{max(spread):.0f}{failed}) | {figures['p50_ms']:.1f} "
                f"| {figures['p99_ms']:.1f} | {figures['queries']} | {figures['sql_ms']:.1f} "
                f"| {figures['render_ms']:.1f} | {figures['other_cpu_pct']:.0f} % |"
            )
        run_files = run["files"]
        lines += [
            "",
            f"| {run_files['lines']:,} lines | File size | Export s | Parse s | Validate s | Import s |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for fmt, figures in run_files["formats"].items():
            lines.append(
                f"| {fmt} | {figures['bytes'] / 1024:,.0f} KiB | {figures['export_s']:.2f} "
                f"| {figures['parse_s']:.2f} | {figures['validate_s']:.2f} "
                f"| {figures['load_s']:.2f} |"
            )
        lines += [
            "",
            f"Others' CPU during import and export: {run_files['other_cpu_pct']:.0f} %.",
            "",
        ]
        lines += [f"- {line}" for line in aim_lines(run)]
        lines += [
            f"- Costliest statement of the {page} page ({figures['slowest_sql_ms']:.1f} ms): "
            f"`{shorten(figures['slowest_sql'])}`"
            for page, figures in run["pages"].items()
        ]
        lines += [
            f"- Where the time of the {page} page goes (cumulative ms per request under "
            f"cProfile, which slows Python down: for proportions): {format_hot_spots(figures)}"
            for page, figures in run["pages"].items()
        ]
    lines += [
        "",
        (
            "**Commands** (*code* is a hash of `portal/` and `migrations/` when the run "
            "started: runs with different hashes measured different code):"
        ),
        "",
    ]
    lines += [
        f"- `{run['command']}` ({run['database_version']}, {run['date']}, code "
        f"`{run['code']}`, data generated in {run['generation_s']} s)"
        for run in runs
    ]
    return "\n".join(lines)


def shorten(statement, limit=400):
    """A statement for the doc: its selected columns elided, at most `limit` characters."""
    head, separator, rest = statement.partition(" FROM ")
    if separator and head.upper().startswith("SELECT"):
        statement = f"SELECT … FROM {rest}"
    return statement if len(statement) <= limit else statement[:limit] + " …"


if __name__ == "__main__":
    main()
