"""The library's pages from the outside: uploading with language versions, downloading, refused
input that leaves nothing behind, revisions, editing, who sees what on every page and list, and
the forum threads that cite a document."""

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from werkzeug.http import parse_options_header

from portal.core.audit import AuditEvent
from portal.core.jobs import run_due_jobs
from portal.extensions import db
from portal.library import extraction
from portal.library.models import Document, DocumentFile, DocumentReference
from tests.forum.pages import active_content, read
from tests.library.builders import LAST_WEEK, upload
from tests.library.conftest import library_rows, stored_files
from tests.library.documents import (
    docx_bytes,
    executable_bytes,
    pdf_bytes,
    scanned_pdf_bytes,
    text_bytes,
)

DOCX = docx_bytes(["Annotated agenda of the Working Group on Transparency and Reporting."])
PDF = pdf_bytes(["Ordre du jour annoté du groupe de travail sur la transparence."])
TEXT = text_bytes("Working paper on national control lists.\n")


def form_data(**changes):
    """What the upload form sends, with `changes`; files as (bytes, name)."""
    data = {
        "title": "Annotated agenda",
        "symbol": "",
        "doc_type": "working_paper",
        "working_group": "",
        "topic": "",
        "cycle": "",
        "meeting": "",
        "published_on": LAST_WEEK.isoformat(),
        "distributed_on": "",
        "keywords": "",
        "summary": "",
        "level": "users",
        "note": "",
    }
    for name, value in changes.items():
        data[name] = (io.BytesIO(value[0]), value[1]) if isinstance(value, tuple) else value
    return data


def document_link(document):
    return f"/library/documents/{document.id}"


def the_document():
    return db.session.scalar(select(Document))


def audit(action):
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


def disposition(response):
    """How a download is sent, and the file name it is saved under."""
    kind, options = parse_options_header(response.headers["Content-Disposition"])
    return kind, options.get("filename")


def error_at(response, field):
    """The error message the page shows at the form field `field`."""
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html, f"no error at {field}"
    return html.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]


# Uploading and downloading ----------------------------------------------------------------------


def test_the_secretariat_publishes_two_language_versions_that_readers_download(
    make, forum, signed_in
):
    officer = make.secretariat()
    space = forum.space("users", code="WGTR")
    topic = forum.topic(space, title="Reporting templates", cycle=12)
    browser = signed_in(officer)
    response = browser.post(
        "/library/upload",
        data=form_data(
            title="Annotated agenda of the WGTR meeting",
            symbol="ATT/CSP12.WGTR/2026/CHAIR/836/AnnAgenda",
            doc_type="annotated_agenda",
            working_group=str(space.id),
            topic=str(topic.id),
            cycle="12",
            meeting="WGTR, February 2026",
            distributed_on=LAST_WEEK.isoformat(),
            keywords="Transparency, reporting; transparency",
            summary="First line of the summary.\nSecond line.",
            note="Advance version",
            file_en=(DOCX, "agenda.docx"),
            file_fr=(PDF, "ordre-du-jour.pdf"),
        ),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    document = the_document()
    assert response.headers["Location"] == document_link(document)
    assert document.symbol == "ATT/CSP12.WGTR/2026/CHAIR/836/AnnAgenda"
    assert document.keywords == ["transparency", "reporting"]
    assert document.delegation_id == officer.delegation_id
    assert [(f.language, f.revision, f.file_kind) for f in document.current_files] == [
        ("en", 1, "docx"),
        ("fr", 1, "pdf"),
    ]

    page = browser.get(document_link(document), follow_redirects=True)
    assert page.status_code == 200
    text = read(page)
    for words in (
        "The document is published.",
        "Annotated agenda of the WGTR meeting",
        "ATT/CSP12.WGTR/2026/CHAIR/836/AnnAgenda",
        "Annotated agenda",
        "Reporting templates",
        "CSP12 (2026, Geneva)",
        "WGTR, February 2026",
        "transparency, reporting",
        "English",
        "French",
        "agenda.docx",
        "ordre-du-jour.pdf",
        "Advance version",
        "Every approved user",
    ):
        assert text.has(words), (words, text.text)
    html = page.get_data(as_text=True)
    assert "First line of the summary.\nSecond line." in html
    assert f'href="/forum/topics/{topic.id}"' in html
    assert active_content(page) == []

    reader = make.user(name="Reader")
    english, french = document.current_files
    download = signed_in(reader).get(f"/library/files/{english.id}")
    assert download.status_code == 200
    assert download.data == DOCX
    assert disposition(download) == ("attachment", "agenda.docx")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Type"].startswith(english.mime_type)
    assert signed_in(reader).get(f"/library/files/{french.id}").data == PDF
    downloads = audit("library.download")
    assert [(event.actor_id, event.target_id, event.detail["language"]) for event in downloads] == [
        (reader.id, document.id, "en"),
        (reader.id, document.id, "fr"),
    ]


def test_downloads_of_public_documents_are_not_audited(make, library, signed_in):
    document = library.document(level="public")
    response = signed_in(make.user()).get(f"/library/files/{document.files[0].id}")
    assert response.status_code == 200
    assert audit("library.download") == []


def test_the_text_status_of_each_version_is_explained(app, make, library, signed_in):
    document = library.document(
        files={"en": upload(TEXT, "paper.txt"), "fr": upload(scanned_pdf_bytes(), "scan.pdf")}
    )
    browser = signed_in(make.user())
    # Made outside a request, the files wait for the worker.
    assert read(browser.get(document_link(document))).has("Text being read for search")
    run_due_jobs()
    text = read(browser.get(document_link(document)))
    assert not text.has("Text being read for search")
    with app.test_request_context():
        assert text.has(str(extraction.reason("empty")))
    assert [f.text_status for f in document.current_files] == ["ok", "empty"]


def test_a_delegate_publishes_national_documents_for_their_own_delegation(make, signed_in):
    home = make.delegation(kind="state_party", name="Freedonia")
    other = make.delegation(kind="state_party", name="Sylvania")
    delegate = make.user(delegation=home)
    browser = signed_in(delegate)

    page = browser.get("/library/upload")
    assert read(page).has("Author delegation Freedonia")
    html = page.get_data(as_text=True)
    assert 'value="national_practice"' in html and 'value="chair_report"' not in html
    assert 'name="delegation"' not in html and 'name="group"' not in html
    assert 'value="group"' not in html

    before = library_rows(), stored_files()
    refused = browser.post(
        "/library/upload", data=form_data(doc_type="chair_report", file_en=(TEXT, "report.txt"))
    )
    assert refused.status_code == 400
    assert "Documents of this type are published by the ATT Secretariat." in error_at(
        refused, "doc_type"
    )
    assert (library_rows(), stored_files()) == before

    refused = browser.post(
        "/library/upload", data=form_data(level="group", file_en=(TEXT, "report.txt"))
    )
    assert refused.status_code == 400
    assert (library_rows(), stored_files()) == before

    response = browser.post(
        "/library/upload",
        data=form_data(
            doc_type="national_practice",
            delegation=str(other.id),
            file_ru=(TEXT, "practice.txt"),
        ),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert the_document().delegation_id == home.id
    assert the_document().languages == ["ru"]


# Refused input ----------------------------------------------------------------------------------

#: Beyond tomorrow, so that a run crossing midnight still finds it in the future.
FUTURE = (date.today() + timedelta(days=3)).isoformat()
#: case -> (what the form sends besides a good English file, the field, the message there);
#: None leaves a field out.
REFUSED = {
    "executable named .pdf": (
        {"file_en": (executable_bytes(), "report.pdf")},
        "file_en",
        "This kind of file is not accepted.",
    ),
    "HTML named .txt": (
        {"file_en": (b"<html><script>alert(1)</script></html>", "notes.txt")},
        "file_en",
        "This kind of file is not accepted.",
    ),
    "empty file": ({"file_fr": (b"", "empty.pdf")}, "file_fr", "The file is empty."),
    "no file": ({"file_en": None}, "file_en", "Upload the document in at least one language."),
    "one good file and one bad": (
        {"file_en": (TEXT, "paper.txt"), "file_ar": (executable_bytes(), "paper.docx")},
        "file_ar",
        "This kind of file is not accepted.",
    ),
    "no title": ({"title": "  "}, "title", "This field is required."),
    "bad symbol": (
        {"symbol": "ATT CSP12 <b>"},
        "symbol",
        "A symbol is made of letters and digits",
    ),
    "duplicate symbol in another case": (
        {"symbol": "att/csp12/2026/sec/1"},
        "symbol",
        "Another document already has this symbol.",
    ),
    "unknown type": ({"doc_type": "secret_memo"}, "doc_type", "Choose a type from the list."),
    "unknown working group": ({"working_group": "999999"}, "working_group", "Not a valid choice"),
    "working group id beyond any column": (
        {"working_group": str(10**30)},
        "working_group",
        "Invalid Choice: could not coerce.",
    ),
    "cycle beyond any column": (
        {"cycle": str(2**63)},
        "cycle",
        "Invalid Choice: could not coerce.",
    ),
    "working group that is not a number": (
        {"working_group": "WGTR"},
        "working_group",
        "Invalid Choice",
    ),
    "unknown agenda item": ({"topic": "999999"}, "topic", "Not a valid choice"),
    "agenda item of another working group": (
        {"working_group": "{space}", "topic": "{other_topic}"},
        "topic",
        "This agenda item belongs to another working group.",
    ),
    "agenda item the person cannot see": (
        {"topic": "{hidden_topic}"},
        "topic",
        "Not a valid choice",
    ),
    "unknown cycle": ({"cycle": "99"}, "cycle", "Choose a CSP cycle from the list."),
    "future date": ({"published_on": FUTURE}, "published_on", "The date cannot be in the future."),
    "future distribution date": (
        {"distributed_on": FUTURE},
        "distributed_on",
        "The date cannot be in the future.",
    ),
    "no date": ({"published_on": ""}, "published_on", "Give the date of the document."),
    "not a date": ({"published_on": "31/02/2026"}, "published_on", "Not a valid date value."),
    "unknown access level": (
        {"level": "everyone"},
        "level",
        "Choose an access level from the list.",
    ),
    "too many keywords": (
        {"keywords": ", ".join(f"keyword {n}" for n in range(30))},
        "keywords",
        "Give at most 20 keywords.",
    ),
}


@pytest.mark.parametrize("case", REFUSED)
def test_refused_input_is_shown_at_its_field_and_nothing_is_written(
    make, forum, library, signed_in, case
):
    changes, field, message = REFUSED[case]
    space, other = forum.space("users"), forum.space("users")
    places = {
        "space": space.id,
        "other_topic": forum.topic(other).id,
        "hidden_topic": forum.topic(forum.space("state_parties")).id,
    }
    library.document(symbol="ATT/CSP12/2026/SEC/1")
    delegate = make.user(delegation=make.delegation(kind="signatory"))
    changes = {
        name: value.format(**places) if isinstance(value, str) else value
        for name, value in {"file_en": (TEXT, "paper.txt"), **changes}.items()
        if value is not None
    }
    browser = signed_in(delegate)
    before = library_rows(), stored_files()
    response = browser.post("/library/upload", data=form_data(**changes))
    assert response.status_code == 400
    assert message in error_at(response, field)
    assert (library_rows(), stored_files()) == before


def test_a_refused_upload_keeps_what_was_typed(make, signed_in):
    browser = signed_in(make.user())
    response = browser.post(
        "/library/upload",
        data=form_data(title="Our national practice", summary="Kept\nas typed", symbol="a b"),
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'value="Our national practice"' in html
    assert "Kept\nas typed" in html


def test_a_request_larger_than_allowed_is_refused_and_nothing_is_written(app, make, signed_in):
    browser = signed_in(make.user())
    app.config["MAX_CONTENT_LENGTH"] = 4096
    before = library_rows(), stored_files()
    response = browser.post("/library/upload", data=form_data(file_en=(b"x" * 8192, "large.txt")))
    assert response.status_code == 413
    assert (library_rows(), stored_files()) == before


@pytest.mark.parametrize(
    "name, kept",
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("reports/2026/annex.txt", "annex.txt"),
        # Werkzeug reads a backslash in the multipart header as an escape: none is left.
        ("..\\..\\windows\\annex.txt", "annex.txt"),
        (".hidden.txt", "hidden.txt"),
    ],
)
def test_a_file_name_keeps_no_folder_hidden_dot_or_control_character(make, signed_in, name, kept):
    """Whatever the name, the file is stored by its hash; the name people see and download
    under is a plain file name."""
    browser = signed_in(make.user())
    response = browser.post("/library/upload", data=form_data(file_en=(TEXT, name)))
    assert response.status_code == 302, response.get_data(as_text=True)
    stored = db.session.scalar(select(DocumentFile)).name
    assert stored.endswith(kept) and not stored.startswith(".")
    assert not set(stored) & {"/", "\\", "\x00"}
    download = browser.get(f"/library/files/{db.session.scalar(select(DocumentFile.id))}")
    assert disposition(download) == ("attachment", stored)
    assert download.data == TEXT


def test_a_nul_character_in_a_file_name_is_refused(make, signed_in):
    browser = signed_in(make.user())
    before = library_rows(), stored_files()
    response = browser.post("/library/upload", data=form_data(file_en=(TEXT, "annex\x00.txt")))
    assert response.status_code == 400
    assert (library_rows(), stored_files()) == before


def test_a_nul_character_in_a_field_is_refused(make, signed_in):
    browser = signed_in(make.user())
    before = library_rows(), stored_files()
    response = browser.post(
        "/library/upload", data=form_data(title="Annex\x00", file_en=(TEXT, "annex.txt"))
    )
    assert response.status_code == 400
    assert (library_rows(), stored_files()) == before


# Revisions --------------------------------------------------------------------------------------


def test_a_second_english_file_becomes_revision_2_and_revision_1_stays_downloadable(
    make, library, signed_in
):
    first = text_bytes("First English text.\n")
    second = text_bytes("Second English text, corrected.\n")
    document = library.document(files={"en": upload(first, "paper.txt")})
    browser = signed_in(library.officer)
    form = read(browser.get(f"/library/documents/{document.id}/versions"))
    assert form.has("English: revision 1")
    assert form.has("becomes its next revision")

    response = browser.post(
        f"/library/documents/{document.id}/versions",
        data={"language": "en", "file": (io.BytesIO(second), "paper-rev1.txt"), "note": "Table 2"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = browser.get(response.headers["Location"])
    text = read(page)
    assert text.has("English: revision 2 added; the earlier ones stay listed.")
    older, current = db.session.scalars(select(DocumentFile).order_by(DocumentFile.revision))
    assert (older.revision, current.revision) == (1, 2)
    assert document.current_files == [current]
    assert text.has("Earlier revisions")
    assert text.has("Table 2")
    html = page.get_data(as_text=True)
    assert f'href="/library/files/{older.id}"' in html
    assert f'href="/library/files/{current.id}"' in html

    reader = signed_in(make.user())
    assert reader.get(f"/library/files/{current.id}").data == second
    assert reader.get(f"/library/files/{older.id}").data == first

    response = browser.post(
        f"/library/documents/{document.id}/versions",
        data={"language": "fr", "file": (io.BytesIO(PDF), "version-fr.pdf"), "note": ""},
    )
    assert response.status_code == 302
    assert read(browser.get(response.headers["Location"])).has("French: version added.")
    assert document.languages == ["en", "fr"]


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"language": "en"}, "file", "Choose a file to upload."),
        (
            {"language": "en", "file": (executable_bytes(), "paper.pdf")},
            "file",
            "This kind of file is not accepted.",
        ),
        ({"language": "de", "file": (TEXT, "paper.txt")}, "language", "Choose a language"),
    ],
)
def test_a_refused_version_is_shown_at_its_field_and_nothing_is_written(
    library, signed_in, data, field, message
):
    document = library.document()
    browser = signed_in(library.officer)
    before = library_rows(), stored_files()
    data = {
        name: (io.BytesIO(value[0]), value[1]) if isinstance(value, tuple) else value
        for name, value in data.items()
    }
    response = browser.post(f"/library/documents/{document.id}/versions", data=data)
    assert response.status_code == 400
    assert message in error_at(response, field)
    assert (library_rows(), stored_files()) == before


# Editing ----------------------------------------------------------------------------------------


def test_editing_changes_the_metadata_and_a_stricter_level_reaches_the_files(
    make, forum, library, signed_in
):
    space = forum.space("users")
    document = library.document(title="Draft", symbol="ATT/WP/1", keywords="one, two")
    observer = make.user(delegation=make.delegation(kind="observer_state"))
    file_link = f"/library/files/{document.files[0].id}"
    assert signed_in(observer).get(file_link).status_code == 200

    browser = signed_in(library.officer)
    form = browser.get(f"/library/documents/{document.id}/edit").get_data(as_text=True)
    assert 'value="Draft"' in form and 'value="ATT/WP/1"' in form and 'value="one, two"' in form
    assert 'type="file"' not in form
    response = browser.post(
        f"/library/documents/{document.id}/edit",
        data=form_data(
            title="Final working paper",
            symbol="ATT/WP/1/Rev.1",
            working_group=str(space.id),
            level="state_parties",
        ),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    document = the_document()
    assert (document.title, document.symbol, document.working_group_id) == (
        "Final working paper",
        "ATT/WP/1/Rev.1",
        space.id,
    )
    assert document.files[0].acl == "state_party"
    assert signed_in(observer).get(file_link).status_code == 404
    assert signed_in(observer).get(document_link(document)).status_code == 404
    assert audit("library.document_access")


def test_a_delegation_edits_its_own_documents_only(make, library, signed_in):
    home = make.delegation(kind="state_party")
    author, colleague = make.user(delegation=home), make.user(delegation=home)
    stranger = make.user(delegation=make.delegation(kind="state_party"))
    document = library.document(by=author, title="Our practice")
    edit = f"/library/documents/{document.id}/edit"
    versions = f"/library/documents/{document.id}/versions"

    assert signed_in(stranger).get(edit).status_code == 403
    assert signed_in(stranger).get(versions).status_code == 403
    assert signed_in(stranger).post(edit, data=form_data(title="Taken")).status_code == 403
    assert f'href="{edit}"' not in signed_in(stranger).get(document_link(document)).text

    browser = signed_in(colleague)
    assert f'href="{edit}"' in browser.get(document_link(document)).text
    response = browser.post(edit, data=form_data(title="Our updated practice"))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert the_document().title == "Our updated practice"
    assert the_document().delegation_id == home.id

    refused = browser.post(edit, data=form_data(title="Ours", doc_type="final_report"))
    assert refused.status_code == 400
    assert the_document().title == "Our updated practice"


def test_an_edit_form_keeps_the_values_its_editor_could_not_choose(make, forum, library, signed_in):
    """Saving without touching a field must not change it: a select without the document's own
    value would send its first option instead."""
    home = make.delegation(kind="signatory")
    delegate = make.user(delegation=home)
    closed_topic = forum.topic(forum.space("state_parties"))
    document = library.document(
        delegation=home,
        doc_type="guidance",
        topic_id=closed_topic.id,
        level="group",
        group_id=make.group(members=[delegate]).id,
    )
    html = signed_in(delegate).get(f"/library/documents/{document.id}/edit").text
    assert f'<option selected value="{closed_topic.id}">' in html
    assert f'<option selected value="{closed_topic.working_group_id}">' in html
    assert '<option selected value="guidance">' in html
    assert '<option selected value="group">' in html


# Who sees what ----------------------------------------------------------------------------------

ROLES = ("observer", "signatory", "delegate", "secretariat", "group member")
#: Who reads a document at each level. A group's documents are for its members only, the
#: Secretariat included (as in the forum).
READERS = {
    "public": set(ROLES),
    "users": set(ROLES),
    "states": {"signatory", "delegate", "secretariat"},
    "state_parties": {"delegate", "secretariat"},
    "group": {"group member"},
}


def people(make):
    return {
        "observer": make.user(delegation=make.delegation(kind="observer_state")),
        "signatory": make.user(delegation=make.delegation(kind="signatory")),
        "delegate": make.user(delegation=make.delegation(kind="state_party")),
        "secretariat": make.secretariat(),
        "group member": make.user(delegation=make.delegation(kind="civil_society")),
    }


@pytest.mark.parametrize("level", READERS)
def test_every_page_and_list_shows_a_document_exactly_to_its_readers(
    make, forum, library, signed_in, level
):
    persons = people(make)
    group = make.group(members=[persons["group member"]])
    space = forum.space("users", code=f"WG{level.upper()}")
    child = forum.space("users", parent=space)
    topic = forum.topic(child, cycle=11)
    document = library.document(
        title=f"Document for {level}",
        level=level,
        group_id=group.id,
        working_group_id=child.id,
        topic_id=topic.id,
        cycle=11,
        doc_type="guidance",
    )
    link = document_link(document)
    lists = [
        "/library/",
        f"/library/wg/{space.code}",
        f"/library/wg/{child.code}",
        f"/library/wg/{space.code}?cycle=11",
        f"/library/topic/{topic.id}",
        "/library/cycle/11",
        "/library/type/guidance",
    ]
    wrong = []
    for role, person in persons.items():
        browser = signed_in(person)
        sees = role in READERS[level]
        expected = 200 if sees else 404
        for url in (link, f"/library/files/{document.files[0].id}"):
            status = browser.get(url).status_code
            if status != expected:
                wrong.append(f"{role}: {url} answered {status}")
        for url in lists:
            page = browser.get(url)
            if page.status_code != 200:
                wrong.append(f"{role}: {url} answered {page.status_code}")
            elif (f'href="{link}"' in page.get_data(as_text=True)) != sees:
                wrong.append(f"{role}: {url} {'lacks' if sees else 'lists'} the document")
        editable = role == "secretariat"
        status = browser.get(f"{link}/edit").status_code
        if status != (200 if sees and editable else 403 if sees else 404):
            wrong.append(f"{role}: edit answered {status}")
    assert not wrong, "\n".join(wrong)


def test_browsing_pages_answer_404_for_what_does_not_exist_or_is_hidden(make, forum, signed_in):
    closed = forum.space("state_parties", code="WGCLOSED")
    hidden_topic = forum.topic(closed)
    browser = signed_in(make.user(delegation=make.delegation(kind="observer_state")))
    for url in (
        "/library/wg/NOPE",
        "/library/wg/WGCLOSED",
        f"/library/topic/{hidden_topic.id}",
        "/library/topic/999999",
        "/library/cycle/99",
        "/library/type/secret_memo",
        "/library/documents/999999",
        "/library/files/999999",
        "/library/documents/999999/edit",
        "/library/documents/999999/versions",
    ):
        assert browser.get(url).status_code == 404, url


def test_browsing_by_working_group_cycle_and_type(make, forum, library, signed_in):
    space = forum.space("users", code="WGETI")
    child = forum.space("users", parent=space, code="WGETI-SW1")
    topic = forum.topic(child, title="Article 11 diversion", cycle=11)
    library.document(
        title="Paper of CSP11",
        working_group_id=child.id,
        topic_id=topic.id,
        cycle=11,
        published_on=LAST_WEEK - timedelta(days=30),
    )
    library.document(title="Paper of CSP12", working_group_id=space.id, cycle=12)
    library.document(title="Paper without a group", cycle=12, doc_type="letter")
    browser = signed_in(make.user())

    home = read(browser.get("/library/"))
    assert home.has("CSP12 (2026, Geneva)") and home.has("CSP11 (2025, Geneva)")
    assert home.has("Letter") and home.has("Working paper")
    assert home.text.index("Paper without a group") < home.text.index("Paper of CSP11")

    page = browser.get(f"/library/wg/{space.code}")
    text = read(page)
    assert text.has("Paper of CSP11") and text.has("Paper of CSP12")
    assert not text.has("Paper without a group")
    assert text.has("Article 11 diversion")
    assert f'href="/library/topic/{topic.id}"' in page.get_data(as_text=True)
    assert text.text.index("Paper of CSP12") < text.text.index("Paper of CSP11")
    filtered = read(browser.get(f"/library/wg/{space.code}?cycle=11"))
    assert filtered.has("Paper of CSP11") and not filtered.has("Paper of CSP12")

    cycle = browser.get("/library/cycle/12").get_data(as_text=True)
    assert cycle.index(space.names["en"]) < cycle.index("Paper of CSP12")
    assert cycle.index("Without a working group") < cycle.index("Paper without a group")
    assert "Paper of CSP11" not in cycle

    letters = read(browser.get("/library/type/letter"))
    assert letters.has("Paper without a group") and not letters.has("Paper of CSP12")


def test_the_upload_button_and_search_box_are_on_the_library_home(make, signed_in):
    page = signed_in(make.user()).get("/library/")
    html = page.get_data(as_text=True)
    assert 'href="/library/upload"' in html
    assert 'action="/search/"' in html and 'name="q"' in html


def test_lists_are_paginated(make, library, signed_in):
    for number in range(23):
        library.document(title=f"Numbered paper {number:02d}")
    browser = signed_in(make.user())
    first, second = read(browser.get("/library/")), read(browser.get("/library/?page=2"))
    assert first.has("Numbered paper 22") and not first.has("Numbered paper 02")
    assert second.has("Numbered paper 02") and not second.has("Numbered paper 22")


# Citations from the forum -----------------------------------------------------------------------


def test_threads_citing_a_document_are_listed_for_those_who_read_them(
    make, forum, library, signed_in
):
    document = library.document(symbol="ATT/CSP12/2026/SEC/7", level="public")
    open_topic = forum.topic(forum.space("users"))
    closed_topic = forum.topic(forum.space("state_parties"))
    cited_openly = forum.thread(
        open_topic, title="Open discussion", body="See ATT/CSP12/2026/SEC/7 for the template."
    )
    cited_closed = forum.thread(
        closed_topic, title="States Parties only", body="As ATT/CSP12/2026/SEC/7 says."
    )
    by_link = forum.thread(
        open_topic, title="Linked", body=f"Read [it]({document_link(document)})."
    )
    hidden = forum.thread(open_topic, title="Hidden citation", body="Nothing here.")
    forum.hide(forum.reply(hidden, body="ATT/CSP12/2026/SEC/7 again."))
    forum.thread(open_topic, title="Unrelated", body="No document here.")
    assert db.session.scalar(select(DocumentReference).limit(1)) is not None

    observer = make.user(delegation=make.delegation(kind="observer_state"))
    delegate = make.user()
    for person, shown, not_shown in (
        (observer, [cited_openly, by_link], [cited_closed, hidden]),
        (delegate, [cited_openly, cited_closed, by_link], [hidden]),
    ):
        html = signed_in(person).get(document_link(document)).get_data(as_text=True)
        section = html.split('id="discussed-heading"', 1)[1].split("</section>", 1)[0]
        for thread in shown:
            assert f'href="/forum/threads/{thread.id}"' in section, thread.title
        for thread in not_shown:
            assert f'href="/forum/threads/{thread.id}"' not in section, thread.title
        assert "Unrelated" not in section
