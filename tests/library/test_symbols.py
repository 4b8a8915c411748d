"""Document symbols are unique among what a person may see, and tell nothing of the rest.

Symbols are predictable (ATT/CSP12/2026/SEC/900 comes after .../899), so "this symbol is
taken" about a document one cannot read would confirm that it exists. A symbol only hidden
documents have is accepted exactly like a free one; the Secretariat sees it waiting and
resolves it, and the hidden document is never changed by the upload.
"""

import re

from sqlalchemy import select

from portal.core.audit import AuditEvent
from portal.extensions import db
from portal.library.models import Document
from tests.library.test_pages import TEXT, error_at, form_data

HIDDEN_SYMBOL = "ATT/CSP12/2026/SEC/900"
FREE_SYMBOL = "ATT/CSP12/2026/SEC/901"


def row(document_id):
    """A document's columns as the database holds them now."""
    db.session.expire_all()
    document = db.session.get(Document, document_id)
    return {column.name: getattr(document, column.name) for column in Document.__table__.columns}


def by_title(title):
    return db.session.scalar(select(Document).where(Document.title == title))


def neutral(text, *variable):
    """A page with what differs by design taken out: the typed symbol and title, the ids in
    links, the time of the upload, the forms' fresh CSRF tokens."""
    for value in variable:
        text = text.replace(value, "VALUE")
    text = re.sub(r"/library/(documents|files)/\d+", "/library/ID", text)
    text = re.sub(r"\d{1,2} \w+ \d{4}, \d{1,2}:\d{2}", "WHEN", text)
    return re.sub(r'value="[\w.-]{40,}"', "", text)


def upload_as(browser, title, symbol):
    response = browser.post(
        "/library/upload",
        data=form_data(title=title, symbol=symbol, file_en=(TEXT, "paper.txt")),
    )
    page = browser.get(response.headers["Location"]) if response.status_code == 302 else None
    return response, page


def test_a_symbol_only_a_hidden_document_has_is_answered_as_a_free_one(
    make, library, signed_in
):
    hidden = library.document("Restricted note", symbol=HIDDEN_SYMBOL, level="state_parties")
    before = row(hidden.id)
    signatory = make.user(delegation=make.delegation(kind="signatory"))
    browser = signed_in(signatory)

    taken, taken_page = upload_as(browser, "Our paper A", HIDDEN_SYMBOL)
    free, free_page = upload_as(browser, "Our paper B", FREE_SYMBOL)

    assert taken.status_code == free.status_code == 302
    assert neutral(taken_page.get_data(as_text=True), HIDDEN_SYMBOL, "Our paper A") == neutral(
        free_page.get_data(as_text=True), FREE_SYMBOL, "Our paper B"
    )
    assert HIDDEN_SYMBOL in taken_page.get_data(as_text=True)
    assert by_title("Our paper A").symbol == HIDDEN_SYMBOL
    assert row(hidden.id) == before

    # Editing towards a hidden document's symbol answers like editing towards a free one.
    other = library.document("Other note", symbol="ATT/CSP12/2026/SEC/903", level="state_parties")
    other_before = row(other.id)
    paper_b = by_title("Our paper B")
    answers = []
    for symbol in ("att/csp12/2026/sec/903", "ATT/CSP12/2026/SEC/902"):
        response = browser.post(
            f"/library/documents/{paper_b.id}/edit",
            data=form_data(title="Our paper B", symbol=symbol),
        )
        answers.append((response.status_code, response.headers.get("Location")))
    assert answers[0] == answers[1] == (302, f"/library/documents/{paper_b.id}")
    assert (row(hidden.id), row(other.id)) == (before, other_before)


def test_a_symbol_a_visible_document_has_is_refused(make, library, signed_in):
    library.document("Public note", symbol=HIDDEN_SYMBOL, level="users")
    browser = signed_in(make.user(delegation=make.delegation(kind="signatory")))
    before = db.session.scalar(select(db.func.count()).select_from(Document))
    response, _page = upload_as(browser, "Our paper", HIDDEN_SYMBOL.lower())
    assert response.status_code == 400
    assert "Another document already has this symbol." in error_at(response, "symbol")
    assert db.session.scalar(select(db.func.count()).select_from(Document)) == before


def test_the_secretariat_sees_a_waiting_symbol_and_resolves_it(make, library, signed_in):
    hidden = library.document("Restricted note", symbol=HIDDEN_SYMBOL, level="state_parties")
    signatory = make.user(delegation=make.delegation(kind="signatory"))
    upload_as(signed_in(signatory), "Our paper", HIDDEN_SYMBOL)
    waiting = by_title("Our paper")
    assert (waiting.symbol, waiting.symbol_key) == (HIDDEN_SYMBOL, None)
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "library.symbol_waiting", AuditEvent.target_id == waiting.id
        )
    )

    # The uploader is told nothing and cannot open the Secretariat's list.
    uploader = signed_in(signatory)
    assert "wait" not in uploader.get("/library/").get_data(as_text=True)
    assert uploader.get("/library/symbols").status_code == 403

    officer = signed_in(library.officer)
    home = officer.get("/library/").get_data(as_text=True)
    assert "1 document waits for its symbol to be confirmed." in home
    listing = officer.get("/library/symbols").get_data(as_text=True)
    assert "Our paper" in listing and "Restricted note" in listing
    assert f"/library/documents/{hidden.id}" in listing

    # The Secretariat sees the clash, so keeping the symbol is refused; a symbol of its own
    # is confirmed at once.
    response = officer.post(
        f"/library/documents/{waiting.id}/edit",
        data=form_data(title="Our paper", symbol=HIDDEN_SYMBOL, doc_type="working_paper"),
    )
    assert "Another document already has this symbol." in error_at(response, "symbol")
    response = officer.post(
        f"/library/documents/{waiting.id}/edit",
        data=form_data(title="Our paper", symbol=FREE_SYMBOL, doc_type="working_paper"),
    )
    assert response.status_code == 302
    assert row(waiting.id)["symbol_key"] == FREE_SYMBOL.lower()
    assert "No symbol is waiting." in officer.get("/library/symbols").get_data(as_text=True)
    assert "waits for" not in officer.get("/library/").get_data(as_text=True)


def test_a_symbol_let_go_of_passes_to_the_document_waiting_for_it(make, library, signed_in):
    hidden = library.document("Restricted note", symbol=HIDDEN_SYMBOL, level="state_parties")
    signatory = make.user(delegation=make.delegation(kind="signatory"))
    upload_as(signed_in(signatory), "Ours", HIDDEN_SYMBOL)
    waiting = by_title("Ours")

    response = signed_in(library.officer).post(
        f"/library/documents/{hidden.id}/edit",
        data=form_data(
            title="Restricted note", symbol=f"{HIDDEN_SYMBOL}/Rev.1", level="state_parties"
        ),
    )

    assert response.status_code == 302
    assert row(hidden.id)["symbol_key"] == f"{HIDDEN_SYMBOL}/rev.1".lower()
    assert row(waiting.id)["symbol_key"] == HIDDEN_SYMBOL.lower()
