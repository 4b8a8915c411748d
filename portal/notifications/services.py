"""Subscriptions and the fan-out of events to notifications.

The package listens to the events of the other domains (portal.core.events): each event queues
its fan-out, and a post watches its thread for its author. `fan_out(event)` runs as a job after
the change that wrote the event has committed. In a few
set-based statements it finds everyone concerned (subscribers of the thread, topic, working
group, document type or channel, the people mentioned or replied to; for a retraction, only the
followers who were told of the item), keeps those who may see the item
*now* (`portal.access.holders` on the item's current acl, so that a person who lost access in
between gets nothing) and are active, never the author, decides each person's level from their
most specific subscription and writes one notification each. Emails are then queued for the
instant deliveries (portal.notifications.delivery); digests collect the others.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, or_, select, update

from portal.access import SECRETARIAT, holders
from portal.accounts.models import Role, User
from portal.channels.models import CaseRecord, Channel, ChannelMessage
from portal.consultations.models import Consultation, InputRequest, NationalReport
from portal.core.events import ANY_KIND, Event, listens
from portal.core.jobs import enqueue, handler
from portal.core.models import now_utc
from portal.extensions import db
from portal.forum.models import Post, Thread, Topic
from portal.library.models import Document, DocumentType
from portal.meetings.models import Meeting
from portal.notifications.models import (
    Delivery,
    Level,
    Notification,
    NotificationSettings,
    Reason,
    Subscription,
    TargetType,
)
from search_index import QueryError


class SubscriptionError(Exception):
    """A subscription that cannot be made; the message is meant for the person who asked."""


# Where an event happened ---------------------------------------------------------------------


class Place:
    """The item an event is about and the containers it sits in, read from the database now."""

    def __init__(self, subject_type, subject_id):
        self.subject = self.thread = self.topic = self.working_group = self.document = None
        self.post = self.channel = self.meeting = None
        self.subject_type = subject_type
        model = {
            "post": Post,
            "thread": Thread,
            "topic": Topic,
            "document": Document,
            "channel": Channel,
            "channel_message": ChannelMessage,
            "channel_case": CaseRecord,
            "meeting": Meeting,
            "consultation": Consultation,
            "advisory_input_request": InputRequest,
            "national_report": NationalReport,
        }.get(subject_type)
        self.subject = db.session.get(model, subject_id) if model else None
        if isinstance(self.subject, Channel):
            self.channel = self.subject
        elif isinstance(self.subject, (ChannelMessage, CaseRecord)):
            self.channel = self.subject.channel
        if isinstance(self.subject, Post):
            self.post, self.thread = self.subject, self.subject.thread
        elif isinstance(self.subject, Thread):
            self.thread = self.subject
        elif isinstance(self.subject, Meeting):
            self.meeting = self.subject
            self.working_group = self.subject.working_group
        elif isinstance(self.subject, Consultation):
            self.working_group = self.subject.working_group
        elif isinstance(self.subject, Document):
            self.document = self.subject
            self.working_group = self.subject.working_group
        if self.thread is not None:
            self.topic = self.thread.topic
        elif isinstance(self.subject, Topic):
            self.topic = self.subject
        if self.topic is not None:
            self.working_group = self.topic.working_group

    @property
    def acl(self):
        return self.subject.acl

    @property
    def is_retracted(self):
        """A channel message or case record taken back since."""
        return getattr(self.subject, "is_retracted", False)

    @property
    def coalesce_key(self):
        if isinstance(self.subject, PERSONAL_SUBJECTS):
            return f"{self.subject_type}:{self.subject.id}"
        if self.channel is not None:
            return f"channel:{self.channel.id}"
        if self.meeting is not None:
            return f"meeting:{self.meeting.id}"
        if self.thread is not None:
            return f"thread:{self.thread.id}"
        if self.document is not None:
            return f"document:{self.document.id}"
        return f"topic:{self.topic.id}"

    def targets(self):
        """The followed targets that contain the item, the most specific first."""
        found = []
        if isinstance(self.subject, NationalReport):
            # Followed as the library's document type of the same name.
            return [(TargetType.DOCUMENT_TYPE, 0, "national_report")]
        if isinstance(self.subject, (Consultation, InputRequest)):
            # Nobody follows these: they reach the people they concern (`concerned_people`).
            return []
        if self.channel is not None:
            found.append((TargetType.CHANNEL, self.channel.id, ""))
        if self.meeting is not None:
            # A meeting is heard of by its own followers, not by those of its working group.
            return [(TargetType.MEETING, self.meeting.id, "")]
        if self.thread is not None:
            found.append((TargetType.THREAD, self.thread.id, ""))
        if self.topic is not None:
            found.append((TargetType.TOPIC, self.topic.id, ""))
        space = self.working_group
        if space is not None:
            found.append((TargetType.WORKING_GROUP, space.id, ""))
            if space.parent_id is not None:
                found.append((TargetType.WORKING_GROUP, space.parent_id, ""))
        if self.document is not None:
            found.append((TargetType.DOCUMENT_TYPE, 0, self.document.doc_type))
        return found


#: Which levels hear of which kind of event (beyond mentions and replies, which `normal` hears).
LEVELS_FOR = {
    "thread.created": ({Level.WATCHING, Level.NEW_THREADS}, Reason.NEW_THREAD),
    "post.created": ({Level.WATCHING}, Reason.WATCHING),
    "document.published": ({Level.WATCHING, Level.NEW_THREADS}, Reason.NEW_DOCUMENT),
    "document.revised": ({Level.WATCHING}, Reason.WATCHING),
    # In a followed channel: its opening, every message (the first of a thread included), every
    # case record, and the retraction of one of them.
    "channel.opened": ({Level.WATCHING, Level.NEW_THREADS}, Reason.WATCHING),
    "channel.message": ({Level.WATCHING, Level.NEW_THREADS}, Reason.WATCHING),
    "channel.case": ({Level.WATCHING, Level.NEW_THREADS}, Reason.WATCHING),
    "channel.message_retracted": ({Level.WATCHING, Level.NEW_THREADS}, Reason.WATCHING),
    "channel.case_retracted": ({Level.WATCHING, Level.NEW_THREADS}, Reason.WATCHING),
    # A followed meeting (portal/meetings): documents distributed, speakers lists published,
    # the agenda changed.
    "meeting.documents": ({Level.WATCHING, Level.NEW_THREADS}, Reason.MEETING),
    "meeting.speakers": ({Level.WATCHING, Level.NEW_THREADS}, Reason.MEETING),
    "meeting.agenda": ({Level.WATCHING}, Reason.MEETING),
    # A national report to cabinet or parliament, heard of by the followers of that document
    # type (portal/consultations).
    "national_report.shared": ({Level.WATCHING, Level.NEW_THREADS}, Reason.NEW_DOCUMENT),
}
#: Subjects heard of by the people they concern rather than by followers.
PERSONAL_SUBJECTS = (Consultation, InputRequest, NationalReport)
#: Events that concern everyone who may read their subject (its own acl), with their reason:
#: an informal consultation reaches everyone in it, a request for inputs every member of the
#: advisory group who may answer it.
EVERYONE_CONCERNED = {
    "consultation.opened": Reason.CONSULTATION_OPENED,
    "consultation.closed": Reason.CONSULTATION_CLOSED,
    "consultation.outcome": Reason.CONSULTATION_OUTCOME,
    "advisory.input_requested": Reason.ADVISORY,
}
#: Events that take back an item: they reach only the people who were told of the item.
RETRACTIONS = frozenset({"channel.message_retracted", "channel.case_retracted"})


def is_retraction(notification):
    """Whether a notification tells of a retraction (its subject is retracted, and meant to be)."""
    return notification.event is not None and notification.event.kind in RETRACTIONS


#: Reasons a muted subscription does not silence; a reported post is emailed at once whatever
#: the moderator's usual delivery, so that it is looked at while it matters.
ALWAYS_TOLD = frozenset({Reason.MODERATION, Reason.REPORTED})


def concerned_people(event, place):
    """People an event concerns personally: {user id: reason}.

    A reply that also mentions the person it answers is one cause, told once as both. A
    reported post concerns the moderators of its space (named for it or for the working group
    it is a sub-workstream of) or, where the space has none, the Secretariat, which moderates
    everywhere.
    """
    if event.kind == "post.flagged" and place.post is not None:
        moderators = db.session.scalars(
            select(User.id).where(holders(f"moderator:{place.working_group.id}"))
        ).all() or db.session.scalars(select(User.id).where(holders(SECRETARIAT))).all()
        return dict.fromkeys(moderators, Reason.REPORTED)
    if event.recipient_id is not None:
        reason = Reason.MENTION if event.kind == "post.mention" else Reason.MODERATION
        return {event.recipient_id: reason}
    people = {}
    readers = select(User.id).where(holders(place.acl))
    if event.kind in EVERYONE_CONCERNED:
        reason = EVERYONE_CONCERNED[event.kind]
        return {user_id: reason for user_id in db.session.scalars(readers)}
    if event.kind == "consultation.invited":
        # The members of the delegations just invited (each point of contact then names who
        # takes part).
        invited = readers.where(User.delegation_id.in_(event.detail.get("delegations", [])))
        return {user_id: Reason.CONSULTATION_INVITED for user_id in db.session.scalars(invited)}
    if event.kind == "meeting.briefing":
        # An intersessional briefing is announced to the points of contact who may attend.
        contacts = readers.where(User.role == Role.POINT_OF_CONTACT.value)
        return {user_id: Reason.MEETING for user_id in db.session.scalars(contacts)}
    if event.kind == "post.created" and place.post is not None:
        people[place.thread.author_id] = Reason.REPLY
        if place.post.quoted_post is not None:
            people[place.post.quoted_post.author_id] = Reason.REPLY
    for user_id in event.detail.get("mentioned", ()):
        replied = people.get(user_id) is Reason.REPLY
        people[user_id] = Reason.REPLY_MENTION if replied else Reason.MENTION
    return people


# The fan-out ---------------------------------------------------------------------------------


def fan_out(event):
    """Write the notifications of `event` (idempotent) and queue the instant emails.

    Returns the number of notifications written.
    """
    place = Place(event.subject_type, event.subject_id)
    if place.subject is None:
        return 0
    if place.is_retracted and event.kind not in RETRACTIONS:
        # An item taken back before anyone was told of it tells nobody anything.
        return 0
    levels, reason_of_level = LEVELS_FOR.get(event.kind, (set(), None))
    concerned = concerned_people(event, place)
    targets = place.targets()
    specificity = {
        (t.value, target_id, code): rank for rank, (t, target_id, code) in enumerate(targets)
    }

    reachable = (
        select(User.id, NotificationSettings.default_delivery)
        .outerjoin(NotificationSettings, NotificationSettings.user_id == User.id)
        .where(holders(place.acl))
    )
    if event.actor_id is not None:
        reachable = reachable.where(User.id != event.actor_id)
    if event.kind in RETRACTIONS:
        told = select(Notification.user_id).where(
            Notification.subject_type == event.subject_type,
            Notification.subject_id == event.subject_id,
        )
        reachable = reachable.where(User.id.in_(told))
    # Subjects that reach only the people they concern have no followed targets.
    subscribed = [] if not targets else db.session.execute(
        select(
            Subscription.user_id,
            Subscription.target_type,
            Subscription.target_id,
            Subscription.target_code,
            Subscription.level,
            Subscription.delivery,
        ).where(
            or_(
                *(
                    (Subscription.target_type == t.value)
                    & (Subscription.target_id == target_id)
                    & (Subscription.target_code == code)
                    for t, target_id, code in targets
                )
            ),
            Subscription.user_id.in_(reachable.with_only_columns(User.id)),
        )
    ).all()
    # The most specific subscription of each person decides.
    chosen = {}
    for row in subscribed:
        rank = specificity[(row.target_type, row.target_id, row.target_code)]
        if row.user_id not in chosen or rank < chosen[row.user_id][0]:
            chosen[row.user_id] = (rank, Level(row.level), row.delivery)
    defaults = dict(
        db.session.execute(reachable.where(User.id.in_(set(chosen) | set(concerned)))).all()
    )
    rows = []
    for user_id in defaults:
        _, level, delivery = chosen.get(user_id, (None, Level.NORMAL, None))
        if level is Level.MUTED and concerned.get(user_id) not in ALWAYS_TOLD:
            continue
        if user_id in concerned:
            reason = concerned[user_id]
        elif level in levels:
            reason = reason_of_level
        else:
            continue
        rows.append(
            {
                "user_id": user_id,
                "event_id": event.id,
                "dedupe_key": f"event:{event.id}",
                "reason": reason.value,
                "delivery": (
                    Delivery.INSTANT.value
                    if reason is Reason.REPORTED
                    else delivery or defaults[user_id] or Delivery.INSTANT.value
                ),
                "subject_type": event.subject_type,
                "subject_id": event.subject_id,
                "coalesce_key": place.coalesce_key,
                "working_group_id": place.working_group.id if place.working_group else None,
                "actor_id": event.actor_id,
                "created_at": event.created_at,
            }
        )
    written = write_notifications(rows)
    event.delivered_at = now_utc()
    return written


def write_notifications(rows):
    """Insert the notifications not written yet (a second run of a job adds none) and queue
    the instant emails they call for."""
    from portal.notifications.delivery import queue_instant

    if not rows:
        return 0
    keys = {row["dedupe_key"] for row in rows}
    existing = set(
        db.session.execute(
            select(Notification.user_id, Notification.dedupe_key).where(
                Notification.dedupe_key.in_(keys),
                Notification.user_id.in_({row["user_id"] for row in rows}),
            )
        ).all()
    )
    fresh = [row for row in rows if (row["user_id"], row["dedupe_key"]) not in existing]
    if fresh:
        db.session.execute(insert(Notification), fresh)
        queue_instant(
            {
                (row["user_id"], row["coalesce_key"])
                for row in fresh
                if row["delivery"] == Delivery.INSTANT.value
            }
        )
    return len(fresh)


@listens(ANY_KIND)
def queue_fan_out(event):
    """Every event is fanned out once its change has committed."""
    enqueue("notifications.fan_out", event_id=event.id)


@handler("notifications.fan_out")
def fan_out_job(payload):
    event = db.session.get(Event, payload["event_id"])
    if event is not None:
        fan_out(event)
        db.session.commit()


# Saved searches ------------------------------------------------------------------------------


def match_saved_searches(item):
    """Notify the owners of saved searches that a new or changed indexed item matches (a
    document, a post, a channel item), once per search and item; only owners who may see the
    item are considered, and never its author (the item's "author" user id)."""
    from portal.search.delegations import resolve
    from portal.search.engine import get_index

    searches = db.session.scalars(
        select(Subscription).where(
            Subscription.target_type == TargetType.SAVED_SEARCH.value,
            Subscription.level != Level.MUTED.value,
            Subscription.user_id.in_(select(User.id).where(holders(item["acl"]))),
            Subscription.user_id != (item.get("author") or 0),
        )
    ).all()
    if not searches:
        return 0
    defaults = dict(
        db.session.execute(
            select(NotificationSettings.user_id, NotificationSettings.default_delivery).where(
                NotificationSettings.user_id.in_({s.user_id for s in searches})
            )
        ).all()
    )
    index = get_index()
    rows = []
    for search in searches:
        try:
            matched = index.matches(item, search.query, search.filters or None, resolve=resolve)
        except QueryError:
            # A search saved before a delegation of the same name was added: it alerts on
            # nothing until the person makes it precise.
            continue
        if not matched:
            continue
        rows.append(
            {
                "user_id": search.user_id,
                "event_id": None,
                "dedupe_key": f"search:{search.id}:{item['key']}",
                "reason": Reason.SAVED_SEARCH.value,
                "delivery": search.delivery
                or defaults.get(search.user_id)
                or Delivery.INSTANT.value,
                "subject_type": item["kind"],
                "subject_id": item["id"],
                "coalesce_key": item["key"],
                "working_group_id": None,
                "actor_id": None,
                "created_at": now_utc(),
            }
        )
    return write_notifications(rows)


# Subscriptions -------------------------------------------------------------------------------


def settings_of(user):
    """The person's notification settings (a row with the defaults when they have none)."""
    found = db.session.get(NotificationSettings, user.id)
    if found is None:
        found = NotificationSettings(
            user_id=user.id,
            default_delivery=Delivery.INSTANT.value,
            is_watching_on_post=True,
        )
        db.session.add(found)
    return found


def subscription_of(user, target_type, target_id=0, target_code=""):
    return db.session.scalar(
        select(Subscription).where(
            Subscription.user_id == user.id,
            Subscription.target_type == TargetType(target_type).value,
            Subscription.target_id == target_id,
            Subscription.target_code == target_code,
        )
    )


def check_choice(enum_class, value, message):
    try:
        return enum_class(value)
    except ValueError:
        raise SubscriptionError(message) from None


def subscribe(
    user, target_type, target_id=0, target_code="", level=Level.WATCHING.value, delivery=None
):
    """Follow a working group, topic, thread, channel or document type at `level`, replacing an
    earlier choice; `delivery` None means the person's default.

    The caller has checked that the person may see the target. Raises SubscriptionError for an
    unknown level, delivery or document type.
    """
    target_type = check_choice(TargetType, target_type, _l("Choose what to follow."))
    if target_type is TargetType.SAVED_SEARCH:
        raise SubscriptionError(_l("Choose what to follow."))
    level = check_choice(Level, level, _l("Choose a level from the list."))
    if delivery:
        delivery = check_choice(Delivery, delivery, _l("Choose a delivery from the list.")).value
    if target_type is TargetType.DOCUMENT_TYPE:
        check_choice(DocumentType, target_code, _l("Choose a type from the list."))
        target_id = 0
    else:
        target_code = ""
    subscription = subscription_of(user, target_type.value, target_id, target_code)
    if subscription is None:
        subscription = Subscription(
            user_id=user.id,
            target_type=target_type.value,
            target_id=target_id,
            target_code=target_code,
        )
        db.session.add(subscription)
    subscription.level = level.value
    subscription.delivery = delivery or None
    return subscription


def follow_channel(user, channel):
    """A participant designated to a channel follows it, every message at their default
    delivery, unless they have chosen how to follow it already. The channel's id is known."""
    if subscription_of(user, TargetType.CHANNEL.value, channel.id) is None:
        db.session.add(
            Subscription(
                user_id=user.id,
                target_type=TargetType.CHANNEL.value,
                target_id=channel.id,
                target_code="",
                level=Level.WATCHING.value,
            )
        )


def unfollow_channel(user_id, channel):
    """A participant withdrawn from a channel no longer follows it."""
    db.session.execute(
        delete(Subscription).where(
            Subscription.user_id == user_id,
            Subscription.target_type == TargetType.CHANNEL.value,
            Subscription.target_id == channel.id,
        )
    )


@listens("thread.created", "post.created")
def watch_on_post(event):
    """Posting in a thread watches it, if the person wants that and has not chosen otherwise."""
    place = Place(event.subject_type, event.subject_id)
    user = db.session.get(User, event.actor_id) if event.actor_id is not None else None
    if user is None or place.thread is None:
        return
    watch_thread(user, place.thread)


def watch_thread(user, thread):
    """`user` watches `thread`, unless they chose otherwise for it or for every post."""
    if not settings_of(user).is_watching_on_post:
        return
    if subscription_of(user, TargetType.THREAD.value, thread.id) is None:
        db.session.add(
            Subscription(
                user_id=user.id,
                target_type=TargetType.THREAD.value,
                target_id=thread.id,
                target_code="",
                level=Level.WATCHING.value,
            )
        )


SAVED_SEARCHES_MAX = 50


def save_search(user, name, query, filters, delivery=None):
    """A saved search whose new matches the person is told about.

    Raises SubscriptionError for an empty search, a long name, or too many saved searches.
    """
    import secrets

    name = " ".join((name or "").split())[:200]
    query = (query or "").strip()
    filters = {key: list(value) for key, value in (filters or {}).items() if value}
    if not query and not filters:
        raise SubscriptionError(_l("Search for something before saving the search."))
    if len(query) > 1000:
        raise SubscriptionError(_l("The search is too long to be saved."))
    count = db.session.scalar(
        select(db.func.count()).where(
            Subscription.user_id == user.id,
            Subscription.target_type == TargetType.SAVED_SEARCH.value,
        )
    )
    if count >= SAVED_SEARCHES_MAX:
        raise SubscriptionError(
            _l("You can keep at most %(count)d saved searches.", count=SAVED_SEARCHES_MAX)
        )
    if delivery:
        delivery = check_choice(Delivery, delivery, _l("Choose a delivery from the list.")).value
    subscription = Subscription(
        user_id=user.id,
        target_type=TargetType.SAVED_SEARCH.value,
        target_id=0,
        target_code=secrets.token_hex(8),
        level=Level.WATCHING.value,
        delivery=delivery or None,
        name=name or query[:200],
        query=query,
        filters=filters,
    )
    db.session.add(subscription)
    return subscription


# The person's own notifications and preferences ----------------------------------------------


def mark_read(notification):
    if notification.read_at is None:
        notification.read_at = now_utc()


def mark_all_read(user):
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now_utc())
    )


def save_preferences(user, default_delivery, is_watching_on_post, choices):
    """Save the defaults and, for each (subscription, level, delivery) of `choices`, its level
    (None keeps it: saved searches have none to choose) and delivery (None: the default).

    Raises SubscriptionError for an unknown level or delivery; nothing is changed then.
    """
    default = check_choice(Delivery, default_delivery, _l("Choose a delivery from the list."))
    checked = []
    for subscription, level, delivery in choices:
        if subscription.user_id != user.id:
            raise SubscriptionError(_l("Choose what to follow."))
        if level is not None:
            level = check_choice(Level, level, _l("Choose a level from the list.")).value
        if delivery:
            delivery = check_choice(
                Delivery, delivery, _l("Choose a delivery from the list.")
            ).value
        checked.append((subscription, level, delivery or None))
    preferences = settings_of(user)
    preferences.default_delivery = default.value
    preferences.is_watching_on_post = bool(is_watching_on_post)
    for subscription, level, delivery in checked:
        subscription.delivery = delivery
        if level is not None:
            subscription.level = level


def remove_subscription(subscription):
    db.session.delete(subscription)
