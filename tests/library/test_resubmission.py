"""An upload sent twice with the same submission id (a new document, or a new language version
or revision) is stored once and leads to the document with a message that it was received."""

import io

from sqlalchemy import select

from portal.extensions import db
from portal.library.models import Document, DocumentFile
from tests.forum.pages import read
from tests.library.builders import upload
from tests.library.conftest import library_rows
from tests.library.documents import text_bytes
from tests.library.test_pages import form_data
from tests.submissions import recorded_ids, submission_id

ALREADY_RECEIVED = "This was already received: it has not been stored a second time."
TEXT = text_bytes("Working paper on national control lists.\n")


def test_a_new_document_sent_twice_is_published_once(make, signed_in):
    browser = signed_in(make.secretariat())
    token = submission_id(browser.get("/library/upload"))

    def send():
        return browser.post(
            "/library/upload",
            data=form_data(
                symbol="ATT/CSP12/WP.1",
                file_en=(TEXT, "paper.txt"),
                submission_id=token,
            ),
        )

    first = send()
    assert first.status_code == 302, first.get_data(as_text=True)
    after_first = library_rows()
    again = send()

    # Not "Another document already has this symbol": the same upload, recognised.
    assert again.status_code == 302
    [document] = db.session.scalars(select(Document)).all()
    assert again.headers["Location"] == first.headers["Location"]
    assert first.headers["Location"] == f"/library/documents/{document.id}"
    assert library_rows() == after_first
    assert after_first["documents"] == after_first["document_files"] == 1
    assert recorded_ids() == 1
    page = read(browser.get(again.headers["Location"]))
    assert page.has(ALREADY_RECEIVED)


def test_a_new_language_version_sent_twice_is_added_once(library, signed_in):
    document = library.document(files={"en": upload(TEXT, "paper.txt")})
    browser = signed_in(library.officer)
    url = f"/library/documents/{document.id}/versions"
    token = submission_id(browser.get(url))
    french = text_bytes("Document de travail sur les listes nationales de contrôle.\n")

    responses = [
        browser.post(
            url,
            data={
                "language": "fr",
                "file": (io.BytesIO(french), "document-fr.txt"),
                "note": "",
                "submission_id": token,
            },
        )
        for _ in range(2)
    ]

    assert [response.status_code for response in responses] == [302, 302]
    assert responses[0].headers["Location"] == responses[1].headers["Location"]
    files = db.session.scalars(
        select(DocumentFile).where(DocumentFile.document_id == document.id)
    ).all()
    # Not a French revision 2 holding the same bytes.
    assert sorted((f.language, f.revision) for f in files) == [("en", 1), ("fr", 1)]
    assert read(browser.get(responses[1].headers["Location"])).has(ALREADY_RECEIVED)


def test_a_refused_upload_comes_back_with_its_id_and_is_stored_once_corrected(make, signed_in):
    browser = signed_in(make.secretariat())
    token = submission_id(browser.get("/library/upload"))
    refused = browser.post("/library/upload", data=form_data(title="", submission_id=token))
    assert refused.status_code == 400
    assert submission_id(refused) == token
    corrected = browser.post(
        "/library/upload", data=form_data(file_en=(TEXT, "paper.txt"), submission_id=token)
    )
    assert corrected.status_code == 302
    assert not read(browser.get(corrected.headers["Location"])).has(ALREADY_RECEIVED)
    assert library_rows()["documents"] == 1


def test_an_upload_with_a_malformed_id_is_refused_and_nothing_is_written(make, signed_in):
    browser = signed_in(make.secretariat())
    before = library_rows()
    response = browser.post(
        "/library/upload",
        data=form_data(file_en=(TEXT, "paper.txt"), submission_id="../../etc/passwd"),
    )
    assert response.status_code == 400
    assert read(response).has("The form could not be read")
    assert library_rows() == before
