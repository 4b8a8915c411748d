"""The text of forum and channel attachments, read for search: found under the access of their
post or message, whose item in the index carries it.

Each attachment is read once, by a `search.read_attachment` job queued with the upload (in a
child process with the library's time and size limits); when the last attachment of its post
or message has been read, the post or message is indexed again.
"""

import logging

from flask import current_app
from sqlalchemy import func, select

from portal.channels.models import ChannelAttachment, ChannelMessage
from portal.core import files
from portal.core.jobs import enqueue, handler
from portal.extensions import db
from portal.forum.models import Attachment, Post
from portal.library import extraction
from portal.search.engine import queue_index

log = logging.getLogger(__name__)

PENDING = "pending"
#: The status of an attachment of a kind whose text is not read.
UNSUPPORTED = "unsupported"

#: item kind -> (attachment model, the column naming its post or message, that row's model).
OWNERS = {
    "post": (Attachment, Attachment.post_id, Post),
    "channel_message": (ChannelAttachment, ChannelAttachment.message_id, ChannelMessage),
}
_KIND_BY_MIME_TYPE = {kind.mime_type: kind.name for kind in files.KINDS}


def queue_reading(item_kind, attachments):
    """Read the text of the new `attachments` (flushed rows) of a post or channel message after
    the current transaction commits."""
    for attachment in attachments:
        enqueue("search.read_attachment", item_kind=item_kind, attachment_id=attachment.id)


def queue_waiting():
    """Queue the reading of every attachment still waiting to be read; returns how many. The
    caller commits."""
    count = 0
    for item_kind, (model, _owner, _row) in OWNERS.items():
        waiting = db.session.scalars(select(model).where(model.text_status == PENDING)).all()
        queue_reading(item_kind, waiting)
        count += len(waiting)
    return count


def attachment_texts(item_kind, owner_id):
    """The texts read from the attachments of one post or channel message, oldest first."""
    model, owner, _row = OWNERS[item_kind]
    return db.session.scalars(
        select(model.text).where(owner == owner_id, model.text != "").order_by(model.id)
    ).all()


@handler("search.read_attachment")
def read_attachment(payload):
    """Read one attachment's text; when no other attachment of its post or message is waiting,
    queue the indexing of that post or message. Runs again harmlessly."""
    from portal.core.files import stored_path

    model, owner, row = OWNERS[payload["item_kind"]]
    attachment = db.session.get(model, payload["attachment_id"])
    if attachment is None:
        return
    kind = _KIND_BY_MIME_TYPE.get(attachment.mime_type)
    if kind in extraction.READERS:
        result = extraction.extract(
            stored_path(attachment.sha256),
            kind,
            timeout_seconds=current_app.config["PORTAL_EXTRACT_TIMEOUT_SECONDS"],
            max_chars=current_app.config["PORTAL_EXTRACT_MAX_CHARS"],
        )
        attachment.text_status, attachment.text = result.status, result.text
        if result.status != "ok":
            log.info("text of attachment %s: %s (%s)", attachment.id, result.status, result.detail)
    else:
        attachment.text_status, attachment.text = UNSUPPORTED, ""
    owner_id = getattr(attachment, owner.key)
    # The owner's row lock orders the readings of its attachments in several workers: the last
    # to finish sees no other waiting and queues the indexing.
    db.session.execute(select(row.id).where(row.id == owner_id).with_for_update())
    waiting = db.session.scalar(
        select(func.count())
        .select_from(model)
        .where(owner == owner_id, model.id != attachment.id, model.text_status == PENDING)
    )
    if not waiting:
        queue_index(payload["item_kind"], owner_id)
    db.session.commit()
