"""How forum posts reach the search index: one item per live post, under its thread's title.

A withdrawn or hidden post has no item: its text must leave the index, for everyone (the
author and the moderators read it on the thread page, not through search). Every post of a
thread carries the thread's title, so a word of the title finds the discussion.
"""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.core.text import excerpt
from portal.extensions import db
from portal.forum.models import Post, Thread, Topic, WorkingGroup
from portal.library.search import delegation_code
from portal.search.attachments import attachment_texts
from portal.search.engine import Adapter, key

#: What makes a post belong in the index.
LIVE = (Post.withdrawn_at.is_(None), Post.hidden_at.is_(None))


def plain_text(body_html):
    """The whole text of a post's cleaned HTML: tags removed, entities decoded, whitespace
    collapsed."""
    # Text is never longer than the HTML it comes from, so the excerpt cuts nothing.
    return excerpt(body_html, length=len(body_html or ""))


def live_posts(ids):
    """The live posts among `ids`, with what an item and a search result name loaded in the
    same query."""
    return db.session.scalars(
        select(Post)
        .where(Post.id.in_(ids), *LIVE)
        .options(
            joinedload(Post.thread)
            .joinedload(Thread.topic)
            .joinedload(Topic.working_group)
            .joinedload(WorkingGroup.parent),
            joinedload(Post.delegation),
            joinedload(Post.author),
        )
    ).all()


def post_item(post_id):
    found = live_posts([post_id])
    if not found:
        return None
    post = found[0]
    topic = post.thread.topic
    space = topic.working_group
    working_groups = [space.code]
    if space.parent is not None:
        working_groups.append(space.parent.code)
    return {
        "key": key("post", post.id),
        "kind": "post",
        "id": post.id,
        "acl": post.acl,
        "title": post.thread.title,
        # Posts and their attachments are written in no declared language.
        "texts": {
            "und": "\n\n".join([plain_text(post.body_html), *attachment_texts("post", post.id)])
        },
        "symbol": None,
        "type": None,
        "wg": working_groups,
        "topic": topic.id,
        "cycle": topic.cycle,
        "langs": [],
        "delegation": delegation_code(post.delegation),
        "date": max(post.created_at, post.edited_at or post.created_at),
        "tags": [],
        # The search page shows one result per thread: its best post.
        "group": f"thread:{post.thread_id}",
        "author": post.author_id,
    }


def post_ids():
    return db.session.scalars(select(Post.id).where(*LIVE).order_by(Post.id))


def post_rows(ids):
    """The live posts of a page of hits, keyed by id: a post withdrawn or hidden since it was
    indexed is missing, so the search page leaves it out."""
    return {post.id: post for post in live_posts(ids)}


ADAPTER = Adapter(kind="post", item=post_item, ids=post_ids, rows=post_rows)
