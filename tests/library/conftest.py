"""Library fixtures: `library`, the builder of documents (tests/library/builders.py) with their
jobs left waiting for the worker, what the library holds (`stored_files`, `library_rows`), and
the forum's fixtures (spaces, topics, threads, one signed-in client per person)."""

from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select

from portal.core.audit import AuditEvent
from portal.extensions import db
from portal.library.models import Document, DocumentFile, DocumentReference
from tests.forum import conftest as forum_fixtures
from tests.library.builders import Library

# The forum's fixtures, shared: spaces and topics to file documents under, threads that cite
# them, one signed-in client per person, and tracebacks of unexpected errors.
forum = forum_fixtures.forum
signed_in = forum_fixtures.signed_in
errors_are_shown = forum_fixtures.errors_are_shown


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


@pytest.fixture
def library(forum):
    """Documents as a request leaves them: committed, their jobs waiting for the worker."""
    return Library(forum)
