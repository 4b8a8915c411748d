"""The Secretariat's desk: everything that waits for it, counted, each with where to act on it.

Every count is one query on another domain's rows, read through its models; the rows each
count stands for are exactly those of the page it links to:

- access requests awaiting a decision (accounts);
- channel proposals awaiting the Secretariat's approval (channels; the desk names none);
- reported posts in the review queue (forum, `open_flags`);
- submitted report versions not acknowledged yet (reporting), listed for bulk acknowledgement;
- failed jobs of the outbox (core);
- requests to speak awaiting a decision, for meetings that have not ended (meetings);
- late documents: agenda items of meetings not ended whose distribution deadline has passed
  and that have no document yet (meetings).
"""

from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.extensions import db


@dataclass(frozen=True)
class Waiting:
    """One line of the desk: what waits, how many, and where to act on it."""

    label: str
    count: int
    url: str


def count(query):
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def access_requests():
    from portal.accounts.models import AccessRequest, RequestStatus

    return count(
        select(AccessRequest.id).where(AccessRequest.status == RequestStatus.PENDING.value)
    )


def channel_proposals():
    from portal.channels.models import Channel, ChannelStatus

    return count(
        select(Channel.id).where(
            Channel.status == ChannelStatus.PROPOSED.value, Channel.approved_at.is_(None)
        )
    )


def reported_posts(user):
    from portal.forum.models import Flag
    from portal.forum.views import open_flags

    return count(open_flags(user).with_only_columns(Flag.post_id).distinct())


def versions_to_acknowledge():
    """A SELECT of the submitted report versions not acknowledged yet, the oldest first."""
    from portal.reporting.models import Report, ReportVersion

    return (
        select(ReportVersion)
        .where(ReportVersion.submitted_at.is_not(None), ReportVersion.acknowledged_at.is_(None))
        .options(joinedload(ReportVersion.report).joinedload(Report.delegation))
        .order_by(ReportVersion.submitted_at, ReportVersion.id)
    )


def failed_jobs():
    from portal.core.jobs import FAILED, Job

    return count(select(Job.id).where(Job.status == FAILED))


def speakers_requests(now):
    from portal.meetings.models import Meeting, SpeakerRequest, SpeakerStatus

    return count(
        select(SpeakerRequest.id)
        .join(Meeting, Meeting.id == SpeakerRequest.meeting_id)
        .where(SpeakerRequest.status == SpeakerStatus.REQUESTED.value, Meeting.ends_at >= now)
    )


def late_documents(now):
    """[(meeting, number of agenda items still without a document)] for the meetings not
    ended whose distribution deadline has passed, the soonest first."""
    from portal.meetings.models import AgendaDocument, AgendaItem, Meeting

    rows = db.session.execute(
        select(Meeting, func.count(AgendaItem.id))
        .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .where(
            Meeting.ends_at >= now,
            Meeting.distribution_deadline < now.date(),
            ~AgendaItem.id.in_(select(AgendaDocument.item_id)),
        )
        .group_by(Meeting.id)
        .order_by(Meeting.starts_at, Meeting.id)
    ).all()
    return [(meeting, missing) for meeting, missing in rows]


def waiting_for(user, now):
    """The lines of the desk, in the order the Secretariat works through them."""
    return [
        Waiting(_l("Access requests"), access_requests(), url_for("accounts.request_list")),
        Waiting(_l("Channel proposals"), channel_proposals(), url_for("channels.index")),
        Waiting(_l("Reported posts"), reported_posts(user), url_for("forum.flag_list")),
        Waiting(
            _l("Reports to acknowledge"),
            count(versions_to_acknowledge()),
            url_for("home.desk", _anchor="acknowledge"),
        ),
        Waiting(_l("Failed jobs"), failed_jobs(), url_for("admin.job_list")),
        Waiting(_l("Requests to speak"), speakers_requests(now), url_for("meetings.index")),
    ]
