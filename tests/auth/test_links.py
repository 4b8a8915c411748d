"""Single-use links sent by email: confirmation, set-password and reset links."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal.accounts.models import AccessRequest, User
from portal.auth.models import LinkToken
from portal.core.models import now_utc
from portal.extensions import db
from tests.auth.conftest import (
    NEW_PASSWORD,
    ask_for_access,
    choose_password,
    decide,
    is_signed_in,
    link_path,
    page_text,
    request_reset,
    sign_in_with_password,
    unused_totp_code,
)
from tests.conftest import text_of

EXPIRED = "The link has expired."
USED = "The link has already been used. Each link works only once."
NOT_VALID = "The link is not valid."


def expire_links():
    db.session.execute(update(LinkToken).values(expires_at=now_utc() - timedelta(minutes=1)))
    db.session.commit()


def approval_link(http, new_client, make, mailbox, sign_in, email="new.member@mfa.example"):
    """Request access, confirm it and have the point of contact approve it; the link received."""
    delegation = make.delegation()
    contact = make.user(delegation=delegation, role="point_of_contact")
    ask_for_access(http, delegation, email=email)
    confirm = link_path(mailbox.last_to(email), "/auth/confirm/")
    http.post(confirm)
    approver = new_client()
    sign_in(contact, http=approver)
    request_id = db.session.scalar(select(AccessRequest.id).where(AccessRequest.email == email))
    decide(approver, f"/accounts/requests/{request_id}", "approve")
    return link_path(mailbox.last_to(email), "/auth/password/")


def test_an_expired_reset_link_says_so_and_a_new_one_can_be_asked_for(client, make, mailbox):
    user = make.user()
    path = request_reset(client, mailbox, user)
    expire_links()

    for method in (client.get, client.post):
        response = method(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        assert response.status_code == 410
        assert EXPIRED in page_text(response)
        assert 'href="/auth/reset-password"' in response.get_data(as_text=True)
    assert sign_in_with_password(client, user, NEW_PASSWORD).status_code == 200

    new_path = request_reset(client, mailbox, user)
    assert new_path != path
    assert choose_password(client, new_path).status_code == 302


def test_a_reset_link_works_once(client, make, mailbox):
    user = make.user()
    path = request_reset(client, mailbox, user)
    assert choose_password(client, path).status_code == 302
    again = choose_password(client, path, password="another quite long passphrase")
    assert again.status_code == 410
    assert USED in page_text(again)
    assert sign_in_with_password(client, user, NEW_PASSWORD).status_code == 302


def test_a_newer_reset_link_replaces_the_older_one(client, make, mailbox):
    user = make.user()
    older = request_reset(client, mailbox, user)
    newer = request_reset(client, mailbox, user)
    assert client.get(older).status_code == 410
    assert client.get(newer).status_code == 200


def test_a_reset_ends_every_session_and_still_asks_for_the_second_factor(
    client, new_client, make, mailbox, sign_in
):
    officer = make.secretariat()
    elsewhere = new_client()
    sign_in(officer, http=elsewhere)
    path = request_reset(client, mailbox, officer)
    assert choose_password(client, path).headers["Location"].endswith("/auth/sign-in")
    assert not is_signed_in(client)
    assert not is_signed_in(elsewhere)

    response = sign_in_with_password(client, officer, NEW_PASSWORD)
    assert response.headers["Location"].endswith("/auth/two-factor")
    assert not is_signed_in(client)
    client.post("/auth/two-factor", data={"code": unused_totp_code(officer)})
    assert is_signed_in(client)


def test_a_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(
    client, new_client, make, mailbox
):
    user = make.user()
    known = client.post("/auth/reset-password", data={"email": user.email})
    unknown = new_client().post("/auth/reset-password", data={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert page_text(known) == page_text(unknown)
    assert [m["To"] for m in mailbox.messages] == [user.email]


def test_a_suspended_account_gets_no_link(client, make, mailbox):
    user = make.user(status="suspended")
    client.post("/auth/reset-password", data={"email": user.email})
    assert mailbox.to(user.email) == []


@pytest.mark.parametrize("path", ["/auth/password/not-a-token", "/auth/confirm/not-a-token"])
def test_an_unknown_link_is_refused(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert NOT_VALID in page_text(response)


def test_an_expired_approval_link_says_so_and_a_new_one_can_be_asked_for(
    client, new_client, make, mailbox, sign_in
):
    path = approval_link(client, new_client, make, mailbox, sign_in)
    expire_links()
    response = client.get(path)
    assert response.status_code == 410
    assert EXPIRED in page_text(response)
    assert 'href="/auth/reset-password"' in response.get_data(as_text=True)

    client.post("/auth/reset-password", data={"email": "new.member@mfa.example"})
    invitation = mailbox.last_to("new.member@mfa.example")
    assert invitation["Subject"] == "Your access to the ATT portal is approved"
    new_path = link_path(invitation, "/auth/password/")
    assert new_path != path
    assert choose_password(client, new_path).status_code == 302
    status = select(User.status).where(User.email == "new.member@mfa.example")
    assert db.session.scalar(status) == "active"


def test_an_approval_link_works_once(client, new_client, make, mailbox, sign_in):
    path = approval_link(client, new_client, make, mailbox, sign_in)
    assert choose_password(client, path).status_code == 302
    again = client.get(path)
    assert again.status_code == 410
    assert USED in page_text(again)


def test_an_expired_confirmation_link_offers_a_new_one(client, make, mailbox):
    delegation = make.delegation()
    ask_for_access(client, delegation)
    first = link_path(mailbox.last_to("amina.diallo@mfa.example"), "/auth/confirm/")
    expire_links()

    response = client.post(first)
    assert response.status_code == 410
    assert EXPIRED in page_text(response)
    assert "Send me a new confirmation link" in page_text(response)
    assert db.session.scalar(select(AccessRequest.status)) == "unconfirmed"

    resent = client.post(f"{first}/resend")
    assert resent.status_code == 302
    second = link_path(mailbox.last_to("amina.diallo@mfa.example"), "/auth/confirm/")
    assert second != first
    assert client.post(second).status_code == 200
    assert db.session.scalar(select(AccessRequest.status)) == "pending"


def test_a_confirmation_link_works_once(client, make, mailbox):
    officer = make.secretariat()
    ask_for_access(client, make.delegation())
    path = link_path(mailbox.last_to("amina.diallo@mfa.example"), "/auth/confirm/")
    assert client.post(path).status_code == 200
    again = client.post(path)
    assert again.status_code == 410
    assert USED in page_text(again)
    assert "Request access again" in page_text(again)
    assert len(mailbox.to(officer.email)) == 1
    assert client.post(f"{path}/resend").status_code == 404


def test_links_in_emails_point_at_the_configured_address(client, make, mailbox):
    user = make.user()
    client.post(
        "/auth/reset-password", data={"email": user.email}, base_url="https://attacker.example"
    )
    assert "https://attacker.example" not in text_of(mailbox.last_to(user.email))
    assert "http://localhost/auth/password/" in text_of(mailbox.last_to(user.email))
