"""Personal access tokens: for the JSON API and for feed addresses. Only a digest is kept."""

import enum

from portal.core.models import CreatedMixin, IdMixin, now_utc
from portal.extensions import db


class TokenPurpose(enum.Enum):
    API = "api"
    FEED = "feed"


class TokenScope(enum.Enum):
    READ = "read"
    WRITE = "write"


class AccessToken(IdMixin, CreatedMixin, db.Model):
    """A secret that stands for its person: shown once when made, then only its SHA-256."""

    __tablename__ = "access_tokens"

    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    purpose = db.Column(
        db.Enum(*[p.value for p in TokenPurpose], name="token_purpose", native_enum=False),
        nullable=False,
    )
    #: The person's own name for it, so that they know which one to revoke.
    name = db.Column(db.String(100), nullable=False)
    #: `write` also allows the API's writes (reply, new thread, mark read, import a draft).
    scope = db.Column(
        db.Enum(*[s.value for s in TokenScope], name="token_scope", native_enum=False),
        nullable=False,
        default=TokenScope.READ.value,
    )
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    #: The first characters of the secret, shown in the list to tell tokens apart.
    prefix = db.Column(db.String(12), nullable=False)
    #: API tokens always expire; feed addresses last until revoked.
    expires_at = db.Column(db.DateTime)
    revoked_at = db.Column(db.DateTime)
    last_used_at = db.Column(db.DateTime)

    user = db.relationship("User")

    @property
    def is_live(self):
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now_utc())

    @property
    def can_write(self):
        return self.scope == TokenScope.WRITE.value
