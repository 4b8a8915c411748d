"""Base helpers for models.

Timestamps are stored as naive UTC datetimes: SQLite has no time zones, and one convention on
both databases keeps comparisons simple. Pages convert to the reader's zone via flask-babel.
"""

from datetime import datetime, timezone

from portal.extensions import db


def now_utc():
    """The current time as a naive UTC datetime (the storage convention of every model)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class IdMixin:
    id = db.Column(db.Integer, primary_key=True)


class CreatedMixin:
    created_at = db.Column(db.DateTime, nullable=False, default=now_utc)
