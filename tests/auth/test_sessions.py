"""Server-side sessions: timeouts, a new identifier at sign-in, ending sessions elsewhere."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal.auth.models import UserSession
from portal.core.models import now_utc
from portal.extensions import db
from tests.auth.conftest import (
    NEW_PASSWORD,
    change_password,
    client_with_cookie,
    fresh,
    is_signed_in,
    page_text,
    session_cookie,
)
from tests.conftest import PASSWORD


def move_sessions_back(user, **columns):
    """Make the sessions of `user` older, as if time had passed (e.g. last_seen_at=31 minutes)."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id)
        .values({name: now_utc() - delta for name, delta in columns.items()})
    )
    db.session.commit()


def open_sessions(user):
    return db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    ).all()


@pytest.mark.parametrize(
    ("column", "still_valid", "too_old"),
    [
        ("last_seen_at", timedelta(minutes=29), timedelta(minutes=31)),
        ("created_at", timedelta(hours=11), timedelta(hours=13)),
    ],
    ids=["idle", "absolute"],
)
def test_a_session_ends_after_its_idle_or_absolute_timeout(
    client, make, sign_in, column, still_valid, too_old
):
    user = make.user()
    sign_in(user)
    move_sessions_back(user, **{column: still_valid})
    assert is_signed_in(client)

    move_sessions_back(user, **{column: too_old})
    response = client.get("/auth/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/sign-in?next=")
    sign_in_page = client.get(response.headers["Location"])
    assert "Your session has ended. Please sign in again." in page_text(sign_in_page)
    assert open_sessions(user) == []
    assert not is_signed_in(client)


def test_signing_in_gives_a_new_session_identifier(client, new_client, make, sign_in):
    user = make.user()
    client.post("/language", data={"language": "es"})
    before = session_cookie(client)
    assert before

    sign_in(user)
    after = session_cookie(client)
    assert after and after != before
    assert not is_signed_in(client_with_cookie(new_client, before))
    assert is_signed_in(client)

    client.post("/auth/sign-out")
    sign_in(user)
    assert session_cookie(client) not in (before, after)
    digests = select(UserSession.secret_digest).where(UserSession.user_id == user.id)
    assert len(set(db.session.scalars(digests))) == 2


def test_a_session_belongs_to_its_user_only(client, new_client, make, sign_in):
    first, second = make.user(), make.user()
    sign_in(first)
    other = new_client()
    sign_in(second, http=other)
    assert f"Welcome, {first.name}" in page_text(client.get("/"))
    assert f"Welcome, {second.name}" in page_text(other.get("/"))


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(
    client, new_client, make, sign_in
):
    user = make.user()
    sign_in(user)
    elsewhere = new_client()
    sign_in(user, http=elsewhere)
    copied_cookie = session_cookie(client)

    response = change_password(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/account")
    account_page = page_text(client.get("/auth/account"))
    assert "Your other sessions have been signed out." in account_page
    assert is_signed_in(client)
    assert not is_signed_in(elsewhere)
    assert not is_signed_in(client_with_cookie(new_client, copied_cookie))
    assert len(open_sessions(user)) == 1


def test_a_wrong_current_password_changes_nothing(client, new_client, make, sign_in):
    user = make.user()
    sign_in(user)
    elsewhere = new_client()
    sign_in(user, http=elsewhere)
    hash_before = user.password_hash

    response = change_password(client, "not my password at all", NEW_PASSWORD)
    assert response.status_code == 400
    assert "The current password is not correct." in page_text(response)
    assert fresh(user).password_hash == hash_before
    assert is_signed_in(client) and is_signed_in(elsewhere)


def test_suspension_ends_every_session_of_the_account(client, new_client, make, sign_in):
    member = make.user()
    contact = make.user(delegation=member.delegation, role="point_of_contact")
    sign_in(member)
    manager = new_client()
    sign_in(contact, http=manager)
    assert is_signed_in(client)

    response = manager.post(f"/accounts/users/{member.id}/suspend", data={"reason": "Left."})
    assert response.status_code == 302
    assert not is_signed_in(client)
    assert open_sessions(member) == []
    refused = client.post("/auth/sign-in", data={"email": member.email, "password": PASSWORD})
    assert refused.status_code == 200
    assert "The email address or the password is not correct." in page_text(refused)


def test_signing_out_needs_a_post(client, make, sign_in):
    sign_in(make.user())
    assert client.get("/auth/sign-out").status_code == 405
    assert is_signed_in(client)
