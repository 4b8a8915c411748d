"""The record of a channel, exported by a member for a DIEF meeting: as JSON and as a printable
page, both built from the one dict `channel_record` returns.

The record holds the channel and its member delegations, every thread with its messages (a
retracted message as a tombstone: who wrote it and when, when it was retracted, no text), the
case records (a retracted one likewise without its content), the list of attachments with their
names, sizes and SHA-256 hashes, and the access record. The export itself is written to the
access record first, so that the record it carries includes it.
"""

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.channels.models import (
    CaseRecord,
    ChannelAccessRecord,
    ChannelAttachment,
    ChannelMessage,
    ChannelThread,
)
from portal.core.models import now_utc
from portal.extensions import db

#: What identifies the format of the JSON file, for whoever reads it later.
FORMAT = "att-portal/dief-channel-record/1"


def moment(value):
    """A stored naive UTC time as ISO 8601 with its zone, or None."""
    return value.isoformat(timespec="seconds") + "Z" if value is not None else None


def person(user):
    return {"id": user.id, "name": user.name, "delegation": user.delegation.name}


def delegation_of(delegation):
    return {"id": delegation.id, "name": delegation.name, "iso3": delegation.iso3}


def attachment_of(attachment):
    return {
        "id": attachment.id,
        "message_id": attachment.message_id,
        "name": attachment.name,
        "size": attachment.size,
        "mime_type": attachment.mime_type,
        "sha256": attachment.sha256,
    }


def message_of(message):
    entry = {
        "id": message.id,
        "author": person(message.author),
        "created_at": moment(message.created_at),
        "retracted": message.is_retracted,
        "retracted_at": moment(message.retracted_at),
    }
    if message.is_retracted:
        entry.update(body_markdown=None, body_html=None, attachments=[])
    else:
        entry.update(
            body_markdown=message.body_markdown,
            # Cleaned once when written (portal.core.text): the printable page shows it as is.
            body_html=message.body_html,
            attachments=[attachment_of(attachment) for attachment in message.attachments],
        )
    return entry


def case_of(case):
    entry = {
        "id": case.id,
        "thread_id": case.thread_id,
        "reference": case.reference,
        "provided_by": delegation_of(case.provided_by_delegation),
        "author": person(case.author),
        "created_at": moment(case.created_at),
        "updated_at": moment(case.updated_at),
        "retracted": case.retracted_at is not None,
        "retracted_at": moment(case.retracted_at),
        "summary_published_at": moment(case.summary_published_at),
    }
    if case.retracted_at is None:
        entry.update(
            items=case.items,
            route=case.route,
            incident_on=case.incident_on.isoformat() if case.incident_on else None,
            stage=case.stage,
            detection=case.detection,
            method=case.method,
            case_status=case.case_status,
            lessons=case.lessons,
            shareable=case.shareable,
        )
    return entry


def channel_record(channel, by):
    """The whole record of `channel` as a dict of plain values, exported by `by`.

    The caller has checked that `by` may export it and written the export to the access record.
    """
    threads = db.session.scalars(
        select(ChannelThread)
        .where(ChannelThread.channel_id == channel.id)
        .order_by(ChannelThread.created_at, ChannelThread.id)
    ).all()
    messages = db.session.scalars(
        select(ChannelMessage)
        .where(ChannelMessage.channel_id == channel.id)
        .options(
            joinedload(ChannelMessage.author),
            selectinload(ChannelMessage.attachments),
        )
        .order_by(ChannelMessage.created_at, ChannelMessage.id)
    ).all()
    by_thread = {}
    for message in messages:
        by_thread.setdefault(message.thread_id, []).append(message)
    cases = db.session.scalars(
        select(CaseRecord)
        .where(CaseRecord.channel_id == channel.id)
        .options(
            joinedload(CaseRecord.author),
            joinedload(CaseRecord.provided_by_delegation),
        )
        .order_by(CaseRecord.created_at, CaseRecord.id)
    ).all()
    attachments = db.session.scalars(
        select(ChannelAttachment)
        .join(ChannelMessage, ChannelMessage.id == ChannelAttachment.message_id)
        .where(ChannelAttachment.channel_id == channel.id, ChannelMessage.retracted_at.is_(None))
        .order_by(ChannelAttachment.id)
    ).all()
    accesses = db.session.scalars(
        select(ChannelAccessRecord)
        .where(ChannelAccessRecord.channel_id == channel.id)
        .options(joinedload(ChannelAccessRecord.user))
        .order_by(ChannelAccessRecord.at, ChannelAccessRecord.id)
    ).all()
    return {
        "format": FORMAT,
        "exported_at": moment(now_utc()),
        "exported_by": person(by),
        "channel": {
            "id": channel.id,
            "kind": channel.kind,
            "name": channel.name,
            "purpose": channel.purpose,
            "status": channel.status,
            "secretariat_admitted": channel.secretariat_admitted,
            "created_at": moment(channel.created_at),
            "opened_at": moment(channel.opened_at),
            "closed_at": moment(channel.closed_at),
            "archived_at": moment(channel.archived_at),
            "last_activity_at": moment(channel.last_activity_at),
            "members": [
                {**delegation_of(member.delegation), "status": member.status}
                for member in channel.members
            ],
        },
        "threads": [
            {
                "id": thread.id,
                "title": thread.title,
                "created_at": moment(thread.created_at),
                "messages": [message_of(message) for message in by_thread.get(thread.id, [])],
            }
            for thread in threads
        ],
        "case_records": [case_of(case) for case in cases],
        "attachments": [attachment_of(attachment) for attachment in attachments],
        "access_record": [
            {
                "user": person(access.user),
                "action": access.action,
                "object_type": access.object_type,
                "object_id": access.object_id,
                "at": moment(access.at),
            }
            for access in accesses
        ],
    }
