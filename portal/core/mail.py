"""Email: rendered in the recipient's language when queued, sent over SMTP by a job.

Rendering happens in the request (templates, translations and links are at hand there); the
job only talks to the SMTP server, so a retry sends exactly what was rendered. Each message has
a Message-ID fixed at queue time. The moment the SMTP server accepts a message, its Message-ID
is committed as sent (`SentEmail`), before the connection is closed or the job recorded; a job
run again (after a failure or a crash that came later) finds it there and sends nothing. A
duplicate needs the process to die between the server's answer and that commit.
"""

import logging
import smtplib
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale

from portal.core.jobs import enqueue, handler
from portal.core.models import now_utc
from portal.extensions import db

log = logging.getLogger(__name__)

#: Headers given to `queue_email` are sent exactly as written (`Message.set_raw`), never
#: refolded: the standard policy would turn a long unsubscribe URL into RFC 2047 encoded-words,
#: which mail services do not read as a URL (RFC 2369, RFC 8058).
MESSAGE_POLICY = policy.default.clone(refold_source="none")
#: The longest header line SMTP allows (RFC 5322 section 2.1.1), without its CRLF.
MAX_HEADER_LINE = 998


class SentEmail(db.Model):
    """A message the SMTP server accepted (or, in development, that was written to a file)."""

    __tablename__ = "sent_emails"

    message_id = db.Column(db.String(255), primary_key=True)
    sent_at = db.Column(db.DateTime, nullable=False, default=now_utc)


def external_url(endpoint, **values):
    """An absolute link for emails, built from PORTAL_BASE_URL (never from the Host header)."""
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    return base + current_app.url_map.bind("localhost").build(endpoint, values)


def queue_email(to, language, template, subject, headers=None, **context):
    """Render `templates/email/<template>.txt` and `.html` in `language` and queue the message.

    `subject` is a lazy string (``_l(...)``), formatted with `context` in the same language.
    `headers` ({name: value}) are added to the message as written, for example List-Unsubscribe.

    Raises ValueError for a header value that is not one line of printable ASCII, or too long
    for a header line.
    """
    for name, value in (headers or {}).items():
        if not (value.isascii() and value.isprintable()):
            raise ValueError(f"the {name} header must be one line of printable ASCII: {value!r}")
        if len(name) + 2 + len(value) > MAX_HEADER_LINE:
            raise ValueError(f"the {name} header is longer than a header line may be")
    with force_locale(language):
        context = {"language": language, **context}
        subject_text = str(subject) % context if "%(" in str(subject) else str(subject)
        text = render_template(f"email/{template}.txt", subject=subject_text, **context)
        html = render_template(f"email/{template}.html", subject=subject_text, **context)
    domain = current_app.config["MAIL_SENDER"].rsplit("@", 1)[-1].rstrip(">")
    extra = {"headers": dict(headers)} if headers else {}
    return enqueue(
        "send_email",
        to=to,
        subject=subject_text,
        text=text,
        html=html,
        language=language,
        message_id=make_msgid(domain=domain),
        **extra,
    )


@handler("send_email")
def send_email(payload):
    """Send the message of a `send_email` job, unless its Message-ID was sent already."""
    config = current_app.config
    message_id = payload["message_id"]
    if db.session.get(SentEmail, message_id) is not None:
        log.info("email %s was sent already; not sending it again", message_id)
        return
    message = compose(payload, config["MAIL_SENDER"])
    if config["MAIL_BACKEND"] == "files":
        write_to_folder(message)
        record_sent(message_id)
        return
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(
        config["MAIL_HOST"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]
    ) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
        # Before QUIT and before the job is marked done: whatever fails from here on, the
        # message is not sent again.
        record_sent(message_id)


def compose(payload, sender):
    """The EmailMessage of a `send_email` job's payload."""
    message = EmailMessage(policy=MESSAGE_POLICY)
    message["From"] = sender
    message["To"] = payload["to"]
    message["Subject"] = payload["subject"]
    message["Message-ID"] = payload["message_id"]
    message["Auto-Submitted"] = "auto-generated"
    for name, value in payload.get("headers", {}).items():
        message.set_raw(name, value)
    message.set_content(payload["text"])
    message.add_alternative(payload["html"], subtype="html")
    # After the body: set_content() drops every Content-* header set before it.
    message["Content-Language"] = payload["language"]
    return message


def record_sent(message_id):
    """Commit at once that `message_id` was sent (the job's transaction holds nothing else)."""
    db.session.add(SentEmail(message_id=message_id, sent_at=now_utc()))
    db.session.commit()


def write_to_folder(message):
    """Development: keep the message as an .eml file in `instance/mail/` instead of sending it."""
    folder = Path(current_app.instance_path) / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    name = message["Message-ID"].strip("<>").replace("/", "_") + ".eml"
    (folder / name).write_bytes(bytes(message))
    log.warning(
        "email to %s written to %s:\n%s",
        message["To"],
        folder / name,
        message.get_body(("plain",)).get_content(),
    )
