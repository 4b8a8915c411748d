"""The CSP cycles, read from `data/csp_cycles.json`: number, year and venue of each Conference."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask_babel import get_locale

DATA_FILE = Path(__file__).parent / "data" / "csp_cycles.json"


@dataclass(frozen=True)
class Cycle:
    number: int
    year: int
    #: The venue in each of the six languages.
    venues: dict

    @property
    def venue(self):
        return self.venues.get(str(get_locale() or "en")) or self.venues["en"]


@cache
def cycles():
    """Every CSP cycle, newest first."""
    entries = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    found = [Cycle(entry["number"], entry["year"], entry["venue"]) for entry in entries]
    return sorted(found, key=lambda cycle: cycle.number, reverse=True)


def cycle(number):
    """The cycle of the Conference numbered `number`, or None."""
    return next((found for found in cycles() if found.number == number), None)


DEMO_DOCUMENTS_FILE = Path(__file__).parent / "data" / "demo_documents.json"


def docx_of(paragraphs):
    """A Word document holding `paragraphs`, as bytes."""
    import io

    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def load_demo_documents():
    """Demo documents, each uploaded by a demo account of its delegation as Word files."""
    import io
    from datetime import date

    from sqlalchemy import select
    from werkzeug.datastructures import FileStorage

    from portal.accounts.models import Delegation, User
    from portal.extensions import db
    from portal.forum.models import WorkingGroup
    from portal.library.services import create_document

    entries = json.loads(DEMO_DOCUMENTS_FILE.read_text(encoding="utf-8"))
    for entry in entries:
        delegation = db.session.scalar(
            select(Delegation).where(Delegation.short_name == entry["delegation"])
        )
        uploader = db.session.scalars(
            select(User).where(User.delegation_id == delegation.id).order_by(User.id)
        ).first()
        working_group = db.session.scalar(
            select(WorkingGroup).where(WorkingGroup.code == entry["wg"])
        )
        slug = (entry["symbol"] or entry["title"]).replace("/", "-").replace(" ", "-")[:60]
        uploads = {
            language: FileStorage(
                stream=io.BytesIO(docx_of(paragraphs)), filename=f"{slug}-{language}.docx"
            )
            for language, paragraphs in entry["versions"].items()
        }
        create_document(
            uploader,
            {
                "title": entry["title"],
                "symbol": entry["symbol"],
                "doc_type": entry["type"],
                "working_group_id": working_group.id,
                "cycle": entry["cycle"],
                "meeting": entry["meeting"],
                "delegation": delegation,
                "published_on": date.fromisoformat(entry["published_on"]),
                "keywords": entry["keywords"],
                "summary": entry["summary"],
                "level": entry["level"],
            },
            uploads,
        )
    return len(entries)
