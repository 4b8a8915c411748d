"""Demo meetings of the CSP12 cycle, read from `data/demo_meetings.json`, as the seeds describe
them: the working groups' meeting (the Working Group on Transparency and Reporting met on
19 March 2026, its annotated agenda distributed a month ahead), the informal preparatory
meeting of 27-28 May 2026, CSP12 in Geneva on 24-28 August 2026 and a DIEF session. Their
agenda items are linked to the demo topics and documents; one speakers list is published."""

import json
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from portal.extensions import db

DEMO_MEETINGS_FILE = Path(__file__).parent / "data" / "demo_meetings.json"


def load_demo_meetings(officer):
    """Make the demo meetings through the services, as the Secretariat's pages would."""
    from portal.accounts.models import Delegation, User
    from portal.forum.models import Topic, WorkingGroup
    from portal.library.models import Document
    from portal.meetings import services

    spaces = {space.code: space.id for space in db.session.scalars(select(WorkingGroup))}
    topics = {topic.title: topic.id for topic in db.session.scalars(select(Topic))}
    entries = json.loads(DEMO_MEETINGS_FILE.read_text(encoding="utf-8"))
    for entry in entries:
        start, end = (datetime.fromisoformat(entry[key]) for key in ("start", "end"))
        meeting = services.create_meeting(
            officer,
            {
                "title": entry["title"],
                "translations": entry["translations"],
                "kind": entry["kind"],
                "cycle": entry["cycle"],
                "start_day": start.date(),
                "start_time": start.time(),
                "end_day": end.date(),
                "end_time": end.time(),
                "time_zone": entry["time_zone"],
                "venue": entry["venue"],
                "format": entry["format"],
                "languages": entry["languages"],
                "level": entry["level"],
                "connection_details": entry["connection_details"],
                "notices": entry["notices"],
                "comments_close_on": date.fromisoformat(entry["comments_close_on"])
                if entry.get("comments_close_on")
                else None,
            },
        )
        meeting.comments_visibility = entry.get("comments_visibility", "chair")
        items = []
        for found in entry["items"]:
            values = {
                "title": found["title"],
                "working_group_id": spaces.get(found["wg"]),
                "topic_id": topics.get(found["topic"]),
                "chair_name": found["chair"],
            }
            slot_start = datetime.fromisoformat(found["start"])
            slot_end = datetime.fromisoformat(found["end"])
            values.update(start_day=slot_start.date(), start_time=slot_start.time(),
                          end_day=slot_end.date(), end_time=slot_end.time())
            item = services.add_item(meeting, officer, values)
            items.append(item)
            for reference in found["documents"]:
                document = db.session.scalar(
                    select(Document).where(
                        (Document.symbol == reference) | (Document.title == reference)
                    )
                )
                services.link_document(item, officer, document)
        for found in entry["speakers"]:
            delegation = db.session.scalar(
                select(Delegation).where(Delegation.short_name == found["delegation"])
            )
            request = services.invite_speaker(
                meeting, officer, items[found["item"]].id, delegation, found["subject"]
            )
            request.status = found["status"]
        if entry["publish_speakers"]:
            services.publish_speakers(meeting, officer)
        for found in entry["report"]:
            services.add_paragraph(meeting, officer, found["text"], found["recommendation"])
        for found in entry["registrations"]:
            person = db.session.scalar(select(User).where(User.email == found["account"]))
            registration = services.register(meeting, person, found["attendance"])
            services.decide_registration(registration, officer, found["approved"])
    return len(entries)
