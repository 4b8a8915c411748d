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
