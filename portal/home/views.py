"""The home page: what is new for the signed-in person since their last visit, what is coming
up, and what waits for them; a short orientation on their first visit."""

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import select

from portal.access import can, managed, visible
from portal.accounts.models import AccessRequest, RequestStatus
from portal.core.models import now_utc
from portal.extensions import db
from portal.forum.models import WorkingGroup
from portal.home.news import RECENT, news_for
from portal.home.services import record_visit

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    """`?show=all` shows everything recent (RECENT) instead of what is new since the last
    visit."""
    now = now_utc()
    previous_visit = record_visit(current_user, now)
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
