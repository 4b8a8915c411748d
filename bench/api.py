"""Benchmark of the JSON API's document list: does `GET /api/v1/documents` cost the same number
of SQL statements for a page of 10 documents and a page of 100, on a library of 2,000
documents with two language versions each, and how does its time compare with a thread page?

    .venv/bin/python bench/api.py
    .venv/bin/python bench/api.py --database postgresql+psycopg://postgres@127.0.0.1:5432/bench_api

Steps: a fresh database (a SQLite file in a temporary folder by default; with `--database`, a
PostgreSQL database whose name must start with `bench`, created and afterwards dropped) gets
the migrations, the delegations and working groups of the reference data and a State Party
delegate with a read-only API token (made through the service, as the tokens page makes it).
2,000 documents of 20 delegations spread over the working groups, each with an English and a
French file row, are inserted in bulk as the library writes them, and a thread of 60 posts
through the forum's services. In-process, each request is made once while a
`before_cursor_execute` listener counts its SQL statements, then `--renders` times (median
ms): the first page of 10 and of 100 documents, the page of 100 after a cursor, a page of 100
filtered by working group and year, and the thread page (20 posts) signed in as the delegate.

Aim: the same number of statements for 10 and for 100 documents (none per document or
file), and a page of 100 documents within the time of a thread page. The figures are printed
and written to docs/benchmarks.md (section "JSON API (document list)").
"""

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade
from sqlalchemy import event, insert, select
from sqlalchemy.engine import make_url

from bench import database, harness
from bench.database import bench_config, database_version
from portal import create_app
from portal.accounts.models import Delegation, User
from portal.accounts.reference import load_delegations
from portal.api import services as tokens
from portal.auth.passwords import hash_password
from portal.core.models import now_utc
from portal.extensions import db
from portal.forum import services as forum
from portal.forum.models import WorkingGroup
from portal.library.models import Document, DocumentFile
from portal.forum.reference import load_working_groups

NAME = "api"
TITLE = "JSON API (document list)"
PASSWORD = "benchmark passphrase of the api"
DOCUMENTS = 2000
POSTS = 60


def main():
    options = parse_arguments()
    run = database.run_in_fresh_folder(
        "bench-api-", options, lambda url, workdir: benchmark(options, url, workdir)
    )
    print(render([run]))
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
    parser.add_argument("--renders", type=int, default=20, help="requests of each address")
    database.add_run_arguments(parser)
    return parser.parse_args()


def populate():
    """The reference data, a delegate with a token, the documents and a thread; returns the
    delegate's email, the token's secret and the thread's id."""
    load_delegations()
    load_working_groups()
    db.session.flush()
    states = db.session.scalars(
        select(Delegation).where(Delegation.kind == "state_party").order_by(Delegation.id)
    ).all()
    delegate = User(
        email="delegate@bench.invalid", name="Bench Delegate", delegation=states[0],
        role="point_of_contact", status="active", password_hash=hash_password(PASSWORD),
        password_changed_at=now_utc(),
    )
    db.session.add(delegate)
    db.session.flush()
    spaces = db.session.scalars(select(WorkingGroup).order_by(WorkingGroup.id)).all()
    _token, secret = tokens.issue_api_token(delegate, "bench", "read", 30)
    rows = [
        {
            "title": f"Working paper {number}",
            "symbol": f"ATT/BENCH/{number}",
            "symbol_key": f"att/bench/{number}",
            "doc_type": "working_paper",
            "working_group_id": spaces[number % len(spaces)].id,
            "cycle": 8 + number % 5,
            "meeting": "",
            "delegation_id": states[number % 20].id,
            "published_on": date(2026, 6, 1) - timedelta(days=number % 900),
            "keywords": [],
            "summary": "",
            "access_level": "users",
            "acl": "user",
            "uploaded_by_id": delegate.id,
            "updated_at": now_utc(),
            "created_at": now_utc(),
        }
        for number in range(DOCUMENTS)
    ]
    ids = db.session.scalars(insert(Document).returning(Document.id), rows).all()
    db.session.execute(
        insert(DocumentFile),
        [
            {
                "document_id": document_id, "language": language, "revision": 1, "note": "",
                "sha256": "0" * 64, "size": 1000, "file_kind": "txt", "mime_type": "text/plain",
                "name": f"paper-{language}.txt", "uploaded_by_id": delegate.id,
                "text_status": "ok", "acl": "user", "created_at": now_utc(),
            }
            for document_id in ids
            for language in ("en", "fr")
        ],
    )
    topic = forum.create_topic(spaces[0], delegate, "Bench topic", "", 12, [])
    thread, _post = forum.create_thread(topic, delegate, "discussion", "Bench thread", "Opening.")
    for number in range(POSTS - 1):
        forum.reply(thread, delegate, f"Reply {number}")
    db.session.commit()
    return delegate.email, secret, thread.id, spaces[1].code


def measure(app, client, path, renders, headers=None):
    """(statements of one request, median ms of `renders` requests)."""
    statements = []

    def count(*_args):
        statements.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    times = []
    for _ in range(renders):
        started = time.perf_counter()
        client.get(path, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
    return len(statements), round(statistics.median(times), 1), response


def benchmark(options, url, workdir):
    os.environ["PORTAL_INSTANCE_DIR"] = str(workdir)
    app = create_app(bench_config(url, workdir))
    app.config["WTF_CSRF_ENABLED"] = False
    app.config["PORTAL_API_LIMIT"] = "100000 per minute"
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        email, secret, thread_id, code = populate()
        generated = time.perf_counter() - started
        with db.engine.connect() as connection:
            version = database_version(connection)
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("ANALYZE")
        db.session.remove()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    figures = {}
    for label, path in [
        ("documents, 10 per page", "/api/v1/documents?limit=10"),
        ("documents, 100 per page", "/api/v1/documents?limit=100"),
    ]:
        sql, ms, response = measure(app, client, path, options.renders, headers)
        figures[label] = (sql, ms)
    cursor = response.get_json()["next_cursor"]
    figures["documents, 100 after a cursor"] = measure(
        app, client, f"/api/v1/documents?limit=100&cursor={cursor}", options.renders, headers
    )[:2]
    figures["documents, 100 of one working group and year"] = measure(
        app, client, f"/api/v1/documents?limit=100&wg={code}&year=2025", options.renders, headers
    )[:2]
    browser = app.test_client()
    browser.post("/auth/sign-in", data={"email": email, "password": PASSWORD})
    figures["thread page (20 posts), for comparison"] = measure(
        app, browser, f"/forum/threads/{thread_id}", options.renders
    )[:2]
    return {
        "database": make_url(url).get_backend_name(),
        "database_version": version,
        "renders": options.renders,
        "figures": figures,
        "generation_s": round(generated),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "code": harness.code_fingerprint("portal", "migrations"),
        "machine": harness.machine(version),
    }


def render(run_list):
    """The Markdown of the section, from every stored run."""
    latest = max(run_list, key=lambda r: r["date"])
    machine = latest["machine"]
    lines = [
        f"## {TITLE}",
        "",
        (
            f"`bench/api.py` lists documents through `GET /api/v1/documents` with a read-only "
            f"token, on a library of {DOCUMENTS:,} documents (two language versions each), and "
            f"renders a thread page of 20 posts (of {POSTS}) for comparison. Each address is "
            "requested once while a `before_cursor_execute` listener counts its statements "
            f"(*SQL*), then {latest['renders']} times one at a time in-process (*ms*, median). "
            "Aim: as many statements for 100 documents as for 10, and 100 documents within "
            "the time of a thread page."
        ),
        "",
        (
            f"**Machine:** {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} "
            f"GiB memory, Python {machine['python']}; shared with other work, so the times "
            "vary from run to run; the statement counts do not."
        ),
        "",
    ]
    for run in sorted(run_list, key=lambda r: r["database"]):
        lines += [
            f"### {run['database_version']} ({run['date']}, code `{run['code']}`)",
            "",
            "| Request | SQL | ms |",
            "| --- | ---: | ---: |",
        ]
        for label, (sql, ms) in run["figures"].items():
            lines.append(f"| {label} | {sql} | {ms} |")
        figures = run["figures"]
        few, many = figures["documents, 10 per page"], figures["documents, 100 per page"]
        thread = figures["thread page (20 posts), for comparison"]
        lines += [
            "",
            f"- Statements: {few[0]} for 10 documents, {many[0]} for 100: "
            + ("met." if few[0] == many[0] else "**not met**."),
            f"- Time: 100 documents in {many[1]} ms, the thread page in {thread[1]} ms: "
            + ("met." if many[1] <= thread[1] else "**not met** on this run."),
            "",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
