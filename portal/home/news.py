"""What is new for one person, gathered from every domain they may read.

Each section is one query (or two), filtered by `portal.access` (`visible()`, `principals()`,
`can()`), so that the page costs the same number of statements however many posts, documents
or messages the portal holds. Nothing here writes.

- **Discussions**: threads with a post since the moment given, in what the person follows (a
  thread, a topic, a working group and its sub-workstreams), muted subscriptions left out.
- **Documents**: documents added since then in the working groups (and sub-workstreams) and
  document types the person follows; a person who follows neither sees every document they may
  read, so that a newcomer's page is not empty.
- **Channels**: for each diversion information exchange channel the person reads, whether
  someone else wrote in it since then; never what was written.
- **Coming up**: meetings the person may see that have not ended; the distribution deadlines
  of those meetings still ahead; the delegation's reports due within REPORTS_AHEAD or overdue
  (for those who file them); and the informal consultations of the person's delegation that
  close within DEADLINES_AHEAD.
- **Waiting for you**: invitations of the person's delegation to channels, for its point of
  contact to answer.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from portal.access import can, principals, visible
from portal.extensions import db

#: "All recent": how far back the page looks without a last visit, or when asked to.
RECENT = timedelta(days=30)
#: At most this many entries per section: the page is a pointer, not an archive.
LIMIT = 12
#: Reports are shown from this long before their deadline.
REPORTS_AHEAD = timedelta(days=90)
#: Meetings' distribution deadlines are shown from this long before.
DEADLINES_AHEAD = timedelta(days=60)



@dataclass(frozen=True)
class Entry:
    """One line of the home page: what it is, its title, where it leads and when."""

    label: str
    title: str
    url: str
    at: datetime | date | None = None
    #: Created since the moment the page counts from, rather than only changed since then.
    is_new: bool = False
    #: Overdue, or otherwise needing attention first.
    is_urgent: bool = False
    #: The language of the title when it is not the page's (a meeting titled in English only).
    language: str | None = None


@dataclass(frozen=True)
class Followed:
    """What a person follows, by kind of target (muted subscriptions left out)."""

    spaces: frozenset
    topics: frozenset
    threads: frozenset
    document_types: frozenset


def followed(user):
    """The person's subscriptions, in one query."""
    from portal.notifications.models import Level, Subscription, TargetType

    rows = db.session.execute(
        select(Subscription.target_type, Subscription.target_id, Subscription.target_code).where(
            Subscription.user_id == user.id, Subscription.level != Level.MUTED.value
        )
    ).all()

    def of(kind, column):
        return frozenset(row[column] for row in rows if row.target_type == kind.value)

    return Followed(
        spaces=of(TargetType.WORKING_GROUP, 1),
        topics=of(TargetType.TOPIC, 1),
        threads=of(TargetType.THREAD, 1),
        document_types=of(TargetType.DOCUMENT_TYPE, 2),
    )


def spaces_and_children(space_ids):
    """A subquery of the working groups named and their sub-workstreams."""
    from portal.forum.models import WorkingGroup

    return select(WorkingGroup.id).where(
        or_(WorkingGroup.id.in_(space_ids), WorkingGroup.parent_id.in_(space_ids))
    )


def discussions(user, since, follows):
    """Threads with a post since `since` in what `user` follows, the latest first."""
    from portal.forum.models import Thread, Topic

    conditions = []
    if follows.threads:
        conditions.append(Thread.id.in_(follows.threads))
    if follows.topics:
        conditions.append(Thread.topic_id.in_(follows.topics))
    if follows.spaces:
        conditions.append(
            Thread.topic_id.in_(
                select(Topic.id).where(
                    Topic.working_group_id.in_(spaces_and_children(follows.spaces))
                )
            )
        )
    if not conditions:
        return []
    threads = db.session.scalars(
        visible(select(Thread), Thread, user)
        .where(or_(*conditions), Thread.last_post_at > since)
        .order_by(Thread.last_post_at.desc(), Thread.id.desc())
        .limit(LIMIT)
    ).all()
    return [
        Entry(
            label=_l("New thread") if thread.created_at > since else _l("New posts"),
            title=thread.title,
            url=url_for("forum.thread", thread_id=thread.id),
            at=thread.last_post_at,
            is_new=thread.created_at > since,
        )
        for thread in threads
    ]


def documents(user, since, follows):
    """Documents added since `since` in the spaces and types `user` follows (every document
    they may read when they follow neither), the latest first."""
    from portal.library.models import Document

    query = visible(select(Document), Document, user).where(Document.created_at > since)
    conditions = []
    if follows.spaces:
        conditions.append(Document.working_group_id.in_(spaces_and_children(follows.spaces)))
    if follows.document_types:
        conditions.append(Document.doc_type.in_(follows.document_types))
    if conditions:
        query = query.where(or_(*conditions))
    found = db.session.scalars(
        query.order_by(Document.created_at.desc(), Document.id.desc()).limit(LIMIT)
    ).all()
    return [
        Entry(
            label=document.type_enum.label,
            title=document.symbol or document.title,
            url=url_for("library.document_detail", document_id=document.id),
            at=document.created_at,
            is_new=True,
        )
        for document in found
    ]


def channel_activity(user, since):
    """One entry per channel `user` reads in which someone else wrote since `since`; the
    entry says only that something new is there."""
    from portal.channels.models import ChannelMessage

    held = [int(p.partition(":")[2]) for p in principals(user) if p.startswith("channel:")]
    if not held:
        return []
    rows = db.session.execute(
        visible(
            select(ChannelMessage.channel_id, func.max(ChannelMessage.created_at)),
            ChannelMessage,
            user,
        )
        .where(
            ChannelMessage.channel_id.in_(held),
            ChannelMessage.created_at > since,
            ChannelMessage.author_id != user.id,
            ChannelMessage.retracted_at.is_(None),
        )
        .group_by(ChannelMessage.channel_id)
        .order_by(func.max(ChannelMessage.created_at).desc())
        .limit(LIMIT)
    ).all()
    return [
        Entry(
            label=_l("Channel"),
            title=_l("New message in a channel you take part in"),
            url=url_for("channels.channel", channel_id=channel_id),
            at=latest,
            is_new=True,
        )
        for channel_id, latest in rows
    ]


def meetings_ahead(user, now):
    """Meetings `user` may see that have not ended yet, the soonest first."""
    from portal.meetings.models import Meeting

    found = db.session.scalars(
        visible(select(Meeting), Meeting, user)
        .where(Meeting.ends_at >= now)
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(LIMIT)
    ).all()
    return [
        Entry(
            label=meeting.kind_enum.label,
            title=meeting.text_in("title")[0],
            url=url_for("meetings.meeting_detail", meeting_id=meeting.id),
            at=meeting.starts_at,
            language=meeting.text_in("title")[1],
        )
        for meeting in found
    ]


def documents_due(user, today):
    """The distribution deadlines of the meetings `user` may see, from today to
    DEADLINES_AHEAD."""
    from portal.meetings.models import Meeting

    found = db.session.scalars(
        visible(select(Meeting), Meeting, user)
        .where(
            Meeting.distribution_deadline >= today,
            Meeting.distribution_deadline <= today + DEADLINES_AHEAD,
        )
        .order_by(Meeting.distribution_deadline, Meeting.id)
        .limit(LIMIT)
    ).all()
    return [
        Entry(
            label=_l("Documents due"),
            title=meeting.text_in("title")[0],
            url=url_for("meetings.meeting_detail", meeting_id=meeting.id),
            at=meeting.distribution_deadline,
            language=meeting.text_in("title")[1],
        )
        for meeting in found
    ]


def consultations_closing(user, now):
    """The agreed informal consultations `user` may read that are open now and close within
    DEADLINES_AHEAD, soonest first."""
    from portal.consultations.models import Consultation, ConsultationStatus

    found = db.session.scalars(
        visible(select(Consultation), Consultation, user)
        .where(
            Consultation.status == ConsultationStatus.AGREED.value,
            Consultation.closed_early_at.is_(None),
            Consultation.opens_at <= now,
            Consultation.closes_at > now,
            Consultation.closes_at <= now + DEADLINES_AHEAD,
        )
        .order_by(Consultation.closes_at, Consultation.id)
        .limit(LIMIT)
    ).all()
    return [
        Entry(
            label=_l("Consultation closes"),
            title=consultation.title,
            url=url_for("consultations.consultation_detail", consultation_id=consultation.id),
            at=consultation.closes_at.date(),
            # Consultations work in English (their pages, threads and documents).
            language="en",
        )
        for consultation in found
    ]


def reports_due(user, today):
    """The delegation's reports not submitted whose deadline is within REPORTS_AHEAD or has
    passed, for those who file the delegation's reports."""
    if not can(user, "report_list_own"):
        return []
    from portal.reporting.views import owed_reports

    return [
        Entry(
            label=_l("Overdue") if owed.is_overdue else _l("Report due"),
            title=str(owed.title),
            url=url_for("reporting.index"),
            at=owed.due_on,
            is_urgent=owed.is_overdue,
        )
        for owed in owed_reports(user.delegation, today)
        if owed.latest is None and owed.due_on is not None and owed.due_on <= today + REPORTS_AHEAD
    ]


def invitations(user):
    """Channels to which the person's delegation is invited and that they may answer."""
    from portal.channels.models import Channel, ChannelMember, MemberStatus

    if not user.is_point_of_contact:
        return []
    channels = db.session.scalars(
        select(Channel)
        .join(ChannelMember, ChannelMember.channel_id == Channel.id)
        .where(
            ChannelMember.delegation_id == user.delegation_id,
            ChannelMember.status == MemberStatus.INVITED.value,
        )
        .options(joinedload(Channel.members))
        .order_by(Channel.id)
    ).unique().all()
    return [
        Entry(
            label=_l("Invitation"),
            title=channel.name,
            url=url_for("channels.channel", channel_id=channel.id),
            at=next(
                member.invited_at
                for member in channel.members
                if member.delegation_id == user.delegation_id
            ),
            is_urgent=True,
        )
        for channel in channels
        if can(user, "channel_respond", channel)
    ]


@dataclass
class News:
    """Everything the home page shows, by section."""

    since: datetime
    discussions: list
    documents: list
    channels: list
    coming_up: list
    deadlines: list
    waiting: list

    @property
    def is_empty(self):
        return not (
            self.discussions
            or self.documents
            or self.channels
            or self.coming_up
            or self.deadlines
            or self.waiting
        )


def news_for(user, since, now):
    """What is new for `user` since `since` (a datetime), and what is coming up from `now`."""
    follows = followed(user)
    today = now.date()
    deadlines = (
        reports_due(user, today) + documents_due(user, today) + consultations_closing(user, now)
    )
    deadlines.sort(key=lambda entry: (not entry.is_urgent, entry.at))
    return News(
        since=since,
        discussions=discussions(user, since, follows),
        documents=documents(user, since, follows),
        channels=channel_activity(user, since),
        coming_up=meetings_ahead(user, now),
        deadlines=deadlines,
        waiting=invitations(user),
    )
