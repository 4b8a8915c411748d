"""Making, finding and revoking personal access tokens (API tokens and feed tokens).

A token is `att_` followed by 43 random URL-safe characters; only its SHA-256 is stored, so a
copy of the database gives nobody a working token. Each is made, listed and revoked by its
owner only (`token_manage`), and every making and revoking is in the audit log.
"""

import hashlib
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.api.models import AccessToken, TokenPurpose, TokenScope
from portal.core.audit import record
from portal.core.models import now_utc
from portal.extensions import db

PREFIX = "att_"
#: The longest accepted secret: anything longer is refused before it is hashed.
SECRET_MAX = 100
NAME_MAX = 100
#: The lifetimes a person may choose for an API token, in days.
LIFETIMES = (7, 30, 90, 365)


class TokenError(ValueError):
    """A token cannot be made as asked; the message says why, for the person."""


def digest(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret():
    return PREFIX + secrets.token_urlsafe(32)


def issue_api_token(user, name, scope, days):
    """A new API token for `user`: returns (token row, secret). The secret is shown once.

    Raises TokenError for an empty or long name, an unknown scope or lifetime.
    """
    name = (name or "").strip()
    if not name:
        raise TokenError(_l("Give the token a name, so that you know which one to revoke."))
    if len(name) > NAME_MAX:
        raise TokenError(_l("The name is too long: at most %(count)d characters.", count=NAME_MAX))
    if scope not in {s.value for s in TokenScope}:
        raise TokenError(_l("Choose what the token may do."))
    if days not in LIFETIMES:
        raise TokenError(_l("Choose how long the token works."))
    secret = new_secret()
    token = AccessToken(
        user_id=user.id,
        purpose=TokenPurpose.API.value,
        name=name,
        scope=scope,
        token_hash=digest(secret),
        prefix=secret[: len(PREFIX) + 4],
        expires_at=now_utc() + timedelta(days=days),
    )
    db.session.add(token)
    record("api.token_create", target=user, actor=user, token=token.prefix, scope=scope, days=days)
    return token, secret


def issue_feed_token(user):
    """A new feed token for `user`, replacing the one before: returns (token row, secret)."""
    revoke_feed_tokens(user)
    secret = new_secret()
    token = AccessToken(
        user_id=user.id,
        purpose=TokenPurpose.FEED.value,
        name="feeds",
        scope=TokenScope.READ.value,
        token_hash=digest(secret),
        prefix=secret[: len(PREFIX) + 4],
    )
    db.session.add(token)
    record("api.feed_token_create", target=user, actor=user, token=token.prefix)
    return token, secret


def revoke(token, by):
    """Revoke `token` now; a revoked token is refused at its next use."""
    if token.revoked_at is None:
        token.revoked_at = now_utc()
        record("api.token_revoke", target=token.user, actor=by, token=token.prefix)


def revoke_feed_tokens(user):
    for token in live_tokens(user, TokenPurpose.FEED):
        revoke(token, user)


def live_tokens(user, purpose):
    """`user`'s tokens of `purpose` that still work, newest first."""
    now = now_utc()
    return db.session.scalars(
        select(AccessToken)
        .where(
            AccessToken.user_id == user.id,
            AccessToken.purpose == purpose.value,
            AccessToken.revoked_at.is_(None),
            (AccessToken.expires_at.is_(None)) | (AccessToken.expires_at > now),
        )
        .order_by(AccessToken.id.desc())
    ).all()


def find_token(secret, purpose):
    """The token row of `secret` for `purpose`, live or not, or None when there is none."""
    if not secret or len(secret) > SECRET_MAX or not secret.startswith(PREFIX):
        return None
    return db.session.scalar(
        select(AccessToken).where(
            AccessToken.token_hash == digest(secret), AccessToken.purpose == purpose.value
        )
    )


def owner_of(secret, purpose):
    """The active person whose live token `secret` is, with the token; else (None, token or
    None). Marks the token used."""
    token = find_token(secret, purpose)
    if token is None or not token.is_live or not token.user.is_active:
        return None, token
    token.last_used_at = now_utc()
    return token.user, token
