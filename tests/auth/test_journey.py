"""From a request for access to the first sign-in and sign-out, through the pages and the
emails the people involved actually receive."""

from pathlib import Path

from babel.messages.pofile import read_po
from sqlalchemy import select

from portal.accounts.models import AccessRequest, User
from portal.auth.models import UserSession
from portal.extensions import db
from tests.auth.conftest import (
    NEW_PASSWORD,
    ask_for_access,
    choose_password,
    client_with_cookie,
    confirm_address,
    decide,
    enrol_authenticator,
    fresh,
    is_signed_in,
    link_path,
    page_text,
    session_cookie,
    sign_in_with_password,
    unused_totp_code,
)
from tests.conftest import text_of

APPLICANT = "amina.diallo@mfa.example"
TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


def the_request():
    return db.session.scalar(select(AccessRequest).where(AccessRequest.email == APPLICANT))


def the_account():
    return db.session.scalar(select(User).where(User.email == APPLICANT))


def test_a_member_is_approved_by_their_point_of_contact_and_signs_in_and_out(
    client, new_client, make, mailbox, sign_in
):
    delegation = make.delegation(name="Ghana", short_name="GHA")
    contact = make.user(delegation=delegation, role="point_of_contact", email="poc@gha.example")
    make.secretariat(email="officer@att.example")

    ask_for_access(client, delegation)
    assert the_request().status == "unconfirmed"
    confirmation = mailbox.last_to(APPLICANT)
    path = link_path(confirmation, "/auth/confirm/")

    opened = client.get(path)  # a mail scanner's GET must not confirm anything
    assert opened.status_code == 200
    assert APPLICANT in page_text(opened)
    assert the_request().status == "unconfirmed"
    assert mailbox.to(contact.email) == []

    confirmed = client.post(path)
    assert "your request is confirmed" in page_text(confirmed)
    assert the_request().status == "pending"
    waiting = mailbox.last_to(contact.email)
    assert waiting["Subject"] == "An access request awaits your decision"
    assert "Amina Diallo" in text_of(waiting)
    assert mailbox.to("officer@att.example") == []  # the delegation has its own approver

    approver = new_client()
    sign_in(contact, http=approver)
    decided = decide(approver, link_path(waiting, "/accounts/requests/"), "approve")
    assert decided.status_code == 302
    account = the_account()
    assert (account.status, account.role) == ("pending", "member")
    assert account.delegation_id == delegation.id
    assert the_request().status == "approved"

    approval = mailbox.last_to(APPLICANT)
    assert approval["Subject"] == "Your access to the ATT portal is approved"
    set_password_page = link_path(approval, "/auth/password/")
    assert client.get(set_password_page).status_code == 200
    saved = choose_password(client, set_password_page)
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith("/auth/sign-in")
    assert fresh(account).status == "active"

    signed_in = sign_in_with_password(client, account, NEW_PASSWORD)
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Welcome, Amina Diallo" in page_text(home)

    copied_cookie = session_cookie(client)
    signed_out = client.post("/auth/sign-out")
    assert signed_out.status_code == 302
    assert signed_out.headers["Location"].endswith("/auth/sign-in")
    assert not is_signed_in(client)
    assert not is_signed_in(client_with_cookie(new_client, copied_cookie))
    ended = select(UserSession.ended_at).where(UserSession.user_id == account.id)
    assert db.session.scalar(ended) is not None


def test_a_request_to_a_delegation_without_point_of_contact_goes_to_the_secretariat(
    client, make, mailbox
):
    officer = make.secretariat(email="officer@att.example")
    other_contact = make.user(role="point_of_contact", email="poc@elsewhere.example")
    delegation = make.delegation(name="Tuvalu", short_name="TUV")

    ask_for_access(client, delegation)
    confirm_address(client, mailbox, APPLICANT)

    waiting = mailbox.last_to(officer.email)
    assert waiting["Subject"] == "An access request awaits your decision"
    assert f"/accounts/requests/{the_request().id}" in text_of(waiting)
    assert mailbox.to(other_contact.email) == []


def test_a_secretariat_member_must_set_up_a_second_factor_and_is_asked_for_it_afterwards(
    client, new_client, make, mailbox, sign_in
):
    officer = make.secretariat(email="officer@att.example")
    ask_for_access(client, officer.delegation)
    confirm_address(client, mailbox, APPLICANT)
    approver = new_client()
    sign_in(officer, http=approver)
    decide(approver, link_path(mailbox.last_to(officer.email), "/accounts/requests/"), "approve")
    choose_password(client, link_path(mailbox.last_to(APPLICANT), "/auth/password/"))
    account = the_account()

    first = sign_in_with_password(client, account, NEW_PASSWORD)
    assert first.headers["Location"].endswith("/auth/two-factor/setup")
    assert not is_signed_in(client)  # the password alone does not open the portal
    setup = client.get("/auth/two-factor/setup")
    assert "must be protected by a second factor" in page_text(setup)
    wrong = client.post("/auth/two-factor/setup", data={"code": "12345"})
    assert "This code is not valid" in page_text(wrong)
    assert fresh(account).totp_secret is None

    secret, enrolled = enrol_authenticator(client)
    assert enrolled.status_code == 200
    shown = page_text(enrolled).split("they are shown only now. ")[1].split(" I have kept")[0]
    codes = shown.split()
    assert len(codes) == 10 and len(set(codes)) == 10
    assert is_signed_in(client)
    assert fresh(account).totp_secret == secret

    client.post("/auth/sign-out")
    again = sign_in_with_password(client, account, NEW_PASSWORD)
    assert again.headers["Location"].endswith("/auth/two-factor")
    assert not is_signed_in(client)
    answered = client.post("/auth/two-factor", data={"code": unused_totp_code(account)})
    assert answered.status_code == 302 and answered.headers["Location"] == "/"
    assert is_signed_in(client)


def test_rejection_needs_a_reason_and_tells_the_person_why_in_their_language(
    client, new_client, make, mailbox, sign_in
):
    delegation = make.delegation(name="Senegal", short_name="SEN")
    contact = make.user(delegation=delegation, role="point_of_contact", email="poc@sen.example")
    client.post("/language", data={"language": "fr"})
    ask_for_access(client, delegation)
    confirm_address(client, mailbox, APPLICANT)
    assert the_request().language == "fr"
    approver = new_client()
    sign_in(contact, http=approver)
    decision_page = link_path(mailbox.last_to(contact.email), "/accounts/requests/")
    sent_before = len(mailbox.messages)

    refused = decide(approver, decision_page, "reject", reason="  ")
    assert refused.status_code == 400
    assert "Give the reason for the rejection" in page_text(refused)
    assert the_request().status == "pending"
    assert len(mailbox.messages) == sent_before

    reason = "Ce compte est réservé au personnel de la mission permanente."
    assert decide(approver, decision_page, "reject", reason=reason).status_code == 302
    assert (the_request().status, the_request().decision_reason) == ("rejected", reason)
    assert the_account() is None

    message = mailbox.last_to(APPLICANT)
    assert reason in text_of(message)
    english_subject = "Your request for access to the ATT portal"
    assert message["Subject"] != english_subject
    french_subject = french(english_subject)
    assert french_subject, "the French catalog has no translation of the rejection subject yet"
    assert message["Subject"] == french_subject, "compile the catalogs: flask translate compile"
    assert french("Dear %(name)s,").replace("%(name)s", "Amina Diallo") in text_of(message)


def test_emails_say_which_language_they_are_written_in(client, make, mailbox):
    client.post("/language", data={"language": "fr"})
    ask_for_access(client, make.delegation())
    assert mailbox.last_to(APPLICANT)["Content-Language"] == "fr"


def french(message_id):
    with open(TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        found = read_po(handle, locale="fr").get(message_id)
    return found.string if found is not None else ""


def test_someone_who_already_has_an_account_is_told_so_by_email_and_the_page_is_the_same(
    client, new_client, make, mailbox
):
    delegation = make.delegation()
    member = make.user(delegation=delegation, email=APPLICANT, name="Amina Diallo")

    answer = ask_for_access(client, delegation)
    newcomer = ask_for_access(new_client(), delegation, email="someone.new@mfa.example")
    assert answer.headers["Location"] == newcomer.headers["Location"]

    notice = mailbox.last_to(member.email)
    assert notice["Subject"] == "You already have an ATT portal account"
    assert "/auth/confirm/" not in text_of(notice)
    assert the_request() is None


def test_an_incomplete_request_is_shown_again_with_its_errors_and_nothing_is_sent(
    client, make, mailbox
):
    make.delegation()
    response = client.post(
        "/auth/request-access",
        data={
            "name": "Amina Diallo",
            "email": "not an address",
            "delegation": "0",
            "function": "",
            "reason": "I prepare our national report.",
        },
    )
    assert response.status_code == 200
    assert "Please correct the following:" in page_text(response)
    assert "Invalid email address." in page_text(response)
    assert db.session.scalar(select(AccessRequest)) is None
    assert mailbox.messages == []
