"""The index follows the database: changes reach it through jobs written with the change, a
crash between commit and indexing is caught up by the pending job, and `flask search rebuild`
and `flask search verify` rebuild and check it."""

from datetime import datetime

from sqlalchemy import select, text, update

from portal.access import principals
from portal.core.jobs import DONE, PENDING, RUNNING, Job, requeue_stale, run_due_jobs
from portal.extensions import db
from portal.library.models import Document
from portal.library.services import edit_document
from portal.search.engine import get_index, verify
from tests.library import conftest as library_fixtures
from tests.library.builders import LAST_WEEK

# The library's builder, not the search folder's: here a document's jobs wait until the test
# runs them, or marks them done without running them to stand for a lost index.
library = library_fixtures.library


def found(user, query):
    return [hit.id for hit in get_index().search(query, principals(user)).hits]


def test_a_document_is_searchable_once_its_jobs_have_run(library):
    officer = library.officer
    document = library.document("Transit controls", "Trans-shipment through free zones.")
    assert found(officer, "zones") == []
    pending = db.session.scalars(select(Job.kind).where(Job.status == PENDING)).all()
    # Indexed once its text is read, not before.
    assert sorted(pending) == ["library.extract_text", "notifications.fan_out"]
    run_due_jobs()
    assert found(officer, "zones") == [document.id]
    assert verify().count == 0


def test_a_document_in_several_languages_is_indexed_once_after_its_files_are_read(library):
    files = {
        "en": ("en.txt", "Brokering controls.".encode()),
        "fr": ("fr.txt", "Contrôle du courtage.".encode()),
        "es": ("es.txt", "Control del corretaje.".encode()),
    }
    document = library.document("Brokering", files=files)
    jobs = select(Job.kind).where(Job.kind == "search.index")
    assert db.session.scalars(jobs).all() == []
    run_due_jobs()
    assert db.session.scalars(jobs).all() == ["search.index"]
    for word in ("brokering", "courtage", "corretaje"):
        assert found(library.officer, word) == [document.id]


def test_a_crash_between_commit_and_indexing_is_caught_up_by_the_pending_job(library):
    officer = library.officer
    document = library.document("Brokering", "Registration of brokers.")
    run_due_jobs()
    # The title changes and commits; the process dies before the index job runs: the job is
    # left `running` by the dead worker.
    edit_document(
        document,
        officer,
        {
            "title": "Brokering controls",
            "doc_type": "working_paper",
            "published_on": LAST_WEEK,
            "level": "users",
        },
    )
    db.session.commit()
    db.session.execute(
        update(Job)
        .where(Job.status == PENDING)
        .values(
            status=RUNNING,
            started_at=datetime(2026, 1, 1),
            heartbeat_at=datetime(2026, 1, 1),
            attempts=1,
        )
    )
    db.session.commit()
    assert verify().stale == [f"document:{document.id}"]
    # The next worker to start puts the job back and runs it.
    requeue_stale()
    run_due_jobs()
    assert verify().count == 0
    assert set(db.session.scalars(select(Job.status))) == {DONE}
    assert found(officer, "controls") == [document.id]


def test_verify_finds_missing_extra_and_stale_entries_and_repairs_them(library):
    officer = library.officer
    kept = library.document("Kept", "Record keeping for ten years.")
    removed = library.document("Removed", "A document removed behind the index's back.")
    run_due_jobs()
    missing = library.document("Not yet indexed", "Import controls.")
    kept_key, removed_key, missing_key = (f"document:{d.id}" for d in (kept, removed, missing))
    db.session.execute(update(Job).values(status=DONE))
    db.session.execute(update(Document).where(Document.id == kept.id).values(title="Renamed"))
    db.session.execute(
        text("DELETE FROM document_files WHERE document_id = :id"), {"id": removed.id}
    )
    db.session.execute(text("DELETE FROM documents WHERE id = :id"), {"id": removed.id})
    db.session.commit()
    differences = verify()
    assert differences.missing == [missing_key]
    assert differences.extra == [removed_key]
    assert differences.stale == [kept_key]
    assert verify(repair=True).count == 3
    assert verify().count == 0
    assert found(officer, "renamed") == [kept.id]
    assert found(officer, "removed") == []


def test_the_commands_rebuild_then_verify_report_no_difference(app, library):
    for number in range(3):
        library.document(f"Paper {number}", f"Diversion case number {number}.")
    db.session.execute(update(Job).values(status=DONE))  # nothing indexed
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["search", "verify"])
    assert result.exit_code == 1
    assert "missing: 3" in result.output
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "3 items" in result.output
    result = runner.invoke(args=["search", "verify"])
    assert result.exit_code == 0, result.output
    assert "missing: 0" in result.output and "extra: 0" in result.output
    assert "stale: 0" in result.output


def test_verify_repair_through_the_command(app, library):
    library.document("Paper", "Post-shipment verification.")
    db.session.execute(update(Job).values(status=DONE))
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["search", "verify", "--repair"])
    assert result.exit_code == 0 and "Repaired 1" in result.output, result.output
    assert runner.invoke(args=["search", "verify"]).exit_code == 0
