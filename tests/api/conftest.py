"""API fixtures: the forum's and library's builders, and tokens made through the services."""

from datetime import timedelta

import pytest

from portal.api import services
from portal.core.models import now_utc
from portal.extensions import db
from tests.library import conftest as library_fixtures

forum = library_fixtures.forum
library = library_fixtures.library


@pytest.fixture
def token_for(app):
    """`token_for(user, scope="read", expired=False, revoked=False)`: a committed API token's
    secret."""

    def make_token(user, scope="read", expired=False, revoked=False):
        token, secret = services.issue_api_token(user, "test", scope, 30)
        if expired:
            token.expires_at = now_utc() - timedelta(seconds=1)
        if revoked:
            services.revoke(token, user)
        db.session.commit()
        return secret

    return make_token


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}
