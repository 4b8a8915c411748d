"""The language switch, the load balancer's health check, and the confirmation step of
actions that cannot be undone (the home page is portal.home)."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from sqlalchemy import text

from portal.access import public
from portal.core.jobs import outbox_state
from portal.extensions import db

bp = Blueprint("core", __name__)


#: The field of a confirmation page's form; a POST without it changes nothing.
CONFIRM_FIELD = "confirmed"


def confirmed():
    """Whether this request is the POST of a confirmation page (see `confirmation`)."""
    return request.method == "POST" and request.form.get(CONFIRM_FIELD) == "yes"


def confirmation(question, explanation, button, back, title=None):
    """The page that asks before an action that cannot be undone: `question` as its heading,
    `explanation` of what follows, a form posting back to this address with the confirmation
    field (`button` is its label) and a link `back` to where the person came from.

    An action view answers a GET, and a POST without the field (a stale one-click button, a
    form from elsewhere), with this page, and acts only when `confirmed()`.
    """
    return render_template(
        "core/confirm.html",
        question=question,
        explanation=explanation,
        button=button,
        back=back,
        title=title or question,
        field=CONFIRM_FIELD,
    )


def safe_next(target, fallback="home.index"):
    """A path on this site to return to, never another site (open redirects are refused).

    Browsers read a backslash as a slash, so `/\\evil.example` would leave the site too.
    """
    if target and target.startswith("/") and not target.startswith("//"):
        if "\\" not in target and target.isprintable():
            parts = urlsplit(target)
            if not parts.scheme and not parts.netloc:
                return target
    return url_for(fallback)


@bp.route("/language", methods=["POST"])
@public
def set_language():
    """Switch the page language; a signed-in person's preference is saved with the account."""
    language = request.form.get("language", "")
    if language not in current_app.config["LANGUAGES"]:
        abort(400)
    session["language"] = language
    if current_user.is_authenticated:
        from portal.accounts.services import set_language as save_language

        save_language(current_user, language)
        db.session.commit()
    return redirect(safe_next(request.form.get("next")))


@bp.route("/healthz")
@public
def healthz():
    """For a load balancer: 200 when the database answers, with the state of the outbox."""
    try:
        db.session.execute(text("SELECT 1"))
        outbox = outbox_state()
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok", outbox=outbox)


def show_error(form, error):
    """Put a refusal of a domain's services (an error with `message` and `field`) at its field;
    returns the message when it belongs to no field of the form."""
    if error.field and error.field in form:
        form[error.field].errors.append(error.message)
        return None
    return error.message


def refused(error, back):
    """A refused one-button action: the message as a flash, back to the page, nothing kept."""
    db.session.rollback()
    flash(error.message, "error")
    return redirect(back)
