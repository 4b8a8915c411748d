"""Registration and remote participation: delegates register in person or remotely, their
point of contact or the Secretariat approves, the connection details are shown only to approved
registrants who may read the meeting, each opening is recorded, and the Secretariat sees who
registered and who opened them, per delegation."""

from sqlalchemy import select

from portal.extensions import db
from portal.meetings.models import ConnectionView, Registration
from tests.meetings.conftest import meeting_rows

DETAILS = "https://meet.example.org/att-wg — passcode 4242"


def test_connection_details_are_shown_only_to_approved_registrants_and_each_view_recorded(
    meetings, people, signed_in
):
    meeting = meetings.meeting()
    delegate = signed_in(people["delegate"])
    assert DETAILS not in delegate.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert delegate.get(f"/meetings/{meeting.id}/connection").status_code == 403
    response = delegate.post(f"/meetings/{meeting.id}/register", data={"attendance": "remote"})
    assert response.status_code == 302
    registration = db.session.scalar(select(Registration))
    assert (registration.status, registration.attendance) == ("pending", "remote")
    # Waiting for approval: still nothing, and nothing recorded.
    assert delegate.get(f"/meetings/{meeting.id}/connection").status_code == 403
    assert db.session.scalar(select(db.func.count(ConnectionView.id))) == 0
    # The delegation's point of contact approves it from the meeting's page.
    contact = signed_in(people["contact"])
    page = contact.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Mexico Delegate" in page
    contact.post(f"/meetings/registrations/{registration.id}/approve")
    page = delegate.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Connection details" in page and DETAILS not in page
    for _ in range(2):
        response = delegate.get(f"/meetings/{meeting.id}/connection")
        assert response.status_code == 200 and DETAILS in response.get_data(as_text=True)
        assert response.headers["Cache-Control"] == "no-store"
    views = db.session.scalars(select(ConnectionView)).all()
    assert [(v.user_id, v.delegation_id) for v in views] == [
        (people["delegate"].id, people["delegate"].delegation_id)
    ] * 2
    # Another delegation's point of contact may not decide it.
    assert signed_in(people["signatory"]).post(
        f"/meetings/registrations/{registration.id}/refuse"
    ).status_code == 403


def test_a_registrant_who_loses_access_no_longer_sees_the_details(
    meetings, people, signed_in
):
    meeting = meetings.meeting(level="states")
    meetings.register(meeting, people["delegate"])
    delegate = signed_in(people["delegate"])
    assert delegate.get(f"/meetings/{meeting.id}/connection").status_code == 200
    meeting.access_level = "state_parties"
    meeting.derive_acl()
    people["delegate"].delegation.kind = "signatory"
    db.session.commit()
    assert delegate.get(f"/meetings/{meeting.id}/connection").status_code == 404
    assert db.session.scalar(select(db.func.count(ConnectionView.id))) == 1


def test_the_secretariat_sees_registrations_and_link_openings_per_delegation(
    meetings, people, signed_in, make
):
    meeting = meetings.meeting()
    meetings.register(meeting, people["delegate"])
    meetings.register(meeting, people["signatory"], attendance="in_person", approve=False)
    signed_in(people["delegate"]).get(f"/meetings/{meeting.id}/connection")
    page = signed_in(people["secretariat"]).get(f"/meetings/{meeting.id}/registrations")
    text = page.get_data(as_text=True)
    assert "2 registered, 1 approved, 1 remotely; 1 opened the connection details." in text
    mexico = text.index("<h2><bdi>Mexico</bdi></h2>")
    assert "Mexico Delegate" in text[mexico:] and "1 time, last on" in text[mexico:]
    assert "Never" in text


def test_registration_is_checked_against_the_format_and_made_once(meetings, people, signed_in):
    in_person = meetings.meeting(format="in_person", connection_details="")
    delegate = signed_in(people["delegate"])
    before = meeting_rows()
    response = delegate.post(f"/meetings/{in_person.id}/register", data={"attendance": "remote"})
    page = delegate.get(response.headers["Location"]).get_data(as_text=True)
    assert "This meeting is held in person only." in page
    assert meeting_rows() == before
    delegate.post(f"/meetings/{in_person.id}/register", data={"attendance": "in_person"})
    # Registered: the form is gone, and a second registration is refused.
    assert delegate.post(
        f"/meetings/{in_person.id}/register", data={"attendance": "in_person"}
    ).status_code == 403
    assert db.session.scalar(select(db.func.count(Registration.id))) == 1
    # No connection details at an in-person meeting, even once approved.
    registration = db.session.scalar(select(Registration))
    signed_in(people["secretariat"]).post(f"/meetings/registrations/{registration.id}/approve")
    assert delegate.get(f"/meetings/{in_person.id}/connection").status_code == 403


def test_a_person_cancels_their_own_registration_only(meetings, people, signed_in):
    meeting = meetings.meeting()
    registration = meetings.register(meeting, people["delegate"])
    assert signed_in(people["contact"]).post(
        f"/meetings/registrations/{registration.id}/cancel"
    ).status_code == 403
    signed_in(people["delegate"]).post(f"/meetings/registrations/{registration.id}/cancel")
    assert db.session.scalar(select(db.func.count(Registration.id))) == 0
