"""Server-side sessions, single-use links and second-factor recovery codes.

Secrets (session ids, link tokens, recovery codes) are stored only as SHA-256 digests: a copy
of the database does not let anyone sign in or follow a link.
"""

import enum
import hashlib
import secrets

from portal.core.models import CreatedMixin, IdMixin
from portal.extensions import db


def new_secret():
    return secrets.token_urlsafe(32)


def digest(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


class UserSession(IdMixin, CreatedMixin, db.Model):
    """A signed-in session; the cookie holds its secret id, the row says whether it still holds."""

    __tablename__ = "user_sessions"

    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    secret_digest = db.Column(db.String(64), nullable=False, unique=True)
    last_seen_at = db.Column(db.DateTime, nullable=False)
    #: Set when the session is signed out, expires, or is ended by a password change.
    ended_at = db.Column(db.DateTime)
    ip_address = db.Column(db.String(45))
    user_agent = db.Column(db.String(255), nullable=False, default="")

    user = db.relationship("User")


class LinkPurpose(enum.Enum):
    CONFIRM_EMAIL = "confirm_email"
    SET_PASSWORD = "set_password"
    RESET_PASSWORD = "reset_password"


class LinkToken(IdMixin, CreatedMixin, db.Model):
    """A single-use link sent by email."""

    __tablename__ = "link_tokens"

    purpose = db.Column(
        db.Enum(*[p.value for p in LinkPurpose], name="link_purpose", native_enum=False),
        nullable=False,
    )
    secret_digest = db.Column(db.String(64), nullable=False, unique=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), index=True)
    access_request_id = db.Column(db.Integer, db.ForeignKey("access_requests.id"), index=True)
    expires_at = db.Column(db.DateTime, nullable=False)
    used_at = db.Column(db.DateTime)

    user = db.relationship("User")
    access_request = db.relationship("AccessRequest")


class RecoveryCode(IdMixin, CreatedMixin, db.Model):
    """A one-time code that stands in for the authenticator app."""

    __tablename__ = "recovery_codes"

    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    code_digest = db.Column(db.String(64), nullable=False)
    used_at = db.Column(db.DateTime)
