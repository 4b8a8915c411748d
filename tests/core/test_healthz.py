"""/healthz, for the load balancer: open to anonymous callers, says whether the database answers
and how the outbox stands."""

from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from portal.core.jobs import Job
from portal.core.models import now_utc
from portal.extensions import db


def test_healthz_reports_the_database_and_the_outbox_to_anonymous_callers(client):
    queued_at = now_utc() - timedelta(minutes=10)
    db.session.add_all(
        [
            Job(
                kind="send_email",
                payload={},
                status="pending",
                created_at=queued_at,
                run_after=now_utc() + timedelta(hours=1),
            ),
            Job(
                kind="send_email",
                payload={},
                status="pending",
                run_after=now_utc() + timedelta(hours=1),
            ),
            Job(kind="send_email", payload={}, status="failed", attempts=8),
            Job(kind="send_email", payload={}, status="done", attempts=1),
        ]
    )
    db.session.commit()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert (body["status"], body["database"]) == ("ok", "ok")
    outbox = body["outbox"]
    assert (outbox["pending"], outbox["failed"]) == (2, 1)
    assert 600 <= outbox["oldest_pending_seconds"] < 700


def test_healthz_with_an_empty_outbox(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["outbox"] == {"pending": 0, "failed": 0, "oldest_pending_seconds": 0}


def test_healthz_answers_503_when_the_database_does_not(client, monkeypatch):
    def unreachable():
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr("portal.core.views.outbox_state", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}


def test_requests_after_the_database_ended_every_pooled_connection_are_answered(
    client, database_url
):
    """A database restart or failover leaves the pool holding dead connections: each is checked
    before use (pool_pre_ping) and replaced, so no request fails."""
    if not database_url.startswith("postgresql"):
        pytest.skip("pg_terminate_backend needs PostgreSQL (PORTAL_TEST_DATABASE_URL)")
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    db.session.remove()
    outsider = create_engine(database_url, poolclass=NullPool)
    with outsider.begin() as connection:
        ended = connection.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    outsider.dispose()
    assert ended >= 1

    assert client.get("/healthz").status_code == 200
    assert client.get("/auth/sign-in").status_code == 200
