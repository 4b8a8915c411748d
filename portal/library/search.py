"""How library documents reach the search index: one item per document, with the text of the
current revision of each language version in that language's field."""

from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.orm import selectinload, undefer

from portal.extensions import db
from portal.library.models import Document, DocumentFile
from portal.search.engine import Adapter, key


def delegation_code(delegation):
    """What `from:` matches: the ISO code of a State, the short name of anyone else."""
    return delegation.iso3 or delegation.short_name


def document_item(document_id):
    document = db.session.scalar(
        select(Document)
        .where(Document.id == document_id)
        .options(selectinload(Document.files).options(undefer(DocumentFile.text)))
    )
    if document is None:
        return None
    current = document.current_files
    texts = {}
    for document_file in current:
        texts[document_file.language] = document_file.text or ""
    # The summary and keywords are written in no declared language.
    texts["und"] = "\n".join(filter(None, [document.summary, " ".join(document.keywords)]))
    working_groups = []
    if document.working_group is not None:
        working_groups.append(document.working_group.code)
        if document.working_group.parent is not None:
            working_groups.append(document.working_group.parent.code)
    return {
        "key": key("document", document.id),
        "kind": "document",
        "id": document.id,
        "acl": document.acl,
        "title": document.title,
        "texts": texts,
        "symbol": document.symbol,
        "type": document.doc_type,
        "wg": working_groups,
        "topic": document.topic_id,
        "cycle": document.cycle,
        "langs": [document_file.language for document_file in current],
        "delegation": delegation_code(document.delegation),
        "date": datetime.combine(document.published_on, time()),
        "tags": list(document.keywords),
        "author": document.uploaded_by_id,
    }


def document_ids():
    return db.session.scalars(select(Document.id).order_by(Document.id))


def document_rows(ids):
    documents = db.session.scalars(
        select(Document).where(Document.id.in_(ids)).options(selectinload(Document.files))
    )
    return {document.id: document for document in documents}


ADAPTER = Adapter(kind="document", item=document_item, ids=document_ids, rows=document_rows)
