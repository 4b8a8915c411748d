"""Pages of case records and of the export of a channel's record, on the channels blueprint.

As on every channel page, whoever may not read the channel gets 404 for each of these URLs, so
that neither a case record nor the channel shows that it exists. Viewing a case record and
exporting the record are written to the channel's access record. Writes go through
portal.channels.cases; a refused record shows its form again with status 400 and the message
at the field it names, and nothing is written.
"""

import json
from datetime import date, datetime

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from portal.access import require, visible
from portal.channels import cases, services
from portal.channels.case_forms import CaseForm, PublishForm, form_data
from portal.channels.export import channel_record
from portal.channels.models import AccessAction, CaseRecord, Channel
from portal.channels.views import bp
from portal.core import submissions
from portal.core.views import confirmation, confirmed
from portal.extensions import db
from portal.reporting import categories


def me():
    return current_user._get_current_object()


def load_channel(channel_id):
    """The channel if the current user reads it, else 404."""
    channel = db.session.scalar(
        visible(select(Channel).where(Channel.id == channel_id), Channel, current_user)
    )
    if channel is None:
        abort(404)
    return channel


def load_case(case_id):
    """The case record if the current user reads it, else 404."""
    case = db.session.scalar(
        visible(select(CaseRecord).where(CaseRecord.id == case_id), CaseRecord, current_user)
    )
    if case is None:
        abort(404)
    require("case_view", case, hide=True)
    return case


def channel_cases(channel):
    """The case records of a channel the current user reads, newest first (empty otherwise)."""
    return db.session.scalars(
        visible(select(CaseRecord), CaseRecord, current_user)
        .where(CaseRecord.channel_id == channel.id)
        .order_by(CaseRecord.created_at.desc(), CaseRecord.id.desc())
    ).all()


def thread_case(thread):
    """The case record discussed in a thread, if the current user reads it."""
    return db.session.scalar(
        visible(select(CaseRecord), CaseRecord, current_user).where(
            CaseRecord.thread_id == thread.id
        )
    )


def category_label(code):
    found = categories.category(code)
    return f"{code} · {found.name}" if found else code


def subcategory_label(code):
    found = categories.subcategory(code) if code else None
    return f"{code} · {found[1].name}" if found else (code or "")


def moment(text):
    """An ISO time of the exported record back as a naive UTC datetime, for the date filters."""
    return datetime.fromisoformat(text.removesuffix("Z")) if text else None


def calendar_day(text):
    """An ISO date of the exported record (a day, not a moment: no time zone moves it) back as
    a date, for the date filter."""
    return date.fromisoformat(text) if text else None


@bp.context_processor
def case_context():
    return {
        "channel_cases": channel_cases,
        "thread_case": thread_case,
        "category_label": category_label,
        "subcategory_label": subcategory_label,
        "country_name": cases.country_name,
        "stage_label": lambda code: cases.label_of(cases.STAGES, code),
        "case_status_label": lambda code: cases.label_of(cases.CASE_STATUSES, code),
        "route_role_label": lambda code: cases.label_of(cases.ROUTE_ROLES, code),
        "shareable_label": lambda code: cases.label_of(cases.SHAREABLE_PARTS, code),
        "access_label": lambda action: AccessAction(action).label,
    }


def field_named(form, name):
    """The field of `form` (or of one of its rows) whose name is `name`, or None."""
    for field in form:
        if field.name == name:
            return field
        if field.type == "FieldList":
            for row in field:
                for sub in row:
                    if sub.name == name:
                        return sub
    return None


def show_error(form, error):
    """Put each refusal of `error` at the field it names (the summary at the top of the form
    lists them all); returns the messages that name no field, for the top of the form, or
    None."""
    general = []
    for name, message in error.problems:
        field = field_named(form, name) if name else None
        if field is None:
            general.append(str(message))
        else:
            field.errors = list(field.errors or []) + [message]
    return " ".join(general) or None


def render_case_form(form, channel, case, problem):
    status = 400 if problem or any_errors(form) else 200
    return render_template(
        "channels/case_form.html",
        form=form,
        channel=channel,
        case=case,
        problem=problem,
        errors=error_list(form),
        countries=cases.country_choices(),
    ), status


def any_errors(form):
    return bool(error_list(form))


#: What the list of errors calls a field of a row (as the cells' own labels do).
ROW_FIELD_LABELS = {
    "category": lambda number: _l("Category, item %(number)d", number=number),
    "subcategory": lambda number: _l("Sub-category, item %(number)d", number=number),
    "quantity": lambda number: _l("Quantity, item %(number)d", number=number),
    "description": lambda number: _l("Description, item %(number)d", number=number),
    "iso3": lambda number: _l("Country code, State %(number)d", number=number),
    "role": lambda number: _l("Role, State %(number)d", number=number),
}


def error_list(form):
    """(field, label, messages) of every field with an error, rows included, in the form's
    order; a row's field is named with its row ("Category, item 2")."""
    found = []
    for field in form:
        if field.type == "FieldList":
            for number, row in enumerate(field, start=1):
                found += [
                    (sub, ROW_FIELD_LABELS[sub.short_name](number), sub.errors)
                    for sub in row
                    if sub.errors
                ]
        elif field.errors and field.name != "csrf_token":
            found.append((field, field.label.text, field.errors))
    return found


@bp.route("/<int:channel_id>/cases/new", methods=["GET", "POST"])
def case_create(channel_id):
    channel = load_channel(channel_id)
    require("case_create", channel, hide=True)
    if resent := submissions.claim():
        return resent
    form = CaseForm()
    problem = None
    if form.validate_on_submit():
        try:
            case = cases.create_case(channel, me(), form.values())
        except cases.CaseError as error:
            db.session.rollback()
            problem = show_error(form, error)
        else:
            flash(_l("The case record is saved, with its own thread."), "success")
            return submissions.finish(url_for("channels.case_detail", case_id=case.id))
    elif request.method == "POST" and form.csrf_token.errors:
        problem = _l("The form had expired. Please send it again.")
    return render_case_form(form, channel, None, problem)


@bp.route("/cases/<int:case_id>")
def case_detail(case_id):
    case = load_case(case_id)
    services.record_access(me(), case.channel, "view_case", "case", case.id)
    db.session.commit()
    return render_template(
        "channels/case_detail.html",
        case=case,
        channel=case.channel,
        plenary=cases.plenary_channel(),
    )


@bp.route("/cases/<int:case_id>/edit", methods=["GET", "POST"])
def case_edit(case_id):
    case = load_case(case_id)
    require("case_edit", case, hide=True)
    form = CaseForm(data=None if request.method == "POST" else form_data(case))
    problem = None
    if form.validate_on_submit():
        try:
            cases.edit_case(case, me(), form.values())
        except cases.CaseError as error:
            db.session.rollback()
            problem = show_error(form, error)
        else:
            db.session.commit()
            flash(_l("The case record is updated."), "success")
            return redirect(url_for("channels.case_detail", case_id=case.id))
    elif request.method == "POST" and form.csrf_token.errors:
        problem = _l("The form had expired. Please send it again.")
    return render_case_form(form, case.channel, case, problem)


@bp.route("/cases/<int:case_id>/publish", methods=["GET", "POST"])
def case_publish(case_id):
    """A preview of the summary, and publishing it to the DIEF plenary channel."""
    case = load_case(case_id)
    require("case_publish", case, hide=True)
    form = PublishForm()
    problem = None
    if form.validate_on_submit():
        try:
            cases.publish_summary(case, me())
        except cases.CaseError as error:
            db.session.rollback()
            problem = error.message
        else:
            db.session.commit()
            flash(_l("The summary is published in the DIEF plenary channel."), "success")
            return redirect(url_for("channels.case_detail", case_id=case.id))
    elif request.method == "POST":
        problem = _l("The form had expired. Please send it again.")
    return render_template(
        "channels/case_publish.html",
        case=case,
        channel=case.channel,
        form=form,
        problem=problem,
        summary_html=cases.summary_html(case),
    ), (400 if problem else 200)


@bp.route("/cases/<int:case_id>/retract", methods=["GET", "POST"])
def case_retract(case_id):
    """Asks first (see portal.core.views.confirmation), then retracts."""
    case = load_case(case_id)
    require("case_retract", case, hide=True)
    if not confirmed():
        return confirmation(
            _("Retract the case record?"),
            _(
                "Its content will no longer be shown to anyone: only its reference, who "
                "provided it and when stay, with a note that it was retracted. A summary already "
                "published in the DIEF plenary channel stays there until you retract that "
                "message. This cannot be undone."
            ),
            _("Retract the case record"),
            url_for("channels.case_detail", case_id=case.id),
        )
    cases.retract_case(case, me())
    db.session.commit()
    flash(_l("The case record is retracted. A note that it was retracted stays."), "success")
    return redirect(url_for("channels.case_detail", case_id=case.id))


# Export -------------------------------------------------------------------------------------


def exported(channel):
    require("channel_export", channel, hide=True)
    services.record_access(me(), channel, "export", "export", channel.id)
    db.session.flush()
    return channel_record(channel, me())


@bp.route("/<int:channel_id>/export.json")
def channel_export_json(channel_id):
    channel = load_channel(channel_id)
    data = exported(channel)
    db.session.commit()
    response = Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="dief-channel-{channel.id}-record.json"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:channel_id>/export")
def channel_export(channel_id):
    channel = load_channel(channel_id)
    data = exported(channel)
    db.session.commit()
    response = Response(
        render_template(
            "channels/export.html",
            channel=channel,
            record=data,
            moment=moment,
            calendar_day=calendar_day,
        )
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
