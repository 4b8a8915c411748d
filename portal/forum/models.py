"""Working groups (the spaces), their topics, threads and posts, and what readers and
moderators leave on them (read markers, flags, revisions, attachments).

Every readable row stores its `acl`, derived from its container when it is saved: working
group -> topic -> thread -> post -> attachment. A change of a space's or topic's level
re-derives the rows below it (portal.forum.services.rederive_access).
"""

import enum

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from portal.access.levels import AccessLevel, acl_for
from portal.core.models import CreatedMixin, IdMixin
from portal.extensions import db


class WorkingGroup(IdMixin, CreatedMixin, db.Model):
    """A working group, sub-workstream or other standing space (reference data)."""

    __tablename__ = "working_groups"

    #: Short code used in document symbols and filters, for example `WGTR`.
    code = db.Column(db.String(32), nullable=False, unique=True)
    #: The name in each of the six languages: {"en": ..., "fr": ...}.
    names = db.Column(db.JSON, nullable=False)
    parent_id = db.Column(db.Integer, db.ForeignKey("working_groups.id"), index=True)
    position = db.Column(db.Integer, nullable=False, default=0)
    access_level = db.Column(
        db.Enum(*[level.value for level in AccessLevel], name="access_level", native_enum=False),
        nullable=False,
        default=AccessLevel.USERS.value,
    )
    description = db.Column(db.Text, nullable=False, default="")
    #: The member group of a closed space (access level `group`).
    group_id = db.Column(db.Integer, db.ForeignKey("groups.id"))
    #: The principal a reader needs, derived from the access level (see portal.access).
    acl = db.Column(db.String(64), nullable=False, index=True)

    parent = db.relationship("WorkingGroup", remote_side="WorkingGroup.id", backref="children")

    def derive_acl(self):
        self.acl = acl_for(self.access_level, self.group_id)

    @property
    def display_name(self):
        language = str(get_locale() or "en")
        return self.names.get(language) or self.names["en"]


class WorkingGroupModerator(CreatedMixin, db.Model):
    """A chair or facilitator who moderates inside one working group (and its sub-workstreams)."""

    __tablename__ = "working_group_moderators"

    working_group_id = db.Column(db.Integer, db.ForeignKey("working_groups.id"), primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), primary_key=True)

    user = db.relationship("User")


class Topic(IdMixin, CreatedMixin, db.Model):
    """An agenda item or work-plan topic inside a working group."""

    __tablename__ = "topics"

    working_group_id = db.Column(
        db.Integer, db.ForeignKey("working_groups.id"), nullable=False, index=True
    )
    title = db.Column(db.String(300), nullable=False)
    #: Markdown as written, and the cleaned HTML rendered from it once at write time.
    description_source = db.Column(db.Text, nullable=False, default="")
    description_html = db.Column(db.Text, nullable=False, default="")
    #: The CSP cycle the topic belongs to, by the number of the Conference (CSP12 -> 12).
    cycle = db.Column(db.Integer)
    is_closed = db.Column(db.Boolean, nullable=False, default=False)
    #: A level of its own, stricter than the space's; empty means "as the working group".
    access_level = db.Column(db.String(16))
    group_id = db.Column(db.Integer, db.ForeignKey("groups.id"))
    acl = db.Column(db.String(64), nullable=False, index=True)
    created_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))

    working_group = db.relationship("WorkingGroup", backref="topics")
    questions = db.relationship(
        "GuidingQuestion",
        order_by="GuidingQuestion.position",
        back_populates="topic",
        cascade="all, delete-orphan",
    )


class GuidingQuestion(IdMixin, db.Model):
    __tablename__ = "guiding_questions"

    topic_id = db.Column(db.Integer, db.ForeignKey("topics.id"), nullable=False, index=True)
    position = db.Column(db.Integer, nullable=False)
    text = db.Column(db.Text, nullable=False)

    topic = db.relationship("Topic", back_populates="questions")


class ThreadKind(enum.Enum):
    DISCUSSION = "discussion"
    NATIONAL_PRACTICE = "national_practice"
    QUESTION = "question"

    @property
    def label(self):
        return {
            ThreadKind.DISCUSSION: _l("Discussion"),
            ThreadKind.NATIONAL_PRACTICE: _l("National practice"),
            ThreadKind.QUESTION: _l("Question"),
        }[self]


class Thread(IdMixin, CreatedMixin, db.Model):
    __tablename__ = "threads"

    topic_id = db.Column(db.Integer, db.ForeignKey("topics.id"), nullable=False, index=True)
    kind = db.Column(db.String(32), nullable=False, default=ThreadKind.DISCUSSION.value)
    title = db.Column(db.String(300), nullable=False)
    author_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    #: The author's delegation when the thread was started.
    delegation_id = db.Column(db.Integer, db.ForeignKey("delegations.id"), nullable=False)
    is_locked = db.Column(db.Boolean, nullable=False, default=False)
    is_pinned = db.Column(db.Boolean, nullable=False, default=False)
    #: Kept with each post, so that topic pages need no count per thread.
    post_count = db.Column(db.Integer, nullable=False, default=0)
    last_post_at = db.Column(db.DateTime, nullable=False, index=True)
    acl = db.Column(db.String(64), nullable=False, index=True)

    topic = db.relationship("Topic", backref=db.backref("threads", lazy="dynamic"))
    author = db.relationship("User", foreign_keys=[author_id])
    delegation = db.relationship("Delegation")

    @property
    def kind_enum(self):
        return ThreadKind(self.kind)


class Post(IdMixin, CreatedMixin, db.Model):
    __tablename__ = "posts"
    __table_args__ = (db.UniqueConstraint("thread_id", "number"),)

    thread_id = db.Column(db.Integer, db.ForeignKey("threads.id"), nullable=False, index=True)
    #: 1 for the opening post, then in order: pages and unread markers count by it.
    number = db.Column(db.Integer, nullable=False)
    author_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    delegation_id = db.Column(db.Integer, db.ForeignKey("delegations.id"), nullable=False)
    body_source = db.Column(db.Text, nullable=False)
    body_html = db.Column(db.Text, nullable=False)
    #: The guiding question of the topic that this post answers, if any.
    question_id = db.Column(db.Integer, db.ForeignKey("guiding_questions.id"), index=True)
    quoted_post_id = db.Column(db.Integer, db.ForeignKey("posts.id"))
    edited_at = db.Column(db.DateTime)
    #: Withdrawn by the author: a tombstone stays in the thread.
    withdrawn_at = db.Column(db.DateTime)
    #: Hidden by a moderator, who gives the author a reason.
    hidden_at = db.Column(db.DateTime)
    hidden_reason = db.Column(db.Text)
    hidden_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    acl = db.Column(db.String(64), nullable=False, index=True)

    thread = db.relationship("Thread", backref=db.backref("posts", lazy="dynamic"))
    author = db.relationship("User", foreign_keys=[author_id])
    delegation = db.relationship("Delegation")
    question = db.relationship("GuidingQuestion")
    quoted_post = db.relationship("Post", remote_side="Post.id")
    attachments = db.relationship("Attachment", back_populates="post", order_by="Attachment.id")

    @property
    def is_withdrawn(self):
        return self.withdrawn_at is not None

    @property
    def is_hidden(self):
        return self.hidden_at is not None


class PostRevision(IdMixin, CreatedMixin, db.Model):
    """The text of a post before an edit; readers can compare versions."""

    __tablename__ = "post_revisions"

    post_id = db.Column(db.Integer, db.ForeignKey("posts.id"), nullable=False, index=True)
    body_source = db.Column(db.Text, nullable=False)
    body_html = db.Column(db.Text, nullable=False)
    #: When this version was written (the post's creation or an earlier edit).
    written_at = db.Column(db.DateTime, nullable=False)


class Attachment(IdMixin, CreatedMixin, db.Model):
    """A file attached to a post; stored by content hash, read with the post's access."""

    __tablename__ = "post_attachments"

    post_id = db.Column(db.Integer, db.ForeignKey("posts.id"), nullable=False, index=True)
    sha256 = db.Column(db.String(64), nullable=False)
    size = db.Column(db.Integer, nullable=False)
    mime_type = db.Column(db.String(128), nullable=False)
    name = db.Column(db.String(255), nullable=False)
    acl = db.Column(db.String(64), nullable=False, index=True)
    #: Where the reading of its text for search stands (see portal.search.attachments).
    text_status = db.Column(
        db.String(16), nullable=False, default="pending", server_default="pending"
    )
    text = db.deferred(db.Column(db.Text, nullable=False, default="", server_default=""))

    post = db.relationship("Post", back_populates="attachments")


class ThreadRead(db.Model):
    """How far a person has read a thread: posts numbered above it are unread."""

    __tablename__ = "thread_reads"

    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), primary_key=True)
    thread_id = db.Column(db.Integer, db.ForeignKey("threads.id"), primary_key=True)
    last_read_number = db.Column(db.Integer, nullable=False, default=0)


class PostDraft(db.Model):
    """A reply a person has started in a thread and not posted yet; theirs alone."""

    __tablename__ = "post_drafts"

    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), primary_key=True)
    thread_id = db.Column(db.Integer, db.ForeignKey("threads.id"), primary_key=True)
    body_source = db.Column(db.Text, nullable=False, default="")
    #: The post the reply quotes, checked again when it is posted.
    quoted_post_id = db.Column(db.Integer, db.ForeignKey("posts.id", ondelete="SET NULL"))
    question_id = db.Column(
        db.Integer, db.ForeignKey("guiding_questions.id", ondelete="SET NULL")
    )
    saved_at = db.Column(db.DateTime, nullable=False)


class Flag(IdMixin, CreatedMixin, db.Model):
    """A reader's report of a post, waiting in the moderators' review queue."""

    __tablename__ = "post_flags"

    post_id = db.Column(db.Integer, db.ForeignKey("posts.id"), nullable=False, index=True)
    reporter_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    reason = db.Column(db.Text, nullable=False)
    resolved_at = db.Column(db.DateTime)
    resolved_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    #: `dismissed` or `hidden`.
    resolution = db.Column(db.String(16))

    post = db.relationship("Post")
    reporter = db.relationship("User", foreign_keys=[reporter_id])
