"""Reminders of reports due: on each day the Secretariat set (for example 1 April and 1 June),
the points of contact of the States Parties with a report due and not submitted are told
which, by email in their own language, through the outbox.

Each person gets at most one reminder per day, however often it runs: `ReminderSent` records
it under a unique (person, day). A delegation whose point of contact turned reminders off is
skipped. The worker runs `send_due_reminders` about once a minute (`portal.core.jobs.PERIODIC`),
so a reminder day's emails go out in its first minute (UTC) or when the worker comes back.
"""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.models import Role, User, UserStatus
from portal.core.audit import record
from portal.core.jobs import PERIODIC
from portal.core.mail import external_url, queue_email
from portal.extensions import db
from portal.reporting.models import (
    ReminderDate,
    ReminderOptOut,
    ReminderSent,
    ReportKind,
    report_title,
)
from portal.reporting.status import ReportingStatus, current_day


class ReminderError(Exception):
    """A change to the reminder dates that cannot be made; the message is for the person."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def reminder_dates():
    return db.session.scalars(
        select(ReminderDate).order_by(ReminderDate.month, ReminderDate.day)
    ).all()


def add_date(month, day, user):
    """Add a reminder day (any year's `month`/`day`). Raises ReminderError for a day that does
    not exist in every year (29 February) or one set already."""
    try:
        date(2025, month, day)
    except (TypeError, ValueError):
        raise ReminderError(_l("Choose a day that exists every year.")) from None
    exists = db.session.scalar(
        select(ReminderDate).where(ReminderDate.month == month, ReminderDate.day == day)
    )
    if exists is not None:
        raise ReminderError(_l("Reminders are already sent on that day."))
    reminder = ReminderDate(month=month, day=day, created_by_id=user.id)
    db.session.add(reminder)
    record("reminder_date.add", reminder, month=month, day=day)
    return reminder


def remove_date(reminder):
    record("reminder_date.remove", reminder, month=reminder.month, day=reminder.day)
    db.session.delete(reminder)


def is_opted_out(delegation):
    return (
        db.session.scalar(
            select(ReminderOptOut.id).where(ReminderOptOut.delegation_id == delegation.id)
        )
        is not None
    )


def set_reminders(delegation, wanted, user):
    """Turn the reminders of `delegation` on (`wanted`) or off."""
    opt_out = db.session.scalar(
        select(ReminderOptOut).where(ReminderOptOut.delegation_id == delegation.id)
    )
    if wanted and opt_out is not None:
        db.session.delete(opt_out)
    elif not wanted and opt_out is None:
        db.session.add(ReminderOptOut(delegation_id=delegation.id, by_id=user.id))
    record("reminders.set", delegation, on=bool(wanted))


def reports_due(status, delegation):
    """The reports `delegation` owes and has not submitted on the day of `status`: its initial
    report, and its annual report on the year just ended."""
    due = []
    initial = status.initial(delegation)
    if initial.is_owed and initial.submitted is None and initial.due_on is not None:
        due.append((ReportKind.INITIAL, None, initial.due_on))
    year = status.today.year - 1
    annual = status.annual(delegation, year)
    if annual.is_owed and annual.submitted is None:
        due.append((ReportKind.ANNUAL, year, annual.due_on))
    return due


def send_reminders(today):
    """Queue today's reminders, if today is a reminder day; returns how many were queued."""
    is_day = db.session.scalar(
        select(ReminderDate.id).where(
            ReminderDate.month == today.month, ReminderDate.day == today.day
        )
    )
    if is_day is None:
        return 0
    status = ReportingStatus(today)
    opted_out = set(db.session.scalars(select(ReminderOptOut.delegation_id)))
    already = set(
        db.session.scalars(select(ReminderSent.user_id).where(ReminderSent.sent_on == today))
    )
    queued = 0
    for delegation in status.parties:
        if delegation.id in opted_out:
            continue
        due = reports_due(status, delegation)
        if not due:
            continue
        contacts = db.session.scalars(
            select(User).where(
                User.delegation_id == delegation.id,
                User.role == Role.POINT_OF_CONTACT.value,
                User.status == UserStatus.ACTIVE.value,
            )
        ).all()
        for person in contacts:
            if person.id in already:
                continue
            db.session.add(
                ReminderSent(
                    user_id=person.id,
                    delegation_id=delegation.id,
                    sent_on=today,
                    reports=[f"{kind.value} {year or ''}".strip() for kind, year, _ in due],
                )
            )
            queue_email(
                person.email,
                person.language,
                "report_reminder",
                _l("ATT reports due from your State"),
                name=person.name,
                reports=[
                    (report_title(kind, year), due_on, due_on < today) for kind, year, due_on in due
                ],
                link=external_url("reporting.index"),
                settings_link=external_url("reporting.index", _anchor="reminders"),
            )
            queued += 1
    return queued


def send_due_reminders():
    """The worker's periodic task: today's reminders, committed at once."""
    send_reminders(current_day())
    db.session.commit()


if send_due_reminders not in PERIODIC:
    PERIODIC.append(send_due_reminders)
