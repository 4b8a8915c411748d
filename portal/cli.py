"""`flask` commands: demo data, accounts, the job worker, translations."""

import secrets
import signal
import subprocess
import sys
import threading
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import func, select

from portal.extensions import db

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"

#: One demo account per role: (email, name, delegation short name, role, function).
DEMO_ACCOUNTS = [
    (
        "secretariat@demo.att-portal.invalid",
        "Secretariat Officer",
        "ATTS",
        "point_of_contact",
        "Programme officer",
    ),
    (
        "contact.mexico@demo.att-portal.invalid",
        "Mexico Point of Contact",
        "MEX",
        "point_of_contact",
        "National point of contact",
    ),
    ("delegate.mexico@demo.att-portal.invalid", "Mexico Delegate", "MEX", "member", "Delegate"),
    (
        "delegate.thailand@demo.att-portal.invalid",
        "Thailand Delegate (signatory)",
        "THA",
        "member",
        "Delegate",
    ),
    (
        "observer.sipri@demo.att-portal.invalid",
        "SIPRI Researcher (observer)",
        "SIPRI",
        "member",
        "Researcher",
    ),
]


def demo_password():
    """A random passphrase-like password that passes the portal's own strength check."""
    return "-".join(secrets.token_urlsafe(6) for _ in range(3))


def register(app):
    app.cli.add_command(portal_group)
    app.cli.add_command(search_group)
    app.cli.add_command(translate_group)
    app.cli.add_command(notifications_group)


@click.group("portal")
def portal_group():
    """Set up and run the portal."""


@portal_group.command("demo-data")
@click.option("--if-empty", is_flag=True, help="Load only when the database has no delegation.")
def demo_data(if_empty):
    """Load delegations, working groups, one demo account per role and the demo content."""
    from portal.accounts.models import Delegation, User
    from portal.accounts.reference import load_delegations
    from portal.auth.passwords import hash_password
    from portal.channels.reference import load_demo_channels
    from portal.consultations.reference import load_demo_consultations
    from portal.core.jobs import run_due_jobs
    from portal.core.models import now_utc
    from portal.forum.reference import load_demo_topics, load_working_groups
    from portal.library.reference import load_demo_documents
    from portal.meetings.reference import load_demo_meetings
    from portal.reporting.reference import load_demo_reports

    if if_empty and db.session.scalar(select(func.count()).select_from(Delegation)):
        click.echo("The database already has data; no demo data loaded.")
        return
    delegations = load_delegations()
    db.session.flush()
    groups = load_working_groups()
    by_short_name = {d.short_name: d for d in db.session.scalars(select(Delegation))}
    lines = []
    for email, name, short_name, role, function in DEMO_ACCOUNTS:
        if db.session.scalar(select(User).where(User.email == email)) is not None:
            continue
        password = demo_password()
        db.session.add(
            User(
                email=email,
                name=name,
                function=function,
                delegation=by_short_name[short_name],
                role=role,
                status="active",
                language="en",
                password_hash=hash_password(password),
                password_changed_at=now_utc(),
            )
        )
        lines.append(f"{email}  {password}  ({name})")
    db.session.flush()
    topics = documents = meetings = consultations = 0
    if lines:  # the accounts were just created: start the forum and the library too
        officer = db.session.scalar(select(User).where(User.email == DEMO_ACCOUNTS[0][0]))
        topics = load_demo_topics(officer)
        documents = load_demo_documents()
        load_demo_reports()
        load_demo_channels()
        meetings = load_demo_meetings(officer)
        consultations = load_demo_consultations(officer)
    db.session.commit()
    run_due_jobs(limit=1000)  # the documents' text and the search index
    click.echo(
        f"Loaded {delegations} delegations, {groups} working groups, {len(lines)} accounts, "
        f"{topics} topics, {documents} documents, {meetings} meetings, "
        f"{consultations} informal consultations."
    )
    if lines:
        accounts_file = Path(current_app.instance_path) / "demo-accounts.txt"
        accounts_file.parent.mkdir(parents=True, exist_ok=True)
        accounts_file.write_text(
            "Demo accounts (email, password). The Secretariat account sets up a second factor "
            "(an authenticator app) at its first sign-in; the Mexico accounts (a point of "
            "contact, a channel participant) must set one up within "
            f"{current_app.config['PORTAL_TOTP_GRACE_DAYS']} days of their first sign-in."
            "\n" + "\n".join(lines) + "\n"
        )
        accounts_file.chmod(0o600)
        click.echo(f"Demo accounts and their passwords are in {accounts_file}.")


@portal_group.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.password_option()
def create_admin(email, name, password):
    """Create an active Secretariat account (the first administrator of a new installation)."""
    from portal.accounts.models import Delegation, DelegationKind, User
    from portal.auth.passwords import hash_password, password_problem
    from portal.core.audit import record
    from portal.core.models import now_utc

    problem = password_problem(password, (name, email))
    if problem:
        raise click.ClickException(str(problem))
    secretariat = db.session.scalar(
        select(Delegation).where(Delegation.kind == DelegationKind.SECRETARIAT.value)
    )
    if secretariat is None:
        secretariat = Delegation(name="ATT Secretariat", short_name="ATTS", kind="secretariat")
        db.session.add(secretariat)
    email = email.strip().lower()
    if db.session.scalar(select(User).where(User.email == email)) is not None:
        raise click.ClickException(f"An account with the email {email} already exists.")
    user = User(
        email=email,
        name=name,
        function="Administrator",
        delegation=secretariat,
        role="point_of_contact",
        status="active",
        password_hash=hash_password(password),
        password_changed_at=now_utc(),
    )
    db.session.add(user)
    record("user.create_admin", target=user, actor_email="cli")
    db.session.commit()
    click.echo(f"Created {email}; a second factor is set up at the first sign-in.")


@portal_group.command("worker")
@click.option("--poll", default=2.0, show_default=True, help="Seconds between polls when idle.")
def worker(poll):
    """Run queued jobs (email...) until stopped; run one or more beside the web processes.

    SIGTERM (what a supervisor sends to stop it) lets the job at hand finish first."""
    from portal.core.jobs import work_forever

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    work_forever(poll_seconds=poll, stop=stop)


@portal_group.command("run-jobs")
def run_jobs():
    """Run the jobs that are due now, then exit (for cron or a one-off catch-up)."""
    from portal.core.jobs import requeue_stale, run_due_jobs

    requeue_stale()
    click.echo(f"Ran {run_due_jobs(limit=10_000)} jobs.")


@click.group("search")
def search_group():
    """Keep the search index in step with the database."""


@search_group.command("rebuild")
def search_rebuild():
    """Rewrite the whole search index from the database, with a progress bar."""
    from portal.search.engine import expected_count, rebuild

    with click.progressbar(length=expected_count(), label="Indexing", file=sys.stderr) as bar:
        count = rebuild(progress=bar.update)
    click.echo(f"The index now holds {count} items.")


@search_group.command("read-attachments")
def search_read_attachments():
    """Queue the reading of every forum and channel attachment whose text has not been read
    (those stored before attachments were searchable); the worker then re-indexes their posts
    and messages."""
    from portal.search.attachments import queue_waiting

    click.echo(f"Queued the reading of {queue_waiting()} attachments.")
    db.session.commit()


@search_group.command("verify")
@click.option("--repair", is_flag=True, help="Write what is missing or stale, remove the extra.")
def search_verify(repair):
    """Compare the index with the database; exits with status 1 when they differ."""
    from portal.search.engine import verify

    differences = verify(repair=repair)
    for label, keys in (
        ("missing", differences.missing),
        ("extra", differences.extra),
        ("stale", differences.stale),
    ):
        click.echo(f"{label}: {len(keys)}" + (f" ({', '.join(keys[:20])})" if keys else ""))
    if differences.count and repair:
        click.echo(f"Repaired {differences.count} differences.")
    elif differences.count:
        sys.exit(1)


@click.group("notifications")
def notifications_group():
    """Notification emails."""


@notifications_group.command("digest")
@click.argument("period", type=click.Choice(["daily", "weekly"]))
@click.option(
    "--day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="A day of the period to send (YYYY-MM-DD); by default the last completed one.",
)
def notifications_digest(period, day):
    """Send the daily or weekly digest now (the worker also does so by itself once a period
    has ended); a person who has had the digest of that period gets nothing more."""
    from portal.core.models import now_utc
    from portal.notifications.delivery import (
        last_completed_periods,
        period_bounds,
        send_digests,
    )

    start, _end = period_bounds(
        period, day.date() if day else dict(last_completed_periods(now_utc()))[period]
    )
    count = send_digests(period, start)
    click.echo(f"Queued {count} {period} digests for the period starting {start}.")


@click.group("translate")
def translate_group():
    """Extract, update and compile the translation catalogs."""


def pybabel(*args):
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", *args],
        check=True,
        capture_output=True,
        cwd=TRANSLATIONS.parent,  # the extraction methods of data files are imported from portal
    )


def extract_messages(output):
    """Extract every translatable string of the portal into the template `output`."""
    pybabel(
        "extract",
        "-F",
        str(TRANSLATIONS / "babel.cfg"),
        "-k",
        "_l",
        "--no-location",
        "--sort-by-file",
        "-o",
        str(output),
        str(TRANSLATIONS.parent / "portal"),
    )


@translate_group.command("update")
def translate_update():
    """Extract strings into messages.pot and merge them into every catalog."""
    extract_messages(TRANSLATIONS / "messages.pot")
    if list(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")):
        pybabel(
            "update",
            "-i",
            str(TRANSLATIONS / "messages.pot"),
            "-d",
            str(TRANSLATIONS),
            "--no-fuzzy-matching",
            "--ignore-obsolete",
        )


@translate_group.command("compile")
def translate_compile():
    """Compile the catalogs into .mo files (done by `make run` and `make test`)."""
    pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")


@translate_group.command("init")
@click.argument("language")
def translate_init(language):
    """Start a catalog for a new language."""
    pybabel(
        "init", "-i", str(TRANSLATIONS / "messages.pot"), "-d", str(TRANSLATIONS), "-l", language
    )
