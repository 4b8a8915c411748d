"""The audit log: filtered by the Secretariat, exported as CSV, never changed through the ORM."""

import csv
import io
import json
from datetime import datetime

import pytest
from sqlalchemy import delete, update

from portal.core.audit import AuditEvent, record
from portal.extensions import db

#: (action, email, address, time, detail) of the events the tests filter.
EVENTS = [
    (
        "user.suspend",
        "alice@example.org",
        "203.0.113.7",
        datetime(2024, 2, 29, 23, 59),
        {"reason": "Left."},
    ),
    (
        "user.change_role",
        "bob@example.org",
        "203.0.113.8",
        datetime(2024, 3, 1, 0, 0),
        {"old": "member", "new": "point_of_contact"},
    ),
    ("auth.sign_in", "Alice@Example.org", "198.51.100.1", datetime(2024, 3, 15, 12, 0), {}),
    (
        "auth.sign_in_failed",
        "carol@example.org",
        "203.0.113.7",
        datetime(2024, 3, 31, 23, 59),
        {"reason": "bad_password"},
    ),
    (
        "access_request.approve",
        "dan@example.org",
        "198.51.100.2",
        datetime(2024, 4, 1, 0, 0),
        {"user_id": 9},
    ),
]


@pytest.fixture
def events(app):
    rows = [
        AuditEvent(
            action=action, actor_email=email.lower(), ip_address=ip, created_at=when, detail=detail
        )
        for action, email, ip, when, detail in EVENTS
    ]
    db.session.add_all(rows)
    db.session.commit()
    return {row.action: row.id for row in rows}


@pytest.fixture
def secretariat(client, make, sign_in):
    """The Secretariat signed in (its own sign-in is in the log too, dated today)."""
    officer = make.secretariat(email="officer@example.org")
    sign_in(officer)
    return officer


HEADER = "id,time_utc,action,actor_id,actor_email,target_type,target_id,ip_address,detail"


def exported(client, query=""):
    """The rows of the CSV export, as dicts; the header is there even when no row is."""
    response = client.get("/admin/audit.csv" + query)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.splitlines()[0] == HEADER
    return list(csv.DictReader(io.StringIO(text)))


FILTERS = [
    ("?action=user.", ["user.change_role", "user.suspend"]),
    ("?action=auth.sign_in_", ["auth.sign_in_failed"]),
    ("?who=ALICE@", ["auth.sign_in", "user.suspend"]),
    ("?ip=203.0.113.7", ["auth.sign_in_failed", "user.suspend"]),
    (
        "?since=2024-03-01&until=2024-03-31",
        ["auth.sign_in_failed", "auth.sign_in", "user.change_role"],
    ),
    ("?action=auth.&since=2024-03-01&until=2024-03-31&ip=198.51.100.1", ["auth.sign_in"]),
]


@pytest.mark.parametrize("query, actions", FILTERS)
def test_the_export_holds_exactly_the_filtered_events_newest_first(
    client, secretariat, events, query, actions
):
    newest_first = sorted((events[action] for action in actions), reverse=True)
    assert [int(row["id"]) for row in exported(client, query)] == newest_first


def test_the_export_has_every_column_of_an_event(client, secretariat, events):
    [row] = exported(client, "?action=user.change_role")
    assert json.loads(row.pop("detail")) == {"old": "member", "new": "point_of_contact"}
    assert row == {
        "id": str(events["user.change_role"]),
        "time_utc": "2024-03-01T00:00:00",
        "action": "user.change_role",
        "actor_id": "",
        "actor_email": "bob@example.org",
        "target_type": "",
        "target_id": "",
        "ip_address": "203.0.113.8",
    }


def test_the_page_shows_the_filtered_events(client, secretariat, events):
    text = client.get("/admin/audit?action=user.").get_data(as_text=True)
    assert "alice@example.org" in text and "bob@example.org" in text
    assert "carol@example.org" not in text and "dan@example.org" not in text
    text = client.get("/admin/audit?since=2024-04-01&until=2024-04-01").get_data(as_text=True)
    assert "dan@example.org" in text
    assert "alice@example.org" not in text and "officer@example.org" not in text
    text = client.get("/admin/audit?who=officer").get_data(as_text=True)
    assert "officer@example.org" in text and "alice@example.org" not in text


def test_a_filter_that_cannot_be_read_shows_the_error_and_no_events(client, secretariat, events):
    for query in ("?action=user.&since=yesterday", "?until=2024-02-30", "?ip=" + "1" * 46):
        response = client.get("/admin/audit" + query)
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert 'class="error-message"' in text, query
        assert "No entry matches these filters." in text, query
        assert exported(client, query) == [], query


def test_a_formula_in_the_log_is_exported_as_text(app, client, secretariat):
    """A visitor chooses the address tried at sign-in; a spreadsheet must not run it."""
    attacker = app.test_client()
    attacker.post(
        "/auth/sign-in", data={"email": '=HYPERLINK("http://x.invalid")', "password": "x"}
    )
    attacker.post("/auth/sign-in", data={"email": "@SUM(1+1)", "password": "x"})
    rows = exported(client, "?action=auth.sign_in_failed")
    assert [row["actor_email"] for row in rows] == [
        "'@sum(1+1)",
        '\'=hyperlink("http://x.invalid")',
    ]


def test_junk_in_the_query_string_never_answers_500(client, secretariat, events):
    for query, page_status, export_status in [
        ("?action=%25&who=%25_", 200, 200),
        ("?ip=%00", 400, 400),
        ("?since=0000-00-00", 200, 200),
        # The export is not paged.
        ("?page=abc", 404, 200),
        ("?page=-1", 404, 200),
    ]:
        assert client.get("/admin/audit" + query).status_code == page_status, query
        assert client.get("/admin/audit.csv" + query).status_code == export_status, query


def test_only_the_secretariat_reads_the_log(app, make, sign_in):
    contact = make.user(role="point_of_contact")
    browser = app.test_client()
    sign_in(contact, http=browser)
    assert browser.get("/admin/audit").status_code == 403
    assert browser.get("/admin/audit.csv").status_code == 403


# Rows are only ever added --------------------------------------------------------------------


@pytest.fixture
def entry(app):
    added = record("user.suspend", actor_email="alice@example.org", reason="Left.")
    db.session.commit()
    return added


def stored(entry_id):
    db.session.expire_all()
    row = db.session.get(AuditEvent, entry_id)
    return row and (row.action, row.actor_email, row.detail)


def test_an_audit_event_cannot_be_updated_through_the_session(entry):
    entry.action = "user.reactivate"
    with pytest.raises(RuntimeError, match="never updated or deleted"):
        db.session.commit()
    db.session.rollback()
    assert stored(entry.id) == ("user.suspend", "alice@example.org", {"reason": "Left."})


def test_an_audit_event_cannot_be_deleted_through_the_session(entry):
    db.session.delete(entry)
    with pytest.raises(RuntimeError, match="never updated or deleted"):
        db.session.commit()
    db.session.rollback()
    assert stored(entry.id) == ("user.suspend", "alice@example.org", {"reason": "Left."})


@pytest.mark.parametrize(
    "statement",
    [
        update(AuditEvent).values(action="user.reactivate"),
        delete(AuditEvent),
    ],
    ids=["bulk update", "bulk delete"],
)
def test_an_audit_event_cannot_be_changed_by_an_orm_bulk_statement(entry, statement):
    try:
        with pytest.raises(RuntimeError):
            db.session.execute(statement)
    finally:
        db.session.rollback()
    assert stored(entry.id) == ("user.suspend", "alice@example.org", {"reason": "Left."})
