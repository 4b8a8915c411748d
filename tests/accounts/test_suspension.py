"""Suspension ends every session at once and keeps the person out; reactivation lets them in."""

from sqlalchemy import select

from portal.auth.models import UserSession
from portal.extensions import db
from tests.conftest import PASSWORD
from tests.core.database_state import audit_trail


def sign_in_page(response):
    return response.status_code == 302 and "/auth/sign-in" in response.headers["Location"]


def test_suspension_ends_sessions_and_reactivation_lets_the_person_back_in(
    app, client, make, sign_in
):
    officer = make.secretariat()
    member = make.user()
    members_browser = app.test_client()
    sign_in(member, http=members_browser)
    assert members_browser.get("/").status_code == 200
    sign_in(officer)

    response = client.post(
        f"/accounts/users/{member.id}/suspend", data={"reason": "Left the mission."}
    )
    assert response.status_code == 302

    assert sign_in_page(members_browser.get("/"))
    sessions = db.session.scalars(select(UserSession).where(UserSession.user_id == member.id)).all()
    assert sessions and all(row.ended_at is not None for row in sessions)

    assert client.post(f"/accounts/users/{member.id}/reactivate").status_code == 302
    sign_in(member, http=members_browser)
    assert members_browser.get("/").status_code == 200


def test_a_suspended_person_cannot_sign_in(client, make):
    member = make.user(status="suspended")
    response = client.post("/auth/sign-in", data={"email": member.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "The email address or the password is not correct." in response.get_data(as_text=True)
    assert sign_in_page(client.get("/"))
    failures = audit_trail(action="auth.sign_in_failed", actor_id=member.id)
    assert [detail for *_, detail in failures] == [{"reason": "inactive"}]


def test_reactivating_an_account_without_password_makes_it_pending_again(client, make, sign_in):
    officer = make.secretariat()
    invited = make.user(status="suspended", password_hash=None)
    sign_in(officer)
    assert client.post(f"/accounts/users/{invited.id}/reactivate").status_code == 302
    db.session.refresh(invited)
    assert invited.status == "pending"
