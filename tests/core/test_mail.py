"""Email rendering and the development mail backend."""

from email import message_from_bytes, policy

from portal.core.jobs import run_due_jobs
from portal.core.mail import queue_email
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
