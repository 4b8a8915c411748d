"""Reminders of reports due: the Secretariat's page of reminder days, and the switch with which
a point of contact turns its delegation's reminders on or off (on "My reports"). Routes on the
reporting blueprint; the sending is portal.reporting.reminders."""

from datetime import date

from babel.dates import format_date, format_skeleton
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from portal.access import require
from portal.extensions import db
from portal.reporting import reminders
from portal.reporting.models import ReminderDate
from portal.reporting.views import bp


class ReminderDateForm(FlaskForm):
    """A day of the year on which reminders are sent."""

    day = IntegerField(
        _l("Day"),
        validators=[
            InputRequired(_l("Give the day.")),
            NumberRange(1, 31, _l("Give a day from 1 to 31.")),
        ],
    )
    month = IntegerField(
        _l("Month"),
        validators=[
            InputRequired(_l("Give the month.")),
            NumberRange(1, 12, _l("Give a month from 1 to 12.")),
        ],
    )
    submit = SubmitField(_l("Add the day"))


def day_month(month, day):
    """A day of any year as the reader's language writes it: 1 April (as the United Nations
    writes English), 1 avril, 4月1日."""
    language = str(get_locale() or "en")
    if language == "en":
        return format_date(date(2000, month, day), "d MMMM", locale="en")
    return format_skeleton("MMMMd", date(2000, month, day), locale=language)


@bp.route("/reminders", methods=["GET", "POST"])
def reminder_dates():
    require("reminder_dates_manage")
    form = ReminderDateForm()
    status = 200
    if form.validate_on_submit():
        try:
            reminders.add_date(form.month.data, form.day.data, current_user)
        except reminders.ReminderError as error:
            form.day.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Reminders will be sent on that day every year."), "success")
            return redirect(url_for("reporting.reminder_dates"))
    if form.errors:
        status = 400
    return (
        render_template(
            "reporting/reminder_dates.html",
            form=form,
            dates=reminders.reminder_dates(),
            format_day_month=day_month,
        ),
        status,
    )


@bp.route("/reminders/<int:date_id>/remove", methods=["POST"])
def reminder_date_remove(date_id):
    require("reminder_dates_manage")
    reminder = db.session.get(ReminderDate, date_id)
    if reminder is None:
        abort(404)
    reminders.remove_date(reminder)
    db.session.commit()
    flash(_("No more reminders on that day."), "success")
    return redirect(url_for("reporting.reminder_dates"))


@bp.route("/reminders/mine", methods=["POST"])
def reminders_set():
    """Turn the reminders of the point of contact's delegation on or off."""
    delegation = current_user.delegation
    require("reminders_set", delegation)
    wanted = request.form.get("reminders")
    if wanted not in ("on", "off"):
        abort(400)
    reminders.set_reminders(delegation, wanted == "on", current_user)
    db.session.commit()
    if wanted == "on":
        flash(_("Your delegation's points of contact will be reminded of reports due."), "success")
    else:
        flash(_("Your delegation will no longer be reminded of reports due."), "success")
    return redirect(url_for("reporting.index", _anchor="reminders"))
