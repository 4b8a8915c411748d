"""The Secretariat manages accounts and requests of every delegation; each change is audited."""

from portal.accounts.models import AccessRequest, User
from portal.extensions import db
from tests.conftest import link_in, text_of
from tests.core.database_state import audit_trail


def test_the_secretariat_acts_on_any_delegation_and_every_action_is_audited(
    client, make, sign_in, mailbox
):
    officer = make.secretariat()
    first, second, third = make.delegation(), make.delegation(), make.delegation(kind="signatory")
    person = make.user(delegation=first, with_totp=True)
    invited = make.user(delegation=second, status="pending")
    approved = make.access_request(delegation=second)
    rejected = make.access_request(delegation=third)
    sign_in(officer)

    steps = [
        (f"/accounts/users/{person.id}/suspend", {"reason": "Left the mission."}),
        (f"/accounts/users/{person.id}/reactivate", {}),
        (f"/accounts/users/{person.id}/role", {"role": "point_of_contact"}),
        (f"/accounts/users/{person.id}/delegation", {"delegation": third.id}),
        (f"/accounts/users/{person.id}/reset-second-factor", {}),
        (f"/accounts/users/{invited.id}/resend-invitation", {}),
        (f"/accounts/requests/{approved.id}", {"decision": "approve", "role": "point_of_contact"}),
        (
            f"/accounts/requests/{rejected.id}",
            {"decision": "reject", "role": "member", "reason": "Not a delegate."},
        ),
    ]
    for url, data in steps:
        response = client.post(url, data=data)
        assert response.status_code == 302, (url, response.get_data(as_text=True))

    person = db.session.get(User, person.id)
    assert (person.status, person.delegation_id, person.role) == ("active", third.id, "member")
    assert not person.has_second_factor
    new_account = db.session.get(AccessRequest, approved.id).user
    assert (new_account.email, new_account.role, new_account.status) == (
        approved.email,
        "point_of_contact",
        "pending",
    )
    assert db.session.get(AccessRequest, rejected.id).status == "rejected"

    trail = [entry for entry in audit_trail(actor_id=officer.id) if entry[0] != "auth.sign_in"]
    assert [(action, target_type, target_id) for action, _, target_type, target_id, _ in trail] == [
        ("user.suspend", "users", person.id),
        ("user.reactivate", "users", person.id),
        ("user.change_role", "users", person.id),
        ("user.change_delegation", "users", person.id),
        ("auth.second_factor_removed", "users", person.id),
        ("user.resend_invitation", "users", invited.id),
        ("access_request.approve", "access_requests", approved.id),
        ("access_request.reject", "access_requests", rejected.id),
    ]
    details = {action: detail for action, _, _, _, detail in trail}
    assert details["user.suspend"] == {"reason": "Left the mission."}
    assert details["user.change_role"] == {"old": "member", "new": "point_of_contact"}
    assert details["user.change_delegation"] == {"old": first.id, "new": third.id}

    assert "/auth/password/" in link_in(mailbox.last_to(invited.email), "/auth/password/")
    assert "/auth/password/" in link_in(mailbox.last_to(approved.email), "/auth/password/")
    assert "Not a delegate." in text_of(mailbox.last_to(rejected.email))


def test_the_lists_of_the_secretariat_cover_every_delegation_and_filter_by_it(
    client, make, sign_in
):
    officer = make.secretariat()
    first = make.delegation()
    make.user(name="Ana First", delegation=first)
    make.user(name="Bruno Second", delegation=make.delegation(kind="civil_society"))
    make.access_request(name="Carla Applicant", delegation=first)
    make.access_request(name="Dmitri Applicant", delegation=make.delegation(kind="signatory"))
    sign_in(officer)
    for path, ours, theirs in [
        ("/accounts/users", "Ana First", "Bruno Second"),
        ("/accounts/requests", "Carla Applicant", "Dmitri Applicant"),
    ]:
        everyone = client.get(path).get_data(as_text=True)
        assert ours in everyone and theirs in everyone
        filtered = client.get(f"{path}?delegation={first.id}").get_data(as_text=True)
        assert ours in filtered and theirs not in filtered


def test_the_status_and_role_filters_narrow_the_lists(client, make, sign_in):
    officer = make.secretariat()
    make.user(name="Ana Active")
    make.user(name="Bruno Suspended", status="suspended", role="point_of_contact")
    make.access_request(name="Carla Waiting")
    make.access_request(name="Dmitri Approved", status="approved")
    sign_in(officer)
    for query, shown, hidden in [
        ("/accounts/users?status=suspended", "Bruno Suspended", "Ana Active"),
        ("/accounts/users?role=member", "Ana Active", "Bruno Suspended"),
        ("/accounts/users?q=BRUNO", "Bruno Suspended", "Ana Active"),
        ("/accounts/requests", "Carla Waiting", "Dmitri Approved"),
        ("/accounts/requests?status=approved", "Dmitri Approved", "Carla Waiting"),
    ]:
        text = client.get(query).get_data(as_text=True)
        assert shown in text and hidden not in text, query
