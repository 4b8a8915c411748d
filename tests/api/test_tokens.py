"""The tokens page: made with a name, scope and lifetime, shown once, stored hashed, revoked;
refused without a name; nobody else's token can be revoked."""

from sqlalchemy import select

from portal.api.models import AccessToken
from portal.core.audit import AuditEvent
from portal.extensions import db
from tests.api.conftest import bearer


def test_a_token_is_shown_once_stored_hashed_and_works_until_revoked(client, make, sign_in):
    person = make.user()
    sign_in(person)
    page = client.post("/account/tokens/", data={"name": "Our records system", "scope": "read", "days": "30"})
    assert page.status_code == 200
    secret = page.get_data(as_text=True).split('class="feed-url" dir="ltr"')[0].rsplit('value="', 1)[1].split('"')[0]
    assert secret.startswith("att_")
    token = db.session.scalar(select(AccessToken))
    assert token.token_hash != secret and secret not in token.token_hash
    assert secret not in client.get("/account/tokens/").get_data(as_text=True)
    assert "Our records system" in client.get("/account/tokens/").get_data(as_text=True)

    other = client.application.test_client()
    assert other.get("/api/v1/working-groups", headers=bearer(secret)).status_code == 200
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    assert other.get("/api/v1/working-groups", headers=bearer(secret)).status_code == 401
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert {"api.token_create", "api.token_revoke", "api.request"} <= set(actions)


def test_bad_input_on_the_tokens_page_writes_nothing(client, make, sign_in):
    sign_in(make.user())
    for data in [
        {"name": "", "scope": "read", "days": "30"},
        {"name": "x" * 101, "scope": "read", "days": "30"},
        {"name": "ok", "scope": "admin", "days": "30"},
        {"name": "ok", "scope": "read", "days": "3650"},
    ]:
        assert client.post("/account/tokens/", data=data).status_code == 400
    assert db.session.scalar(select(AccessToken)) is None


def test_nobody_revokes_another_persons_token(client, make, sign_in, token_for):
    owner = make.user()
    secret = token_for(owner)
    sign_in(make.user())
    token = db.session.scalar(select(AccessToken))
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert client.get("/api/v1/working-groups", headers=bearer(secret)).status_code == 200


def test_the_account_page_leads_to_the_tokens_page(client, make, sign_in):
    sign_in(make.user())
    assert "/account/tokens/" in client.get("/auth/account").get_data(as_text=True)
