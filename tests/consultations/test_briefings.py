"""Intersessional briefings for Geneva-based points of contact: the Secretariat announces them
(meetings of the kind "intersessional briefing"), the points of contact who may attend are told
and register through the meeting's page."""

from datetime import date, time, timedelta

from sqlalchemy import select

from portal.core.jobs import run_due_jobs
from portal.extensions import db
from portal.meetings import services as meeting_services
from portal.meetings.models import Registration
from tests.conftest import text_of


def briefing(officer, level="states"):
    day = date.today() + timedelta(days=20)
    meeting = meeting_services.create_meeting(officer, {
        "title": "Briefing on the CSP12 programme", "kind": "briefing", "cycle": 12,
        "start_day": day, "start_time": time(15, 0), "end_day": day, "end_time": time(16, 0),
        "time_zone": "Europe/Zurich", "venue": "Geneva, Palais Wilson", "format": "in_person",
        "languages": ["en"], "level": level,
    })
    db.session.commit()
    return meeting


def test_points_of_contact_are_told_and_register(people, signed_in, mailbox):
    meeting = briefing(people["secretariat"])
    run_due_jobs()
    for role in ("contact", "ghana", "signatory"):
        assert "meeting" in text_of(mailbox.last_to(people[role].email)).lower(), role
    assert not mailbox.to(people["delegate"].email)  # not a point of contact
    assert not mailbox.to(people["observer"].email)  # the briefing is for States
    contact = signed_in(people["contact"])
    page = contact.get("/consultations/briefings").get_data(as_text=True)
    assert "Briefing on the CSP12 programme" in page
    assert contact.post(f"/meetings/{meeting.id}/register",
                        data={"attendance": "in_person"}).status_code == 302
    assert db.session.scalar(select(Registration)).user_id == people["contact"].id
    assert "You are registered" in contact.get("/consultations/briefings").get_data(as_text=True)
    observer = signed_in(people["observer"])
    assert "Briefing on the CSP12" not in observer.get("/consultations/briefings").get_data(
        as_text=True)
    assert observer.get(f"/meetings/{meeting.id}").status_code == 404
