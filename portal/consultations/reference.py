"""Demo data of intersessional work for `flask portal demo-data`: two informal consultations
(one convened and open, one requested by Mexico and awaiting the Secretariat), the informal
advisory group with two members and a request for inputs, a national report to parliament and
an intersessional briefing, each made through the services as the pages would make them."""

import io
import json
from datetime import date, time, timedelta
from pathlib import Path

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.accounts.models import Delegation, User
from portal.core.models import now_utc
from portal.extensions import db

DEMO_FILE = Path(__file__).parent / "data" / "demo.json"


def load_demo_consultations(officer):
    """Make the demo intersessional work; returns the number of consultations made."""
    from portal.consultations import services
    from portal.forum.models import WorkingGroup
    from portal.meetings import services as meeting_services

    demo = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    users = {user.email: user for user in db.session.scalars(select(User))}
    delegations = {d.short_name: d for d in db.session.scalars(select(Delegation))}
    spaces = {space.code: space.id for space in db.session.scalars(select(WorkingGroup))}
    now = now_utc().replace(minute=0, second=0, microsecond=0)
    for entry in demo["consultations"]:
        opens = now + timedelta(days=entry["opens_in_days"])
        closes = now + timedelta(days=entry["closes_in_days"])
        values = {
            "title": entry["title"],
            "purpose": entry["purpose"],
            "working_group_id": spaces[entry["working_group"]],
            "invited": [delegations[code].id for code in entry["invited"]],
            "is_open_to_others": entry["open_to_others"],
            "open_day": opens.date(), "open_time": opens.time(),
            "close_day": closes.date(), "close_time": closes.time(),
            "format": entry["format"],
            "support": entry["support"],
            "languages": entry["languages"],
        }
        organiser = users[entry["organiser"]]
        if entry["origin"] == "convened":
            consultation = services.convene_consultation(organiser, values)
        else:
            consultation = services.request_consultation(organiser, values)
        for email in entry["participants"]:
            contact = next(
                user for user in users.values()
                if user.delegation_id == users[email].delegation_id and user.is_point_of_contact
            )
            services.name_participant(consultation, contact, users[email].id)
        if entry["thread"]:
            thread = entry["thread"]
            services.start_thread(consultation, users[thread["author"]], thread["title"],
                                  thread["body"])
    for member in demo["advisory_members"]:
        applied = services.apply_to_group(users[member["email"]], member["expertise"])
        services.register_member(applied, officer, True)
    wanted = demo["input_request"]
    deadline = now + timedelta(days=wanted["deadline_in_days"])
    services.request_inputs(officer, {
        "cycle": wanted["cycle"], "title": wanted["title"],
        "description": wanted["description"],
        "deadline_day": deadline.date(), "deadline_time": deadline.time(),
    })
    report = demo["national_report"]
    services.share_national_report(
        users[report["by"]],
        {
            "title": report["title"], "year": report["year"],
            "period_start": date(report["year"], 1, 1),
            "period_end": date(report["year"], 12, 31),
            "contents": report["contents"], "audience": report["audience"],
        },
        {report["language"]: FileStorage(io.BytesIO(report["text"].encode("utf-8")),
                                         filename="informe.txt")},
    )
    briefing = demo["briefing"]
    day = (now + timedelta(days=briefing["in_days"])).date()
    meeting_services.create_meeting(officer, {
        "title": briefing["title"], "kind": "briefing", "cycle": 12,
        "start_day": day, "start_time": time(15, 0), "end_day": day, "end_time": time(16, 30),
        "time_zone": "Europe/Zurich", "venue": briefing["venue"], "format": "in_person",
        "languages": ["en", "fr", "es"], "level": "states", "notices": briefing["notices"],
    })
    db.session.flush()
    return len(demo["consultations"])
