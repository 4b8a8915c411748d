"""Email: rendered in the recipient's language when queued, sent over SMTP by a job.

Rendering happens in the request (templates, translations and links are at hand there); the
job only talks to the SMTP server, so a retry sends exactly what was rendered. Each message has
a Message-ID fixed at queue time, so a rare duplicate after a crash can be recognised.
"""

import logging
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale

from portal.core.jobs import enqueue, handler

log = logging.getLogger(__name__)


def external_url(endpoint, **values):
    """An absolute link for emails, built from PORTAL_BASE_URL (never from the Host header)."""
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    return base + current_app.url_map.bind("localhost").build(endpoint, values)


def queue_email(to, language, template, subject, headers=None, **context):
    """Render `templates/email/<template>.txt` and `.html` in `language` and queue the message.

    `subject` is a lazy string (``_l(...)``), formatted with `context` in the same language.
    `headers` ({name: value}) are added to the message, for example List-Unsubscribe.
    """
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
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = payload["to"]
    message["Subject"] = payload["subject"]
    message["Message-ID"] = payload["message_id"]
    message["Auto-Submitted"] = "auto-generated"
    for name, value in payload.get("headers", {}).items():
        message[name] = value
    message.set_content(payload["text"])
    message.add_alternative(payload["html"], subtype="html")
    # After the body: set_content() drops every Content-* header set before it.
    message["Content-Language"] = payload["language"]
    if config["MAIL_BACKEND"] == "files":
        write_to_folder(message)
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
