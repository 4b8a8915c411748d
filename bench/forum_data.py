"""The benchmark's forum: delegations, people, working groups, topics, threads and posts.

`populate(scale, seed)` fills a freshly migrated database, inside an application context, with
50 topics, 2,000 threads and 20,000 posts per unit of `scale`. Reference data (delegations,
working groups) comes from the portal's own loaders; the rest is written with bulk Core
inserts, in batches, because going through the services would take hours at SCALE=10.

The rows keep the invariants the services maintain: posts are numbered 1..n in each thread,
`thread.post_count` and `thread.last_post_at` match the posts, every row's `acl` is its
topic's (which is its working group's), a post's author can read it, and each author has a
read marker up to their own last post (as `add_post` leaves it).

One "hot" topic (`HOT_TOPIC_THREADS` threads) and one "hot" thread in it (`HOT_THREAD_POSTS`
posts) are the pages measured. They are drawn from a random stream of their own and written
first, so they are the same rows at every SCALE: only the rest of the database grows.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, text

from bench import prose
from portal.access import principals_of
from portal.accounts.models import Delegation, DelegationKind, User
from portal.accounts.reference import load_delegations
from portal.auth.passwords import hash_password
from portal.core.text import render_markdown
from portal.extensions import db
from portal.forum.models import (
    Attachment,
    GuidingQuestion,
    Post,
    Thread,
    ThreadKind,
    ThreadRead,
    Topic,
    WorkingGroup,
)
from portal.forum.reference import load_working_groups

TOPICS_PER_SCALE = 50
THREADS_PER_SCALE = 2_000
POSTS_PER_SCALE = 20_000
USERS_PER_SCALE = 150

#: The measured pages: a topic with three pages of threads, a thread with three pages of posts.
HOT_SPACE = "WGETI-11"
HOT_TOPIC_THREADS = 120
HOT_THREAD_POSTS = 60
#: The people who write in the hot topic: the first readers of its space, at every SCALE.
HOT_TOPIC_AUTHORS = 40
HOT_TOPIC_TITLE = "Article 11: preventing diversion after delivery"
HOT_THREAD_TITLE = "National practice: post-delivery cooperation with importing States"

#: Distinct post bodies rendered once and reused (rendering is the slow part of generation).
BODY_POOL = 1_500
BATCH = 2_000
#: The newest thread starts a day before this; fixed so that a seed gives the same rows any day.
END = datetime(2026, 11, 1)

#: The account the load tool signs in as: a State Party delegate, so no second factor.
BENCH_EMAIL = "delegate.bench@bench.att-portal.invalid"
BENCH_PASSWORD = "quiet-harbour-ledger-7319-benchmark"
BENCH_DELEGATION = "MEX"

#: How much more often people from each kind of delegation write than the others.
KIND_WEIGHTS = {
    DelegationKind.STATE_PARTY.value: 6,
    DelegationKind.SIGNATORY.value: 2,
    DelegationKind.SECRETARIAT.value: 0,  # the Secretariat's few officers are added by hand
}
SECRETARIAT_OFFICERS = 3
SPACE_WEIGHTS = {
    "WGETI": 4, "WGETI-6-7": 3, "WGETI-9": 2, "WGETI-11": 2, "WGTR": 4,
    "WGTU": 3, "MC": 2, "CSP-PREP": 2, "INFORMAL": 1,
}
KINDS = [ThreadKind.DISCUSSION.value, ThreadKind.NATIONAL_PRACTICE.value, ThreadKind.QUESTION.value]
KIND_SHARES = [6, 3, 2]

FIRST_NAMES = [
    "Amina", "Carlos", "Li", "Olga", "Kwame", "Sofia", "Ahmed", "Mei", "Jean", "Fatou",
    "Mateo", "Anna", "Rahul", "Yuki", "Nadia", "Pedro", "Ingrid", "Tunde", "Lucia", "Omar",
    "Elena", "Kofi", "Sara", "Dmitri", "Aisha", "Tomás", "Hana", "Marc", "Zanele", "Ivan",
]
LAST_NAMES = [
    "Okafor", "García", "Wang", "Petrova", "Mensah", "Rossi", "Haddad", "Chen", "Dupont",
    "Diallo", "Fernández", "Kowalska", "Sharma", "Tanaka", "Benali", "Silva", "Larsen",
    "Adeyemi", "Moreno", "Khalil", "Ivanova", "Asante", "Cohen", "Volkov", "Bello", "Ruiz",
    "Novak", "Lefèvre", "Dlamini", "Sokolov",
]
FUNCTIONS = ["Delegate", "Licensing officer", "Legal adviser", "Customs officer", "Counsellor"]
ATTACHMENT_NAMES = [
    ("national-control-list.pdf", "application/pdf"),
    ("end-user-certificate-template.docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("licensing-statistics.xlsx",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("working-paper-draft.pdf", "application/pdf"),
]


@dataclass
class Dataset:
    """What the benchmark needs to know about the data it made."""

    topics: int
    threads: int
    posts: int
    users: int
    hot_topic_id: int
    hot_thread_id: int
    hot_topic_title: str = HOT_TOPIC_TITLE
    hot_thread_title: str = HOT_THREAD_TITLE
    email: str = BENCH_EMAIL
    password: str = BENCH_PASSWORD


class BulkWriter:
    """Buffers rows per table and inserts them with executemany, parents before children."""

    ORDER = [Topic, GuidingQuestion, Thread, Post, Attachment, ThreadRead]

    def __init__(self, connection):
        self.connection = connection
        self.rows = {model: [] for model in self.ORDER}

    def add(self, model, row):
        self.rows[model].append(row)
        if len(self.rows[model]) >= BATCH:
            self.flush()

    def flush(self):
        # Every buffer, in dependency order: a post's thread is inserted before the post.
        for model in self.ORDER:
            if self.rows[model]:
                self.connection.execute(insert(model.__table__), self.rows[model])
                self.rows[model] = []


class Ids:
    """The next primary key of each table; rows carry explicit ids so that posts can quote
    earlier posts and read markers can name threads before anything is inserted."""

    def __init__(self, *models):
        self.next = {
            model: (db.session.scalar(select(func.max(model.id))) or 0) + 1 for model in models
        }

    def take(self, model, count=1):
        first = self.next[model]
        self.next[model] += count
        return first


def populate(scale, seed=20261125):
    """Fill the (empty, migrated) database; returns the `Dataset`. Needs an app context."""
    load_delegations()
    load_working_groups()
    db.session.commit()
    users = create_users(random.Random(f"{seed}:users"), USERS_PER_SCALE * scale)
    readers = readers_by_acl(users)
    bodies = body_pool(random.Random(f"{seed}:bodies"))
    spaces = {space.code: space for space in db.session.scalars(select(WorkingGroup))}
    secretariat = [u.id for u in users if u.is_secretariat]
    ids = Ids(Topic, GuidingQuestion, Thread, Post)
    with db.engine.begin() as connection:
        forum = ForumBuilder(BulkWriter(connection), ids, readers, bodies, secretariat, users)
        hot_topic_id, hot_thread_id = forum.hot_topic(random.Random(f"{seed}:hot"), spaces[HOT_SPACE])
        forum.rest(random.Random(f"{seed}:forum"), scale, spaces)
        forum.writer.flush()
    finish_load()
    return Dataset(
        topics=count(Topic),
        threads=count(Thread),
        posts=count(Post),
        users=count(User),
        hot_topic_id=hot_topic_id,
        hot_thread_id=hot_thread_id,
    )


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def create_users(rng, how_many):
    """The benchmark account, a few Secretariat officers and `how_many` delegates.

    Drawn in order from `rng`, so the first people are the same at every SCALE (the hot topic
    is written by them). Everyone but the benchmark account shares one password hash: hashing
    is deliberately slow, and nobody else signs in.
    """
    delegations = db.session.scalars(select(Delegation).order_by(Delegation.id)).all()
    by_short_name = {d.short_name: d for d in delegations}
    secretariat = next(d for d in delegations if d.kind == DelegationKind.SECRETARIAT.value)
    others = [d for d in delegations if KIND_WEIGHTS.get(d.kind, 1)]
    weights = [KIND_WEIGHTS.get(d.kind, 1) for d in others]
    shared_hash = hash_password(f"not-used-{rng.random()}")
    now = END
    first_id = (db.session.scalar(select(func.max(User.id))) or 0) + 1
    rows = [
        user_row(first_id, BENCH_EMAIL, "Benchmark Delegate", by_short_name[BENCH_DELEGATION],
                 "Delegate", hash_password(BENCH_PASSWORD), now)
    ]
    for number in range(SECRETARIAT_OFFICERS + how_many):
        delegation = secretariat if number < SECRETARIAT_OFFICERS else rng.choices(others, weights)[0]
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"person{number}@{delegation.short_name.lower()}.bench.att-portal.invalid"
        function = "Programme officer" if delegation is secretariat else rng.choice(FUNCTIONS)
        rows.append(
            user_row(first_id + 1 + number, email, f"{first} {last}", delegation, function,
                     shared_hash, now)
        )
    db.session.execute(insert(User.__table__), rows)
    db.session.commit()
    return db.session.scalars(select(User).order_by(User.id)).all()


def user_row(user_id, email, name, delegation, function, password_hash, now):
    return dict(
        id=user_id,
        created_at=now - timedelta(days=800),
        email=email,
        name=name,
        function=function,
        delegation_id=delegation.id,
        role="member",
        language="en",
        status="active",
        password_hash=password_hash,
        password_changed_at=now - timedelta(days=800),
        totp_secret=None,
        totp_last_step=None,
        last_sign_in_at=None,
    )


def readers_by_acl(users):
    """For each acl, the people (id, delegation id) who may read it, in id order.

    Decided by the access policy itself (`principals_of`), so that nobody writes in a space
    they could not read. The benchmark account writes nothing.
    """
    readers = {}
    for user in users:
        if user.email == BENCH_EMAIL:
            continue
        for principal in principals_of(user):
            readers.setdefault(principal, []).append((user.id, user.delegation_id))
    return readers


def body_pool(rng):
    """(Markdown, cleaned HTML) pairs, rendered once by the portal's own renderer."""
    pool = []
    for _ in range(BODY_POOL):
        source = prose.post_body(rng)
        pool.append((source, render_markdown(source)))
    return pool


class ForumBuilder:
    """Writes topics, their guiding questions, threads, posts, attachments and read markers."""

    def __init__(self, writer, ids, readers, bodies, secretariat, users):
        self.writer = writer
        self.ids = ids
        self.readers = readers
        self.bodies = bodies
        self.secretariat = secretariat
        self.bench_user_id = next(u.id for u in users if u.email == BENCH_EMAIL)
        self.posts_written = 0

    def hot_topic(self, rng, space):
        """The measured topic and thread; returns their ids."""
        topic_id, questions = self.topic(rng, space, title=HOT_TOPIC_TITLE, questions=4)
        # The first people drawn are the same at every SCALE, so the hot rows are too.
        authors = self.readers[space.acl][:HOT_TOPIC_AUTHORS]
        hot_index = HOT_TOPIC_THREADS // 3
        hot_thread_id = None
        for index in range(HOT_TOPIC_THREADS):
            if index == hot_index:
                hot_thread_id = self.thread(
                    rng, topic_id, space.acl, questions, HOT_THREAD_POSTS, authors,
                    title=HOT_THREAD_TITLE, kind=ThreadKind.NATIONAL_PRACTICE.value,
                )
                continue
            thread_id = self.thread(
                rng, topic_id, space.acl, questions, 1 + min(int(rng.expovariate(1 / 8)), 80),
                authors, pinned=index < 2,
            )
            self.bench_reader_marker(rng, thread_id)
        return topic_id, hot_thread_id

    def rest(self, rng, scale, spaces):
        """Everything else: the topics, threads and posts that grow with SCALE."""
        space_list = list(spaces.values())
        space_weights = [SPACE_WEIGHTS.get(s.code, 1) for s in space_list]
        topics = []
        for _ in range(TOPICS_PER_SCALE * scale - 1):
            space = rng.choices(space_list, space_weights)[0]
            topic_id, questions = self.topic(rng, space)
            topics.append((topic_id, space.acl, questions))
        thread_count = THREADS_PER_SCALE * scale - HOT_TOPIC_THREADS
        post_count = POSTS_PER_SCALE * scale - self.posts_written
        topic_of_thread = rng.choices(
            range(len(topics)), [rng.lognormvariate(0, 0.7) for _ in topics], k=thread_count
        )
        # Every thread has its opening post; replies go mostly to a few lively threads.
        posts_of_thread = [1] * thread_count
        for index in rng.choices(
            range(thread_count),
            [rng.lognormvariate(0, 0.9) for _ in range(thread_count)],
            k=post_count - thread_count,
        ):
            posts_of_thread[index] += 1
        for topic_index, posts in zip(topic_of_thread, posts_of_thread):
            topic_id, acl, questions = topics[topic_index]
            self.thread(rng, topic_id, acl, questions, posts)

    def topic(self, rng, space, title=None, questions=None):
        topic_id = self.ids.take(Topic)
        description = prose.paragraph(rng)
        self.writer.add(Topic, dict(
            id=topic_id,
            created_at=END - timedelta(days=rng.uniform(730, 900)),
            working_group_id=space.id,
            title=title or prose.topic_title(rng),
            description_source=description,
            description_html=render_markdown(description),
            cycle=rng.randint(8, 12),
            is_closed=rng.random() < 0.1 and title is None,
            access_level=None,
            group_id=None,
            acl=space.acl,
            created_by_id=rng.choice(self.secretariat),
        ))
        how_many = questions if questions is not None else rng.choice([0, 0, 2, 3, 3, 4])
        question_ids = []
        for position in range(how_many):
            question_id = self.ids.take(GuidingQuestion)
            self.writer.add(GuidingQuestion, dict(
                id=question_id, topic_id=topic_id, position=position,
                text=prose.guiding_question(rng),
            ))
            question_ids.append(question_id)
        return topic_id, question_ids

    def thread(self, rng, topic_id, acl, questions, posts, authors=None, title=None, kind=None,
               pinned=False):
        """A thread with `posts` posts and its authors' read markers; returns its id.

        `authors` limits who may write (default: everyone who can read `acl`).
        """
        thread_id = self.ids.take(Thread)
        first_post_id = self.ids.take(Post, posts)
        kind = kind or rng.choices(KINDS, KIND_SHARES)[0]
        pool = authors or self.readers[acl]
        participants = rng.sample(pool, min(len(pool), rng.randint(2, 8)))
        times = [END - timedelta(days=rng.uniform(1, 720))]
        for _ in range(posts - 1):
            times.append(times[-1] + timedelta(hours=rng.expovariate(1 / 20)))
        author_id, delegation_id = participants[0]
        # The thread before its posts: a full buffer is flushed parents first.
        self.writer.add(Thread, dict(
            id=thread_id,
            created_at=times[0],
            topic_id=topic_id,
            kind=kind,
            title=title or prose.thread_title(rng),
            author_id=author_id,
            delegation_id=delegation_id,
            is_locked=title is None and rng.random() < 0.02,
            is_pinned=pinned,
            post_count=posts,
            last_post_at=times[-1],
            acl=acl,
        ))
        read_up_to = {}
        for number, at in enumerate(times, 1):
            author_id, delegation_id = participants[0] if number == 1 else rng.choice(participants)
            self.post(rng, first_post_id, number, thread_id, acl, questions, kind,
                      author_id, delegation_id, at)
            read_up_to[author_id] = number
        for user_id, number in read_up_to.items():
            self.writer.add(ThreadRead, dict(
                user_id=user_id, thread_id=thread_id, last_read_number=number
            ))
        self.posts_written += posts
        return thread_id

    def post(self, rng, first_post_id, number, thread_id, acl, questions, kind,
             author_id, delegation_id, at):
        post_id = first_post_id + number - 1
        source, html = self.bodies[rng.randrange(len(self.bodies))]
        answers = 0.7 if number == 1 else 0.1
        if kind != ThreadKind.NATIONAL_PRACTICE.value:
            answers = 0.03
        hidden = rng.random() < 0.003
        self.writer.add(Post, dict(
            id=post_id,
            created_at=at,
            thread_id=thread_id,
            number=number,
            author_id=author_id,
            delegation_id=delegation_id,
            body_source=source,
            body_html=html,
            question_id=rng.choice(questions) if questions and rng.random() < answers else None,
            quoted_post_id=(
                first_post_id + rng.randrange(number - 1)
                if number > 1 and rng.random() < 0.12 else None
            ),
            edited_at=at + timedelta(minutes=rng.randint(5, 600)) if rng.random() < 0.05 else None,
            withdrawn_at=at + timedelta(days=1) if rng.random() < 0.005 else None,
            hidden_at=at + timedelta(hours=3) if hidden else None,
            hidden_reason="Off-topic: please move this to the informal space." if hidden else None,
            hidden_by_id=rng.choice(self.secretariat) if hidden else None,
            acl=acl,
        ))
        if rng.random() < 0.02:
            name, mime_type = rng.choice(ATTACHMENT_NAMES)
            self.writer.add(Attachment, dict(
                created_at=at,
                post_id=post_id,
                sha256=f"{rng.getrandbits(256):064x}",
                size=rng.randint(20_000, 2_000_000),
                mime_type=mime_type,
                name=name,
                acl=acl,
            ))

    def bench_reader_marker(self, rng, thread_id):
        """The benchmark account has read some threads of the hot topic, partly or wholly."""
        if rng.random() < 0.6:
            self.writer.add(ThreadRead, dict(
                user_id=self.bench_user_id, thread_id=thread_id, last_read_number=rng.randint(1, 3)
            ))


def finish_load():
    """What a PostgreSQL server does on its own after a bulk load, done now: sequences past the
    explicit ids, and planner statistics (autovacuum would ANALYZE the new tables within
    minutes). SQLite is left as the portal leaves it: nothing there runs ANALYZE."""
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.begin() as connection:
        for model in (User, Topic, GuidingQuestion, Thread, Post):
            table = model.__tablename__
            connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            ))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
