"""The sign-in page: wrong passwords, throttling, where it sends people, headers and cookies."""

import html
import re

import pytest

from portal import create_app
from tests.auth.conftest import (
    browser_target,
    enrol_authenticator,
    is_signed_in,
    page_text,
    sign_in_with_password,
    unused_totp_code,
)
from tests.conftest import PASSWORD

WRONG = "this is not the password"
NOT_CORRECT = "The email address or the password is not correct."


def attempt(http, email, password=WRONG, **options):
    return http.post("/auth/sign-in", data={"email": email, "password": password}, **options)


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(client, make):
    user = make.user()
    wrong_password = attempt(client, user.email)
    unknown = attempt(client, "nobody@example.org")
    assert wrong_password.status_code == unknown.status_code == 200
    assert NOT_CORRECT in page_text(wrong_password)
    same_page = page_text(wrong_password).replace(user.email, "nobody@example.org")
    assert same_page == page_text(unknown)
    assert not is_signed_in(client)


@pytest.mark.parametrize("status", ["pending", "suspended"])
def test_an_account_that_is_pending_or_suspended_cannot_sign_in(client, make, status):
    response = sign_in_with_password(client, make.user(status=status))
    assert response.status_code == 200 and NOT_CORRECT in page_text(response)
    assert not is_signed_in(client)


def test_five_failures_lock_the_account_whatever_the_case_of_the_address(client, new_client, make):
    user = make.user(email="ana.lopez@example.org")
    bystander = make.user()
    for spelling in [
        "ana.lopez@example.org",
        "Ana.Lopez@example.org",
        " ANA.LOPEZ@EXAMPLE.ORG",
        "ana.lopez@example.org",
        "Ana.lopez@Example.org",
    ]:
        assert attempt(client, spelling).status_code == 200, spelling

    locked = sign_in_with_password(new_client(), user)  # even with the right password
    assert locked.status_code == 429
    assert "Too many attempts" in page_text(locked)
    assert "Wait a few minutes, then try again." in page_text(locked)
    assert "Retry-After" in locked.headers
    assert sign_in_with_password(client, bystander).status_code == 302


def test_a_successful_sign_in_does_not_count_towards_the_account_limit(client, make):
    user = make.user()
    for _ in range(4):
        assert attempt(client, user.email).status_code == 200
    assert sign_in_with_password(client, user).status_code == 302
    client.post("/auth/sign-out")
    assert attempt(client, user.email).status_code == 200  # the fifth failure
    assert attempt(client, user.email).status_code == 429


def test_the_account_limit_follows_the_configuration(app, client, make):
    app.config["PORTAL_SIGN_IN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
    user = make.user()
    for _ in range(2):
        assert attempt(client, user.email).status_code == 200
    assert attempt(client, user.email).status_code == 429


def test_many_failures_from_one_address_are_throttled_whatever_the_account(app, client, make):
    app.config["PORTAL_SIGN_IN_LIMIT_PER_ADDRESS"] = "3 per 10 minutes"
    user = make.user()
    for number in range(3):
        assert attempt(client, f"guess{number}@example.org").status_code == 200
    blocked = sign_in_with_password(client, user)
    assert blocked.status_code == 429
    assert "Too many attempts" in page_text(blocked)
    other_address = {"environ_base": {"REMOTE_ADDR": "192.0.2.44"}}
    assert sign_in_with_password(client, user, **other_address).status_code == 302


def test_successful_sign_ins_do_not_count_towards_the_address_limit(app, client, make):
    app.config["PORTAL_SIGN_IN_LIMIT_PER_ADDRESS"] = "2 per 10 minutes"
    for user in [make.user() for _ in range(3)]:
        assert sign_in_with_password(client, user).status_code == 302
        client.post("/auth/sign-out")
    assert attempt(client, "someone@example.org").status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "http:evil.example",
        "javascript:alert(1)",
        "/\\evil.example/",
        "/\t/evil.example/",
        "/%5Cevil.example/",
    ],
)
def test_sign_in_does_not_send_people_to_another_site(client, make, target):
    user = make.user()
    response = attempt(client, user.email, PASSWORD, query_string={"next": target})
    assert response.status_code == 302
    assert browser_target(response.headers["Location"]).netloc == "localhost"


@pytest.mark.parametrize("target", ["/\\evil.example/", "/\t/evil.example/", "//evil.example/"])
def test_the_link_after_the_recovery_codes_stays_on_the_portal(client, make, target):
    officer = make.secretariat(totp_secret=None)
    attempt(client, officer.email, PASSWORD, query_string={"next": target})
    _, codes_page = enrol_authenticator(client)
    link = re.search(r'<a class="button" href="([^"]*)"', codes_page.get_data(as_text=True))
    assert browser_target(html.unescape(link.group(1))).netloc == "localhost"


def test_sign_in_returns_to_the_page_asked_for(client, make):
    officer = make.secretariat()
    sent_away = client.get("/auth/account?tab=1")
    assert sent_away.headers["Location"] == "/auth/sign-in?next=/auth/account?tab%3D1"
    response = client.post(
        sent_away.headers["Location"], data={"email": officer.email, "password": PASSWORD}
    )
    assert response.headers["Location"].endswith("/auth/two-factor")
    answered = client.post("/auth/two-factor", data={"code": unused_totp_code(officer)})
    assert answered.headers["Location"] == "/auth/account?tab=1"


def test_pages_carry_the_security_headers(client):
    for response in (client.get("/auth/sign-in"), client.get("/no-such-page")):
        policy = response.headers["Content-Security-Policy"]
        directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}
        assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
        assert directives["frame-ancestors"] == ["'none'"]
        assert directives["default-src"] == ["'self'"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer")
        assert response.headers["Cache-Control"] == "no-store"


def test_the_session_cookie_is_http_only_and_same_site(client, make):
    response = sign_in_with_password(client, make.user())
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("portal_session=")]
    assert len(cookies) == 1
    parts = [part.strip() for part in cookies[0].split(";")]
    attributes = {part.split("=")[0].lower(): part for part in parts}
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "samesite=lax"
    assert "secure" not in attributes  # plain HTTP in tests; production sets SESSION_COOKIE_SECURE


def test_a_signed_in_person_who_opens_sign_in_goes_home(client, make, sign_in):
    sign_in(make.user())
    response = client.get("/auth/sign-in")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_behind_the_reverse_proxy_each_person_has_their_own_address_limit(config_class, make):
    class BehindProxy(config_class):
        PORTAL_TRUSTED_PROXIES = 1
        PORTAL_SIGN_IN_LIMIT_PER_ADDRESS = "3 per 10 minutes"

    client = create_app(BehindProxy).test_client()
    user = make.user()

    def through_proxy(address):
        return {
            "environ_base": {"REMOTE_ADDR": "127.0.0.1"},
            "headers": {"X-Forwarded-For": address},
        }

    for number in range(3):
        attempt(client, f"guess{number}@example.org", **through_proxy("203.0.113.9"))
    response = sign_in_with_password(client, user, **through_proxy("198.51.100.20"))
    assert response.status_code == 302


def test_the_language_chosen_before_signing_in_stays_through_the_second_factor(client, make):
    user = make.secretariat(language="en")
    client.post("/language", data={"language": "ar"})
    response = sign_in_with_password(client, user)
    assert response.headers["Location"].endswith("/auth/two-factor")
    page = client.get("/auth/two-factor").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
