"""One-time submission ids: a form sent twice is stored once.

A form that stores something new (a reply, a thread, an upload, a report submission) carries a
random id in a hidden field (`SentOnce`), made when the form is rendered. The view calls
`claim()` before it writes: the id is recorded for the signed-in person in the same transaction
as the write, under a primary key, and `finish()` notes where the submission led before the
request commits. The same form sent again (a retry after an answer lost on the way, a double
click, the browser's resend) finds its id already recorded and leads to the same place with a
message that it was already received; nothing is written twice. When two identical posts race,
the primary key decides: the second one's insert waits for the first transaction and fails once
it commits, and the second request is answered as a resend. If the first one fails instead, its
claim is rolled back with its writes and the id stays free for the next attempt; a request that
commits something else on its way to showing the form again (a record of access, say) drops its
claim in that commit, so a recorded id always says where its submission led.

A post without an id is a fresh submission: pages rendered before the field existed, scripts
and the test client send none, and they keep working as before (without the protection). An id
that is present but malformed was not made by the portal; it is refused with a readable 400 and
nothing is written.

Ids are kept for a day, and at least as long as a session may last: a page's form can only be
sent within its session (its CSRF token belongs to the session), so a resend always finds its id.
The worker prunes older ones (`prune()`, one of `portal.core.jobs.PERIODIC`).
"""

import re
import secrets
from datetime import timedelta

from flask import current_app, flash, g, has_app_context, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import delete, event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from wtforms import HiddenField

from portal.core.errors import render_error
from portal.core.jobs import PERIODIC
from portal.core.models import now_utc
from portal.extensions import db

#: The name of the hidden field in the forms and in the posted data.
FIELD = "submission_id"
#: What `new_submission_id()` makes: 16 random bytes, URL-safe base64 without padding.
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{22}")
#: The shortest time an id is remembered (see `keep_for()`).
MINIMUM_KEEP = timedelta(hours=24)


def new_submission_id():
    return secrets.token_urlsafe(16)


class SentOnce:
    """Mixin for a form whose post stores something new: a fresh submission id each time the
    form is made without posted data, and the posted one when it is shown again with errors
    (nothing was recorded then, so the corrected form is still the same submission)."""

    submission_id = HiddenField(default=new_submission_id)


class FormSubmission(db.Model):
    """A submission id that was stored, and where its submission led."""

    __tablename__ = "form_submissions"

    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), primary_key=True)
    token = db.Column(db.String(22), primary_key=True)
    #: The path the first submission redirected to (set by `finish()` before the commit).
    location = db.Column(db.String(2000))
    created_at = db.Column(db.DateTime, nullable=False, default=now_utc, index=True)


def claim():
    """Record the posted submission id for the current user in the current transaction.

    Returns None when the caller should go on and write (a fresh id, or no id at all), or the
    response to give instead: a redirect to where the first submission of this id led, with a
    message that it was already received, or a 400 page for a malformed id. A twin request
    still in flight holds the id's key: the insert waits for it, and finds the id taken once it
    commits. Call it before the first write, and `finish()` before the commit.
    """
    token = request.form.get(FIELD, "")
    if token == "":
        return None
    if not ID_PATTERN.fullmatch(token):
        return render_error(
            400,
            _l("The form could not be read. Go back, reload the page and send it again."),
        )
    user_id = current_user.id
    earlier = recorded(user_id, token)
    if earlier is not None:
        return already_received(earlier)
    submission = FormSubmission(user_id=user_id, token=token)
    db.session.add(submission)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        earlier = recorded(user_id, token)
        if earlier is None:
            raise
        # The same form, sent at the same moment, was stored first.
        return already_received(earlier)
    g.portal_submission = submission
    return None


def recorded(user_id, token):
    """The stored submission of `user_id` with this id, or None."""
    return db.session.get(FormSubmission, (user_id, token))


def already_received(submission):
    flash(_l("This was already received: it has not been stored a second time."), "success")
    return redirect(submission.location or url_for("home.index"))


def finish(location):
    """Note where the claimed submission led, commit the request's transaction and redirect
    there. Without a claim (no id was sent) it commits and redirects all the same."""
    submission = g.pop("portal_submission", None)
    if submission is not None:
        submission.location = location
    db.session.commit()
    return redirect(location)


@event.listens_for(Session, "before_commit")
def drop_unfinished_claim(session):
    """A commit without `finish()` stored nothing of the submission: its id stays free."""
    if not has_app_context():
        return
    submission = g.get("portal_submission")
    if submission is not None and submission.location is None and submission in session:
        del g.portal_submission
        session.delete(submission)


def keep_for():
    """How long an id is remembered: a day, and never less than a session may last."""
    hours = current_app.config["PORTAL_SESSION_ABSOLUTE_HOURS"]
    return max(MINIMUM_KEEP, timedelta(hours=hours))


def prune():
    """Forget the ids older than `keep_for()`; commits. Returns how many were removed."""
    result = db.session.execute(
        delete(FormSubmission).where(FormSubmission.created_at < now_utc() - keep_for())
    )
    db.session.commit()
    return result.rowcount


if prune not in PERIODIC:
    PERIODIC.append(prune)
