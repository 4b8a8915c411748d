"""The TOTP second factor: codes used once, wrong codes, recovery codes, turning it off."""

import re

from sqlalchemy import func, select

from portal.auth.models import RecoveryCode
from portal.extensions import db
from tests.auth.conftest import (
    enrol_authenticator,
    fresh,
    is_signed_in,
    page_text,
    sign_in_with_password,
    unused_totp_code,
    wrong_totp_code,
)

NOT_VALID = "This code is not valid."


def answer(http, code):
    return http.post("/auth/two-factor", data={"code": code})


def new_recovery_codes(http):
    response = http.post("/auth/account/recovery-codes")
    assert response.status_code == 200
    return re.findall(r"<li>([a-z0-9]{5}-[a-z0-9]{5})</li>", response.get_data(as_text=True))


def test_a_totp_code_opens_the_portal_once_only(client, make):
    officer = make.secretariat()
    sign_in_with_password(client, officer)
    code = unused_totp_code(officer)
    assert answer(client, code).status_code == 302
    assert is_signed_in(client)
    client.post("/auth/sign-out")

    sign_in_with_password(client, officer)
    replayed = answer(client, code)
    assert replayed.status_code == 200
    assert NOT_VALID in page_text(replayed)
    assert not is_signed_in(client)


def test_a_wrong_code_is_refused_and_the_password_alone_gives_nothing(client, make):
    officer = make.secretariat()
    response = sign_in_with_password(client, officer)
    assert response.headers["Location"].endswith("/auth/two-factor")
    assert not is_signed_in(client)
    assert client.get("/auth/account").status_code == 302

    for code in (wrong_totp_code(officer.totp_secret), "abcdef", "12345"):
        refused = answer(client, code)
        assert refused.status_code == 200
        assert NOT_VALID in page_text(refused)
    assert not is_signed_in(client)
    assert answer(client, unused_totp_code(officer)).status_code == 302


def test_guessing_codes_is_throttled(client, make):
    officer = make.secretariat()
    sign_in_with_password(client, officer)
    for _ in range(5):
        assert answer(client, wrong_totp_code(officer.totp_secret)).status_code == 200
    blocked = answer(client, unused_totp_code(officer))
    assert blocked.status_code == 429
    assert "Too many attempts" in page_text(blocked)
    assert not is_signed_in(client)


def test_the_second_factor_page_needs_a_password_first(client, make):
    response = client.get("/auth/two-factor")
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/sign-in")
    assert client.get("/auth/two-factor/setup").status_code == 302


def test_a_recovery_code_works_once(client, make, sign_in):
    user = make.user(with_totp=True)
    sign_in(user)
    codes = new_recovery_codes(client)
    assert len(codes) == 10
    client.post("/auth/sign-out")

    sign_in_with_password(client, user)
    assert answer(client, codes[0].upper().replace("-", " ")).status_code == 302
    assert is_signed_in(client)
    assert "9 recovery codes are left." in page_text(client.get("/auth/account"))
    client.post("/auth/sign-out")

    sign_in_with_password(client, user)
    reused = answer(client, codes[0])
    assert NOT_VALID in page_text(reused)
    assert not is_signed_in(client)
    assert answer(client, codes[1]).status_code == 302


def test_new_recovery_codes_replace_the_old_ones(client, make, sign_in):
    user = make.user(with_totp=True)
    sign_in(user)
    old = new_recovery_codes(client)
    new = new_recovery_codes(client)
    assert not set(old) & set(new)
    client.post("/auth/sign-out")
    sign_in_with_password(client, user)
    assert NOT_VALID in page_text(answer(client, old[0]))
    assert answer(client, new[0]).status_code == 302


def test_the_secretariat_cannot_turn_its_second_factor_off(client, make, sign_in):
    officer = make.secretariat()
    sign_in(officer)
    assert "Turn off the second factor" not in page_text(client.get("/auth/account"))
    response = client.post("/auth/account/two-factor/remove")
    assert response.status_code == 403
    assert fresh(officer).totp_secret is not None


def test_a_member_can_turn_the_second_factor_off(client, make, sign_in):
    user = make.user(with_totp=True)
    sign_in(user)
    new_recovery_codes(client)
    assert "Turn off the second factor" in page_text(client.get("/auth/account"))

    response = client.post("/auth/account/two-factor/remove")
    assert response.status_code == 302
    assert fresh(user).totp_secret is None
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    client.post("/auth/sign-out")
    assert sign_in_with_password(client, user).headers["Location"] == "/"


def test_a_member_without_second_factor_cannot_ask_to_remove_one(client, make, sign_in):
    sign_in(make.user())
    assert client.post("/auth/account/two-factor/remove").status_code == 403
    assert client.post("/auth/account/recovery-codes").status_code == 403


def test_a_member_can_set_up_a_second_factor_from_the_account_page(client, make, sign_in):
    user = make.user()
    sign_in(user)
    assert "must be protected" not in page_text(client.get("/auth/two-factor/setup"))
    secret, done = enrol_authenticator(client)
    assert "Your recovery codes" in page_text(done)
    assert fresh(user).totp_secret == secret
    client.post("/auth/sign-out")
    assert sign_in_with_password(client, user).headers["Location"].endswith("/auth/two-factor")


def test_the_step_between_password_and_code_expires_after_five_minutes(client, make):
    officer = make.secretariat()
    sign_in_with_password(client, officer)
    with client.session_transaction() as session:
        pending = session["pending_sign_in"]
        session["pending_sign_in"] = {**pending, "at": pending["at"] - 301}
    response = answer(client, unused_totp_code(officer))
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/sign-in")
    assert "Please sign in again." in page_text(client.get("/auth/sign-in"))
    assert not is_signed_in(client)
