"""The home page: what is new for the signed-in person since their last visit, what is coming
up, and what waits for them, with a short orientation on their first visit; and the
Secretariat's desk."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from portal.access import can, managed, require, visible
from portal.accounts.models import AccessRequest, RequestStatus
from portal.core.models import now_utc
from portal.extensions import db
from portal.forum.models import WorkingGroup
from portal.home import desk as desk_lines
from portal.home import services
from portal.home.forms import AcknowledgeForm, ContactMessageForm
from portal.home.news import RECENT, news_for
from portal.reporting.models import ReportVersion

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    """`?show=all` shows everything recent (RECENT) instead of what is new since the last
    visit."""
    now = now_utc()
    previous_visit = services.record_visit(current_user, now)
    db.session.commit()
    show_all = request.args.get("show") == "all" or previous_visit is None
    since = now - RECENT if show_all or previous_visit < now - RECENT else previous_visit
    groups = db.session.scalars(
        visible(select(WorkingGroup), WorkingGroup, current_user).order_by(
            WorkingGroup.position, WorkingGroup.id
        )
    ).all()
    waiting = None
    if can(current_user, "access_request_list"):
        query = (
            select(db.func.count())
            .select_from(AccessRequest)
            .where(AccessRequest.status == RequestStatus.PENDING.value)
        )
        waiting = db.session.scalar(managed(query, AccessRequest.delegation_id, current_user))
    return render_template(
        "home/home.html",
        news=news_for(current_user, since, now),
        previous_visit=previous_visit,
        show_all=show_all,
        is_first_visit=previous_visit is None,
        working_groups=[group for group in groups if group.parent_id is None],
        children={group.id: [c for c in groups if c.parent_id == group.id] for group in groups},
        waiting_requests=waiting,
        recent_days=RECENT.days,
    )


# The Secretariat's desk -----------------------------------------------------------------------


@bp.route("/desk")
def desk():
    require("desk_view")
    now = now_utc()
    return render_template(
        "home/desk.html",
        waiting=desk_lines.waiting_for(current_user, now),
        late=desk_lines.late_documents(now),
        versions=db.session.scalars(desk_lines.versions_to_acknowledge()).all(),
        acknowledge_form=AcknowledgeForm(),
    )


@bp.route("/desk/acknowledge", methods=["POST"])
def desk_acknowledge():
    """Acknowledge the report versions ticked on the desk; one that cannot be acknowledged
    (unknown, a draft, acknowledged already) refuses them all."""
    require("desk_view")
    form = AcknowledgeForm()
    if not form.validate_on_submit():
        abort(400)
    given = request.form.getlist("version")
    ids = {int(value) for value in given if value.isdigit() and len(value) < 10}
    versions = db.session.scalars(
        select(ReportVersion).where(ReportVersion.id.in_(ids)).order_by(ReportVersion.id)
    ).all()
    if len(versions) != len(set(given)) or not all(
        can(current_user, "version_acknowledge", version) for version in versions
    ):
        flash(_("One of the reports ticked cannot be acknowledged: nothing was changed."), "error")
        return redirect(url_for("home.desk", _anchor="acknowledge"))
    try:
        services.acknowledge_versions(versions, current_user)
    except services.DeskError as error:
        flash(str(error), "error")
        return redirect(url_for("home.desk", _anchor="acknowledge"))
    db.session.commit()
    flash(
        ngettext(
            "%(num)d report acknowledged.", "%(num)d reports acknowledged.", len(versions)
        ),
        "success",
    )
    return redirect(url_for("home.desk"))


@bp.route("/desk/message", methods=["GET", "POST"])
def contact_message():
    """Write to the national points of contact: all, one regional group, or those of States
    Parties with a report overdue."""
    require("contact_message")
    form = ContactMessageForm()
    if form.validate_on_submit():
        try:
            sent = services.message_contacts(
                current_user, form.audience.data, form.region.data, form.texts()
            )
        except services.DeskError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(
                ngettext(
                    "The message is on its way to %(num)d point of contact.",
                    "The message is on its way to %(num)d points of contact.",
                    sent,
                ),
                "success",
            )
            return redirect(url_for("home.desk"))
    status = 400 if form.errors or request.method == "POST" else 200
    return render_template("home/message_form.html", form=form), status
