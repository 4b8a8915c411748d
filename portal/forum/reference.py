"""The working groups of the ATT process, read from `data/working_groups.json`."""

import json
from pathlib import Path

from sqlalchemy import select

from portal.extensions import db
from portal.forum.models import WorkingGroup

DATA_FILE = Path(__file__).parent / "data" / "working_groups.json"


def load_working_groups():
    """Insert the working groups not yet present; returns how many were added."""
    by_code = {group.code: group for group in db.session.scalars(select(WorkingGroup))}
    added = 0
    for position, entry in enumerate(json.loads(DATA_FILE.read_text(encoding="utf-8"))):
        if entry["code"] in by_code:
            continue
        group = WorkingGroup(
            code=entry["code"],
            names=entry["names"],
            parent=by_code.get(entry["parent"]),
            position=position,
            access_level=entry["access_level"],
        )
        group.derive_acl()
        db.session.add(group)
        by_code[group.code] = group
        added += 1
    return added


DEMO_TOPICS_FILE = Path(__file__).parent / "data" / "demo_topics.json"


def load_demo_topics(author):
    """Demo topics with guiding questions, and a national practice in one of them."""
    from portal.accounts.models import User
    from portal.forum.services import create_thread, create_topic

    spaces = {group.code: group for group in db.session.scalars(select(WorkingGroup))}
    entries = json.loads(DEMO_TOPICS_FILE.read_text(encoding="utf-8"))
    for entry in entries:
        topic = create_topic(
            spaces[entry["space"]],
            author,
            entry["title"],
            entry["description"],
            entry["cycle"],
            entry["questions"],
        )
        thread = entry.get("thread")
        if thread:
            db.session.flush()
            writer = db.session.scalar(select(User).where(User.email == thread["author"]))
            create_thread(
                topic,
                writer,
                thread["kind"],
                thread["title"],
                thread["body"],
                question_id=topic.questions[thread["question"]].id,
            )
    return len(entries)
