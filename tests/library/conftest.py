"""Library fixtures: documents made through portal.library.services, as the upload page makes
them, and the forum's fixtures (spaces, topics, threads, one signed-in client per person)."""

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from portal.core.audit import AuditEvent
from portal.extensions import db
from portal.library import services
from portal.library.models import Document, DocumentFile, DocumentReference
from tests.forum import conftest as forum_fixtures
from tests.library.documents import text_bytes

# The forum's fixtures, shared: spaces and topics to file documents under, threads that cite
# them, one signed-in client per person, and tracebacks of unexpected errors.
forum = forum_fixtures.forum
signed_in = forum_fixtures.signed_in
errors_are_shown = forum_fixtures.errors_are_shown

#: A date every test may use as "the date of the document": never in the future.
LAST_WEEK = date.today() - timedelta(days=7)


def upload(content=None, name="paper.txt"):
    """A file as a form sends it, for the services."""
    content = text_bytes("Working paper on transparency.\n") if content is None else content
    return FileStorage(stream=io.BytesIO(content), filename=name)


def stored_files():
    """Every file in the store, as paths relative to it."""
    root = Path(current_app.config["PORTAL_FILES_DIR"])
    return {path.relative_to(root) for path in root.rglob("*") if path.is_file()}


def library_rows():
    """How many documents, files, citations and library audit entries there are."""
    counts = {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Document, DocumentFile, DocumentReference)
    }
    counts["library audit events"] = db.session.scalar(
        select(func.count()).where(AuditEvent.action.like("library.%"))
    )
    return counts


class Library:
    """Builds library content for a test; every method commits, as a request would."""

    def __init__(self, make, forum):
        self.make = make
        self.forum = forum

    @property
    def officer(self):
        return self.forum.officer

    def document(self, by=None, files=None, note="", **metadata):
        """A document by `by` (the Secretariat by default) with `files` ({language: upload}),
        an English text file by default; `metadata` as the upload form gives it."""
        values = {
            "title": "Working paper on transparency",
            "doc_type": "working_paper",
            "published_on": LAST_WEEK,
            "level": "users",
            **metadata,
        }
        document = services.create_document(
            by or self.officer, values, files or {"en": upload()}, note
        )
        db.session.commit()
        return document

    def version(self, document, language, content=None, name="paper.txt", by=None, note=""):
        document_file = services.add_version(
            document, by or self.officer, language, upload(content, name), note
        )
        db.session.commit()
        return document_file


@pytest.fixture
def library(make, forum):
    return Library(make, forum)
