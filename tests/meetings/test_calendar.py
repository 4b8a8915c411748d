"""iCalendar: a meeting's `.ics` and the personal feed behind a revocable secret token, parsed
back with the `icalendar` library; times right across a daylight-saving change; nothing leaks
after the token is revoked or the person's access is removed."""

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlalchemy import select

from portal.extensions import db
from portal.meetings.models import CalendarToken

ZURICH = ZoneInfo("Europe/Zurich")


def events_of(response):
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    return [component for component in calendar.walk("VEVENT")]


def feed_url(http):
    """Make a feed address through the page and read it back from there."""
    page = http.post("/meetings/calendar-feed").get_data(as_text=True)
    found = re.search(r'value="http://[^"/]+(/meetings/feed/[^"]+\.ics)"', page)
    assert found, page
    return found.group(1)


def test_a_meeting_ics_parses_back_with_its_items_times_across_daylight_saving(
    meetings, people, signed_in
):
    # Summer time in Zurich ends on Sunday 26 October 2031: the meeting spans the change.
    meeting = meetings.meeting(title="Working groups' meeting", start_day=date(2031, 10, 24),
                               start_time=time(10, 0), end_day=date(2031, 10, 27),
                               end_time=time(18, 0))
    meetings.item(meeting, "Friday's item", start_day=date(2031, 10, 24),
                  start_time=time(10, 0), end_time=time(13, 0))
    meetings.item(meeting, "Monday's item", start_day=date(2031, 10, 27),
                  start_time=time(10, 0), end_time=time(13, 0))
    events = events_of(signed_in(people["delegate"]).get(f"/meetings/{meeting.id}/calendar.ics"))
    by_summary = {str(event["SUMMARY"]): event for event in events}
    whole = by_summary["Working groups' meeting"]
    assert whole.decoded("DTSTART") == datetime(2031, 10, 24, 10, 0, tzinfo=ZURICH)
    assert whole.decoded("DTEND") == datetime(2031, 10, 27, 18, 0, tzinfo=ZURICH)
    assert whole["DTSTART"].params["TZID"] == "Europe/Zurich"
    friday = by_summary["Working groups' meeting: 1. Friday's item"].decoded("DTSTART")
    monday = by_summary["Working groups' meeting: 2. Monday's item"].decoded("DTSTART")
    # Both at 10:00 on the venue's clock: 08:00 UTC in summer time, 09:00 UTC after it.
    assert (friday.hour, monday.hour) == (10, 10)
    assert friday.utcoffset().total_seconds() == 7200
    assert monday.utcoffset().total_seconds() == 3600
    assert str(whole["LOCATION"]) == "Geneva International Conference Centre"
    assert f"/meetings/{meeting.id}" in str(whole["URL"])
    # The connection details never go into a calendar.
    assert b"passcode" not in signed_in(people["delegate"]).get(
        f"/meetings/{meeting.id}/calendar.ics"
    ).data


def test_the_personal_feed_carries_what_the_person_may_see_and_nothing_after_revocation(
    app, meetings, people, signed_in
):
    open_meeting = meetings.meeting(title="Open meeting")
    dief = meetings.meeting(title="DIEF session", kind="dief", level="states")
    url = feed_url(signed_in(people["signatory"]))
    # The token only is kept as a digest.
    assert url.split("/")[-1][:-4] not in str(
        db.session.scalars(select(CalendarToken.token_hash)).all()
    )
    anonymous = app.test_client()
    titles = {str(e["SUMMARY"]) for e in events_of(anonymous.get(url))}
    assert titles == {open_meeting.title, dief.title}
    # The person becomes an observer's: the DIEF session leaves their feed at the next fetch.
    people["signatory"].delegation.kind = "international_organisation"
    db.session.commit()
    titles = {str(e["SUMMARY"]) for e in events_of(anonymous.get(url))}
    assert titles == {open_meeting.title}
    # Revoked: nothing at all.
    signed_in(people["signatory"]).post("/meetings/calendar-feed/revoke")
    response = anonymous.get(url)
    assert response.status_code == 404 and b"VEVENT" not in response.data


def test_a_new_feed_address_replaces_the_old_one(app, meetings, people, signed_in):
    meetings.meeting()
    http = signed_in(people["delegate"])
    first = feed_url(http)
    second = feed_url(http)
    anonymous = app.test_client()
    assert anonymous.get(first).status_code == 404
    assert anonymous.get(second).status_code == 200
    page = http.get("/meetings/calendar-feed").get_data(as_text=True)
    assert second not in page  # shown once only


def test_a_suspended_person_s_feed_answers_404(app, meetings, people, signed_in):
    meetings.meeting()
    url = feed_url(signed_in(people["delegate"]))
    people["delegate"].status = "suspended"
    db.session.commit()
    assert app.test_client().get(url).status_code == 404


def test_unknown_tokens_answer_404(app):
    anonymous = app.test_client()
    for token in ("x", "nope" * 40, "A" * 43):
        assert anonymous.get(f"/meetings/feed/{token}.ics").status_code == 404
