"""Writes of the library: documents, their language versions and revisions, text extraction,
downloads and the forum posts that cite documents.

Every function checks what the data must satisfy (not who may act: the view has asked the
access policy, and passes what the person may choose), changes rows, records audit entries and
queues jobs (text extraction, search index) in the same transaction, and raises
`DocumentError` naming the field and a message a person can read when the change is not
possible; nothing is written then. The view commits once.
"""

import logging
import re
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from portal.access import PUBLIC, SECRETARIAT, AccessLevel, principals, visible
from portal.accounts.models import Group
from portal.core.audit import record
from portal.core.bounds import parse_int
from portal.core.events import emit
from portal.core.files import FileRejected, check
from portal.core.jobs import enqueue, handler
from portal.core.models import now_utc
from portal.extensions import db
from portal.forum.models import Topic, WorkingGroup
from portal.library import extraction
from portal.library.models import (
    LANGUAGES,
    Document,
    DocumentFile,
    DocumentReference,
    DocumentType,
    TextStatus,
)
from portal.library.reference import cycle as find_cycle
from portal.search.engine import queue_index

log = logging.getLogger(__name__)

TITLE_MAX = 500
SUMMARY_MAX = 5000
MEETING_MAX = 200
NOTE_MAX = 500
KEYWORDS_MAX = 20
KEYWORD_MAX = 60
SYMBOL_MAX = 120
#: Letters and digits in segments joined by "/", "." or "-", as UN and ATT symbols are written:
#: `ATT/CSP12.WGTR/2026/CHAIR/836/AnnAgenda`, `ATT/CSP11/2025/SEC/800/Conf.Rep.Rev1`.
SYMBOL_PATTERN = re.compile(r"[A-Za-z0-9]+(?:[./_-][A-Za-z0-9]+)*")
#: A symbol cited in a post, or a link to a document's page.
CITED_SYMBOL = re.compile(r"\bATT/[A-Za-z0-9]+(?:[./_-][A-Za-z0-9]+)*")
CITED_LINK = re.compile(r"/library/documents/(\d+)\b")


class DocumentError(Exception):
    """A change that cannot be made; `field` names the form field it concerns (or None)."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


# Checks of each field ---------------------------------------------------------------------


def clean_symbol(symbol):
    """The symbol without surrounding blanks, or None.

    Raises DocumentError when it is too long or not written as symbols are.
    """
    symbol = (symbol or "").strip()
    if not symbol:
        return None
    if len(symbol) > SYMBOL_MAX:
        raise DocumentError(
            _l("The symbol is too long: at most %(count)d characters.", count=SYMBOL_MAX),
            "symbol",
        )
    if not SYMBOL_PATTERN.fullmatch(symbol):
        raise DocumentError(
            _l(
                "A symbol is made of letters and digits separated by “/”, “.”, “_” or “-”, "
                "for example ATT/CSP12.WGTR/2026/CHAIR/836/AnnAgenda."
            ),
            "symbol",
        )
    return symbol


def same_symbol(symbol, document):
    """A SELECT of the other documents whose symbol is `symbol`, whatever its case (symbols
    are ASCII, so the database's lower() agrees with Python's)."""
    return select(Document.id).where(
        func.lower(Document.symbol) == symbol.lower(),
        Document.id != (document.id if document.id is not None else None),
    )


def assign_symbol(document, symbol, by):
    """Give `document` the symbol `symbol` (checked by `clean_symbol`), for `by`.

    Returns whether the symbol is new to the document and waits.

    A symbol is unique whatever its case, but only the documents `by` may read count: a
    symbol one of them has is refused (DocumentError). A symbol that only documents hidden from
    `by` have is accepted all the same, and waits for the Secretariat (`symbols_to_confirm`):
    refusing it would tell `by` that a document they cannot see exists, and with predictable
    symbols, what it is. The first document with a symbol holds its key (the unique
    `symbol_key`); a document waiting for it has none, and when the holder lets go of the key,
    the earliest waiting document takes it over.
    """
    if symbol is not None:
        taken = db.session.scalar(visible(same_symbol(symbol, document), Document, by).limit(1))
        if taken is not None:
            raise DocumentError(_l("Another document already has this symbol."), "symbol")
    changed = (symbol or "").lower() != (document.symbol or "").lower()
    document.symbol = symbol
    key = symbol.lower() if symbol else None
    released = document.symbol_key
    if key == released or not changed:
        return
    if released is not None:
        document.symbol_key = None
        db.session.flush()  # let go of the key before another document takes it
        successor = db.session.scalar(
            same_symbol(released, document)
            .where(Document.symbol_key.is_(None))
            .order_by(Document.id)
            .limit(1)
        )
        if successor is not None:
            db.session.get(Document, successor).symbol_key = released
    if key is None:
        return False
    held = db.session.scalar(select(Document.id).where(Document.symbol_key == key).limit(1))
    document.symbol_key = key if held is None else None
    return held is not None


def waiting_symbols(user):
    """A SELECT of the documents `user` may read whose symbol waits for the Secretariat."""
    return visible(select(Document), Document, user).where(
        Document.symbol.is_not(None), Document.symbol_key.is_(None)
    )


def symbols_to_confirm(user):
    """The documents `user` may read whose symbol another document holds, oldest first, each
    with the other documents of that symbol `user` may read: [(document, [others])]."""
    waiting = db.session.scalars(waiting_symbols(user).order_by(Document.id)).all()
    return [
        (
            document,
            db.session.scalars(
                visible(
                    select(Document).where(Document.id.in_(same_symbol(document.symbol, document))),
                    Document,
                    user,
                ).order_by(Document.id)
            ).all(),
        )
        for document in waiting
    ]


def clean_text(value, maximum, field, required=False):
    value = " ".join((value or "").split())
    if required and not value:
        raise DocumentError(_l("This field is required."), field)
    if len(value) > maximum:
        raise DocumentError(
            _l("This is too long: at most %(count)d characters.", count=maximum), field
        )
    return value


def clean_summary(summary):
    summary = "\n".join(line.rstrip() for line in (summary or "").strip().splitlines())
    if len(summary) > SUMMARY_MAX:
        raise DocumentError(
            _l("This is too long: at most %(count)d characters.", count=SUMMARY_MAX), "summary"
        )
    return summary


def clean_keywords(keywords):
    """Keywords from a comma- or semicolon-separated text (or a list), lower case, each once."""
    if isinstance(keywords, str):
        keywords = re.split(r"[,;،、，；\n]", keywords)
    found = []
    for keyword in keywords:
        keyword = " ".join(keyword.split()).lower()
        if not keyword or keyword in found:
            continue
        if len(keyword) > KEYWORD_MAX:
            raise DocumentError(
                _l("A keyword is too long: at most %(count)d characters.", count=KEYWORD_MAX),
                "keywords",
            )
        found.append(keyword)
    if len(found) > KEYWORDS_MAX:
        raise DocumentError(_l("Give at most %(count)d keywords.", count=KEYWORDS_MAX), "keywords")
    return found


def check_type(doc_type, any_type, current=None):
    """The type, which a delegation may choose among national types only (or keep as it is)."""
    try:
        kind = DocumentType(doc_type)
    except ValueError:
        raise DocumentError(_l("Choose a type from the list."), "doc_type") from None
    if not any_type and not kind.is_national and kind.value != current:
        raise DocumentError(
            _l("Documents of this type are published by the ATT Secretariat."), "doc_type"
        )
    return kind.value


def check_place(working_group_id, topic_id, cycle_number):
    """The working group, topic and CSP cycle, which must exist and agree with each other."""
    working_group = None
    if working_group_id:
        working_group = db.session.get(WorkingGroup, working_group_id)
        if working_group is None:
            raise DocumentError(_l("Choose a working group from the list."), "working_group")
    topic = None
    if topic_id:
        topic = db.session.get(Topic, topic_id)
        if topic is None:
            raise DocumentError(_l("Choose an agenda item from the list."), "topic")
        if working_group is None:
            working_group = topic.working_group
        elif topic.working_group_id != working_group.id:
            raise DocumentError(_l("This agenda item belongs to another working group."), "topic")
    if cycle_number is not None and find_cycle(cycle_number) is None:
        raise DocumentError(_l("Choose a CSP cycle from the list."), "cycle")
    return working_group, topic


def check_dates(published_on, distributed_on):
    if published_on is None:
        raise DocumentError(_l("Give the date of the document."), "published_on")
    today = date.today()
    if published_on > today:
        raise DocumentError(_l("The date cannot be in the future."), "published_on")
    if distributed_on is not None and distributed_on > today:
        raise DocumentError(_l("The date cannot be in the future."), "distributed_on")


def check_access(level, group_id, any_level, current=(None, None)):
    """The level and group, which must exist; only the Secretariat restricts to a group (a
    delegation editing a group's document may keep it as it is)."""
    try:
        level = AccessLevel(level)
    except ValueError:
        raise DocumentError(_l("Choose an access level from the list."), "level") from None
    if level is AccessLevel.GROUP:
        if not any_level and (level.value, group_id) != current:
            raise DocumentError(_l("Choose an access level from the list."), "level")
        if db.session.get(Group, group_id or 0) is None:
            raise DocumentError(_l("Choose the group whose members may read it."), "group")
        return level.value, group_id
    return level.value, None


def check_readable_by_uploader(document, by):
    """A delegation cannot publish at a level that would hide the document from itself."""
    if document.acl not in principals(by):
        raise DocumentError(
            _l("At this access level you could not read the document yourself."), "level"
        )


def check_uploads(uploads):
    """Each language's upload checked by its bytes, nothing written yet: {language: file}.

    `uploads` maps a language code to a Werkzeug FileStorage (or None when left empty).
    """
    checked = {}
    for language, upload in uploads.items():
        if language not in LANGUAGES:
            raise DocumentError(_l("Choose a language from the list."), "language")
        if upload is None or not upload.filename:
            continue
        try:
            checked[language] = check(upload.stream, upload.filename)
        except FileRejected as error:
            raise DocumentError(
                _l("%(name)s: %(reason)s", name=upload.filename, reason=error.message),
                f"file_{language}",
            ) from error
    return checked


# Documents --------------------------------------------------------------------------------


def publishes_for_anyone(user):
    """The Secretariat publishes any type, for any delegation, at any level."""
    return SECRETARIAT in principals(user)


def apply_metadata(document, by, metadata):
    """Check `metadata` (a dict of the form's fields) and set it on `document`.

    Returns whether the document's symbol is new and waits for the Secretariat (see
    `assign_symbol`); raises DocumentError when a field is refused.
    """
    anyone = publishes_for_anyone(by)
    document.title = clean_text(metadata.get("title"), TITLE_MAX, "title", required=True)
    document.doc_type = check_type(metadata.get("doc_type"), anyone, document.doc_type)
    working_group, topic = check_place(
        metadata.get("working_group_id"), metadata.get("topic_id"), metadata.get("cycle")
    )
    document.working_group, document.topic = working_group, topic
    document.cycle = metadata.get("cycle")
    document.meeting = clean_text(metadata.get("meeting"), MEETING_MAX, "meeting")
    check_dates(metadata.get("published_on"), metadata.get("distributed_on"))
    document.published_on = metadata["published_on"]
    document.distributed_on = metadata.get("distributed_on")
    document.keywords = clean_keywords(metadata.get("keywords") or "")
    document.summary = clean_summary(metadata.get("summary"))
    level, group_id = check_access(
        metadata.get("level", AccessLevel.USERS.value),
        metadata.get("group_id"),
        anyone,
        (document.access_level, document.group_id),
    )
    document.access_level, document.group_id = level, group_id
    document.derive_acl()
    if not anyone:
        check_readable_by_uploader(document, by)
    if anyone and metadata.get("delegation") is not None:
        document.delegation = metadata["delegation"]
    elif document.delegation_id is None:
        document.delegation_id = by.delegation_id
    return assign_symbol(document, clean_symbol(metadata.get("symbol")), by)


def create_document(by, metadata, uploads, note=""):
    """A new document with the language versions in `uploads` ({language: FileStorage}).

    Raises DocumentError when a field or a file is refused, or when no file is given.
    """
    document = Document(uploaded_by_id=by.id, keywords=[])
    symbol_waits = apply_metadata(document, by, metadata)
    checked = check_uploads(uploads)
    if not checked:
        raise DocumentError(_l("Upload the document in at least one language."), "file_en")
    db.session.add(document)
    for language, accepted in checked.items():
        add_revision(document, by, language, accepted, clean_text(note, NOTE_MAX, "note"))
    db.session.flush()
    record("library.document_create", target=document, actor=by, acl=document.acl)
    if symbol_waits:
        record("library.symbol_waiting", target=document, actor=by, symbol=document.symbol)
    emit("document.published", document, actor=by)
    # Indexed once the text of its files is read (see `extract_text`).
    return document


def edit_document(document, by, metadata):
    """Change a document's metadata; a new access level reaches its files and the index.

    Raises DocumentError when a field is refused.
    """
    old_acl = document.acl
    symbol_waits = apply_metadata(document, by, metadata)
    document.updated_at = now_utc()
    if document.acl != old_acl:
        db.session.execute(
            update(DocumentFile)
            .where(DocumentFile.document_id == document.id)
            .values(acl=document.acl)
        )
        record("library.document_access", target=document, actor=by, old=old_acl, new=document.acl)
    record("library.document_edit", target=document, actor=by)
    if symbol_waits:
        record("library.symbol_waiting", target=document, actor=by, symbol=document.symbol)
    queue_index("document", document.id)
    return document


def add_version(document, by, language, upload, note=""):
    """A new file for `language`: the first of that language, or a revision superseding the
    current one (which stays listed).

    Raises DocumentError when the language or the file is refused.
    """
    checked = check_uploads({language: upload})
    if not checked:
        raise DocumentError(_l("Choose a file to upload."), "file")
    document_file = add_revision(
        document, by, language, checked[language], clean_text(note, NOTE_MAX, "note")
    )
    document.updated_at = now_utc()
    db.session.flush()
    record(
        "library.file_add",
        target=document,
        actor=by,
        language=language,
        revision=document_file.revision,
    )
    emit("document.revised", document, actor=by, language=language)
    # Indexed once the text of the new file is read (see `extract_text`).
    return document_file


def add_revision(document, by, language, accepted, note):
    """Write the accepted file and its row, numbered after the language's last revision, and
    queue its text extraction."""
    stored = accepted.save()
    last = 0
    if document.id is not None:
        last = (
            db.session.scalar(
                select(func.max(DocumentFile.revision)).where(
                    DocumentFile.document_id == document.id, DocumentFile.language == language
                )
            )
            or 0
        )
    document_file = DocumentFile(
        document=document,
        language=language,
        revision=last + 1,
        note=note,
        sha256=stored.sha256,
        size=stored.size,
        file_kind=stored.kind.name,
        mime_type=stored.kind.mime_type,
        name=stored.download_name,
        uploaded_by_id=by.id,
        text_status=TextStatus.PENDING.value,
        text="",
        acl=document.acl,
    )
    db.session.add(document_file)
    db.session.flush()
    enqueue("library.extract_text", file_id=document_file.id)
    return document_file


def record_download(document_file, user):
    """Downloads of anything but public documents are kept in the audit log."""
    if document_file.acl != PUBLIC:
        record(
            "library.download",
            target=document_file.document,
            actor=user,
            file_id=document_file.id,
            language=document_file.language,
            revision=document_file.revision,
        )


# Text extraction ----------------------------------------------------------------------------


@handler("library.extract_text")
def extract_text(payload):
    """Read the text of one file (in a child process, with time and size limits); when no
    other file of its document is waiting to be read, queue the document's indexing, so that
    a document uploaded in six languages is indexed once. Runs again harmlessly: the result is
    simply written again."""
    from portal.core.files import stored_path

    document_file = db.session.get(DocumentFile, payload["file_id"])
    if document_file is None:
        return
    result = extraction.extract(
        stored_path(document_file.sha256),
        document_file.file_kind,
        timeout_seconds=current_app.config["PORTAL_EXTRACT_TIMEOUT_SECONDS"],
        max_chars=current_app.config["PORTAL_EXTRACT_MAX_CHARS"],
    )
    if result.status != TextStatus.OK.value:
        log.info("text of file %s: %s (%s)", document_file.id, result.status, result.detail)
    document_file.text_status = result.status
    document_file.text = result.text
    document_file.pages = result.pages
    # The document's row lock orders the extractions of its files running in several workers:
    # the last to finish sees no other file waiting and queues the indexing.
    db.session.execute(
        select(Document.id).where(Document.id == document_file.document_id).with_for_update()
    )
    waiting = db.session.scalar(
        select(func.count())
        .select_from(DocumentFile)
        .where(
            DocumentFile.document_id == document_file.document_id,
            DocumentFile.id != document_file.id,
            DocumentFile.text_status == TextStatus.PENDING.value,
        )
    )
    if not waiting:
        queue_index("document", document_file.document_id)
    db.session.commit()


# Citations from the forum -------------------------------------------------------------------


def cited_documents(source):
    """Ids of the documents a Markdown text cites by symbol or by a link to their page."""
    symbols = {symbol.lower() for symbol in CITED_SYMBOL.findall(source or "")}
    ids = {parse_int(found, minimum=1) for found in CITED_LINK.findall(source or "")} - {None}
    if symbols:
        ids |= set(db.session.scalars(select(Document.id).where(Document.symbol_key.in_(symbols))))
    if ids:
        ids = set(db.session.scalars(select(Document.id).where(Document.id.in_(ids))))
    return ids


def link_citations(post):
    """Record which documents `post` cites, replacing what an earlier version cited."""
    if post.id is None:
        db.session.flush()
    db.session.execute(delete(DocumentReference).where(DocumentReference.post_id == post.id))
    for document_id in sorted(cited_documents(post.body_source)):
        db.session.add(DocumentReference(document_id=document_id, post_id=post.id))
