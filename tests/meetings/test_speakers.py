"""Speakers lists: a delegation asks to speak on an item with a subject; the chair or the
Secretariat accepts, invites, orders and publishes; the lists stay invisible until published,
withdrawn requests disappear, and requests after the list is closed are refused."""

import csv
import io

from sqlalchemy import select

from portal.extensions import db
from portal.meetings import services
from portal.meetings.models import SpeakerRequest
from tests.meetings.conftest import meeting_rows


def speakers_page(http, meeting):
    return http.get(f"/meetings/{meeting.id}/speakers").get_data(as_text=True)


def test_a_point_of_contact_asks_to_speak_and_the_list_is_invisible_until_published(
    meetings, people, signed_in, make
):
    chair = make.user(name="The Chair")
    meeting = meetings.meeting(items=2, chair_id=chair.id)
    contact = signed_in(people["contact"])
    response = contact.post(
        f"/meetings/{meeting.id}/speakers/request",
        data={"item": meeting.items[0].id, "subject": "Post-shipment verification"},
    )
    assert response.status_code == 302
    request = db.session.scalar(select(SpeakerRequest))
    assert (request.delegation_id, request.status) == (people["contact"].delegation_id,
                                                        "requested")
    # Its own delegation sees its request; other readers see no list, on either page.
    assert "Post-shipment verification" in speakers_page(contact, meeting)
    observer = signed_in(people["observer"])
    for page in (speakers_page(observer, meeting),
                 observer.get(f"/meetings/{meeting.id}").get_data(as_text=True)):
        assert "Post-shipment verification" not in page
    assert observer.get(f"/meetings/{meeting.id}/speakers.csv").status_code == 403
    # The chair accepts and publishes.
    chair_http = signed_in(chair)
    assert "Post-shipment verification" in speakers_page(chair_http, meeting)
    chair_http.post(f"/meetings/speakers/{request.id}/accept")
    chair_http.post(f"/meetings/{meeting.id}/speakers/publish")
    for page in (speakers_page(observer, meeting),
                 observer.get(f"/meetings/{meeting.id}").get_data(as_text=True)):
        assert "Post-shipment verification" in page
    exported = observer.get(f"/meetings/{meeting.id}/speakers.csv")
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1] == ["1. Agenda item 1", "1", "Mexico", "Post-shipment verification"]


def test_requests_waiting_for_a_decision_are_not_published(meetings, people, signed_in):
    meeting = meetings.meeting(items=1)
    meetings.ask(meeting, people["contact"], meeting.items[0], subject="Still waiting")
    officer = signed_in(people["secretariat"])
    officer.post(f"/meetings/{meeting.id}/speakers/publish")
    assert "Still waiting" not in speakers_page(signed_in(people["observer"]), meeting)


def test_the_chair_invites_and_orders_speakers(meetings, people, signed_in, make):
    meeting = meetings.meeting(items=1)
    item = meeting.items[0]
    first = meetings.ask(meeting, people["contact"], item, subject="First asked")
    services.accept_speaker(first, people["secretariat"])
    db.session.commit()
    officer = signed_in(people["secretariat"])
    guest = make.delegation(name="Ghana", kind="state_party")
    officer.post(f"/meetings/{meeting.id}/speakers/invite",
                 data={"item": item.id, "delegation": guest.id, "subject": "Invited remarks"})
    invited = db.session.scalar(select(SpeakerRequest).where(SpeakerRequest.status == "invited"))
    officer.post(f"/meetings/speakers/{invited.id}/move/up")
    officer.post(f"/meetings/{meeting.id}/speakers/publish")
    page = speakers_page(signed_in(people["observer"]), meeting)
    assert page.index("Invited remarks") < page.index("First asked")


def test_a_withdrawn_request_disappears(meetings, people, signed_in):
    meeting = meetings.meeting(items=1)
    request = meetings.ask(meeting, people["contact"], meeting.items[0], subject="Taken back")
    services.accept_speaker(request, people["secretariat"])
    db.session.commit()
    # The designated delegate of the same delegation withdraws it.
    meetings.register(meeting, people["delegate"])
    delegate = signed_in(people["delegate"])
    assert delegate.post(f"/meetings/speakers/{request.id}/withdraw").status_code == 302
    signed_in(people["secretariat"]).post(f"/meetings/{meeting.id}/speakers/publish")
    for person in ("delegate", "secretariat", "observer"):
        assert "Taken back" not in speakers_page(signed_in(people[person]), meeting), person
    # A withdrawn request is gone for every action.
    assert signed_in(people["secretariat"]).post(
        f"/meetings/speakers/{request.id}/accept"
    ).status_code == 404


def test_another_delegation_cannot_withdraw_a_request(meetings, people, signed_in):
    meeting = meetings.meeting(items=1)
    request = meetings.ask(meeting, people["contact"], meeting.items[0])
    other = signed_in(people["signatory"])
    assert other.post(f"/meetings/speakers/{request.id}/withdraw").status_code == 403
    db.session.refresh(request)
    assert request.status == "requested"


def test_a_delegate_not_designated_cannot_ask_to_speak(meetings, people, signed_in):
    meeting = meetings.meeting(items=1)
    before = meeting_rows()
    delegate = signed_in(people["delegate"])
    page = speakers_page(delegate, meeting)
    assert "Ask to speak" not in page
    assert "through a delegate whose registration for this meeting is approved" in page
    response = delegate.post(
        f"/meetings/{meeting.id}/speakers/request",
        data={"item": meeting.items[0].id, "subject": "Not designated"},
    )
    assert response.status_code == 403
    assert meeting_rows() == before


def test_a_request_after_the_list_is_closed_is_refused_and_writes_nothing(
    meetings, people, signed_in
):
    meeting = meetings.meeting(items=1)
    officer = signed_in(people["secretariat"])
    officer.post(f"/meetings/{meeting.id}/speakers/close")
    before = meeting_rows()
    contact = signed_in(people["contact"])
    response = contact.post(
        f"/meetings/{meeting.id}/speakers/request",
        data={"item": meeting.items[0].id, "subject": "Too late"},
    )
    page = contact.get(response.headers["Location"]).get_data(as_text=True)
    assert "The speakers list is closed: no more requests." in page
    assert meeting_rows() == before


def test_a_request_without_subject_or_twice_on_an_item_is_refused(meetings, people, signed_in):
    meeting = meetings.meeting(items=1)
    contact = signed_in(people["contact"])
    before = meeting_rows()
    response = contact.post(f"/meetings/{meeting.id}/speakers/request",
                            data={"item": meeting.items[0].id, "subject": "  "})
    assert "This field is required." in contact.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert meeting_rows() == before
    meetings.ask(meeting, people["contact"], meeting.items[0])
    response = contact.post(f"/meetings/{meeting.id}/speakers/request",
                            data={"item": meeting.items[0].id, "subject": "Again"})
    assert "already asked to speak on this item" in contact.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(SpeakerRequest.id))) == 1


def test_the_export_keeps_subjects_from_running_as_spreadsheet_formulas(
    meetings, people, signed_in
):
    meeting = meetings.meeting(items=1)
    request = meetings.ask(meeting, people["contact"], meeting.items[0],
                           subject='=HYPERLINK("https://example.org")')
    services.accept_speaker(request, people["secretariat"])
    services.publish_speakers(meeting, people["secretariat"])
    db.session.commit()
    exported = signed_in(people["delegate"]).get(f"/meetings/{meeting.id}/speakers.csv")
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][3] == "'=HYPERLINK(\"https://example.org\")"
