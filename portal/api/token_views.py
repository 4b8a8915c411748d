"""A person's own tokens: API tokens (made with a name, a scope and a lifetime, shown once,
revocable) and their feed address key. Only the owner sees or revokes them."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.access import require
from portal.api import services
from portal.api.forms import TokenForm
from portal.api.models import AccessToken, TokenPurpose
from portal.auth.forms import ConfirmForm
from portal.core.mail import external_url
from portal.extensions import db

bp = Blueprint("tokens", __name__)


def me():
    return current_user._get_current_object()


def render(form=None, secret=None, feed_key=None, status=200):
    require("token_manage")
    user = me()
    return (
        render_template(
            "api/tokens.html",
            form=form or TokenForm(),
            secret=secret,
            feed_key=feed_key,
            feed_examples=[
                external_url("feeds.document_type", doc_type="working_paper", key=feed_key)
            ]
            if feed_key
            else [],
            tokens=services.live_tokens(user, TokenPurpose.API),
            feed_token=next(iter(services.live_tokens(user, TokenPurpose.FEED)), None),
        ),
        status,
    )


@bp.route("/")
def index():
    return render()


@bp.route("/", methods=["POST"])
def create():
    require("token_manage")
    form = TokenForm()
    if not form.validate_on_submit():
        return render(form, status=400)
    try:
        _token, secret = services.issue_api_token(
            me(), form.name.data, form.scope.data, form.days.data
        )
    except services.TokenError as error:
        form.name.errors.append(str(error))
        return render(form, status=400)
    db.session.commit()
    return render(secret=secret)


@bp.route("/<int:token_id>/revoke", methods=["POST"])
def revoke(token_id):
    token = db.session.get(AccessToken, token_id)
    if token is None:
        abort(404)
    require("token_manage", token, hide=True)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.revoke(token, me())
    db.session.commit()
    flash(_l("The token no longer works."), "success")
    return redirect(url_for("tokens.index"))


@bp.route("/feed", methods=["POST"])
def feed_create():
    require("token_manage")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _token, secret = services.issue_feed_token(me())
    db.session.commit()
    return render(feed_key=secret)


@bp.route("/feed/revoke", methods=["POST"])
def feed_revoke():
    require("token_manage")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.revoke_feed_tokens(me())
    db.session.commit()
    flash(_l("Your feed key no longer works."), "success")
    return redirect(url_for("tokens.index"))
