"""Shared fixtures: the app on a migrated database, a real SMTP server, factories, sign-in.

The database is SQLite in a temporary file by default, or the PostgreSQL database named by
PORTAL_TEST_DATABASE_URL. Its schema is built once per run by the Alembic migrations (so the
migrations are tested too) and emptied between tests.
"""

import os
import re
import socket
import time
from email import message_from_bytes, policy

import pyotp
import pytest
from aiosmtpd.controller import Controller
from argon2 import PasswordHasher
from flask.testing import FlaskClient
from sqlalchemy import text

from config import TestingConfig
from portal import create_app
from portal.auth import passwords
from portal.extensions import db, limiter
from tests import factories

PASSWORD = "orchid lantern quietly harbour"


class Mailbox:
    """Collects what the test SMTP server receives, as parsed email messages; each keeps the
    bytes the server received as `raw` (to test how headers are written on the wire)."""

    def __init__(self):
        self.messages = []
        self.refuse = False

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 4.3.0 Temporary failure, try again later"
        message = message_from_bytes(envelope.content, policy=policy.default)
        message.envelope_to = list(envelope.rcpt_tos)
        message.raw = envelope.original_content
        self.messages.append(message)
        return "250 OK"

    def to(self, address):
        return [m for m in self.messages if address in m.envelope_to]

    def last_to(self, address):
        found = self.to(address)
        assert found, f"no email to {address}; got {[m['To'] for m in self.messages]}"
        return found[-1]


def text_of(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message):
    return message.get_body(preferencelist=("html",)).get_content()


def link_in(message, fragment):
    """The first link in the email's text part that contains `fragment`."""
    match = re.search(r"https?://\S*" + re.escape(fragment) + r"\S*", text_of(message))
    assert match, f"no link with {fragment!r} in:\n{text_of(message)}"
    return match.group(0)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return os.environ.get("PORTAL_TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal.sqlite'}"
    )


@pytest.fixture(scope="session")
def config_class(database_url, smtp_server, tmp_path_factory):
    """The configuration of the test app; subclass it for an app with other settings."""

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        MAIL_HOST = "127.0.0.1"
        MAIL_PORT = smtp_server.port
        PORTAL_FILES_DIR = str(tmp_path_factory.mktemp("files"))
        PORTAL_INDEX_DIR = str(tmp_path_factory.mktemp("index"))

    return Config


@pytest.fixture(scope="session")
def _app(config_class):
    app = create_app(config_class)
    app.test_client_class = OwnContextClient
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        from flask_migrate import upgrade

        upgrade()
    yield app
    with app.app_context():
        limiter.reset()  # this run's throttling counts (its own key prefix in Redis)
        db.engine.dispose()


def empty_database():
    db.session.remove()
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


def empty_search_index(app):
    """The index follows the database: emptied with it, when a test has written to it."""
    index = app.extensions.get("portal_search_index")
    if index is not None and index.stamps():
        index.replace_all([])


class OwnContextClient(FlaskClient):
    """A test client whose every request runs in an application context of its own.

    The `app` fixture keeps a context open so that tests can use the database; Flask would
    reuse it for requests, and `g` (Flask-Login's user, the cached principals) and the database
    session would then outlive a request and leak from one client to another. Here each request
    gets a fresh context, as on a server; afterwards the test's own session is expired so that
    it reads what the request committed.
    """

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)  # read a streamed body before its context ends
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch):
    """Argon2id at a low cost: the suite hashes and verifies passwords hundreds of times, and at
    the production cost each takes a quarter of a second. The algorithm is the same."""
    monkeypatch.setattr(
        passwords, "hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    monkeypatch.setattr(passwords, "_DUMMY_HASH", None)
    monkeypatch.setattr(factories, "_PASSWORD_HASH", None)


@pytest.fixture
def app(_app, smtp_server):
    """The application, with a clean database and search index, fresh rate limits and an empty
    mailbox."""
    saved = dict(_app.config)
    smtp_server.handler.messages.clear()
    smtp_server.handler.refuse = False
    with _app.app_context():
        empty_database()
        empty_search_index(_app)
        limiter.reset()
        yield _app
        db.session.remove()
    _app.config.clear()
    _app.config.update(saved)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def mailbox(smtp_server):
    return smtp_server.handler


@pytest.fixture
def make(app):
    """Factories bound to the test database: `make.user(...)`, `make.delegation(...)`."""
    return factories


def totp_now(user, offset_steps=0):
    totp = pyotp.TOTP(user.totp_secret)
    return totp.at(time.time() + offset_steps * 30)


@pytest.fixture
def sign_in(client):
    """Sign in through the real pages; answers the second factor when the account has one."""

    def do_sign_in(user, password=PASSWORD, http=client):
        response = http.post("/auth/sign-in", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        if response.headers["Location"].endswith("/auth/two-factor"):
            response = http.post("/auth/two-factor", data={"code": totp_now(user)})
            assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return do_sign_in
