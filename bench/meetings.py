"""Benchmark of the meetings pages: does the number of SQL statements of a page stay the same
when a cycle's meeting grows from a few agenda items to 40 items, 200 documents and 150
registrations, and how long does each page take?

    .venv/bin/python bench/meetings.py
    .venv/bin/python bench/meetings.py \\
        --database postgresql+psycopg://postgres@127.0.0.1:5432/bench_meetings

Steps: a fresh database (a SQLite file in a temporary folder by default; with `--database`, a
PostgreSQL database of that name, created and afterwards dropped by the benchmark, whose name
must start with `bench`) gets the project's migrations, the delegations and working groups of
the reference data, a Secretariat officer and a delegate. Two meetings are made through the
services, as the Secretariat's pages make them, each in a cycle of its own: a small one (4
items, 20 documents, 15 registrations) and the full one (40 items, 200 documents, 150
registrations), each item with a forum topic and two speakers on a published list, and one
view of the connection details per approved registrant. The documents are inserted in bulk as
the library writes them.

In-process, with the test client signed in through the real forms (the officer with the TOTP
code of its second factor), each page is rendered once while a `before_cursor_execute`
listener counts its SQL statements, then rendered `--renders` times one at a time (median):
the meeting page (as the officer and as the delegate), the calendar filtered by the cycle, the
speakers lists, the registrations per delegation and the meeting's `.ics`.

Aim: for every page, the same number of statements for the small and the full meeting (no
statement per item, document, speaker or registration). The figures are printed and written to
docs/benchmarks.md (section "Meetings (meeting page and calendar)"); the run of the other
database already there is kept.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime, time as clock, timedelta
from pathlib import Path

# Run as a script (`python bench/meetings.py`): make the project importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyotp
from flask_migrate import upgrade
from sqlalchemy import event, insert, select
from sqlalchemy.engine import make_url

from bench import database, harness
from bench.database import bench_config, database_version
from portal import create_app
from portal.accounts.models import Delegation, User
from portal.accounts.reference import load_delegations
from portal.auth.passwords import hash_password
from portal.core.models import now_utc
from portal.extensions import db
from portal.forum import services as forum_services
from portal.forum.models import WorkingGroup
from portal.forum.reference import load_working_groups
from portal.library.models import Document
from portal.meetings import services
from portal.meetings.models import ConnectionView, Registration

NAME = "meetings"
TITLE = "Meetings (meeting page and calendar)"
PASSWORD = "benchmark passphrase of the meetings"
SIZES = {
    "small": {"cycle": 11, "items": 4, "documents": 20, "registrations": 15},
    "full": {"cycle": 12, "items": 40, "documents": 200, "registrations": 150},
}


def main():
    options = parse_arguments()
    run = database.run_in_fresh_folder(
        "bench-meetings-", options, lambda url, workdir: benchmark(options, url, workdir)
    )
    print(render(run_list=[run]))
    if options.no_doc:
        return
    database.keep_run(
        NAME,
        run,
        lambda saved, new: saved["database"] == new["database"],
        lambda r: r["database"],
        lambda runs: render(runs),
    )


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--renders", type=int, default=20, help="renders of each page")
    database.add_run_arguments(parser)
    return parser.parse_args()


# The data -----------------------------------------------------------------------------------


def populate():
    """The reference data, the people and the two meetings; returns the people and the
    meetings by size."""
    load_delegations()
    load_working_groups()
    db.session.flush()
    delegations = db.session.scalars(
        select(Delegation).where(Delegation.kind == "state_party").order_by(Delegation.id)
    ).all()
    secretariat = db.session.scalar(select(Delegation).where(Delegation.kind == "secretariat"))
    password = hash_password(PASSWORD)
    officer = User(
        email="officer@bench.invalid", name="Bench Officer", delegation=secretariat,
        role="point_of_contact", status="active", password_hash=password,
        password_changed_at=now_utc(), totp_secret=pyotp.random_base32(),
    )
    delegate = User(
        email="delegate@bench.invalid", name="Bench Delegate", delegation=delegations[0],
        role="point_of_contact", status="active", password_hash=password,
        password_changed_at=now_utc(),
    )
    db.session.add_all([officer, delegate])
    db.session.flush()
    spaces = db.session.scalars(select(WorkingGroup).order_by(WorkingGroup.id)).all()
    meetings = {}
    for size, numbers in SIZES.items():
        meetings[size] = meeting_of(size, numbers, officer, delegations, spaces)
    db.session.commit()
    return officer, delegate, meetings


def meeting_of(size, numbers, officer, delegations, spaces):
    start = date.today() + timedelta(days=90)
    meeting = services.create_meeting(
        officer,
        {
            "title": f"Working groups' meeting ({size})",
            "kind": "working_groups",
            "cycle": numbers["cycle"],
            "start_day": start,
            "start_time": clock(10, 0),
            "end_day": start + timedelta(days=3),
            "end_time": clock(18, 0),
            "time_zone": "Europe/Zurich",
            "venue": "Geneva",
            "format": "hybrid",
            "languages": ["ar", "zh", "en", "fr", "ru", "es"],
            "level": "users",
            "connection_details": "https://meet.example.org/bench",
        },
    )
    documents = bulk_documents(size, numbers["documents"], officer, meeting)
    per_item = numbers["documents"] // numbers["items"]
    for number in range(numbers["items"]):
        space = spaces[number % len(spaces)]
        topic = forum_services.create_topic(
            space, officer, f"Topic {number} ({size})", "Description.", numbers["cycle"],
            ["A guiding question?"],
        )
        db.session.flush()
        item = services.add_item(
            meeting, officer, {"title": f"Item {number + 1}", "topic_id": topic.id}
        )
        for document in documents[number * per_item:(number + 1) * per_item]:
            services.link_document(item, officer, document)
        for speaker in range(2):
            delegation = delegations[(number * 2 + speaker) % len(delegations)]
            services.invite_speaker(meeting, officer, item.id, delegation, "National practice")
    services.publish_speakers(meeting, officer)
    people = []
    for number in range(numbers["registrations"]):
        delegation = delegations[number % len(delegations)]
        people.append(
            {
                "email": f"{size}.{number}@bench.invalid",
                "name": f"Participant {number}",
                "function": "Delegate",
                "delegation_id": delegation.id,
                "role": "member",
                "status": "active",
                "language": "en",
                "created_at": now_utc(),
            }
        )
    ids = db.session.scalars(insert(User).returning(User.id), people).all()
    registrations = [
        {
            "meeting_id": meeting.id,
            "user_id": user_id,
            "delegation_id": person["delegation_id"],
            "attendance": "remote" if number % 2 else "in_person",
            "status": "approved" if number % 3 else "pending",
            "created_at": now_utc(),
        }
        for number, (user_id, person) in enumerate(zip(ids, people, strict=True))
    ]
    db.session.execute(insert(Registration), registrations)
    db.session.execute(
        insert(ConnectionView),
        [
            {"meeting_id": meeting.id, "user_id": row["user_id"],
             "delegation_id": row["delegation_id"], "viewed_at": now_utc()}
            for row in registrations
            if row["status"] == "approved" and row["attendance"] == "remote"
        ],
    )
    return meeting.id


def bulk_documents(size, count, officer, meeting):
    """`count` documents for every approved user, half of them distributed late."""
    deadline = meeting.distribution_deadline
    rows = [
        {
            "title": f"Working paper {number} ({size})",
            "symbol": f"ATT/BENCH/{size.upper()}/{number}",
            "symbol_key": f"att/bench/{size}/{number}",
            "doc_type": "working_paper",
            "cycle": meeting.cycle,
            "meeting": "",
            "delegation_id": officer.delegation_id,
            "published_on": deadline - timedelta(days=5),
            "distributed_on": deadline + timedelta(days=number % 2),
            "keywords": [],
            "summary": "",
            "access_level": "users",
            "acl": "user",
            "uploaded_by_id": officer.id,
            "updated_at": now_utc(),
            "created_at": now_utc(),
        }
        for number in range(count)
    ]
    ids = db.session.scalars(insert(Document).returning(Document.id), rows).all()
    return [db.session.get(Document, document_id) for document_id in ids]


# Measuring ----------------------------------------------------------------------------------


def pages_of(meeting_id, cycle):
    return {
        "meeting page": f"/meetings/{meeting_id}",
        "calendar (cycle)": f"/meetings/?cycle={cycle}",
        "speakers lists": f"/meetings/{meeting_id}/speakers",
        "registrations": f"/meetings/{meeting_id}/registrations",
        "meeting .ics": f"/meetings/{meeting_id}/calendar.ics",
    }


def signed_in(app, email, totp_secret=None):
    client = app.test_client()
    response = client.post("/auth/sign-in", data={"email": email, "password": PASSWORD})
    if response.headers.get("Location", "").endswith("/auth/two-factor"):
        code = pyotp.TOTP(totp_secret).now()
        response = client.post("/auth/two-factor", data={"code": code})
    if response.status_code != 302:
        raise RuntimeError(f"could not sign in {email}: {response.status_code}")
    return client


def measure(app, client, path, renders):
    """(statements of one render, median ms of `renders` renders)."""
    statements = []

    def count(*_args):
        statements.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    if response.status_code != 200:
        where = response.headers.get("Location", "")
        raise RuntimeError(f"{path} answered {response.status_code} {where}")
    times = []
    for _ in range(renders):
        started = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - started) * 1000)
    return len(statements), round(statistics.median(times), 1)


def benchmark(options, url, workdir):
    os.environ["PORTAL_INSTANCE_DIR"] = str(workdir)
    app = create_app(bench_config(url, workdir))
    # Only pages are measured, in-process: the sign-in forms are posted without a CSRF token.
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        officer, delegate, meetings = populate()
        generated = time.perf_counter() - started
        with db.engine.connect() as connection:
            version = database_version(connection)
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("ANALYZE")
        officer_email, delegate_email = officer.email, delegate.email
        db.session.remove()
    with app.app_context():
        secret = db.session.scalar(
            select(User.totp_secret).where(User.email == officer_email)
        )
    # Each request in an application context of its own, as on a server.
    as_officer = signed_in(app, officer_email, secret)
    as_delegate = signed_in(app, delegate_email)
    figures = {}
    for size, meeting_id in meetings.items():
        for page, path in pages_of(meeting_id, SIZES[size]["cycle"]).items():
            figures.setdefault(page + " (Secretariat)", {})[size] = measure(
                app, as_officer, path, options.renders
            )
        figures.setdefault("meeting page (delegate)", {})[size] = measure(
            app, as_delegate, f"/meetings/{meeting_id}", options.renders
        )
    return {
        "database": make_url(url).get_backend_name(),
        "database_version": version,
        "sizes": SIZES,
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
    small, full = SIZES["small"], SIZES["full"]
    lines = [
        f"## {TITLE}",
        "",
        (
            "`bench/meetings.py` asks whether a meeting's pages cost the same number of SQL "
            "statements however large the meeting is. Two meetings are made through the "
            f"services: a small one ({small['items']} agenda items, {small['documents']} "
            f"documents, {small['registrations']} registrations) and a full one "
            f"({full['items']} items, {full['documents']} documents, {full['registrations']} "
            "registrations), each item with a forum topic and two speakers on a published list, "
            "one view of the connection details per approved remote registrant. In-process, "
            "with the test client signed in through the real forms, each page is rendered once "
            "while a `before_cursor_execute` listener counts its statements (*SQL*), then "
            f"{latest['renders']} times one at a time (*ms*, median)."
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
            f"### {run['database_version']} ({run['date']})",
            "",
            "| Page | SQL, small | SQL, full | ms, small | ms, full |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for page, by_size in run["figures"].items():
            (small_sql, small_ms), (full_sql, full_ms) = by_size["small"], by_size["full"]
            flag = "" if small_sql == full_sql else " (grows)"
            lines.append(
                f"| {page} | {small_sql} | {full_sql}{flag} | {small_ms} | {full_ms} |"
            )
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
