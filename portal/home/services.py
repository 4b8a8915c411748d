"""Writes of the home page and the Secretariat's desk: recording a visit, acknowledging
reports together, messages to the points of contact."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.core.audit import record
from portal.core.mail import queue_email
from portal.core.models import now_utc
from portal.extensions import db
from portal.home.models import HomeVisit

#: Home page views closer together than this belong to one visit: no write, same "since".
VISIT_GAP = timedelta(minutes=30)


def record_visit(user, now=None):
    """Note that `user` is looking at their home page; return when their previous visit
    started, or None on their first visit.

    A view within VISIT_GAP of the current visit's start changes nothing, so a person who
    reloads the page keeps seeing what is new since the visit before and the database is
    written at most once per VISIT_GAP and person. The caller commits.
    """
    now = now or now_utc()
    visit = db.session.get(HomeVisit, user.id)
    if visit is None:
        db.session.add(HomeVisit(user_id=user.id, seen_at=now))
        return None
    if now - visit.seen_at >= VISIT_GAP:
        visit.previous_seen_at = visit.seen_at
        visit.seen_at = now
    return visit.previous_seen_at


class DeskError(Exception):
    """A request of the desk that cannot be carried out; the message is for the Secretariat."""


def acknowledge_versions(versions, by):
    """Acknowledge the receipt of several submitted report versions at once (one audit entry
    each, as one by one). The caller has checked `version_acknowledge` on each.

    Raises DeskError when none is given.
    """
    from portal.reporting.services import acknowledge

    if not versions:
        raise DeskError(_l("Tick the reports to acknowledge."))
    for version in versions:
        acknowledge(version, by)
    return versions


def contact_recipients(audience, region=None, today=None):
    """The active points of contact of the delegations `audience` names: every delegation
    other than the Secretariat (`all`), those of one UN regional group (`region`), or the
    States Parties with a report overdue (`reports_due`)."""
    from portal.accounts.models import Delegation, DelegationKind, Role, User, UserStatus
    from portal.reporting.status import ReportingStatus

    query = (
        select(User)
        .join(Delegation, Delegation.id == User.delegation_id)
        .where(
            User.role == Role.POINT_OF_CONTACT.value,
            User.status == UserStatus.ACTIVE.value,
            Delegation.kind != DelegationKind.SECRETARIAT.value,
        )
        .order_by(User.id)
    )
    if audience == "region":
        query = query.where(Delegation.regional_group == region)
    elif audience == "reports_due":
        status = ReportingStatus(today)
        overdue = [
            party.id
            for party in status.parties
            if any(report.is_missing for report in status.reports_due_to_date(party))
        ]
        query = query.where(Delegation.id.in_(overdue))
    elif audience != "all":
        raise DeskError(_l("Choose to whom the message goes."))
    return db.session.scalars(query).all()


def as_subject(text):
    """`text` as `queue_email` takes a subject: it formats subjects holding `%(`."""
    return text.replace("%", "%%") if "%(" in text else text


def message_contacts(by, audience, region, texts, today=None):
    """Email a message of the Secretariat to the points of contact `audience` names, each in
    their language where the message was given in it (else in English), through the outbox;
    one audit entry names the recipients. Returns the number of emails queued.

    `texts` is {language: (subject, body)} and holds English. Raises DeskError when no point
    of contact matches.
    """
    recipients = contact_recipients(audience, region, today)
    if not recipients:
        raise DeskError(_l("No point of contact matches this choice: nothing was sent."))
    for person in recipients:
        language = person.language if person.language in texts else "en"
        subject, body = texts[language]
        queue_email(
            person.email,
            language,
            "contact_message",
            as_subject(subject),
            name=person.name,
            body=body,
        )
    record(
        "desk.contact_message",
        actor=by,
        audience=audience,
        region=region or None,
        subject=texts["en"][0],
        languages=sorted(texts),
        recipients=[person.id for person in recipients],
    )
    return len(recipients)
