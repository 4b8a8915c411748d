"""Who is asking the API: a personal access token (`Authorization: Bearer att_...`) or the
signed-in browser session, and what follows from it.

- A request with a token is that token's person: the session cookie is then ignored, and the
  request needs no CSRF token (a browser never adds the header by itself). A token that is
  unknown, revoked or expired, or whose person is no longer active, answers 401.
- A request without a token uses the session; its writes need the CSRF token (header
  `X-CSRFToken`), as the pages' forms do.
- A write (any method but GET/HEAD/OPTIONS) needs a token of scope `write`, or the session.
- Every request made with a token is in the audit log, one entry each; throttling counts per
  token (or per signed-in person, or per address).
"""

from flask import abort, current_app, g, request
from flask_login import current_user

from portal.api import services
from portal.api.models import TokenPurpose
from portal.core.audit import record
from portal.extensions import csrf, db

API_PREFIX = "/api/v1"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_api_request():
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def bearer_secret():
    """The secret of an `Authorization: Bearer` header, "" for another scheme, None without."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _sep, secret = header.partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


def authenticate():
    """Before every request (ahead of the sign-in check): make a token's person the current
    user of an API request. Refusals answer 401 with a JSON error."""
    if not is_api_request():
        return
    secret = bearer_secret()
    if secret is None:
        return
    user, token = services.owner_of(secret, TokenPurpose.API)
    if user is None:
        if token is not None:
            record("api.token_refused", actor=token.user, token=token.prefix)
            db.session.commit()
        abort(401, description="The access token is not valid: unknown, revoked or expired.")
    # Flask-Login's current user for this request only: no session is made or changed.
    g._login_user = user
    g.api_token = token


def authorise():
    """Before every API view: a write needs a write token, or the session and its CSRF token."""
    if request.method in READ_METHODS:
        return
    token = g.get("api_token")
    if token is None:
        csrf.protect()
    elif not token.can_write:
        abort(403, description="This token may only read: make a token with write access.")


def audit(response):
    """After every API request made with a token: one audit entry, and the token's last use."""
    token = g.get("api_token")
    if token is not None:
        record(
            "api.request",
            actor=token.user,
            token=token.prefix,
            method=request.method,
            path=request.path[:200],
            status=response.status_code,
        )
        db.session.commit()
    return response


def throttle_key():
    """Whom the API's throttling counts: the token, else the signed-in person, else the
    address."""
    secret = bearer_secret()
    if secret:
        return "api-token:" + services.digest(secret)
    if current_user.is_authenticated:
        return f"api-user:{current_user.id}"
    return "api-address:" + (request.remote_addr or "")


def throttle_limit():
    return current_app.config["PORTAL_API_LIMIT"]
