"""Subscriptions, notifications and the record of digests sent.

A subscription says what a person follows (a working group, topic, thread, document type,
diversion information exchange channel or saved search), how closely (its level) and how they
hear of it (its delivery, or their default). A meeting is followed like a thread: every event
about it (a document distributed, the speakers lists published, the agenda changed) reaches its
followers.
Each event fans out to notifications, one per person reached; a notification is shown in the
person's notification centre and, depending on its delivery, emailed at once (coalesced per
thread) or in a daily or weekly digest.
"""

import enum

from flask_babel import lazy_gettext as _l

from portal.core.models import CreatedMixin, IdMixin
from portal.extensions import db


class TargetType(enum.Enum):
    WORKING_GROUP = "working_group"
    TOPIC = "topic"
    THREAD = "thread"
    DOCUMENT_TYPE = "document_type"
    SAVED_SEARCH = "saved_search"
    #: A diversion information exchange channel: every message in it.
    CHANNEL = "channel"
    #: A meeting: its documents, its published speakers lists and changes of its agenda.
    MEETING = "meeting"


class Level(enum.Enum):
    """How closely a person follows something, from the most to the least."""

    WATCHING = "watching"  # every new post or document
    NEW_THREADS = "new_threads"  # new threads and new documents only
    NORMAL = "normal"  # mentions of me and replies to me
    MUTED = "muted"  # nothing, not even mentions

    @property
    def label(self):
        return LEVEL_LABELS[self]


LEVEL_LABELS = {
    Level.WATCHING: _l("Watching: every new post or document"),
    Level.NEW_THREADS: _l("New threads and documents only"),
    Level.NORMAL: _l("Normal: mentions of me and replies to me"),
    Level.MUTED: _l("Muted: nothing"),
}


class Delivery(enum.Enum):
    IN_APP = "in_app"
    INSTANT = "instant"
    DAILY = "daily"
    WEEKLY = "weekly"

    @property
    def label(self):
        return DELIVERY_LABELS[self]


DELIVERY_LABELS = {
    Delivery.IN_APP: _l("In the portal only"),
    Delivery.INSTANT: _l("Email at once"),
    Delivery.DAILY: _l("Daily digest"),
    Delivery.WEEKLY: _l("Weekly digest"),
}


class Reason(enum.Enum):
    """Why a person was notified."""

    WATCHING = "watching"
    NEW_THREAD = "new_thread"
    NEW_DOCUMENT = "new_document"
    MENTION = "mention"
    REPLY = "reply"
    #: A reply to the person that also mentions them: one notice saying both.
    REPLY_MENTION = "reply_mention"
    SAVED_SEARCH = "saved_search"
    MODERATION = "moderation"
    MEETING = "meeting"
    #: An informal consultation of one's delegation: invited to it, it opened, it closed, its
    #: outcome was published.
    CONSULTATION_INVITED = "consultation_invited"
    CONSULTATION_OPENED = "consultation_opened"
    CONSULTATION_CLOSED = "consultation_closed"
    CONSULTATION_OUTCOME = "consultation_outcome"
    #: The informal advisory group asks its members for written inputs.
    ADVISORY = "advisory"
    #: A post was reported in a space the person moderates.
    REPORTED = "reported"


def values(enum_class):
    return [member.value for member in enum_class]


class NotificationSettings(db.Model):
    """A person's defaults; a person without a row has the defaults of the columns."""

    __tablename__ = "notification_settings"

    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), primary_key=True)
    default_delivery = db.Column(
        db.Enum(*values(Delivery), name="delivery", native_enum=False),
        nullable=False,
        default=Delivery.INSTANT.value,
    )
    #: Posting in a thread watches it.
    is_watching_on_post = db.Column(db.Boolean, nullable=False, default=True)


class Subscription(IdMixin, CreatedMixin, db.Model):
    __tablename__ = "subscriptions"
    __table_args__ = (
        db.UniqueConstraint("user_id", "target_type", "target_id", "target_code"),
        db.Index("ix_subscriptions_target", "target_type", "target_id", "target_code"),
    )

    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    target_type = db.Column(
        db.Enum(*values(TargetType), name="subscription_target", native_enum=False),
        nullable=False,
    )
    #: The followed row (working group, topic, thread); 0 for targets named by a code.
    target_id = db.Column(db.Integer, nullable=False, default=0)
    #: The document type code, or a saved search's own key; "" for targets that are rows.
    target_code = db.Column(db.String(64), nullable=False, default="")
    level = db.Column(
        db.Enum(*values(Level), name="subscription_level", native_enum=False),
        nullable=False,
        default=Level.WATCHING.value,
    )
    #: Empty: the person's default delivery.
    delivery = db.Column(db.Enum(*values(Delivery), name="delivery", native_enum=False))
    #: A saved search: its name, query text and facet filters ({"type": ["working_paper"]}).
    name = db.Column(db.String(200), nullable=False, default="")
    query = db.Column(db.Text, nullable=False, default="")
    filters = db.Column(db.JSON, nullable=False, default=dict)

    user = db.relationship("User")


class Notification(IdMixin, CreatedMixin, db.Model):
    """One thing a person is told about; shown until read, emailed as its delivery says."""

    __tablename__ = "notifications"
    __table_args__ = (
        # Running a fan-out twice adds nothing: one notification per person and cause.
        db.UniqueConstraint("user_id", "dedupe_key"),
        db.Index("ix_notifications_unread", "user_id", "read_at"),
        db.Index("ix_notifications_unsent", "delivery", "emailed_at"),
    )

    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    event_id = db.Column(db.Integer, db.ForeignKey("events.id"), index=True)
    #: `event:<id>` for events, `search:<subscription>:<item>:<stamp>` for saved searches.
    dedupe_key = db.Column(db.String(160), nullable=False)
    reason = db.Column(
        db.Enum(*values(Reason), name="notification_reason", native_enum=False, length=32),
        nullable=False,
    )
    delivery = db.Column(
        db.Enum(*values(Delivery), name="delivery", native_enum=False), nullable=False
    )
    #: What it is about, for example ("post", 42) or ("document", 7).
    subject_type = db.Column(db.String(32), nullable=False)
    subject_id = db.Column(db.Integer, nullable=False)
    #: Instant emails are coalesced per key (a thread, a document): at most one per period.
    coalesce_key = db.Column(db.String(64), nullable=False)
    #: The working group it happened in, to group digests by space (None outside spaces).
    working_group_id = db.Column(db.Integer, db.ForeignKey("working_groups.id"))
    actor_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    read_at = db.Column(db.DateTime)
    #: When an email carried it (or decided not to, the person having lost access).
    emailed_at = db.Column(db.DateTime)

    user = db.relationship("User", foreign_keys=[user_id])
    actor = db.relationship("User", foreign_keys=[actor_id])
    event = db.relationship("Event")


class DigestRun(db.Model):
    """A digest sent to one person for one period: a second run of the job sends nothing."""

    __tablename__ = "digest_runs"

    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), primary_key=True)
    period = db.Column(db.String(8), primary_key=True)
    #: The first day of the period (the day, or the Monday of the week).
    period_start = db.Column(db.Date, primary_key=True)
    sent_at = db.Column(db.DateTime, nullable=False)
