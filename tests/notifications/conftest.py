"""Notification fixtures: the forum's and the library's builders, following things as a person
does (`follow`), and reading back what people were told (`notifications_of`, `jobs_of`).

Everything is made through the services, as the pages make it, and committed, as a request
would; the fan-out and the emails then run with `run_due_jobs()`.
"""

import pytest
from sqlalchemy import select

from portal.core.jobs import Job, run_due_jobs
from portal.extensions import db
from portal.notifications.models import Notification
from portal.notifications.services import settings_of, subscribe
from tests.forum import conftest as forum_fixtures
from tests.library import conftest as library_fixtures

forum = forum_fixtures.forum
signed_in = forum_fixtures.signed_in
errors_are_shown = forum_fixtures.errors_are_shown
library = library_fixtures.library


def notifications_of(user):
    """The notifications of `user`, oldest first, as the database has them now."""
    db.session.expire_all()
    return db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    ).all()


def jobs_of(kind):
    """The jobs of `kind`, oldest first, as the database has them now."""
    db.session.expire_all()
    return db.session.scalars(select(Job).where(Job.kind == kind).order_by(Job.id)).all()


@pytest.fixture
def follow(app):
    """`follow(user, target, level="watching", delivery=None)`: subscribe `user` to a working
    group, topic or thread (the row), or to a document type (its code), and commit. `delivery`
    None means the person's default."""

    def do_follow(user, target, level="watching", delivery=None):
        if isinstance(target, str):
            target_type, target_id, code = "document_type", 0, target
        else:
            target_type = {
                "working_groups": "working_group",
                "topics": "topic",
                "threads": "thread",
            }[target.__tablename__]
            target_id, code = target.id, ""
        subscription = subscribe(user, target_type, target_id, code, level, delivery)
        db.session.commit()
        return subscription

    return do_follow


@pytest.fixture
def default_delivery(app):
    """`default_delivery(user, delivery)`: set the person's default delivery, and commit."""

    def set_default(user, delivery):
        settings_of(user).default_delivery = delivery
        db.session.commit()

    return set_default


@pytest.fixture
def place(forum, make):
    """An open working group with a topic and a thread (whose author watches it)."""
    space = forum.space()
    topic = forum.topic(space)
    author = make.user(name="Thread Author")
    thread = forum.thread(topic, author=author, title="Brokering controls")
    run_due_jobs()
    return space, topic, thread, author
