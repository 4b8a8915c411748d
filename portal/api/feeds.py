"""Atom feeds per working group, topic and document type.

Without a key a feed carries the public items only. With `?key=` a person's feed token (made
and revoked on their tokens page) it carries what that person may read now, worked out at each
fetch; items above "every approved user" appear by title and link only, never their text. An
unknown or revoked key, or a place the reader may not see, answers 404: a feed reveals nothing
that its reader could not find on the pages.
"""

from datetime import datetime, time, timezone

from flask import Blueprint, abort, current_app, request
from flask_babel import gettext as _
from feedgen.feed import FeedGenerator
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.access import PUBLIC, USER, principals_of, public
from portal.api import services
from portal.api.models import TokenPurpose
from portal.core.mail import external_url
from portal.core.models import now_utc
from portal.extensions import csrf, db, limiter
from portal.forum.models import Thread, Topic, WorkingGroup
from portal.library.models import Document, DocumentType

bp = Blueprint("feeds", __name__)

#: Entries per feed: the newest ones.
ENTRIES = 50
#: Items at these levels carry their summary; above them only a title and a link.
OPEN_ACL = frozenset({PUBLIC, USER})


def feed_limit():
    return current_app.config["PORTAL_FEED_LIMIT"]


def feed_key():
    return "feed:" + (request.args.get("key") or request.remote_addr or "")


def reader_principals():
    """The principals of the key's person, or of an anonymous visitor without a key; 404 for
    a key that does not work."""
    key = request.args.get("key")
    if key is None:
        return principals_of(None)
    owner, _token = services.owner_of(key, TokenPurpose.FEED)
    if owner is None:
        abort(404)
    db.session.commit()
    return principals_of(owner)


def utc(moment):
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time())
    return moment.replace(tzinfo=timezone.utc)


def atom(feed_id, title, link, entries):
    """The Atom document: `entries` are (id, title, link, updated, summary or None)."""
    feed = FeedGenerator()
    feed.id(feed_id)
    feed.title(title)
    feed.link(href=link, rel="alternate")
    feed.link(href=external_url(request.endpoint, **request.view_args), rel="self")
    feed.language(current_app.config["BABEL_DEFAULT_LOCALE"])
    feed.updated(max((utc(entry[3]) for entry in entries), default=utc(now_utc())))
    # feedgen writes entries in the reverse order of their adding: add the oldest first.
    for entry_id, entry_title, entry_link, updated, summary in reversed(entries):
        item = feed.add_entry()
        item.id(entry_id)
        item.title(entry_title)
        item.link(href=entry_link)
        item.updated(utc(updated))
        if summary:
            item.summary(summary)
    response = current_app.response_class(
        feed.atom_str(pretty=True), mimetype="application/atom+xml"
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def document_entries(readers, *conditions):
    documents = db.session.scalars(
        select(Document)
        .where(Document.acl.in_(readers), *conditions)
        .order_by(Document.published_on.desc(), Document.id.desc())
        .limit(ENTRIES)
    ).all()
    return [
        (
            external_url("library.document_detail", document_id=d.id),
            f"{d.symbol}: {d.title}" if d.symbol else d.title,
            external_url("library.document_detail", document_id=d.id),
            d.updated_at,
            d.summary if d.acl in OPEN_ACL else None,
        )
        for d in documents
    ]


def thread_entries(readers, *conditions):
    threads = db.session.scalars(
        select(Thread)
        .join(Topic, Topic.id == Thread.topic_id)
        .where(Thread.acl.in_(readers), *conditions)
        .options(joinedload(Thread.topic))
        .order_by(Thread.last_post_at.desc(), Thread.id.desc())
        .limit(ENTRIES)
    ).all()
    return [
        (
            external_url("forum.thread", thread_id=t.id),
            t.title,
            external_url("forum.thread", thread_id=t.id),
            t.last_post_at,
            _("In %(topic)s", topic=t.topic.title) if t.acl in OPEN_ACL else None,
        )
        for t in threads
    ]


def newest(entries):
    return sorted(entries, key=lambda entry: utc(entry[3]), reverse=True)[:ENTRIES]


@bp.route("/wg/<code>.atom")
@public
@csrf.exempt
@limiter.limit(feed_limit, key_func=feed_key)
def working_group(code):
    readers = reader_principals()
    space = db.session.scalar(
        select(WorkingGroup).where(WorkingGroup.code == code, WorkingGroup.acl.in_(readers))
    )
    if space is None:
        abort(404)
    return atom(
        external_url("forum.space", code=space.code),
        space.display_name,
        external_url("forum.space", code=space.code),
        newest(
            document_entries(readers, Document.working_group_id == space.id)
            + thread_entries(readers, Topic.working_group_id == space.id)
        ),
    )


@bp.route("/topic/<int:topic_id>.atom")
@public
@csrf.exempt
@limiter.limit(feed_limit, key_func=feed_key)
def topic(topic_id):
    readers = reader_principals()
    found = db.session.scalar(select(Topic).where(Topic.id == topic_id, Topic.acl.in_(readers)))
    if found is None:
        abort(404)
    return atom(
        external_url("forum.topic", topic_id=found.id),
        found.title,
        external_url("forum.topic", topic_id=found.id),
        newest(
            document_entries(readers, Document.topic_id == found.id)
            + thread_entries(readers, Thread.topic_id == found.id)
        ),
    )


@bp.route("/type/<doc_type>.atom")
@public
@csrf.exempt
@limiter.limit(feed_limit, key_func=feed_key)
def document_type(doc_type):
    readers = reader_principals()
    try:
        kind = DocumentType(doc_type)
    except ValueError:
        abort(404)
    return atom(
        external_url("library.document_type", doc_type=kind.value),
        str(kind.label),
        external_url("library.document_type", doc_type=kind.value),
        document_entries(readers, Document.doc_type == kind.value),
    )
