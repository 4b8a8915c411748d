"""A second factor for whoever reads a diversion channel or has a reporting role: asked for
during a grace period, required after it, decided from what the person holds at sign-in."""

import re
from datetime import timedelta

import pytest

from portal.core.models import now_utc
from portal.extensions import db
from portal.reporting import services as reporting
from tests.auth.conftest import (
    enrol_authenticator,
    fresh,
    is_signed_in,
    page_text,
    sign_in_with_password,
)
from tests.channels.conftest import World

NOTICE = "protect it with an authenticator app by"
SETUP = "/auth/two-factor/setup"


def channel_participant(make):
    """A member (not the point of contact) designated in an open channel."""
    world = World(make)
    world.opened()
    return world.member_a


def point_of_contact(make):
    return make.user(role="point_of_contact")


def reporting_officer(make):
    contact = make.user(role="point_of_contact")
    member = make.user(delegation=contact.delegation)
    reporting.designate_officer(contact.delegation, member, by=contact)
    db.session.commit()
    return member


SENSITIVE = {
    "channel participant": channel_participant,
    "point of contact": point_of_contact,
    "reporting officer": reporting_officer,
}


def ask_since(user, days):
    """Start the person's grace period `days` ago."""
    user.second_factor_asked_at = now_utc() - timedelta(days=days)
    db.session.commit()


@pytest.mark.parametrize("role", SENSITIVE)
def test_during_the_grace_period_sign_in_works_and_every_page_asks_for_the_second_factor(
    client, make, role
):
    person = SENSITIVE[role](make)
    response = sign_in_with_password(client, person)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert is_signed_in(client)
    asked_at = fresh(person).second_factor_asked_at
    assert asked_at is not None and now_utc() - asked_at < timedelta(minutes=1)

    for path in ("/", "/auth/account"):
        page = client.get(path)
        assert NOTICE in page_text(page)
        assert f'href="{SETUP}"' in page.get_data(as_text=True)
    deadline = (asked_at + timedelta(days=14)).strftime("%-d %b %Y")
    assert deadline in page_text(client.get("/"))


@pytest.mark.parametrize("role", SENSITIVE)
def test_after_the_grace_period_sign_in_leads_to_the_set_up_step(client, make, role):
    person = SENSITIVE[role](make)
    ask_since(person, 15)
    response = sign_in_with_password(client, person)
    assert response.status_code == 302 and response.headers["Location"].endswith(SETUP)
    assert not is_signed_in(client)
    assert "must be protected by a second factor before you can continue" in page_text(
        client.get(SETUP)
    )

    secret, done = enrol_authenticator(client)
    assert "Your recovery codes" in page_text(done)
    assert fresh(person).totp_secret == secret
    assert is_signed_in(client)
    assert NOTICE not in page_text(client.get("/"))


def test_the_grace_period_runs_from_the_first_sign_in_that_needed_it(client, make):
    contact = point_of_contact(make)
    ask_since(contact, 13)
    sign_in_with_password(client, contact)
    assert is_signed_in(client)
    assert fresh(contact).second_factor_asked_at < now_utc() - timedelta(days=12)
    client.post("/auth/sign-out")

    ask_since(contact, 14)
    assert sign_in_with_password(client, contact).headers["Location"].endswith(SETUP)


def test_setting_it_up_within_the_grace_period_ends_the_notice(client, make):
    contact = point_of_contact(make)
    sign_in_with_password(client, contact)
    setup = page_text(client.get(SETUP))
    assert "must be protected by a second factor from" in setup
    assert "before you can continue" not in setup
    assert NOTICE not in setup  # the page itself is the set-up step

    enrol_authenticator(client)
    assert NOTICE not in page_text(client.get("/"))
    client.post("/auth/sign-out")
    assert sign_in_with_password(client, contact).headers["Location"].endswith("/auth/two-factor")


def test_a_second_factor_removed_by_the_secretariat_is_set_up_again_without_a_new_grace_period(
    client, make, sign_in, new_client
):
    contact = make.user(role="point_of_contact", with_totp=True)
    sign_in(contact)  # the grace period starts, though the person has a second factor already
    client.post("/auth/sign-out")
    assert fresh(contact).second_factor_asked_at is not None
    ask_since(contact, 30)
    officer = make.secretariat()
    secretariat = new_client()
    sign_in(officer, http=secretariat)
    response = secretariat.post(f"/accounts/users/{contact.id}/reset-second-factor")
    assert response.status_code == 302
    assert not fresh(contact).has_second_factor

    assert sign_in_with_password(client, contact).headers["Location"].endswith(SETUP)
    assert not is_signed_in(client)


def test_the_people_who_need_one_cannot_turn_it_off(client, make, sign_in):
    contact = make.user(role="point_of_contact", with_totp=True)
    sign_in(contact)
    assert "Turn off the second factor" not in page_text(client.get("/auth/account"))
    assert client.post("/auth/account/two-factor/remove").status_code == 403
    assert fresh(contact).totp_secret is not None


def test_ordinary_members_are_not_asked(client, make):
    world = World(make)
    world.opened()
    for person in (world.bystander_a, make.user()):  # a channel's State, but not designated
        ask_since(person, 30)
        response = sign_in_with_password(client, person)
        assert response.headers["Location"] == "/"
        assert NOTICE not in page_text(client.get("/"))
        assert fresh(person).second_factor_asked_at is None
        client.post("/auth/sign-out")


def test_a_proposed_channel_gives_no_principal_yet(client, make):
    """Only a channel the person reads counts: designations wait for the channel to open."""
    world = World(make)
    world.proposed()
    sign_in_with_password(client, world.member_a)
    assert fresh(world.member_a).second_factor_asked_at is None


def test_someone_who_left_the_role_is_no_longer_asked_and_a_new_role_starts_afresh(
    client, make
):
    person = make.user(role="point_of_contact")
    ask_since(person, 30)
    person.role = "member"
    db.session.commit()
    assert sign_in_with_password(client, person).headers["Location"] == "/"
    assert fresh(person).second_factor_asked_at is None
    client.post("/auth/sign-out")

    person.role = "point_of_contact"
    db.session.commit()
    assert sign_in_with_password(client, person).headers["Location"] == "/"
    assert NOTICE in page_text(client.get("/"))


def test_with_the_setting_off_nobody_but_the_secretariat_is_asked(app, client, make):
    app.config["PORTAL_REQUIRE_TOTP_FOR_SENSITIVE"] = False
    contact = point_of_contact(make)
    ask_since(contact, 30)
    assert sign_in_with_password(client, contact).headers["Location"] == "/"
    assert NOTICE not in page_text(client.get("/"))
    assert fresh(contact).second_factor_asked_at is None
    client.post("/auth/sign-out")

    officer = make.secretariat(totp_secret=None)
    assert sign_in_with_password(client, officer).headers["Location"].endswith(SETUP)


def test_with_no_grace_period_the_set_up_step_comes_at_once(app, client, make):
    app.config["PORTAL_TOTP_GRACE_DAYS"] = 0
    contact = point_of_contact(make)
    assert sign_in_with_password(client, contact).headers["Location"].endswith(SETUP)
    assert not is_signed_in(client)


def test_the_notice_is_in_the_reader_s_language(client, make):
    contact = point_of_contact(make)
    contact.language = "fr"
    db.session.commit()
    sign_in_with_password(client, contact)
    client.post("/auth/account/language", data={"language-language": "fr"})
    page = page_text(client.get("/"))
    assert NOTICE not in page
    assert "authentification" in page


def test_the_demo_accounts_sign_in_as_the_readme_says(app, client, tmp_path, monkeypatch):
    """The Secretariat sets up its authenticator at once; Mexico's point of contact and its
    delegate (in the demo channel) are asked to within the grace period; the others are not."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    result = app.test_cli_runner().invoke(args=["portal", "demo-data", "--if-empty"])
    assert result.exit_code == 0, result.output
    listing = (tmp_path / "demo-accounts.txt").read_text()
    assert "within 14 days" in listing
    passwords = dict(re.findall(r"^(\S+@\S+)  (\S+)  ", listing, flags=re.M))
    expected = {
        "secretariat@demo.att-portal.invalid": SETUP,
        "contact.mexico@demo.att-portal.invalid": NOTICE,
        "delegate.mexico@demo.att-portal.invalid": NOTICE,
        "delegate.thailand@demo.att-portal.invalid": None,
        "observer.sipri@demo.att-portal.invalid": None,
    }
    assert set(passwords) == set(expected)
    for email, outcome in expected.items():
        response = client.post("/auth/sign-in", data={"email": email, "password": passwords[email]})
        if outcome == SETUP:
            assert response.headers["Location"].endswith(SETUP), email
            continue
        assert response.headers["Location"] == "/", email
        assert (NOTICE in page_text(client.get("/"))) == (outcome == NOTICE), email
        client.post("/auth/sign-out")
