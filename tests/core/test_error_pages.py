"""Error pages: readable, in the base layout, with the right status, never a 500; a form
without its CSRF token is refused and changes nothing."""

import re

import pytest

from portal.accounts.models import User
from portal.extensions import db
from tests.conftest import PASSWORD
from tests.core.database_state import snapshot


def assert_error_page(response, code, heading):
    assert response.status_code == code
    assert response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    assert f"<h1>{heading}</h1>" in text
    assert f"Error {code}" in text
    # The base layout: skip link, header and footer.
    assert "Skip to main content" in text and 'class="site-header"' in text
    assert "Restricted area of the Arms Trade Treaty" in text
    return text


def test_an_unknown_address_answers_404(client):
    assert_error_page(client.get("/no-such-page"), 404, "Page not found")


def test_an_unknown_address_answers_404_when_signed_in(client, make, sign_in):
    sign_in(make.user())
    text = assert_error_page(client.get("/accounts/nothing-here"), 404, "Page not found")
    assert "Go to the home page" in text


def test_a_get_on_a_post_only_route_answers_405(client, make, sign_in):
    sign_in(make.user())
    assert_error_page(client.get("/auth/sign-out"), 405, "This action is not possible here")
    assert client.get("/").status_code == 200, "a GET does not sign the person out"


def test_a_malformed_form_answers_400(client):
    assert_error_page(
        client.post("/language", data={"language": "xx"}),
        400,
        "The request could not be understood",
    )


def test_a_body_larger_than_allowed_answers_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/language", data={"language": "fr", "next": "/" + "x" * 4096})
    assert_error_page(response, 413, "What you sent is too large")


def test_a_body_larger_than_allowed_answers_413_when_signed_in(app, client, make, sign_in):
    sign_in(make.user())
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post(
        "/auth/account/language", data={"language-language": "fr", "pad": "x" * 4096}
    )
    assert_error_page(response, 413, "What you sent is too large")


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(app, client, make, sign_in):
    officer = make.secretariat()
    member = make.user()
    sign_in(officer)
    app.config["WTF_CSRF_ENABLED"] = True
    before = snapshot()
    response = client.post(f"/accounts/users/{member.id}/suspend", data={"reason": "Left."})
    text = assert_error_page(response, 400, "The request could not be understood")
    assert "The form had expired or was sent from elsewhere." in text
    assert snapshot() == before

    # With the token from the page, the same request goes through.
    page = client.get(f"/accounts/users/{member.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        f"/accounts/users/{member.id}/suspend", data={"reason": "Left.", "csrf_token": token}
    )
    assert response.status_code == 302
    assert db.session.get(User, member.id).status == "suspended"


def test_sign_in_without_a_csrf_token_is_refused(app, client, make):
    member = make.user()
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/auth/sign-in", data={"email": member.email, "password": PASSWORD})
    assert_error_page(response, 400, "The request could not be understood")
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("form", ["sign-in", "request-access"])
def test_a_nul_character_in_a_public_form_is_refused(client, make, form):
    """PostgreSQL text cannot hold NUL: such a form must be refused, not end in a 500."""
    if form == "sign-in":
        data = {"email": "ana\x00@example.org", "password": "x"}
    else:
        data = {
            "name": "Ana\x00",
            "email": "ana@example.org",
            "delegation": make.delegation().id,
            "function": "Desk officer",
            "reason": "Preparing the meeting.",
            "language": "en",
        }
    before = snapshot()
    response = client.post(f"/auth/{form}", data=data)
    assert_error_page(response, 400, "The request could not be understood")
    assert snapshot() == before
