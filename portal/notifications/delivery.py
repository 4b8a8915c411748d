"""Notification emails: instant ones coalesced per thread or document, digests, unsubscribing.

Instant emails. After the fan-out has written notifications, `queue_instant` queues one job per
person and thread (or document): due at once, or when the coalescing window since the last
email about that thread to that person closes (PORTAL_NOTIFY_COALESCE_MINUTES), so that a busy
thread sends at most one email per window. The job takes whatever is still unsent for that
person and thread when it runs, so the replies of the window travel together.

Digests. `send_digests(period, start)` sends each person one email with their unsent daily (or
weekly) notifications created before the end of the period, grouped by working group and then by
thread or document. A `DigestRun` row, written in the same transaction, makes it once per
person and period however often the job runs. `schedule_digests` queues the job for the last
completed day and week; the worker calls it about once a minute (`portal.core.jobs.PERIODIC`).

What an email may say. Access is checked again when the email is written: a notification about
something the person can no longer see is marked as emailed and never sent. An email carries a
title, an excerpt and an author's name only for items readable by every account holder (acl
`public` or `user`); for anything more restricted it says that there is something new, names
the working group only if the working group itself is open to every account holder, and links
to the notification. An email about a diversion information exchange channel never names the
channel, a thread, a case record, a member delegation or an author, and carries no text: it says
what happened in a channel (it opened; a message or a case record arrived or was retracted) and
links to the notification. Marking the notifications and queueing the message happen in one
transaction: both happen, or neither does.

Every email has a one-click unsubscribe link (RFC 8058) whose signed token names the person
and what it stops: one subscription, or all notification email.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from html import escape

from flask import current_app
from flask_babel import force_locale, format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.access import PUBLIC, USER, principals_of
from portal.accounts.models import User, UserStatus
from portal.channels.models import CaseRecord, Channel, ChannelMessage
from portal.consultations.models import Consultation, InputRequest, NationalReport
from portal.core.jobs import PERIODIC, Job, enqueue_many, handler
from portal.core.mail import external_url, queue_email
from portal.core.models import now_utc
from portal.core.text import excerpt
from portal.extensions import db
from portal.forum.models import Post, Thread, Topic, WorkingGroup
from portal.library.models import Document
from portal.meetings.models import Meeting
from portal.notifications.models import (
    Delivery,
    DigestRun,
    Notification,
    Reason,
    Subscription,
)
from portal.notifications.services import Place, is_retraction, settings_of

#: The acls of items an email may describe: those every account holder may read.
OPEN_ACLS = frozenset({PUBLIC, USER})

#: The kinds of subject a notification can be about, by `Notification.subject_type`.
SUBJECT_MODELS = {
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
}

#: What happened in a followed channel, by the kind of event, and the subject of an email about
#: it: never a title, a name, an author or a member (see RESTRICTED_HEADINGS).
CHANNEL_WORDING = {
    "channel.opened": (_l("A channel you follow is now open"), _l("A channel is now open")),
    "channel.message": (
        _l("New activity in a channel you follow"),
        _l("New activity in a channel"),
    ),
    "channel.case": (
        _l("New case record in a channel you follow"),
        _l("New case record in a channel"),
    ),
    "channel.message_retracted": (
        _l("A message was retracted in a channel you follow"),
        _l("A message was retracted in a channel"),
    ),
    "channel.case_retracted": (
        _l("A case record was retracted in a channel you follow"),
        _l("A case record was retracted in a channel"),
    ),
}

#: For each reason (and, where it matters, the kind of subject): the line saying what happened,
#: and the subject of an email about that one item, naming it.
WORDING = {
    (Reason.WATCHING, "document"): (
        _l("New version of a document you follow"),
        _l("New version of “%(title)s”"),
    ),
    (Reason.WATCHING, None): (_l("New post in a thread you follow"), _l("New post in “%(title)s”")),
    (Reason.NEW_THREAD, None): (_l("New thread"), _l("New thread: “%(title)s”")),
    (Reason.NEW_DOCUMENT, None): (_l("New document"), _l("New document: “%(title)s”")),
    (Reason.MENTION, None): (_l("You were mentioned"), _l("You were mentioned in “%(title)s”")),
    (Reason.REPLY, None): (_l("Reply to you"), _l("New reply in “%(title)s”")),
    (Reason.REPLY_MENTION, None): (
        _l("Reply to you that mentions you"),
        _l("New reply in “%(title)s”, mentioning you"),
    ),
    (Reason.SAVED_SEARCH, None): (
        _l("New match for one of your saved searches"),
        _l("New match for your saved search: “%(title)s”"),
    ),
    (Reason.MEETING, None): (
        _l("News of a meeting you follow"),
        _l("News of the meeting “%(title)s”"),
    ),
    (Reason.NEW_DOCUMENT, "national_report"): (
        _l("New national report to cabinet or parliament"),
        _l("New national report: “%(title)s”"),
    ),
    (Reason.CONSULTATION_INVITED, None): (
        _l("Your delegation is invited to an informal consultation"),
        _l("Invitation to the informal consultation “%(title)s”"),
    ),
    (Reason.CONSULTATION_OPENED, None): (
        _l("An informal consultation of your delegation is open"),
        _l("The informal consultation “%(title)s” is open"),
    ),
    (Reason.CONSULTATION_CLOSED, None): (
        _l("An informal consultation of your delegation is closed"),
        _l("The informal consultation “%(title)s” is closed"),
    ),
    (Reason.CONSULTATION_OUTCOME, None): (
        _l("The outcome of an informal consultation is published"),
        _l("Outcome of the informal consultation “%(title)s”"),
    ),
    (Reason.ADVISORY, None): (
        _l("The informal advisory group asks for your inputs"),
        _l("Inputs requested: “%(title)s”"),
    ),
    (Reason.REPORTED, None): (
        _l("A post was reported in a space you moderate"),
        _l("A post was reported in “%(title)s”"),
    ),
    (Reason.MODERATION, None): (
        _l("A moderator acted on your post"),
        _l("A moderator acted on your post in “%(title)s”"),
    ),
}
SUBJECT_SEVERAL = _l("New activity in “%(title)s”")
#: The subject of an email about a restricted item: nothing that names it.
SUBJECT_RESTRICTED = _l("New activity in the ATT portal")
#: What stands for the title of a restricted thread, document or topic.
RESTRICTED_HEADINGS = {
    "thread": _l("A restricted discussion"),
    "document": _l("A restricted document"),
    "topic": _l("A restricted topic"),
    "channel": _l("A diversion information exchange channel"),
    "meeting": _l("A restricted meeting"),
    "consultation": _l("An informal consultation"),
    "advisory_input_request": _l("A request of the informal advisory group"),
    "national_report": _l("A restricted national report"),
}
#: The reasons that come from following something (the others concern the person directly).
FOLLOWING_REASONS = frozenset(
    {Reason.WATCHING, Reason.NEW_THREAD, Reason.NEW_DOCUMENT, Reason.MEETING}
)

PERIOD_DAYS = {Delivery.DAILY.value: 1, Delivery.WEEKLY.value: 7}
#: How far back `schedule_digests` looks for digest jobs already queued (more than two weeks
#: covers the last completed week, whose job is queued at the earliest on the Monday after it).
SCHEDULE_LOOKBACK = timedelta(days=15)

ALL_EMAIL = "all"
ONE_SUBSCRIPTION = "subscription"


class BadToken(Exception):
    """An unsubscribe link the portal did not make, or one that was damaged on the way."""


# What an email says about each notification ------------------------------------------------


@dataclass
class Entry:
    """One notification as an email shows it: no more than its current access allows."""

    notification: Notification
    #: The title of its thread, document or topic; None when it is restricted.
    title: str | None
    #: The title, or the words that stand for it when it is restricted.
    heading: str
    headline: str
    excerpt: str
    author: str | None
    link: str
    #: The working group it is in now (None outside working groups), and what an email calls
    #: it: its name, or words that stand for it.
    space_id: int | None
    space_name: str

    @property
    def is_restricted(self):
        return self.title is None


@dataclass
class Group:
    """The entries about one thread, document or topic."""

    heading: str
    is_restricted: bool
    entries: list = field(default_factory=list)


@dataclass
class Space:
    """The groups of one working group (or of the places outside working groups)."""

    name: str
    groups: list = field(default_factory=list)


def load_subjects(notifications):
    """The current rows the notifications are about, a query per kind: {(kind, id): row}, and
    the opening posts of the threads among them: {thread id: post}."""
    wanted = defaultdict(set)
    for notification in notifications:
        wanted[notification.subject_type].add(notification.subject_id)
    found = {}
    for kind, ids in wanted.items():
        model = SUBJECT_MODELS.get(kind)
        if model is None:
            continue
        query = select(model).where(model.id.in_(ids))
        if model is Post:
            query = query.options(selectinload(Post.thread).selectinload(Thread.topic))
        elif model is Thread:
            query = query.options(selectinload(Thread.topic))
        found.update({(kind, row.id): row for row in db.session.scalars(query)})
    openings = {}
    if wanted["thread"]:
        openings = {
            post.thread_id: post
            for post in db.session.scalars(
                select(Post).where(Post.thread_id.in_(wanted["thread"]), Post.number == 1)
            )
        }
    return found, openings


def container_of(subject):
    """The thread, document or topic an email names for `subject`, its kind, and the id of
    the working group it is in now (None for a document outside working groups)."""
    if isinstance(subject, Channel):
        return subject, "channel", None
    if isinstance(subject, (ChannelMessage, CaseRecord)):
        return subject.channel, "channel", None
    if isinstance(subject, Post):
        subject = subject.thread
    if isinstance(subject, Thread):
        return subject, "thread", subject.topic.working_group_id
    if isinstance(subject, Document):
        return subject, "document", subject.working_group_id
    if isinstance(subject, Meeting):
        return subject, "meeting", subject.working_group_id
    if isinstance(subject, Consultation):
        return subject, "consultation", subject.working_group_id
    if isinstance(subject, InputRequest):
        return subject, "advisory_input_request", None
    if isinstance(subject, NationalReport):
        return subject, "national_report", None
    return subject, "topic", subject.working_group_id


def is_withdrawn_or_hidden(post):
    return post.is_withdrawn or post.is_hidden


def excerpt_of(subject, openings):
    """A short plain text of what was written: a post, a thread's opening post, a document's
    summary or a topic's description; empty for a post that was withdrawn or hidden."""
    if isinstance(subject, Thread):
        subject = openings.get(subject.id)
    if isinstance(subject, Post):
        return "" if is_withdrawn_or_hidden(subject) else excerpt(subject.body_html)
    if isinstance(subject, Document):
        # The summary is plain text; escaped, `excerpt` shortens it and gives it back as is.
        return excerpt(escape(subject.summary))
    if isinstance(subject, Topic):
        return excerpt(subject.description_html)
    return ""


def wording(notification):
    """(What happened, the subject of an email about it alone) for a notification."""
    reason = Reason(notification.reason)
    event = notification.event
    if reason is Reason.WATCHING and event is not None and event.kind in CHANNEL_WORDING:
        return CHANNEL_WORDING[event.kind]
    return WORDING.get((reason, notification.subject_type)) or WORDING[(reason, None)]


def saved_search_id(notification):
    """The id of the saved search a saved-search notification comes from."""
    _kind, subscription_id, _rest = notification.dedupe_key.split(":", 2)
    return int(subscription_id)


def saved_search_names(notifications):
    """{saved search id: its name (else its query)} of the saved-search notifications."""
    ids = {
        saved_search_id(notification)
        for notification in notifications
        if Reason(notification.reason) is Reason.SAVED_SEARCH
    }
    if not ids:
        return {}
    rows = db.session.execute(
        select(Subscription.id, Subscription.name, Subscription.query).where(
            Subscription.id.in_(ids)
        )
    ).all()
    return {row.id: row.name or row.query for row in rows}


def headline(notification, searches):
    """What happened, in the current language; a saved search's match names the search (the
    person's own words)."""
    if Reason(notification.reason) is Reason.SAVED_SEARCH:
        name = searches.get(saved_search_id(notification))
        if name:
            return _("New match for your saved search “%(name)s”", name=name)
    return str(wording(notification)[0])


def space_names(ids, language):
    """{working group id: what an email calls it}: its name only when every account holder may
    read the working group itself; None stands for the places outside working groups."""
    ids = {space_id for space_id in ids if space_id is not None}
    spaces = db.session.scalars(select(WorkingGroup).where(WorkingGroup.id.in_(ids))) if ids else []
    names = {None: _("Elsewhere in the portal")}
    for space in spaces:
        if space.acl in OPEN_ACLS:
            names[space.id] = space.names.get(language) or space.names["en"]
        else:
            names[space.id] = _("A space you follow")
    return names


def subject_key(notification):
    return notification.subject_type, notification.subject_id


def sort_out(user, notifications):
    """The entries of the notifications that `user` may read now, in their language.

    Access is checked against each subject's current acl (and its thread's); a subject that is
    gone, that the person may no longer see, or a post withdrawn or hidden since (unless the
    notification is the moderation notice about it) gives no entry; nor does a channel message
    or case record retracted since, except the notice of its retraction, and that only when the
    news of the item itself was sent earlier.
    """
    held = principals_of(user)
    subjects, openings = load_subjects(notifications)
    # An item retracted before any email told of it: its retraction is not news by email.
    untold = {subject_key(n) for n in notifications if not is_retraction(n)}
    readable = []
    for notification in notifications:
        subject = subjects.get((notification.subject_type, notification.subject_id))
        if subject is None:
            continue
        container, kind, space_id = container_of(subject)
        reason = Reason(notification.reason)
        if subject.acl not in held or container.acl not in held:
            continue
        if isinstance(subject, Post) and is_withdrawn_or_hidden(subject):
            if reason is not Reason.MODERATION:
                continue
        if getattr(subject, "is_retracted", False) and not is_retraction(notification):
            # A channel message or case record taken back since: only its retraction is told.
            continue
        if is_retraction(notification) and subject_key(notification) in untold:
            continue
        readable.append((notification, reason, subject, container, kind, space_id))
    entries = []
    searches = saved_search_names(row[0] for row in readable)
    with force_locale(user.language):
        spaces = space_names({row[-1] for row in readable}, user.language)
        for notification, reason, subject, container, kind, space_id in readable:
            is_open = subject.acl in OPEN_ACLS and container.acl in OPEN_ACLS
            title = container.title if is_open else None
            show_text = is_open and reason is not Reason.MODERATION
            entries.append(
                Entry(
                    notification=notification,
                    title=title,
                    heading=title if is_open else str(RESTRICTED_HEADINGS[kind]),
                    headline=headline(notification, searches),
                    excerpt=excerpt_of(subject, openings) if show_text else "",
                    author=notification.actor.name if is_open and notification.actor else None,
                    link=external_url("notifications.open", notification_id=notification.id),
                    space_id=space_id,
                    space_name=spaces.get(space_id, spaces[None]),
                )
            )
    return entries


def grouped(entries):
    """The entries by working group, then by thread or document, in the order they came."""
    spaces, groups = {}, {}
    for entry in entries:
        space = spaces.get(entry.space_id)
        if space is None:
            space = spaces[entry.space_id] = Space(entry.space_name)
        key = (entry.space_id, entry.notification.coalesce_key)
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(entry.heading, entry.is_restricted)
            space.groups.append(group)
        if entry.is_restricted and not group.is_restricted:
            group.heading, group.is_restricted = entry.heading, True
        group.entries.append(entry)
    return list(spaces.values())


def unsent(user_id, delivery):
    """The person's notifications of `delivery` not emailed yet, oldest first, locked: a second
    worker on the same ones waits, then finds them sent."""
    return (
        select(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.delivery == delivery,
            Notification.emailed_at.is_(None),
        )
        .order_by(Notification.id)
        .options(selectinload(Notification.actor), selectinload(Notification.event))
        .with_for_update()
    )


def mark_emailed(notifications, moment):
    for notification in notifications:
        notification.emailed_at = moment


def queue_notification_email(user, template, subject, subscription_id=None, **context):
    """Queue an email to `user` with the unsubscribe headers and links; `subscription_id` is
    what its link stops (None: all notification email)."""
    link = external_url(
        "notifications.unsubscribe", token=unsubscribe_token(user.id, subscription_id)
    )
    return queue_email(
        user.email,
        user.language,
        template,
        subject,
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        name=user.name,
        unsubscribe_link=link,
        unsubscribes_all=subscription_id is None,
        settings_link=external_url("notifications.settings"),
        **context,
    )


# Instant emails -----------------------------------------------------------------------------


def coalesce_window():
    return timedelta(minutes=current_app.config["PORTAL_NOTIFY_COALESCE_MINUTES"])


def last_emailed(user_ids, keys):
    """{(user id, coalesce key): when the last instant email about it went}, in one query."""
    rows = db.session.execute(
        select(Notification.user_id, Notification.coalesce_key, func.max(Notification.emailed_at))
        .where(
            Notification.delivery == Delivery.INSTANT.value,
            Notification.user_id.in_(user_ids),
            Notification.coalesce_key.in_(keys),
            Notification.emailed_at.is_not(None),
        )
        .group_by(Notification.user_id, Notification.coalesce_key)
    )
    return {(user_id, key): moment for user_id, key, moment in rows}


def queue_instant(pairs):
    """Queue one instant-email job per (user id, coalesce key) in `pairs`, in one statement:
    due now, or when the window since the last email about that key to that person closes.

    Returns how many jobs were queued.
    """
    pairs = sorted(set(pairs))
    if not pairs:
        return 0
    last = last_emailed({user_id for user_id, _ in pairs}, {key for _, key in pairs})
    now, window = now_utc(), coalesce_window()
    return enqueue_many(
        "notifications.send_instant",
        [{"user_id": user_id, "key": key} for user_id, key in pairs],
        [max(now, last[pair] + window) if pair in last else now for pair in pairs],
    )


def followed_subscription(user_id, notification):
    """The id of the person's most specific subscription that contains the notification's
    subject (the one the fan-out went by), or None."""
    place = Place(notification.subject_type, notification.subject_id)
    if place.subject is None:
        return None
    rank = {
        (target_type.value, target_id, code): position
        for position, (target_type, target_id, code) in enumerate(place.targets())
    }
    found = db.session.execute(
        select(
            Subscription.id,
            Subscription.target_type,
            Subscription.target_id,
            Subscription.target_code,
        ).where(
            Subscription.user_id == user_id,
            Subscription.target_type.in_({target_type for target_type, _, _ in rank}),
        )
    ).all()
    ranked = [(rank[tuple(row[1:])], row.id) for row in found if tuple(row[1:]) in rank]
    return min(ranked)[1] if ranked else None


def causing_subscription(user_id, notifications):
    """The id of the one subscription that caused all these notifications, or None when there
    are several, or when a mention or a reply (which no subscription causes) is among them."""
    causes = set()
    for notification in notifications:
        reason = Reason(notification.reason)
        if reason is Reason.SAVED_SEARCH:
            causes.add(saved_search_id(notification))
        elif reason in FOLLOWING_REASONS:
            causes.add(followed_subscription(user_id, notification))
        else:
            causes.add(None)
    return causes.pop() if len(causes) == 1 else None


def send_instant(user_id, key):
    """Email a person what is new about one thread or document, unless an email about it went
    less than the window ago: then the job is queued again for when the window closes.

    Nothing is sent to a person who is not active. Returns True when an email was queued; the
    caller commits.
    """
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        return False
    pending = db.session.scalars(
        unsent(user_id, Delivery.INSTANT.value).where(Notification.coalesce_key == key)
    ).all()
    if not pending:
        return False
    last = last_emailed({user_id}, {key}).get((user_id, key))
    if last is not None and last + coalesce_window() > now_utc():
        enqueue_many(
            "notifications.send_instant",
            [{"user_id": user_id, "key": key}],
            last + coalesce_window(),
        )
        return False
    entries = sort_out(user, pending)
    mark_emailed(pending, now_utc())
    if not entries:
        return False
    if any(entry.is_restricted for entry in entries):
        subject, title = SUBJECT_RESTRICTED, {}
    elif len(entries) == 1:
        subject, title = wording(entries[0].notification)[1], {"title": entries[0].title}
    else:
        subject, title = SUBJECT_SEVERAL, {"title": entries[0].title}
    queue_notification_email(
        user,
        "notification_instant",
        subject,
        causing_subscription(user_id, [entry.notification for entry in entries]),
        spaces=grouped(entries),
        **title,
    )
    return True


@handler("notifications.send_instant")
def send_instant_job(payload):
    send_instant(payload["user_id"], payload["key"])
    db.session.commit()


# Digests ------------------------------------------------------------------------------------


def period_bounds(period, start):
    """The first day of the digest period that holds the day `start` (a date or "YYYY-MM-DD"),
    and the moment it ends (exclusive, UTC). A weekly period starts on a Monday.

    Raises ValueError for an unknown period or a malformed day.
    """
    if period not in PERIOD_DAYS:
        raise ValueError(f"unknown digest period {period!r}")
    if isinstance(start, str):
        start = date.fromisoformat(start)
    if period == Delivery.WEEKLY.value:
        start -= timedelta(days=start.weekday())
    return start, datetime.combine(start + timedelta(days=PERIOD_DAYS[period]), time())


def digest_subject(period, count):
    if period == Delivery.DAILY.value:
        return ngettext(
            "Your daily digest: %(count)d update",
            "Your daily digest: %(count)d updates",
            count,
            count=count,
        )
    return ngettext(
        "Your weekly digest: %(count)d update",
        "Your weekly digest: %(count)d updates",
        count,
        count=count,
    )


def digest_introduction(period, start):
    if period == Delivery.DAILY.value:
        return _("Here is what happened on %(day)s.", day=format_date(start, "long"))
    return _("Here is what happened in the week of %(day)s.", day=format_date(start, "long"))


def send_digest(user_id, period, start, end):
    """Send one person their digest for the period [start, end), in a transaction of its own.

    Returns True when an email was queued; False when the person had one for this period
    already (also when another run has just written it), is no longer active, or may no longer
    see any of it (the notifications are marked as emailed all the same).
    """
    user = db.session.get(User, user_id)
    if (
        user is None
        or not user.is_active
        or db.session.get(DigestRun, (user_id, period, start)) is not None
    ):
        db.session.rollback()
        return False
    db.session.add(DigestRun(user_id=user_id, period=period, period_start=start, sent_at=now_utc()))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    pending = db.session.scalars(unsent(user_id, period).where(Notification.created_at < end)).all()
    entries = sort_out(user, pending)
    mark_emailed(pending, now_utc())
    if entries:
        with force_locale(user.language):
            subject = digest_subject(period, len(entries))
            introduction = digest_introduction(period, start)
        queue_notification_email(
            user, "digest", subject, spaces=grouped(entries), introduction=introduction
        )
    db.session.commit()
    return bool(entries)


def send_digests(period, start):
    """Send the daily or weekly digest of the period holding `start` (a date or "YYYY-MM-DD")
    to everyone with unsent notifications of that delivery created before the period's end.

    Each person is handled in a transaction of their own and at most once per period, however
    often this runs. Returns how many digests were queued. Raises ValueError for an unknown
    period or a malformed day.
    """
    start, end = period_bounds(period, start)
    user_ids = db.session.scalars(
        select(Notification.user_id)
        .join(User, User.id == Notification.user_id)
        .where(
            Notification.delivery == period,
            Notification.emailed_at.is_(None),
            Notification.created_at < end,
            User.status == UserStatus.ACTIVE.value,
        )
        .distinct()
        .order_by(Notification.user_id)
    ).all()
    db.session.commit()
    return sum(send_digest(user_id, period, start, end) for user_id in user_ids)


@handler("notifications.digest")
def digest_job(payload):
    send_digests(payload["period"], payload["start"])


def last_completed_periods(now):
    """[(period, first day)] of the last completed day and week (Monday to Sunday) at `now`."""
    today = now.date()
    return [
        (Delivery.DAILY.value, today - timedelta(days=1)),
        (Delivery.WEEKLY.value, today - timedelta(days=today.weekday() + 7)),
    ]


def schedule_digests(now=None):
    """Queue the digest jobs of the last completed day and week, unless queued already.

    Called by the worker about once a minute; commits. Returns how many jobs were queued.
    """
    now = now or now_utc()
    queued = db.session.scalars(
        select(Job.payload).where(
            Job.kind == "notifications.digest", Job.created_at >= now - SCHEDULE_LOOKBACK
        )
    ).all()
    wanted = [
        {"period": period, "start": start.isoformat()}
        for period, start in last_completed_periods(now)
    ]
    missing = [payload for payload in wanted if payload not in queued]
    enqueue_many("notifications.digest", missing)
    db.session.commit()
    return len(missing)


if schedule_digests not in PERIODIC:
    PERIODIC.append(schedule_digests)


# Unsubscribing ------------------------------------------------------------------------------


def serializer():
    return URLSafeSerializer(current_app.secret_key, salt="unsubscribe")


def unsubscribe_token(user_id, subscription_id=None):
    """The signed token of an unsubscribe link: it stops the emails of one subscription, or
    (None) all notification email of the person. It does not expire: the link in an old email
    must still work."""
    return serializer().dumps([user_id, subscription_id])


def apply_unsubscribe(token):
    """Stop the emails a token names; returns (user, what), `what` being ONE_SUBSCRIPTION or
    ALL_EMAIL.

    One subscription: it is delivered in the portal only from now on (a subscription removed
    since sends nothing already, and is left as it is). All email: the person's default and
    every subscription become "in the portal only", and the notifications waiting for an email
    or a digest stay in the portal. Using a token twice changes nothing more. The caller
    commits. Raises BadToken for a forged or malformed token, or one naming nobody.
    """
    try:
        data = serializer().loads(token)
    except BadData:
        raise BadToken() from None
    if (
        not isinstance(data, list)
        or len(data) != 2
        or not all(isinstance(value, int) or value is None for value in data)
        or data[0] is None
    ):
        raise BadToken()
    user_id, subscription_id = data
    user = db.session.get(User, user_id)
    if user is None:
        raise BadToken()
    in_app = Delivery.IN_APP.value
    if subscription_id is not None:
        subscription = db.session.get(Subscription, subscription_id)
        if subscription is not None and subscription.user_id == user.id:
            subscription.delivery = in_app
        return user, ONE_SUBSCRIPTION
    settings_of(user).default_delivery = in_app
    db.session.execute(
        update(Subscription).where(Subscription.user_id == user.id).values(delivery=in_app)
    )
    db.session.execute(
        update(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.emailed_at.is_(None),
            Notification.delivery != in_app,
        )
        .values(delivery=in_app)
    )
    return user, ALL_EMAIL
