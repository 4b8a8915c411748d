"""When a person last looked at their home page, for "since your last visit"."""

from portal.extensions import db


class HomeVisit(db.Model):
    """One row per person: the start of their current visit and of the one before.

    The row is written when a new visit starts (see `services.record_visit`), not on every page
    view, so that reloading the home page costs no write.
    """

    __tablename__ = "home_visits"

    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), primary_key=True)
    #: When the current visit started.
    seen_at = db.Column(db.DateTime, nullable=False)
    #: When the visit before it started: "since your last visit" counts from here.
    previous_seen_at = db.Column(db.DateTime)
