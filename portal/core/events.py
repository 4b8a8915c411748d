"""Domain events, written in the same transaction as the change they describe.

An event says what happened (`post.created`, `thread.created`, `post.mention`, `moderation`,
`document.published`, `document.revised`, `meeting.*`, and in channels `channel.opened`,
`channel.message`, `channel.case`, `channel.message_retracted`, `channel.case_retracted`), who
did it and to
what. The domain that emits it names no one who listens: a package that reacts to events
registers a listener with `@listens(kind, ...)` (portal.notifications: watching the thread one
posts in, and queueing the fan-out to subscribers, which runs after commit). Listeners run in
the transaction of the change, so a rolled-back change leaves neither event nor what the
listeners wrote or queued behind; they may queue jobs but send nothing themselves.
"""

from collections import defaultdict

from portal.core.models import CreatedMixin, IdMixin
from portal.extensions import db

#: Kind of event -> the functions called with each new event of that kind, in the order of
#: registration; ANY_KIND collects those that hear of every event.
LISTENERS = defaultdict(list)
ANY_KIND = "*"


class Event(IdMixin, CreatedMixin, db.Model):
    __tablename__ = "events"

    kind = db.Column(db.String(64), nullable=False, index=True)
    actor_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    #: The kind and id of the item the event is about, for example ("post", 42).
    subject_type = db.Column(db.String(32), nullable=False)
    subject_id = db.Column(db.Integer, nullable=False)
    #: The principal a reader needs to see the subject, copied when the event is written.
    acl = db.Column(db.String(64), nullable=False)
    #: For events addressed to one person (a mention): that person.
    recipient_id = db.Column(db.Integer, db.ForeignKey("users.id"), index=True)
    detail = db.Column(db.JSON, nullable=False, default=dict)
    #: Set by the notifications fan-out once it has handled the event.
    delivered_at = db.Column(db.DateTime, index=True)


def emit(kind, subject, actor=None, recipient=None, subject_type=None, **detail):
    """Record that `kind` happened to `subject` (a row with `id` and `acl`). `subject_type` is
    the kind of subject as notifications name it, by default its table's name in the singular
    ("channel_message"); a case record of a channel is a "channel_case", as in search."""
    if subject.id is None:
        db.session.flush()
    event = Event(
        kind=kind,
        actor_id=actor.id if actor is not None else None,
        subject_type=subject_type or subject.__tablename__.rstrip("s"),
        subject_id=subject.id,
        acl=subject.acl,
        recipient_id=recipient.id if recipient is not None else None,
        detail=detail,
    )
    db.session.add(event)
    db.session.flush()
    for listener in LISTENERS[kind] + LISTENERS[ANY_KIND]:
        listener(event)
    return event


def listens(*kinds):
    """Register the decorated function as a listener of events of `kinds` (ANY_KIND: all).

    It is called with the Event, flushed, inside the transaction that writes it.
    """

    def register(function):
        for kind in kinds:
            if function not in LISTENERS[kind]:
                LISTENERS[kind].append(function)
        return function

    return register
