"""Email: rendering, the development mail backend, headers as written on the wire, and a
message accepted by the SMTP server never sent twice."""

import smtplib
from email import message_from_bytes, policy

import pytest
from flask import current_app
from sqlalchemy import select

from portal.core.jobs import Job, run_due_jobs
from portal.core.mail import SentEmail, queue_email
from portal.core.models import now_utc
from portal.extensions import db


def test_development_backend_writes_the_message_to_the_instance_folder(app, tmp_path, monkeypatch):
    app.config["MAIL_BACKEND"] = "files"
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    with app.test_request_context():
        queue_email(
            "ana@example.org",
            "fr",
            "password_reset",
            "Reset",
            name="Ana",
            link="https://portal.example/x",
            hours=24,
        )
    db.session.commit()
    assert run_due_jobs() == 1
    [written] = list((tmp_path / "mail").glob("*.eml"))
    message = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert message["To"] == "ana@example.org"
    assert message["Content-Language"] == "fr"
    assert "https://portal.example/x" in message.get_body(("plain",)).get_content()
    assert message.get_body(("html",)) is not None


def queue_test_email(to="ana@example.org", message_id=None, **fields):
    """Queue a rendered email as a request would, and commit; returns its job."""
    with current_app.test_request_context():
        job = queue_email(
            to, "en", "password_reset", "Reset", name="Ana", link="https://x/", hours=24, **fields
        )
    if message_id:
        job.payload = {**job.payload, "message_id": message_id}
    db.session.commit()
    return job


def test_given_headers_are_sent_as_written(app, mailbox):
    link = "https://portal.example.org/notifications/unsubscribe/" + "a1B2c3" * 20
    queue_test_email(headers={"List-Unsubscribe": f"<{link}>", "X-Portal": "one two"})
    assert run_due_jobs() == 1
    [message] = mailbox.messages
    assert f"\r\nList-Unsubscribe: <{link}>\r\n".encode() in message.raw
    assert b"\r\nX-Portal: one two\r\n" in message.raw


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("<https://x/>\r\nBcc: victim@example.org", id="line-break"),
        pytest.param("<https://x/é>", id="not-ascii"),
        pytest.param("<https://x/" + "a" * 1000 + ">", id="too-long"),
    ],
)
def test_a_header_that_cannot_be_sent_as_written_is_refused_and_nothing_queued(app, value):
    with pytest.raises(ValueError):
        queue_test_email(headers={"List-Unsubscribe": value})
    db.session.rollback()
    assert db.session.scalars(select(Job)).all() == []


def test_a_failure_after_the_server_accepted_the_message_does_not_send_it_again(
    app, mailbox, monkeypatch
):
    """The server accepts the message, then answers QUIT with an error: the job fails, and its
    next attempt finds the message sent."""
    docmd = smtplib.SMTP.docmd

    def shutting_down_at_quit(smtp, command, args=""):
        if command.upper() == "QUIT":
            return 421, b"4.3.0 Service shutting down"
        return docmd(smtp, command, args)

    monkeypatch.setattr(smtplib.SMTP, "docmd", shutting_down_at_quit)
    job = queue_test_email()
    assert run_due_jobs() == 1
    db.session.expire_all()
    assert (job.status, job.attempts) == ("pending", 1)
    assert "Service shutting down" in job.last_error

    monkeypatch.undo()
    job.run_after = now_utc()
    db.session.commit()
    assert run_due_jobs() == 1
    db.session.expire_all()
    assert (job.status, job.attempts) == ("done", 2)
    assert [m.envelope_to for m in mailbox.messages] == [["ana@example.org"]]


def test_a_job_run_again_after_its_email_was_sent_sends_nothing(app, mailbox):
    """The worker died after the server accepted the message and before the job was marked
    done: the job runs again when its claim goes stale."""
    job = queue_test_email()
    assert run_due_jobs() == 1
    job.status, job.run_after = "pending", now_utc()
    db.session.commit()
    assert run_due_jobs() == 1
    db.session.expire_all()
    assert job.status == "done"
    assert len(mailbox.messages) == 1
    assert db.session.get(SentEmail, job.payload["message_id"]) is not None


def test_a_refused_email_is_not_recorded_as_sent(app, mailbox):
    mailbox.refuse = True
    job = queue_test_email()
    assert run_due_jobs() == 1
    assert db.session.get(SentEmail, job.payload["message_id"]) is None

    mailbox.refuse = False
    job.run_after = now_utc()
    db.session.commit()
    assert run_due_jobs() == 1
    assert len(mailbox.messages) == 1
