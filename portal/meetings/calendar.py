"""Meetings as iCalendar (RFC 5545), written with the `icalendar` library.

Each meeting is one event whose start and end are given in the venue's time zone (with its
VTIMEZONE, so a calendar shows them right on both sides of a daylight-saving change); each
agenda item with a time slot is one more event of the same meeting. Only what the reader may
see goes in: the caller passes meetings already filtered by the access policy. Connection
details never go into a feed: a feed is read by calendar programs, not by the portal.
"""

from datetime import timezone

from flask import current_app
from icalendar import Calendar, Event

from portal.core.mail import external_url
from portal.core.models import now_utc
from portal.meetings.models import as_zone

PRODUCT = "-//ATT Secretariat//ATT information exchange portal//EN"


def feed(meetings, name):
    """The bytes of a calendar holding `meetings` (with their items loaded)."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    stamp = now_utc().replace(tzinfo=timezone.utc)
    host = current_app.config.get("PORTAL_BASE_URL", "").split("//")[-1].rstrip("/") or "portal"
    for meeting in meetings:
        link = external_url("meetings.meeting_detail", meeting_id=meeting.id)
        calendar.add_component(
            event(
                f"meeting-{meeting.id}@{host}",
                meeting.title,
                meeting.starts_at,
                meeting.ends_at,
                meeting.zone,
                stamp,
                meeting.venue,
                link,
                meeting.notices,
                meeting.updated_at,
            )
        )
        for item in meeting.items:
            if item.starts_at is None:
                continue
            calendar.add_component(
                event(
                    f"meeting-{meeting.id}-item-{item.id}@{host}",
                    f"{meeting.title}: {item.position}. {item.title}",
                    item.starts_at,
                    item.ends_at,
                    meeting.zone,
                    stamp,
                    meeting.venue,
                    link,
                    item.chair_name,
                    meeting.updated_at,
                )
            )
    calendar.add_missing_timezones()
    return calendar.to_ical()


def event(uid, summary, starts_at, ends_at, zone, stamp, location, link, description, changed):
    found = Event()
    found.add("uid", uid)
    found.add("dtstamp", stamp)
    found.add("summary", summary)
    found.add("dtstart", as_zone(starts_at, zone))
    found.add("dtend", as_zone(ends_at, zone))
    found.add("last-modified", changed.replace(tzinfo=timezone.utc))
    if location:
        found.add("location", location)
    found.add("url", link)
    found.add("description", "\n\n".join(part for part in (description, link) if part))
    return found
