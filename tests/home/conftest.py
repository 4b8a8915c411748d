"""Home page fixtures: the forum's, library's, meetings' and channels' builders, one signed-in
client per person, and `visit_at`, which sets when a person's visits started."""

import pytest

from portal.extensions import db
from portal.home.models import HomeVisit
from tests.channels.conftest import World
from tests.forum import conftest as forum_fixtures
from tests.meetings import conftest as meetings_fixtures

forum = forum_fixtures.forum
signed_in = forum_fixtures.signed_in
errors_are_shown = forum_fixtures.errors_are_shown
meetings = meetings_fixtures.meetings


@pytest.fixture
def world(make):
    return World(make)


@pytest.fixture
def visit_at():
    """Record that `user`'s current visit started at `seen_at`, the one before at `previous`."""

    def set_visit(user, seen_at, previous=None):
        visit = db.session.get(HomeVisit, user.id) or HomeVisit(user_id=user.id)
        visit.seen_at = seen_at
        visit.previous_seen_at = previous
        db.session.add(visit)
        db.session.commit()

    return set_visit
