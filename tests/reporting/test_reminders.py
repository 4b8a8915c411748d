"""Reminders of reports due: the Secretariat's reminder days, one email per day and person
through a real SMTP server, only to the points of contact of States Parties with a report due,
in their language, and the switch with which a point of contact turns them off."""

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.core.jobs import PERIODIC, run_due_jobs, run_periodic
from portal.extensions import db
from portal.reporting import reminders
from portal.reporting.models import ReminderDate, ReminderSent
from tests.conftest import text_of
from tests.forum import conftest as forum_fixtures
from tests.reporting.builders import annual, line, reporting_state, submitted

signed_in = forum_fixtures.signed_in
errors_are_shown = forum_fixtures.errors_are_shown

#: A reminder day after the reports submitted in the tests (stamped with the current time).
APRIL_FIRST = date(2027, 4, 1)


@pytest.fixture
def world(make):
    """France (its reports due, point of contact in French), Germany (its initial report and its
    annual report on 2025 submitted), a signatory (owes nothing), and the
    reminder days 1 April and 1 June."""
    secretariat = make.secretariat()
    france, french, french_member = reporting_state(make, "FRA")
    french.language = "fr"
    germany, german, _ = reporting_state(make, "DEU")
    german_report = annual("DEU", 2026, exports=[line(partner="FRA")])
    submitted(germany, german, german_report, year=2026, today=APRIL_FIRST)
    submitted(germany, german, year=None, today=APRIL_FIRST)
    brazil, brazilian, _ = reporting_state(make, "BRA", kind="signatory")
    for month in (4, 6):
        reminders.add_date(month, 1, secretariat)
    db.session.commit()
    run_due_jobs()
    return {
        "france": france,
        "french": french,
        "french_member": french_member,
        "german": german,
        "brazilian": brazilian,
        "secretariat": secretariat,
    }



def test_reminders_go_once_per_day_to_points_of_contact_with_a_report_due(world, mailbox):
    mailbox.messages.clear()
    assert reminders.send_reminders(APRIL_FIRST) == 1
    db.session.commit()
    assert reminders.send_reminders(APRIL_FIRST) == 0  # once per day and person
    db.session.commit()
    run_due_jobs()
    assert [m.envelope_to for m in mailbox.messages] == [[world["french"].email]]
    message = mailbox.messages[0]
    assert message["Subject"] == "Rapports au titre du TCA attendus de votre État"
    body = text_of(message)
    assert "Rapport annuel 2026" in body and "31 mai 2027" in body
    assert "/reporting/" in body
    assert db.session.scalar(select(func.count()).select_from(ReminderSent)) == 1


def test_no_reminder_on_other_days_and_an_overdue_report_says_so(world, mailbox):
    mailbox.messages.clear()
    assert reminders.send_reminders(date(2027, 4, 2)) == 0
    assert reminders.send_reminders(date(2027, 6, 1)) == 1
    db.session.commit()
    run_due_jobs()
    assert "en retard depuis le 31 mai 2027" in text_of(mailbox.last_to(world["french"].email))


def test_the_worker_sends_the_days_reminders(world, mailbox, monkeypatch):
    monkeypatch.setattr(reminders, "current_day", lambda: APRIL_FIRST)
    assert reminders.send_due_reminders in PERIODIC
    mailbox.messages.clear()
    run_periodic()
    run_periodic()
    run_due_jobs()
    assert len(mailbox.to(world["french"].email)) == 1


def test_a_point_of_contact_turns_reminders_off_and_on(world, signed_in, mailbox):
    contact = signed_in(world["french"])
    page = contact.get("/reporting/").get_data(as_text=True)
    assert "Désactiver les rappels" in page
    assert signed_in(world["french_member"]).post(
        "/reporting/reminders/mine", data={"reminders": "off"}
    ).status_code == 403
    assert contact.post("/reporting/reminders/mine", data={"reminders": "maybe"}).status_code == 400
    assert contact.post("/reporting/reminders/mine", data={"reminders": "off"}).status_code == 302
    mailbox.messages.clear()
    assert reminders.send_reminders(APRIL_FIRST) == 0
    assert "Activer les rappels" in contact.get("/reporting/").get_data(as_text=True)
    contact.post("/reporting/reminders/mine", data={"reminders": "on"})
    assert reminders.send_reminders(APRIL_FIRST) == 1


def test_the_secretariat_sets_the_days(world, signed_in, make):
    secretariat = signed_in(world["secretariat"])
    page = secretariat.get("/reporting/reminders").get_data(as_text=True)
    assert "1 April" in page and "1 June" in page
    response = secretariat.post("/reporting/reminders", data={"day": "30", "month": "2"})
    assert response.status_code == 400
    assert "Choose a day that exists every year." in response.get_data(as_text=True)
    response = secretariat.post("/reporting/reminders", data={"day": "1", "month": "4"})
    assert response.status_code == 400
    assert "already sent on that day" in response.get_data(as_text=True)
    response = secretariat.post("/reporting/reminders", data={"day": "x", "month": "13"})
    assert response.status_code == 400
    response = secretariat.post("/reporting/reminders", data={"day": "15", "month": "5"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(ReminderDate)) == 3
    june = db.session.scalar(select(ReminderDate.id).where(ReminderDate.month == 6))
    assert secretariat.post(f"/reporting/reminders/{june}/remove").status_code == 302
    assert secretariat.post(f"/reporting/reminders/{june}/remove").status_code == 404
    assert signed_in(world["french"]).get("/reporting/reminders").status_code == 403
    assert signed_in(world["french"]).post(
        "/reporting/reminders", data={"day": "1", "month": "1"}
    ).status_code == 403
