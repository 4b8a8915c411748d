"""Writes of the home page: recording a visit."""

from datetime import timedelta

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
