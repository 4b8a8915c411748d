"""The one way tests make library documents: through `portal.library.services`, as the upload
page makes them, and committed, as a request would.

`document(by, ...)` makes one document and leaves its jobs (text extraction, indexing, fan-out)
waiting for the worker. `Library` makes them for a test on behalf of the Secretariat, and runs
those jobs after each change when it is built with `run_jobs=True`, so that the index and the
notifications hold what production would hold.
"""

import io
import itertools
from datetime import date, timedelta

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.core.jobs import DONE, Job, run_due_jobs
from portal.extensions import db
from portal.library import services
from tests.library.documents import text_bytes

#: A date every test may use as "the date of the document": never in the future.
LAST_WEEK = date.today() - timedelta(days=7)

#: What a document's English text file says unless a test says otherwise.
DEFAULT_TEXT = "Arms Trade Treaty working paper."

#: The jobs whose failure means a document did not become what production would make of it.
DOCUMENT_JOBS = ("library.extract_text", "search.index")

_numbers = itertools.count(1)


def upload(content=None, name="paper.txt"):
    """A file as a form sends it, for the services: `content` (bytes), an English text file
    saying `DEFAULT_TEXT` by default."""
    content = text_bytes(DEFAULT_TEXT) if content is None else content
    return FileStorage(stream=io.BytesIO(content), filename=name)


def as_upload(file):
    """`file` as the services take it: a FileStorage as it is, a (file name, bytes) pair as a
    form would send it."""
    if isinstance(file, FileStorage):
        return file
    name, content = file
    return upload(content, name)


def document(
    by,
    title=None,
    text=DEFAULT_TEXT,
    *,
    files=None,
    note="",
    group=None,
    working_group=None,
    **metadata,
):
    """A document by `by`, committed, its jobs waiting for the worker.

    It has one English text file saying `text`, or the files of `files` ({language: FileStorage
    or (file name, bytes)}). `group` and `working_group` are rows; `metadata` holds the other
    fields as the upload form gives them to the services (`symbol`, `level`, `topic_id`...).
    Unnamed documents are numbered, a working paper for every approved user, dated last week.

    Raises DocumentError (from the services) when a field or a file is refused.
    """
    values = {
        "title": title or f"Document {next(_numbers)}",
        "doc_type": "working_paper",
        "published_on": LAST_WEEK,
        "level": "users",
        **metadata,
    }
    if group is not None:
        values["group_id"] = group.id
    if working_group is not None:
        values["working_group_id"] = working_group.id
    uploads = {
        language: as_upload(file)
        for language, file in (files or {"en": ("paper.txt", text_bytes(text))}).items()
    }
    created = services.create_document(by, values, uploads, note)
    db.session.commit()
    return created


class Library:
    """Builds library content for a test, by the forum's Secretariat officer unless another
    person is named; every method commits, as a request would."""

    def __init__(self, forum, run_jobs=False):
        self.forum = forum
        self.runs_jobs = run_jobs

    @property
    def officer(self):
        """The Secretariat account that publishes, for any delegation, at any level."""
        return self.forum.officer

    def document(self, title=None, text=DEFAULT_TEXT, *, by=None, **options):
        """A document as `document()` makes it, by `by` or the officer; its jobs run if this
        library runs them.

        Raises DocumentError when a field or a file is refused, and AssertionError when its
        text extraction or indexing failed.
        """
        created = document(by or self.officer, title, text, **options)
        self.after_commit()
        return created

    def after_commit(self):
        """Run the queued jobs if this library runs them, as the worker would after a commit.

        Raises AssertionError when text extraction or indexing failed.
        """
        if self.runs_jobs:
            self.run_jobs()

    @staticmethod
    def run_jobs():
        """Run what the commits queued.

        Raises AssertionError, naming the jobs, when text extraction or indexing failed.
        """
        run_due_jobs()
        failed = db.session.scalars(
            select(Job).where(Job.kind.in_(DOCUMENT_JOBS), Job.status != DONE)
        ).all()
        assert not failed, [(job.kind, job.status, job.last_error) for job in failed]
