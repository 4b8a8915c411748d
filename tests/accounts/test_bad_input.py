"""Bad input is answered with a readable page and changes nothing; no filter value makes a 500."""

import pytest
from sqlalchemy import select

from portal.accounts.models import AccessRequest, User
from portal.extensions import db
from tests.core.database_state import snapshot


def test_suspending_without_a_reason_shows_the_form_again(client, make, sign_in):
    officer = make.secretariat()
    member = make.user()
    sign_in(officer)
    before = snapshot()
    for reason in ("", "   "):
        response = client.post(f"/accounts/users/{member.id}/suspend", data={"reason": reason})
        assert response.status_code == 400
        text = response.get_data(as_text=True)
        assert "Please correct the following:" in text
        assert "Reason for the suspension: This field is required." in text
    assert snapshot() == before


def test_approving_a_request_whose_email_has_an_account_creates_nothing(
    client, make, sign_in, mailbox
):
    officer = make.secretariat()
    existing = make.user(email="ines@example.org")
    request = make.access_request(email="ines@example.org")
    sign_in(officer)
    before = snapshot()
    response = client.post(
        f"/accounts/requests/{request.id}", data={"decision": "approve", "role": "member"}
    )
    assert response.status_code == 400
    assert "An account with this email address already exists." in response.get_data(as_text=True)
    assert snapshot() == before
    assert db.session.scalars(select(User).where(User.email == existing.email)).all() == [existing]
    assert db.session.get(AccessRequest, request.id).status == "pending"
    assert mailbox.messages == []


def test_rejecting_without_a_reason_is_refused(client, make, sign_in, mailbox):
    officer = make.secretariat()
    request = make.access_request()
    sign_in(officer)
    before = snapshot()
    response = client.post(
        f"/accounts/requests/{request.id}",
        data={"decision": "reject", "role": "member", "reason": " "},
    )
    assert response.status_code == 400
    assert "Give the reason for the rejection" in response.get_data(as_text=True)
    assert snapshot() == before
    assert mailbox.messages == []


def test_a_nul_character_in_a_reason_is_refused_and_changes_nothing(client, make, sign_in):
    """PostgreSQL text cannot hold NUL; a pasted one must not turn a decision into a 500."""
    officer = make.secretariat()
    member = make.user()
    request = make.access_request()
    sign_in(officer)
    before = snapshot()
    for url, data in [
        (
            f"/accounts/requests/{request.id}",
            {"decision": "reject", "role": "member", "reason": "Not\x00 a delegate."},
        ),
        (f"/accounts/users/{member.id}/suspend", {"reason": "Left\x00."}),
    ]:
        response = client.post(url, data=data)
        assert response.status_code == 400, url
        assert "<h1>The request could not be understood</h1>" in response.get_data(as_text=True)
    assert client.get("/accounts/users?q=%00").status_code == 400
    assert snapshot() == before


def test_an_unknown_role_is_refused(client, make, sign_in):
    officer = make.secretariat()
    member = make.user()
    sign_in(officer)
    before = snapshot()
    response = client.post(f"/accounts/users/{member.id}/role", data={"role": "secretariat"})
    assert response.status_code == 400
    assert snapshot() == before


JUNK_FILTERS = [
    "?delegation=abc&status=zzz",
    "?delegation=-1&status=&role=nobody&q=%25_%25",
    # Digits that int() refuses, and a number no database integer holds.
    "?delegation=%C2%B2",
    "?delegation=99999999999999999999",
    "?q=" + "x" * 500,
]


@pytest.mark.parametrize("path", ["/accounts/users", "/accounts/requests"])
def test_junk_filters_give_a_list_never_an_error(client, make, sign_in, path):
    officer = make.secretariat()
    sign_in(officer)
    for query in JUNK_FILTERS:
        response = client.get(path + query)
        assert response.status_code == 200, (query, response.status_code)
        assert "<h1>" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/accounts/users", "/accounts/requests"])
def test_a_page_number_that_does_not_exist_answers_404(client, make, sign_in, path):
    officer = make.secretariat()
    make.access_request()
    sign_in(officer)
    for page in ("-1", "0", "abc", "99999"):
        response = client.get(f"{path}?delegation=abc&status=zzz&page={page}")
        assert response.status_code == 404, page
        assert "<h1>Page not found</h1>" in response.get_data(as_text=True)
