"""Forum fixtures: working groups, chairs, topics, threads and posts.

Topics, threads and posts are made through portal.forum.services, as the pages make them, so
that every acl is derived the way production derives it; only working groups (reference data
with no service) are plain rows. `forum.bulk_posts` / `forum.bulk_threads` insert many rows at
once, with the acl and numbers the services would give, for the tests that need hundreds.
"""

import io
import itertools
import traceback
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select, update
from werkzeug.datastructures import FileStorage

from portal.core import errors
from portal.core.audit import AuditEvent
from portal.core.events import Event
from portal.core.models import now_utc
from portal.extensions import db
from portal.forum import services
from portal.forum.models import (
    Attachment,
    Flag,
    Post,
    PostRevision,
    Thread,
    ThreadRead,
    Topic,
    WorkingGroup,
    WorkingGroupModerator,
)

_codes = itertools.count(1)

#: The rows a refused request must leave as they were.
COUNTED = {
    "topics": Topic,
    "threads": Thread,
    "posts": Post,
    "post_attachments": Attachment,
    "post_revisions": PostRevision,
    "post_flags": Flag,
    "events": Event,
}


def row_counts():
    """How many rows each forum table holds, and the events and forum audit entries."""
    counts = {
        name: db.session.scalar(select(func.count()).select_from(model))
        for name, model in COUNTED.items()
    }
    # Signing in is audited too; only the forum's own entries matter here.
    counts["audit_events"] = db.session.scalar(
        select(func.count()).where(AuditEvent.action.like("forum.%"))
    )
    return counts


def upload(content=b"Export control list, national practice.\n", name="practice.txt"):
    """A file as a form sends it, for the services."""
    return FileStorage(stream=io.BytesIO(content), filename=name)


#: The first bytes of a Windows program: refused whatever the file is called.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


class Forum:
    """Builds forum content for a test; every method commits, as a request would."""

    def __init__(self, make):
        self.make = make
        self._officer = None

    @property
    def officer(self):
        """A Secretariat account that creates topics and moderates when no one else is named."""
        if self._officer is None:
            self._officer = self.make.secretariat(name="Forum Officer")
        return self._officer

    def space(self, level="users", group=None, parent=None, code=None):
        number = next(_codes)
        space = WorkingGroup(
            code=code or f"WG{number}",
            names={"en": f"Working group {number}", "fr": f"Groupe de travail {number}"},
            parent=parent,
            position=number,
            access_level=level,
            group_id=group.id if group is not None else None,
        )
        space.derive_acl()
        db.session.add(space)
        db.session.commit()
        return space

    def chair(self, space, user=None):
        """Make `user` (a new State Party delegate by default) a moderator of `space`."""
        user = user or self.make.user(name=f"Chair of {space.code}")
        db.session.add(WorkingGroupModerator(working_group_id=space.id, user_id=user.id))
        db.session.commit()
        return user

    def topic(self, space, title=None, questions=(), level=None, group=None, by=None, cycle=None):
        topic = services.create_topic(
            space,
            by or self.officer,
            title or f"Topic {next(_codes)}",
            "Agenda item **description**.",
            cycle,
            list(questions),
        )
        if level:
            services.set_topic_access(topic, level, group.id if group else None, by or self.officer)
        db.session.commit()
        return topic

    def thread(self, topic, author=None, title=None, body="The opening post.", **options):
        thread, _post = services.create_thread(
            topic,
            author or self.make.user(),
            options.pop("kind", "discussion"),
            title or f"Thread {next(_codes)}",
            body,
            **options,
        )
        db.session.commit()
        return thread

    def reply(self, thread, author=None, body="A reply.", **options):
        post = services.reply(thread, author or self.make.user(), body, **options)
        db.session.commit()
        return post

    def opening(self, thread):
        return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))

    def hide(self, post, by=None, reason="Off topic."):
        services.hide_post(post, by or self.officer, reason)
        db.session.commit()
        return post

    def withdraw(self, post):
        services.withdraw_post(post, post.author)
        db.session.commit()
        return post

    def lock(self, thread):
        services.set_locked(thread, self.officer, True)
        db.session.commit()
        return thread

    def pin(self, thread):
        services.set_pinned(thread, self.officer, True)
        db.session.commit()
        return thread

    def close(self, topic):
        services.close_topic(topic, self.officer)
        db.session.commit()
        return topic

    def flag(self, post, by=None, reason="This is not about the treaty."):
        flag = services.flag_post(post, by or self.make.user(), reason)
        db.session.commit()
        return flag

    def bulk_threads(self, topic, count, authors, posts_per_thread=1):
        """`count` threads in `topic`, each with `posts_per_thread` posts, inserted in bulk."""
        start = now_utc() - timedelta(days=1)
        ids = []
        for index in range(count):
            author = authors[index % len(authors)]
            ids.append(
                db.session.execute(
                    insert(Thread).returning(Thread.id),
                    {
                        "topic_id": topic.id,
                        "kind": "discussion",
                        "title": f"Bulk thread {index}",
                        "author_id": author.id,
                        "delegation_id": author.delegation_id,
                        "post_count": posts_per_thread,
                        "last_post_at": start + timedelta(seconds=index),
                        "acl": topic.acl,
                        "created_at": start,
                    },
                ).scalar_one()
            )
        db.session.execute(
            insert(Post),
            [
                {
                    "thread_id": thread_id,
                    "number": number,
                    "author_id": authors[(index + number) % len(authors)].id,
                    "delegation_id": authors[(index + number) % len(authors)].delegation_id,
                    "body_source": f"Bulk post {number}",
                    "body_html": f"<p>Bulk post {number}</p>",
                    "acl": topic.acl,
                    "created_at": start,
                }
                for index, thread_id in enumerate(ids)
                for number in range(1, posts_per_thread + 1)
            ],
        )
        db.session.commit()
        return ids

    def bulk_posts(self, thread, count, authors, question=None, attachment=None):
        """`count` more posts in `thread` by `authors` in turn, inserted in bulk. Every post
        answers `question` (if given), quotes the post before it and carries a copy of the
        stored `attachment` (if given), so that a page shows every kind of related row."""
        first = thread.post_count + 1
        rows = []
        for number in range(first, first + count):
            author = authors[number % len(authors)]
            rows.append(
                {
                    "thread_id": thread.id,
                    "number": number,
                    "author_id": author.id,
                    "delegation_id": author.delegation_id,
                    "body_source": f"Post number {number}",
                    "body_html": f"<p>Post number {number}</p>",
                    "question_id": question.id if question is not None else None,
                    "acl": thread.acl,
                    "created_at": now_utc(),
                }
            )
        db.session.execute(insert(Post), rows)
        by_number = dict(
            db.session.execute(
                select(Post.number, Post.id).where(Post.thread_id == thread.id)
            ).all()
        )
        db.session.execute(
            update(Post),
            [
                {"id": by_number[number], "quoted_post_id": by_number[number - 1]}
                for number in range(max(first, 2), first + count)
            ],
        )
        if attachment is not None:
            db.session.execute(
                insert(Attachment),
                [
                    {
                        "post_id": by_number[number],
                        "sha256": attachment.sha256,
                        "size": attachment.size,
                        "mime_type": attachment.mime_type,
                        "name": f"annex-{number}.txt",
                        "acl": thread.acl,
                        "created_at": now_utc(),
                    }
                    for number in range(first, first + count)
                ],
            )
        thread.post_count += count
        thread.last_post_at = now_utc()
        db.session.commit()


@pytest.fixture(autouse=True)
def errors_are_shown(monkeypatch):
    """Print the traceback of an unexpected error: the error page hides it, and the migrations'
    logging configuration silences the portal's loggers in tests."""
    monkeypatch.setattr(errors.log, "exception", lambda *args, **kwargs: traceback.print_exc())


@pytest.fixture
def forum(make):
    return Forum(make)


@pytest.fixture
def signed_in(app, sign_in):
    """A test client signed in as `user`: one per person, as one browser each, signed in once
    (a second sign-in within 30 seconds would need a TOTP code already used)."""
    clients = {}

    def client_of(user):
        if user.id not in clients:
            clients[user.id] = app.test_client()
            sign_in(user, http=clients[user.id])
        return clients[user.id]

    return client_of


def read_marker(user, thread):
    marker = db.session.get(ThreadRead, (user.id, thread.id))
    return marker.last_read_number if marker else 0
