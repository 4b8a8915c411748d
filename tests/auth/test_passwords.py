"""Choosing a password: the rules a person is told about, and nothing saved when refused."""

import pytest
from sqlalchemy import select

from portal.auth.models import LinkToken
from portal.extensions import db
from tests.auth.conftest import (
    NEW_PASSWORD,
    change_password,
    choose_password,
    fresh,
    is_signed_in,
    page_text,
    request_reset,
    sign_in_with_password,
)
from tests.conftest import PASSWORD

REFUSALS = [
    ("tiny phrase", "tiny phrase", "Use at least 12 characters."),
    (
        "password1234",
        "password1234",
        "This password is too easy to guess: This is a very common password.",
    ),
    (
        "aaaaaaaaaaaaaaaa",
        "aaaaaaaaaaaaaaaa",
        "This password is too easy to guess: Repeated characters such as “aaa” are easy to guess.",
    ),
    (NEW_PASSWORD, NEW_PASSWORD + " ", "The two passwords differ."),
    ("x" * 129, "x" * 129, "Use at most 128 characters."),
]


@pytest.mark.parametrize(
    ("password", "confirm", "reason"),
    REFUSALS,
    ids=["short", "common", "repeats", "mismatch", "long"],
)
def test_a_weak_or_mistyped_new_password_is_refused_with_its_reason(
    client, make, mailbox, password, confirm, reason
):
    user = make.user()
    path = request_reset(client, mailbox, user)
    hash_before = user.password_hash

    response = client.post(path, data={"password": password, "confirm": confirm})
    assert response.status_code == 200
    assert reason in page_text(response)
    assert fresh(user).password_hash == hash_before
    assert fresh(user).password_changed_at is None
    assert db.session.scalar(select(LinkToken.used_at).where(LinkToken.user_id == user.id)) is None
    assert sign_in_with_password(client, user).status_code == 302


def test_a_password_made_of_the_persons_own_name_and_address_is_refused(client, make, mailbox):
    user = make.user(name="Kwame Mensah", email="kwame.mensah@mfa.example")
    path = request_reset(client, mailbox, user)
    response = choose_password(client, path, "kwame.mensah@mfa")
    assert "This password is too easy to guess" in page_text(response)
    assert sign_in_with_password(client, user).status_code == 302


def test_a_good_password_is_stored_as_an_argon2id_hash_and_replaces_the_old_one(
    client, make, mailbox
):
    user = make.user()
    response = choose_password(client, request_reset(client, mailbox, user))
    assert response.status_code == 302
    stored = fresh(user).password_hash
    assert stored.startswith("$argon2id$") and NEW_PASSWORD not in stored
    assert fresh(user).password_changed_at is not None
    assert sign_in_with_password(client, user, PASSWORD).status_code == 200
    assert sign_in_with_password(client, user, NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("password", "confirm", "reason"), REFUSALS[:4], ids=["short", "common", "repeats", "mismatch"]
)
def test_the_account_page_applies_the_same_rules(client, make, sign_in, password, confirm, reason):
    user = make.user()
    sign_in(user)
    hash_before = user.password_hash
    response = change_password(client, PASSWORD, password, confirm)
    assert response.status_code == 400
    assert reason in page_text(response)
    assert fresh(user).password_hash == hash_before
    assert is_signed_in(client)
