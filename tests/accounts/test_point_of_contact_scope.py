"""A national point of contact manages the accounts and requests of their own delegation only.

Records of other delegations answer 404 (their existence is not the contact's business), on
every page and every action, and nothing changes.
"""

import pytest

from portal.accounts.models import AccessRequest, User
from portal.extensions import db
from tests.core.database_state import audit_trail, snapshot


@pytest.fixture
def delegations(make):
    """A contact's delegation and another, each with people and an access request."""
    home, elsewhere = make.delegation(), make.delegation()
    return {
        "home": home,
        "elsewhere": elsewhere,
        "contact": make.user(delegation=home, role="point_of_contact", name="Hana Contact"),
        "ours": make.user(delegation=home, name="Ana Ours"),
        "theirs": make.user(delegation=elsewhere, name="Bruno Theirs", with_totp=True),
        "their_suspended": make.user(delegation=elsewhere, status="suspended", name="Cem Theirs"),
        "their_pending": make.user(delegation=elsewhere, status="pending", name="Dana Theirs"),
        "our_request": make.access_request(delegation=home, name="Eva Applicant"),
        "their_request": make.access_request(delegation=elsewhere, name="Femi Applicant"),
    }


def page_text(response):
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_lists_show_only_the_contacts_own_delegation(client, sign_in, delegations):
    sign_in(delegations["contact"])
    elsewhere = delegations["elsewhere"].id
    theirs = ("Bruno Theirs", "Cem Theirs", "Dana Theirs", "Femi Applicant")
    for url, expected in [
        ("/accounts/users", "Ana Ours"),
        ("/accounts/requests", "Eva Applicant"),
        ("/accounts/requests?status=", "Eva Applicant"),
        # Asking for the other delegation in the query string does not widen the list.
        (f"/accounts/users?delegation={elsewhere}", "No account matches these filters."),
        (f"/accounts/requests?status=&delegation={elsewhere}", "No request matches these filters."),
    ]:
        text = page_text(client.get(url))
        assert expected in text, url
        assert [name for name in theirs if name in text] == [], url


def test_another_delegations_records_answer_404_and_nothing_changes(
    client, sign_in, mailbox, delegations
):
    d = delegations
    sign_in(d["contact"])
    before = snapshot()

    assert client.get(f"/accounts/users/{d['theirs'].id}").status_code == 404
    assert client.get(f"/accounts/requests/{d['their_request'].id}").status_code == 404
    # Each target is in the state in which the action would otherwise be possible.
    attempts = [
        (f"/accounts/users/{d['theirs'].id}/suspend", {"reason": "Left the mission."}),
        (f"/accounts/users/{d['their_suspended'].id}/reactivate", {}),
        (f"/accounts/users/{d['theirs'].id}/role", {"role": "point_of_contact"}),
        (f"/accounts/users/{d['theirs'].id}/delegation", {"delegation": d["home"].id}),
        (f"/accounts/users/{d['their_pending'].id}/resend-invitation", {}),
        (f"/accounts/users/{d['theirs'].id}/reset-second-factor", {}),
        (f"/accounts/requests/{d['their_request'].id}", {"decision": "approve", "role": "member"}),
        (
            f"/accounts/requests/{d['their_request'].id}",
            {"decision": "reject", "role": "member", "reason": "Unknown."},
        ),
    ]
    for url, data in attempts:
        assert client.post(url, data=data).status_code == 404, url

    assert snapshot() == before
    assert mailbox.messages == []


def test_a_contact_cannot_move_anyone_to_another_delegation(client, sign_in, delegations):
    d = delegations
    sign_in(d["contact"])
    before = snapshot()
    for person in (d["ours"], d["contact"]):
        response = client.post(
            f"/accounts/users/{person.id}/delegation", data={"delegation": d["elsewhere"].id}
        )
        assert response.status_code == 403
    assert snapshot() == before
    assert "Move to this delegation" not in page_text(client.get(f"/accounts/users/{d['ours'].id}"))


def test_a_contact_cannot_suspend_or_demote_themselves(client, sign_in, delegations):
    contact = delegations["contact"]
    sign_in(contact)
    before = snapshot()
    for url, data in [
        (f"/accounts/users/{contact.id}/suspend", {"reason": "Test"}),
        (f"/accounts/users/{contact.id}/role", {"role": "member"}),
    ]:
        assert client.post(url, data=data).status_code == 403, url
    assert snapshot() == before
    assert client.get("/").status_code == 200


def test_a_contact_manages_their_own_delegation(client, sign_in, mailbox, delegations):
    d = delegations
    sign_in(d["contact"])
    ours, request = d["ours"], d["our_request"]

    response = client.post(f"/accounts/users/{ours.id}/role", data={"role": "point_of_contact"})
    assert response.status_code == 302
    response = client.post(
        f"/accounts/users/{ours.id}/suspend", data={"reason": "Left the mission."}
    )
    assert response.status_code == 302
    response = client.post(
        f"/accounts/requests/{request.id}", data={"decision": "approve", "role": "member"}
    )
    assert response.status_code == 302

    assert db.session.get(User, ours.id).status == "suspended"
    assert db.session.get(User, ours.id).role == "point_of_contact"
    created = db.session.get(AccessRequest, request.id).user
    assert created.delegation_id == d["home"].id and created.status == "pending"
    assert mailbox.last_to(request.email)["Subject"] == "Your access to the ATT portal is approved"
    trail = audit_trail(actor_id=d["contact"].id)
    signing_in = {"auth.sign_in", "auth.second_factor_required"}
    assert [(action, target) for action, _, _, target, _ in trail if action not in signing_in] == [
        ("user.change_role", ours.id),
        ("user.suspend", ours.id),
        ("access_request.approve", request.id),
    ]
