"""Fixtures and helpers of the auth tests: a second browser, the pages of an access request,
links taken from emails, second-factor codes, readable page text."""

import html
import re
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

import pyotp
import pytest

from portal.extensions import db
from tests.conftest import PASSWORD, link_in

NEW_PASSWORD = "velvet compass under marble skies"


@pytest.fixture
def new_client(app):
    """Another browser: `new_client()` has cookies of its own."""
    return app.test_client


def fresh(record):
    """`record` as the database holds it now (requests commit in sessions of their own)."""
    db.session.refresh(record)
    return record


def page_text(response):
    """The visible text of an HTML page, tags removed and spaces collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.get_data(as_text=True), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def path_of(url):
    """The path and query of an absolute link, as the test client wants it."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def link_path(message, fragment):
    return path_of(link_in(message, fragment))


def browser_target(location, base="http://localhost/"):
    """Where a browser goes for a Location header: like the WHATWG URL parser, it drops tabs
    and newlines and reads a backslash as a slash before resolving against the page."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    return urlsplit(urljoin(base, cleaned))


def ask_for_access(
    http, delegation, name="Amina Diallo", email="amina.diallo@mfa.example", **request_options
):
    """Fill in the access request form as an anonymous visitor."""
    response = http.post(
        "/auth/request-access",
        data={
            "name": name,
            "email": email,
            "delegation": str(delegation.id),
            "function": "Arms control desk officer",
            "reason": "I prepare our national report.",
        },
        **request_options,
    )
    assert response.status_code == 302, page_text(response)
    assert response.headers["Location"].endswith("/auth/request-access/sent")
    return response


def confirm_address(http, mailbox, email):
    """Open the confirmation link of the last email to `email` and press its button."""
    path = link_path(mailbox.last_to(email), "/auth/confirm/")
    assert http.get(path).status_code == 200
    response = http.post(path)
    assert response.status_code == 200, page_text(response)
    return response


def choose_password(http, path, password=NEW_PASSWORD):
    return http.post(path, data={"password": password, "confirm": password})


def request_reset(http, mailbox, user):
    """Ask for a reset link for `user` and return the path of the link received."""
    response = http.post("/auth/reset-password", data={"email": user.email})
    assert response.status_code == 200
    return link_path(mailbox.last_to(user.email), "/auth/password/")


def change_password(http, current, new, confirm=None):
    """Send the password form of the account page."""
    return http.post(
        "/auth/account/password",
        data={
            "password-current": current,
            "password-password": new,
            "password-confirm": new if confirm is None else confirm,
        },
    )


def decide(http, path, decision, reason=""):
    """Send the decision form of an access request (a browser always sends the role too)."""
    return http.post(path, data={"decision": decision, "role": "member", "reason": reason})


def enrol_authenticator(http):
    """Read the key from the set-up page and answer with the code an app would show now."""
    setup = http.get("/auth/two-factor/setup")
    secret = page_text(setup).split("Key: ")[1].split()[0]
    code = totp_code(secret, current_step(secret))
    answer = http.post("/auth/two-factor/setup", data={"code": code})
    return secret, answer


def totp_code(secret, step):
    return pyotp.TOTP(secret).generate_otp(step)


def current_step(secret):
    return pyotp.TOTP(secret).timecode(datetime.now(timezone.utc))


def unused_totp_code(user):
    """A code the portal must accept: the current step, or the next one (clock drift allowed)
    when the current step was already spent by an earlier sign-in of this test."""
    fresh(user)
    step = current_step(user.totp_secret)
    if user.totp_last_step is not None and step <= user.totp_last_step:
        step = user.totp_last_step + 1
    assert step <= current_step(user.totp_secret) + 1, "no unused code in the allowed window"
    return totp_code(user.totp_secret, step)


def wrong_totp_code(secret):
    """A six-digit code that no step within the allowed drift produces."""
    step = current_step(secret)
    valid = {totp_code(secret, s) for s in (step - 2, step - 1, step, step + 1, step + 2)}
    code = int(totp_code(secret, step))
    while f"{code:06d}" in valid:
        code = (code + 1) % 1_000_000
    return f"{code:06d}"


def sign_in_with_password(http, user, password=PASSWORD, **options):
    return http.post("/auth/sign-in", data={"email": user.email, "password": password}, **options)


def sign_in_fully(http, user, password=PASSWORD):
    """Password, then a fresh TOTP code when the account has a second factor."""
    response = sign_in_with_password(http, user, password)
    assert response.status_code == 302, page_text(response)
    if response.headers["Location"].endswith("/auth/two-factor"):
        response = http.post("/auth/two-factor", data={"code": unused_totp_code(user)})
        assert response.status_code == 302, page_text(response)
    return response


def is_signed_in(http):
    """Whether `http` reaches the home page (anonymous visitors are sent to sign-in)."""
    response = http.get("/")
    if response.status_code == 200:
        return True
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/auth/sign-in"
    return False


def session_cookie(http):
    cookie = http.get_cookie("portal_session")
    return cookie.value if cookie is not None else None


def client_with_cookie(new_client, value):
    """A fresh browser holding a copy of someone's session cookie."""
    other = new_client()
    other.set_cookie("portal_session", value)
    return other
