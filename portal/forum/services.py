"""Writes of the forum: topics, threads, posts, edits, moderation, flags and read markers.

Every function checks what the data must satisfy (not who may act: the view has asked the
access policy), changes rows, records audit entries and events in the same transaction, and
raises `ForumError` with a message a person can read when the change is not possible; nothing
is written then. The view commits once.
"""

import html
import re

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from portal.access import AccessLevel, acl_for, can, principals_of
from portal.accounts.models import Group, User
from portal.core.audit import record
from portal.core.events import emit
from portal.core.files import FileRejected, check
from portal.core.models import now_utc
from portal.core.text import mentions, render_markdown
from portal.extensions import db
from portal.forum.models import (
    Attachment,
    Flag,
    GuidingQuestion,
    Post,
    PostDraft,
    PostRevision,
    Thread,
    ThreadKind,
    ThreadRead,
    Topic,
    WorkingGroup,
)
from portal.library.services import link_citations
from portal.search.attachments import queue_reading
from portal.search.engine import queue_index, queue_index_many

TITLE_MAX = 300
#: How strict each level is; a topic may be stricter than its working group, never looser.
STRICTNESS = {"public": 0, "users": 1, "states": 2, "state_parties": 3, "group": 4}


class ForumError(Exception):
    """A change that cannot be made; the message is meant for the person who asked."""


# Access levels ------------------------------------------------------------------------------


def check_level(level, group_id):
    if level not in STRICTNESS:
        raise ForumError(_l("Choose an access level from the list."))
    if level == AccessLevel.GROUP.value and db.session.get(Group, group_id or 0) is None:
        raise ForumError(_l("Choose the group whose members may read it."))


def looser_than_space(level, group_id, space):
    """Whether a topic at `level` would let in someone its working group keeps out."""
    return STRICTNESS[level] < STRICTNESS[space.access_level] or (
        space.access_level == AccessLevel.GROUP.value
        and (level != space.access_level or group_id != space.group_id)
    )


def set_space_access(space, level, group_id, by):
    """Change who may read a working group; everything in it follows. A topic whose own level
    is no longer stricter than the space's takes the space's: else what the space now shuts
    out would stay readable there."""
    check_level(level, group_id)
    old = space.acl
    space.access_level = level
    space.group_id = group_id if level == AccessLevel.GROUP.value else None
    space.derive_acl()
    for topic in space.topics:
        if topic.access_level and looser_than_space(topic.access_level, topic.group_id, space):
            topic.access_level = None
            topic.group_id = None
    rederive_access(space)
    record("forum.space_access", target=space, actor=by, old=old, new=space.acl)


def topic_acl(topic):
    if topic.access_level:
        return acl_for(topic.access_level, topic.group_id)
    return topic.working_group.acl


def set_topic_access(topic, level, group_id, by):
    """Give a topic a level of its own (stricter than its working group's), or None to inherit."""
    if level:
        check_level(level, group_id)
        if looser_than_space(level, group_id, topic.working_group):
            raise ForumError(
                _l("A topic can only be more restricted than its working group, not less.")
            )
    old = topic.acl
    topic.access_level = level or None
    topic.group_id = group_id if level == AccessLevel.GROUP.value else None
    topic.acl = topic_acl(topic)
    rederive_access(topic)
    record("forum.topic_access", target=topic, actor=by, old=old, new=topic.acl)


def rederive_access(container):
    """Copy the acl of a working group or topic down to everything under it, set-based, and
    queue its live posts for the search index, which holds their acl too."""
    db.session.flush()
    if isinstance(container, WorkingGroup):
        db.session.execute(
            update(Topic)
            .where(Topic.working_group_id == container.id, Topic.access_level.is_(None))
            .values(acl=container.acl)
        )
        topic_ids = select(Topic.id).where(Topic.working_group_id == container.id)
    else:
        topic_ids = select(Topic.id).where(Topic.id == container.id)
    thread_ids = select(Thread.id).where(Thread.topic_id.in_(topic_ids))
    post_ids = select(Post.id).where(Post.thread_id.in_(thread_ids))
    db.session.execute(
        update(Thread)
        .where(Thread.topic_id.in_(topic_ids))
        .values(acl=select(Topic.acl).where(Topic.id == Thread.topic_id).scalar_subquery())
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Post)
        .where(Post.thread_id.in_(thread_ids))
        .values(acl=select(Thread.acl).where(Thread.id == Post.thread_id).scalar_subquery())
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Attachment)
        .where(Attachment.post_id.in_(post_ids))
        .values(acl=select(Post.acl).where(Post.id == Attachment.post_id).scalar_subquery())
        .execution_options(synchronize_session=False)
    )
    queue_posts(select(Post.id).where(Post.thread_id.in_(thread_ids)))
    db.session.expire_all()


def queue_posts(post_ids):
    """Queue the live posts among `post_ids` (a select of ids) for re-indexing, in one job."""
    queue_index_many(
        "post",
        db.session.scalars(
            post_ids.where(Post.withdrawn_at.is_(None), Post.hidden_at.is_(None))
        ).all(),
    )


# Topics -------------------------------------------------------------------------------------


def clean_title(title):
    title = " ".join((title or "").split())
    if not title:
        raise ForumError(_l("Give a title."))
    if len(title) > TITLE_MAX:
        raise ForumError(
            _l("The title is too long: at most %(count)d characters.", count=TITLE_MAX)
        )
    return title


def create_topic(space, by, title, description, cycle, questions):
    topic = Topic(
        working_group=space,
        title=clean_title(title),
        description_source=description or "",
        description_html=render_markdown(description or ""),
        cycle=cycle,
        created_by_id=by.id,
        acl=space.acl,  # a new topic has no level of its own: it reads as its working group
    )
    topic.questions = [
        GuidingQuestion(position=number, text=text)
        for number, text in enumerate(q for q in questions if q.strip())
    ]
    db.session.add(topic)
    db.session.flush()
    record("forum.topic_create", target=topic, actor=by)
    return topic


def edit_topic(topic, by, title, description, cycle, questions):
    """Change a topic. A guiding question keeps its answers wherever its line moves, and when it
    is reworded in its place; one that posts already answer cannot be removed (matching by
    position alone would hand the answers of a removed question to the next one)."""
    topic.title = clean_title(title)
    topic.description_source = description or ""
    topic.description_html = render_markdown(description or "")
    old_cycle, topic.cycle = topic.cycle, cycle
    texts = [q.strip() for q in questions if q.strip()]
    current = list(topic.questions)
    by_text = {}
    for question in current:
        by_text.setdefault(question.text, question)
    chosen = []
    for position, text in enumerate(texts):
        question = by_text.pop(text, None)
        if question is None and position < len(current):
            in_place = current[position]
            if in_place.text not in texts and in_place not in chosen:
                question = in_place
        chosen.append(question or GuidingQuestion())
    for question in current:
        if question not in chosen and db.session.scalar(
            select(func.count()).where(Post.question_id == question.id)
        ):
            raise ForumError(_l("A guiding question that has answers cannot be removed."))
    for position, (question, text) in enumerate(zip(chosen, texts)):
        question.position, question.text = position, text
    topic.questions = chosen
    if cycle != old_cycle:
        # The posts are indexed with their topic's cycle.
        queue_posts(select(Post.id).join(Thread).where(Thread.topic_id == topic.id))
    record("forum.topic_edit", target=topic, actor=by)


def close_topic(topic, by, closed=True):
    topic.is_closed = closed
    record("forum.topic_close" if closed else "forum.topic_reopen", target=topic, actor=by)
    emit("moderation", topic, actor=by, action="close" if closed else "reopen")


# Threads and posts --------------------------------------------------------------------------


def create_thread(topic, author, kind, title, body, question_id=None, files=()):
    """Start a thread with its opening post."""
    if kind not in {k.value for k in ThreadKind}:
        raise ForumError(_l("Choose the kind of thread."))
    now = now_utc()
    thread = Thread(
        topic=topic,
        kind=kind,
        title=clean_title(title),
        author_id=author.id,
        delegation_id=author.delegation_id,
        acl=topic.acl,
        last_post_at=now,
        post_count=0,
    )
    db.session.add(thread)
    post, mentioned = add_post(thread, author, body, question_id=question_id, files=files)
    emit("thread.created", thread, actor=author)
    for person in mentioned:
        emit("post.mention", post, actor=author, recipient=person)
    # Queued after the event, so that the people following the topic are told first.
    queue_index("post", post.id)
    return thread, post


def reply(thread, author, body, quoted_post_id=None, question_id=None, files=()):
    post, mentioned = add_post(thread, author, body, quoted_post_id, question_id, files)
    discard_draft(author, thread)
    # One event for the reply and its mentions: a person both answered and mentioned is told
    # once, of both.
    emit("post.created", post, actor=author, mentioned=[person.id for person in mentioned])
    # Queued after the event, so that the people following the thread are told first.
    queue_index("post", post.id)
    return post


def add_post(thread, author, body, quoted_post_id=None, question_id=None, files=()):
    """Write a post in `thread`; returns it and the people it mentions (its author aside), for
    the caller's event. Raises ForumError for an empty or long body, a quote or a question
    from elsewhere, or a mention of someone who cannot read the thread."""
    body = check_body(body)
    quoted = None
    if quoted_post_id:
        quoted = db.session.get(Post, quoted_post_id)
        if (
            quoted is None
            or quoted.thread_id != thread.id
            or quoted.withdrawn_at is not None
            or quoted.hidden_at is not None
        ):
            raise ForumError(_l("The post you quote is not available."))
    question = None
    if question_id:
        question = db.session.get(GuidingQuestion, question_id)
        if question is None or question.topic_id != thread.topic.id:
            raise ForumError(_l("Choose a guiding question of this topic."))
    mentioned = mentioned_readers(body, thread, author)
    if thread.id is not None:
        # Lock the thread and count afresh: two replies written at the same moment would
        # otherwise both take the next number (and the second fail on the unique constraint).
        db.session.refresh(thread, ["post_count"], with_for_update=True)
    thread.post_count += 1
    thread.last_post_at = now_utc()
    post = Post(
        thread=thread,
        number=thread.post_count,
        author_id=author.id,
        delegation_id=author.delegation_id,
        body_source=body,
        body_html=with_mentions(render_markdown(body), mentioned),
        question=question,
        quoted_post=quoted,
        acl=thread.acl,
    )
    db.session.add(post)
    attach(post, files)
    db.session.flush()
    link_citations(post)
    mark_read(author, thread, post.number)
    return post, [person for person in mentioned if person.id != author.id]


def preview(thread, body, author):
    """The HTML that `body` would show as a post of `author` in `thread`, made exactly as posting
    makes it (Markdown, `clean_html()`, mentions). Writes nothing.

    Raises ForumError where posting would: an empty or long body, a mention of someone who
    cannot read the thread.
    """
    body = check_body(body)
    return with_mentions(render_markdown(body), mentioned_readers(body, thread, author))


def save_draft(thread, author, body, quoted_post_id=None, question_id=None):
    """Keep `author`'s unfinished reply to `thread`, theirs alone, until they post or discard
    it; an empty body discards it. Returns the draft, or None when there is none.

    Raises ForumError for a body longer than a post may be.
    """
    body = (body or "").strip()
    if not body:
        discard_draft(author, thread)
        return None
    check_length(body)
    draft = db.session.get(PostDraft, (author.id, thread.id))
    if draft is None:
        draft = PostDraft(user_id=author.id, thread_id=thread.id)
        db.session.add(draft)
    draft.body_source = body
    draft.quoted_post_id = quoted_post_id
    draft.question_id = question_id
    draft.saved_at = now_utc()
    return draft


def draft_of(user, thread):
    """`user`'s draft reply to `thread`, or None."""
    return db.session.get(PostDraft, (user.id, thread.id))


def discard_draft(user, thread):
    db.session.execute(
        db.delete(PostDraft).where(PostDraft.user_id == user.id, PostDraft.thread_id == thread.id)
    )


def check_body(body):
    body = (body or "").strip()
    if not body:
        raise ForumError(_l("Write something before posting."))
    return check_length(body)


def check_length(body):
    limit = current_app.config["PORTAL_POST_MAX_CHARS"]
    if len(body) > limit:
        raise ForumError(_l("The post is too long: at most %(count)d characters.", count=limit))
    return body


def mentioned_readers(body, thread, author):
    """The active people @mentioned in `body`; each must be able to read the thread.

    Raises ForumError for the first address that is not such a person. The message names the
    person only when `author` may know of them (access rule `user_name_view`); for anyone else
    it is the same whether the account does not exist, is not active or cannot read the thread,
    so that a mention cannot be used to learn who has an account.
    """
    addresses = mentions(body)
    if not addresses:
        return []
    people = db.session.scalars(select(User).where(User.email.in_(addresses))).all()
    found = {person.email: person for person in people}
    for address in addresses:
        person = found.get(address)
        if person is not None and person.is_active and thread.acl in principals_of(person):
            continue
        if person is not None and person.is_active and can(author, "user_name_view", person):
            raise ForumError(
                _l(
                    "%(name)s cannot read this thread, so they cannot be mentioned in it.",
                    name=person.name,
                )
            )
        raise ForumError(
            _l("No one who can read this thread has the address %(address)s.", address=address)
        )
    return [found[address] for address in addresses]


CODE = re.compile(r"(<pre>.*?</pre>|<code>.*?</code>)", re.DOTALL)


def with_mentions(body_html, people):
    """Show each mention as the person's name, outside code (the HTML is already clean and the
    names are escaped, so the result stays clean)."""
    parts = CODE.split(body_html)
    for person in people:
        pattern = re.compile(r"(?<![\w@])@" + re.escape(person.email) + r"\b", re.IGNORECASE)
        label = f'<span class="mention">@{html.escape(person.name)}</span>'
        parts = [
            part
            if part.startswith(("<pre>", "<code>"))
            else pattern.sub(lambda _m, label=label: label, part)
            for part in parts
        ]
    return "".join(parts)


def attach(post, files):
    """Store uploaded files with the post; a refused file refuses the whole post, and then
    none of the files is written."""
    checked = []
    for upload in files:
        if not upload or not upload.filename:
            continue
        try:
            checked.append(check(upload.stream, upload.filename))
        except FileRejected as error:
            raise ForumError(
                _l("%(name)s: %(reason)s", name=upload.filename, reason=error.message)
            ) from error
    added = []
    for accepted in checked:
        stored = accepted.save()
        added.append(
            Attachment(
                post=post,
                sha256=stored.sha256,
                size=stored.size,
                mime_type=stored.kind.mime_type,
                name=stored.download_name,
                acl=post.acl,
            )
        )
    db.session.add_all(added)
    db.session.flush()
    queue_reading("post", added)


def edit_post(post, by, body):
    """Replace a post's text, keeping the previous version as a revision readers can see."""
    body = check_body(body)
    if body == post.body_source:
        return
    mentioned = mentioned_readers(body, post.thread, by)
    db.session.add(
        PostRevision(
            post_id=post.id,
            body_source=post.body_source,
            body_html=post.body_html,
            written_at=post.edited_at or post.created_at,
        )
    )
    already = set(mentions(post.body_source))
    post.body_source = body
    post.body_html = with_mentions(render_markdown(body), mentioned)
    post.edited_at = now_utc()
    link_citations(post)
    queue_index("post", post.id)
    for person in mentioned:
        if person.id != by.id and person.email not in already:
            emit("post.mention", post, actor=by, recipient=person)


def withdraw_post(post, by):
    """The author takes a post back: its text no longer shows; a tombstone stays."""
    post.withdrawn_at = now_utc()
    record("forum.post_withdraw", target=post, actor=by)
    queue_index("post", post.id)


# Moderation ---------------------------------------------------------------------------------


def hide_post(post, by, reason):
    reason = (reason or "").strip()
    if not reason:
        raise ForumError(_l("Give the reason: the author will read it."))
    post.hidden_at = now_utc()
    post.hidden_by_id = by.id
    post.hidden_reason = reason
    record("forum.post_hide", target=post, actor=by, reason=reason)
    queue_index("post", post.id)
    emit("moderation", post, actor=by, recipient=post.author, action="hide")


def unhide_post(post, by):
    post.hidden_at = None
    post.hidden_by_id = None
    post.hidden_reason = None
    record("forum.post_unhide", target=post, actor=by)
    queue_index("post", post.id)


def set_locked(thread, by, locked):
    thread.is_locked = locked
    record("forum.thread_lock" if locked else "forum.thread_unlock", target=thread, actor=by)
    emit("moderation", thread, actor=by, action="lock" if locked else "unlock")


def set_pinned(thread, by, pinned):
    thread.is_pinned = pinned
    record("forum.thread_pin" if pinned else "forum.thread_unpin", target=thread, actor=by)


def move_thread(thread, topic, by):
    """Move a thread to another topic; it takes that topic's access level."""
    if topic.id == thread.topic_id:
        raise ForumError(_l("The thread is already in this topic."))
    old_topic = thread.topic_id
    db.session.execute(update(Post).where(Post.thread_id == thread.id).values(question_id=None))
    thread.topic = topic
    thread.acl = topic.acl
    db.session.flush()
    # This also queues the thread's posts for the index, with their new topic and acl.
    rederive_access(topic)
    record("forum.thread_move", target=thread, actor=by, old_topic=old_topic, new_topic=topic.id)


def flag_post(post, by, reason):
    reason = (reason or "").strip()
    if not reason:
        raise ForumError(_l("Say what is wrong with this post."))
    open_flag = db.session.scalar(
        select(Flag).where(
            Flag.post_id == post.id, Flag.reporter_id == by.id, Flag.resolved_at.is_(None)
        )
    )
    if open_flag is not None:
        raise ForumError(_l("You have already reported this post; the moderators will look at it."))
    flag = Flag(post=post, reporter_id=by.id, reason=reason[:2000])
    db.session.add(flag)
    record("forum.post_flag", target=post, actor=by)
    # The space's moderators hear of it through the notifications (portal.notifications).
    emit("post.flagged", post, actor=by)
    return flag


def resolve_flags(post, by, hide, reason=""):
    """Close every open flag of a post, hiding the post or dismissing the reports."""
    if hide:
        hide_post(post, by, reason)
    db.session.execute(
        update(Flag)
        .where(Flag.post_id == post.id, Flag.resolved_at.is_(None))
        .values(
            resolved_at=now_utc(),
            resolved_by_id=by.id,
            resolution="hidden" if hide else "dismissed",
        )
    )
    if not hide:
        record("forum.flags_dismissed", target=post, actor=by)


# Reading ------------------------------------------------------------------------------------


def mark_read(user, thread, number):
    """Remember that `user` has read `thread` up to post `number` (never backwards)."""
    marker = db.session.get(ThreadRead, (user.id, thread.id))
    if marker is None:
        db.session.add(ThreadRead(user_id=user.id, thread_id=thread.id, last_read_number=number))
    elif marker.last_read_number < number:
        marker.last_read_number = number


# Chairs and facilitators --------------------------------------------------------------------


def add_moderator(space, email, by):
    """Make the account with this email a moderator of `space` (and its sub-workstreams)."""
    from portal.auth.services import find_user_by_email
    from portal.forum.models import WorkingGroupModerator

    user = find_user_by_email(email)
    if user is None or not user.is_active:
        raise ForumError(_l("No active account has this email address."))
    if space.acl not in principals_of(user):
        raise ForumError(_l("%(name)s cannot read this working group.", name=user.name))
    if db.session.get(WorkingGroupModerator, (space.id, user.id)) is not None:
        raise ForumError(_l("%(name)s already moderates this working group.", name=user.name))
    db.session.add(WorkingGroupModerator(working_group_id=space.id, user_id=user.id))
    record("forum.moderator_add", target=space, actor=by, user_id=user.id)
    return user


def remove_moderator(space, user, by):
    from portal.forum.models import WorkingGroupModerator

    db.session.execute(
        db.delete(WorkingGroupModerator).where(
            WorkingGroupModerator.working_group_id == space.id,
            WorkingGroupModerator.user_id == user.id,
        )
    )
    record("forum.moderator_remove", target=space, actor=by, user_id=user.id)
