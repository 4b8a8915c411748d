"""The audit log (filter, CSV export) and the jobs that failed or wait for a retry."""

import csv
import io
import json
from datetime import datetime, time, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import false, func, select

from portal.access import require
from portal.accounts import services as accounts
from portal.accounts.forms import ActionForm
from portal.accounts.models import Group, GroupMembership, User
from portal.admin.forms import AuditFilterForm, GroupForm, MemberForm
from portal.core import jobs
from portal.core.audit import AuditEvent
from portal.core.bounds import paginate
from portal.core.pages import add_by_email
from portal.extensions import db

bp = Blueprint("admin", __name__)

PER_PAGE = 100


def me():
    return current_user._get_current_object()


@bp.before_request
def secretariat_only():
    require("admin_access")


def filtered_audit_query(form):
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if not form.validate():
        # A filter that cannot be read must not widen the page, or the export, to everything.
        return query.where(false())
    if form.action.data:
        query = query.where(AuditEvent.action.like(f"{form.action.data.strip()}%"))
    if form.who.data:
        query = query.where(AuditEvent.actor_email.like(f"%{form.who.data.strip().lower()}%"))
    if form.ip.data:
        query = query.where(AuditEvent.ip_address == form.ip.data.strip())
    if form.since.data:
        query = query.where(AuditEvent.created_at >= datetime.combine(form.since.data, time()))
    if form.until.data:
        end = datetime.combine(form.until.data, time()) + timedelta(days=1)
        query = query.where(AuditEvent.created_at < end)
    return query


#: A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A value as a CSV cell that a spreadsheet shows as text. The address tried at a failed
    sign-in and the reasons in the details are typed by people, some of them not signed in:
    a leading quote keeps them from running as formulas on the Secretariat's computer."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@bp.route("/audit")
def audit_log():
    require("audit_view")
    form = AuditFilterForm(request.args)
    page = paginate(filtered_audit_query(form), PER_PAGE)
    return render_template("admin/audit_list.html", form=form, page=page)


@bp.route("/audit.csv")
def audit_export():
    """The filtered audit log as CSV, streamed so that a long log does not fill memory."""
    require("audit_view")
    form = AuditFilterForm(request.args)
    query = filtered_audit_query(form).execution_options(yield_per=500)

    def rows():
        buffer = io.StringIO()
        writer = csv.writer(buffer)

        def line(cells):
            writer.writerow([csv_cell(cell) for cell in cells])
            text = buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            return text

        # The header comes first even when no event matches, so an empty export still says so.
        yield line(
            [
                "id",
                "time_utc",
                "action",
                "actor_id",
                "actor_email",
                "target_type",
                "target_id",
                "ip_address",
                "detail",
            ]
        )
        for event in db.session.scalars(query):
            yield line(
                [
                    event.id,
                    event.created_at.isoformat(timespec="seconds"),
                    event.action,
                    event.actor_id,
                    event.actor_email,
                    event.target_type,
                    event.target_id,
                    event.ip_address,
                    json.dumps(event.detail, ensure_ascii=False) if event.detail else None,
                ]
            )

    return Response(
        stream_with_context(rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
    )


@bp.route("/jobs")
def job_list():
    require("job_list")
    query = (
        select(jobs.Job)
        .where(jobs.Job.status.in_([jobs.FAILED, jobs.PENDING, jobs.RUNNING]))
        .order_by(jobs.Job.status, jobs.Job.id.desc())
    )
    page = paginate(query, PER_PAGE)
    return render_template(
        "admin/job_list.html", page=page, outbox=jobs.outbox_state(), action_form=ActionForm()
    )


@bp.route("/jobs/<int:job_id>/retry", methods=["POST"])
def job_retry(job_id):
    job = db.session.get(jobs.Job, job_id) or abort(404)
    require("job_retry", job)
    if not ActionForm().validate_on_submit():
        abort(400)
    jobs.retry(job)
    db.session.commit()
    flash(_l("The job is queued again."), "success")
    return redirect(url_for("admin.job_list"))


# Named groups -------------------------------------------------------------------------------


@bp.route("/groups", methods=["GET", "POST"])
def group_list():
    """Named groups: the readers of closed working groups and other restricted spaces."""
    require("group_manage")
    form = GroupForm()
    if form.validate_on_submit():
        try:
            group = accounts.create_group(form.name.data, form.description.data, me())
        except accounts.AccountError as error:
            db.session.rollback()
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            return redirect(url_for("admin.group_detail", group_id=group.id))
    groups = db.session.execute(
        select(Group, func.count(GroupMembership.user_id))
        .outerjoin(GroupMembership, GroupMembership.group_id == Group.id)
        .group_by(Group.id)
        .order_by(Group.name)
    ).all()
    status = 400 if form.errors else 200
    return render_template("admin/group_list.html", groups=groups, form=form), status


@bp.route("/groups/<int:group_id>", methods=["GET", "POST"])
def group_detail(group_id):
    require("group_manage")
    group = db.session.get(Group, group_id) or abort(404)
    form = MemberForm()
    added = add_by_email(
        form,
        lambda email: accounts.add_group_member(group, email, me()),
        accounts.AccountError,
        _l("%(name)s is now a member."),
        url_for("admin.group_detail", group_id=group.id),
    )
    if added:
        return added
    members = db.session.scalars(
        select(User)
        .join(GroupMembership)
        .where(GroupMembership.group_id == group.id)
        .order_by(User.name)
    ).all()
    status = 400 if form.errors else 200
    return (
        render_template(
            "admin/group_detail.html",
            group=group,
            members=members,
            form=form,
            action_form=ActionForm(),
        ),
        status,
    )


@bp.route("/groups/<int:group_id>/members/<int:user_id>/remove", methods=["POST"])
def group_member_remove(group_id, user_id):
    require("group_manage")
    group = db.session.get(Group, group_id) or abort(404)
    user = db.session.get(User, user_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    accounts.remove_group_member(group, user, me())
    db.session.commit()
    flash(_l("%(name)s is no longer a member.", name=user.name), "success")
    return redirect(url_for("admin.group_detail", group_id=group.id))
