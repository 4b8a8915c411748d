"""How channel messages and case records reach the search index.

Each carries its channel's acl (`channel:<id>`): the index finds it only for the people who
hold that principal, so a non-member never gets a hit, a total, a facet count or a snippet of
it. A retracted message or case record has no item: its text leaves the index for everyone.
"""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.channels.cases import (
    CASE_KIND,
    MESSAGE_KIND,
    ROUTE_ROLES,
    STAGES,
    country_name,
    source_label,
)
from portal.channels.models import CaseRecord, ChannelMessage
from portal.core.text import excerpt
from portal.extensions import db
from portal.library.search import delegation_code
from portal.reporting.categories import category
from portal.search.attachments import attachment_texts
from portal.search.engine import Adapter, key

MESSAGE = MESSAGE_KIND
CASE = CASE_KIND


def plain_text(body_html):
    return excerpt(body_html, length=len(body_html or ""))


def live_messages(ids):
    return db.session.scalars(
        select(ChannelMessage)
        .where(ChannelMessage.id.in_(ids), ChannelMessage.retracted_at.is_(None))
        .options(
            joinedload(ChannelMessage.thread),
            joinedload(ChannelMessage.channel),
            joinedload(ChannelMessage.delegation),
            joinedload(ChannelMessage.author),
        )
    ).all()


def message_item(message_id):
    found = live_messages([message_id])
    if not found:
        return None
    message = found[0]
    return {
        "key": key(MESSAGE, message.id),
        "kind": MESSAGE,
        "id": message.id,
        "acl": message.acl,
        "title": message.thread.title,
        "texts": {
            "und": "\n\n".join(
                [plain_text(message.body_html), *attachment_texts(MESSAGE, message.id)]
            )
        },
        "delegation": delegation_code(message.delegation),
        "date": message.created_at,
        "author": message.author_id,
    }


def message_ids():
    return db.session.scalars(
        select(ChannelMessage.id)
        .where(ChannelMessage.retracted_at.is_(None))
        .order_by(ChannelMessage.id)
    )


def message_rows(ids):
    return {message.id: message for message in live_messages(ids)}


def live_cases(ids):
    return db.session.scalars(
        select(CaseRecord)
        .where(CaseRecord.id.in_(ids), CaseRecord.retracted_at.is_(None))
        .options(
            joinedload(CaseRecord.channel),
            joinedload(CaseRecord.provided_by_delegation),
        )
    ).all()


def case_text(case):
    """What a case record is found by, in English (the index analyses it as no language):
    its items with their category names, the States along the route, and its texts."""
    parts = []
    for item in case.items:
        found = category(item["category"])
        parts += [item["category"], item.get("subcategory") or ""]
        parts += [found.source_name if found else "", item.get("description") or ""]
    for stop in case.route:
        parts += [stop["iso3"], country_name(stop["iso3"], "en")]
        parts.append(source_label(ROUTE_ROLES, stop["role"]))
    parts += [source_label(STAGES, case.stage), case.detection, case.method, case.lessons]
    return "\n".join(part for part in parts if part)


def case_item(case_id):
    found = live_cases([case_id])
    if not found:
        return None
    case = found[0]
    return {
        "key": key(CASE, case.id),
        "kind": CASE,
        "id": case.id,
        "acl": case.acl,
        "title": case.reference,
        "texts": {"und": case_text(case)},
        "delegation": delegation_code(case.provided_by_delegation),
        "date": case.updated_at,
    }


def case_ids():
    return db.session.scalars(
        select(CaseRecord.id).where(CaseRecord.retracted_at.is_(None)).order_by(CaseRecord.id)
    )


def case_rows(ids):
    return {case.id: case for case in live_cases(ids)}


MESSAGE_ADAPTER = Adapter(kind=MESSAGE, item=message_item, ids=message_ids, rows=message_rows)
CASE_ADAPTER = Adapter(kind=CASE, item=case_item, ids=case_ids, rows=case_rows)
