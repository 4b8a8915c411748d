"""The notifications benchmark's data: thousands of people watching one topic, none another.

`populate(watchers, seed)` fills a freshly migrated database, inside an application context:
the delegations and working groups of the portal's own loaders, the benchmark account (a
State Party delegate who signs in and posts) and `watchers` other active people (bulk insert,
one shared password hash, as bench/forum_data.py makes them), and in the working group `SPACE`
(readable by every user, so that the access policy keeps every watcher) two topics with one
thread each, opened by the benchmark account through the forum's services. Everyone but the
benchmark account watches topic A, with the delivery mix of `DELIVERY_SHARES`; nobody follows
topic B.

`add_digest_backlog(dataset, day)` then gives each watcher `DIGEST_ITEMS` unsent notifications
of `day` with daily delivery, about posts of topic A's thread.
"""

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import insert, select, text

from bench.forum_data import (
    BENCH_EMAIL,
    BENCH_PASSWORD,
    SECRETARIAT_OFFICERS,
    create_users,
    finish_load,
)
from portal.accounts.reference import load_delegations
from portal.core.jobs import Job, run_due_jobs
from portal.extensions import db
from portal.forum.models import Post, ThreadKind, WorkingGroup
from portal.forum.reference import load_working_groups
from portal.forum.services import create_thread, create_topic, reply
from portal.notifications.models import (
    Delivery,
    Level,
    Notification,
    Reason,
    Subscription,
    TargetType,
)

#: A working group every active user may read (acl `user`).
SPACE = "WGTR"
#: How the watchers of topic A receive what they watch, in shares of 100.
DELIVERY_SHARES = {Delivery.INSTANT.value: 60, Delivery.DAILY.value: 30, Delivery.IN_APP.value: 10}
#: The unsent daily notifications each watcher has when the daily digest runs.
DIGEST_ITEMS = 3
BATCH = 2_000

TOPIC_A = "Brokering controls: national registers of brokers"
TOPIC_B = "Transit and trans-shipment: practical cases"
THREAD_A = "How do you verify a broker's registration abroad?"
THREAD_B = "Notification of transit States: who informs whom"
OPENING_A = (
    "Our licensing office checks every broker against the national register before a licence "
    "is granted. How do other States verify a broker who is registered abroad?"
)
OPENING_B = (
    "When a shipment crosses our territory, we are often told late or not at all. Which "
    "authority informs the transit State, and when?"
)
EARLIER_REPLIES = [
    "We ask the broker's home authority for a written confirmation of the registration.",
    "Our register is public: anyone can check a broker's number and the dates of validity.",
    "We rely on the end-user certificate and on checks of the broker's past transactions.",
]


@dataclass
class Dataset:
    """What the benchmark needs to know about the data it made."""

    users: int
    watchers: int
    deliveries: dict
    thread_a_id: int
    thread_b_id: int
    email: str = BENCH_EMAIL
    password: str = BENCH_PASSWORD


def populate(watchers, seed=20261125):
    """Fill the (empty, migrated) database; returns the `Dataset`. Needs an app context."""
    load_delegations()
    load_working_groups()
    db.session.commit()
    rng = random.Random(f"{seed}:notifications")
    users = create_users(rng, watchers - SECRETARIAT_OFFICERS)
    bench = next(user for user in users if user.email == BENCH_EMAIL)
    others = [user for user in users if user.id != bench.id]
    thread_a, thread_b = write_forum(bench, others)
    # The fan-outs of the threads and replies above, before anyone watches: they reach only
    # the benchmark account (replies to its thread).
    run_due_jobs(limit=1_000)
    failed = db.session.scalars(select(Job).where(Job.last_error.is_not(None))).first()
    if failed is not None:
        raise RuntimeError(f"job {failed.kind} failed:\n{failed.last_error}")
    deliveries = subscribe_all(rng, others, thread_a.topic_id)
    finish_load()
    return Dataset(
        users=len(users),
        watchers=len(others),
        deliveries=deliveries,
        thread_a_id=thread_a.id,
        thread_b_id=thread_b.id,
    )


def write_forum(bench, others):
    """Topics A and B in `SPACE` with a thread each; A's thread has a few replies by others,
    which the digest notifications are about. Written through the services, as a person
    would; returns the two threads."""
    space = db.session.scalar(select(WorkingGroup).where(WorkingGroup.code == SPACE))
    officer = others[0]
    threads = []
    for topic_title, thread_title, opening in [
        (TOPIC_A, THREAD_A, OPENING_A),
        (TOPIC_B, THREAD_B, OPENING_B),
    ]:
        topic = create_topic(space, officer, topic_title, "", 12, [])
        thread, _post = create_thread(
            topic, bench, ThreadKind.DISCUSSION.value, thread_title, opening
        )
        threads.append(thread)
    repliers = others[SECRETARIAT_OFFICERS : SECRETARIAT_OFFICERS + len(EARLIER_REPLIES)]
    for author, body in zip(repliers, EARLIER_REPLIES, strict=True):
        reply(threads[0], author, body)
    db.session.commit()
    return threads


def subscribe_all(rng, people, topic_id):
    """Each person watches the topic, with a delivery drawn from `DELIVERY_SHARES`; returns
    how many people have each delivery."""
    choices = rng.choices(list(DELIVERY_SHARES), list(DELIVERY_SHARES.values()), k=len(people))
    rows = [
        dict(
            user_id=person.id,
            target_type=TargetType.TOPIC.value,
            target_id=topic_id,
            target_code="",
            level=Level.WATCHING.value,
            delivery=delivery,
            name="",
            query="",
            filters={},
        )
        for person, delivery in zip(people, choices, strict=True)
    ]
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(Subscription.__table__), rows[start : start + BATCH])
    db.session.commit()
    return {delivery: choices.count(delivery) for delivery in DELIVERY_SHARES}


def add_digest_backlog(dataset, day):
    """Give every watcher `DIGEST_ITEMS` unsent daily notifications of `day` (a date) about the
    earlier replies in topic A's thread; returns how many were written."""
    posts = db.session.scalars(
        select(Post)
        .where(Post.thread_id == dataset.thread_a_id, Post.number > 1)
        .order_by(Post.number)
        .limit(DIGEST_ITEMS)
    ).all()
    if len(posts) < DIGEST_ITEMS:
        raise RuntimeError(f"topic A's thread has {len(posts)} replies, not {DIGEST_ITEMS}")
    watchers = db.session.scalars(
        select(Subscription.user_id).where(
            Subscription.target_type == TargetType.TOPIC.value,
            Subscription.target_id == posts[0].thread.topic_id,
        )
    ).all()
    space_id = posts[0].thread.topic.working_group_id
    start = datetime.combine(day, time(8))
    rows = []
    for user_id in watchers:
        for index, post in enumerate(posts):
            rows.append(
                dict(
                    user_id=user_id,
                    event_id=None,
                    dedupe_key=f"bench-digest:{day.isoformat()}:{post.id}",
                    reason=Reason.WATCHING.value,
                    delivery=Delivery.DAILY.value,
                    subject_type="post",
                    subject_id=post.id,
                    coalesce_key=f"thread:{post.thread_id}",
                    working_group_id=space_id,
                    actor_id=post.author_id,
                    created_at=start + timedelta(hours=3 * index),
                )
            )
    for first in range(0, len(rows), BATCH):
        db.session.execute(insert(Notification.__table__), rows[first : first + BATCH])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # As autovacuum would soon after a day's notifications arrived: planner statistics.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE notifications"))
    return len(rows)
