"""Sign-in with a second factor, sign-out, access requests, password links, the account page."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.urls import iri_to_uri

from portal.access import public, require
from portal.accounts import services as accounts
from portal.accounts.models import Delegation, UserStatus
from portal.auth import second_factor, services
from portal.auth.forms import (
    ChangePasswordForm,
    ConfirmForm,
    LanguageForm,
    NewPasswordForm,
    RequestAccessForm,
    ResetRequestForm,
    SecondFactorForm,
    SecondFactorSetupForm,
    SignInForm,
)
from portal.auth.models import LinkPurpose
from portal.core.i18n import language_name
from portal.core.views import safe_next
from portal.extensions import db, limiter

bp = Blueprint("auth", __name__)

SETUP_SECRET_KEY = "totp_setup_secret"


def per_address_limit():
    return current_app.config["PORTAL_SIGN_IN_LIMIT_PER_ADDRESS"]


def per_account_limit():
    return current_app.config["PORTAL_SIGN_IN_LIMIT_PER_ACCOUNT"]


def form_limit():
    return current_app.config["PORTAL_FORM_LIMIT"]


def account_key():
    return "account:" + services.normalise_email(request.form.get("email"))


def pending_key():
    pending = session.get(services.PENDING_KEY) or {}
    return f"second-factor:{pending.get('user_id')}"


def failed_attempt(response):
    """Only failed attempts count towards a limit: a success redirects."""
    return response.status_code != 302


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(per_address_limit, methods=["POST"], deduct_when=failed_attempt)
@limiter.limit(
    per_account_limit, methods=["POST"], key_func=account_key, deduct_when=failed_attempt
)
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm()
    next_url = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        user = services.check_password(form.email.data, form.password.data)
        if user is None:
            db.session.commit()  # the audit record of the failure
            form.password.errors.append(_l("The email address or the password is not correct."))
        else:
            step = services.second_factor_step(user)
            if step is None:
                services.start_session(user)
                db.session.commit()
                return redirect(next_url)
            services.begin_pending_sign_in(user, next_url)
            db.session.commit()
            endpoint = "auth.two_factor" if step == "verify" else "auth.two_factor_setup"
            return redirect(url_for(endpoint))
    return render_template("auth/sign_in.html", form=form)


@bp.route("/two-factor", methods=["GET", "POST"])
@public
@limiter.limit(
    "5 per 5 minutes", methods=["POST"], key_func=pending_key, deduct_when=failed_attempt
)
def two_factor():
    user = services.pending_user()
    if user is None or not user.has_second_factor:
        flash(_l("Please sign in again."), "info")
        return redirect(url_for("auth.sign_in"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        if services.verify_second_factor(user, form.code.data):
            next_url = services.pending_next()
            services.start_session(user)
            db.session.commit()
            remaining = second_factor.remaining_recovery_codes(user)
            if remaining == 0:
                flash(
                    _("You have no recovery codes left. Create new ones on your account page."),
                    "warning",
                )
            elif remaining <= 3:
                flash(
                    ngettext(
                        "Only %(num)d recovery code is left. Create new ones on your account page.",
                        "Only %(num)d recovery codes are left. Create new ones on your account page.",
                        remaining,
                    ),
                    "warning",
                )
            return redirect(safe_next(next_url))
        db.session.commit()
        form.code.errors.append(
            _l("This code is not valid. Check the time on your device and try again.")
        )
    return render_template("auth/two_factor.html", form=form)


@bp.route("/two-factor/setup", methods=["GET", "POST"])
@public
def two_factor_setup():
    """Enrol an authenticator app: during sign-in when it is required, or from the account page."""
    user = current_user if current_user.is_authenticated else services.pending_user()
    if user is None:
        return redirect(url_for("auth.sign_in"))
    if user.has_second_factor:
        return redirect(url_for("auth.account"))
    secret = session.get(SETUP_SECRET_KEY) or second_factor.new_totp_secret()
    session[SETUP_SECRET_KEY] = secret
    form = SecondFactorSetupForm()
    if form.validate_on_submit():
        codes = services.enable_second_factor(user, secret, form.code.data)
        if codes is None:
            form.code.errors.append(
                _l("This code is not valid. Check the time on your device and try again.")
            )
        else:
            next_url = services.pending_next()
            if not current_user.is_authenticated:
                services.start_session(user)
            session.pop(SETUP_SECRET_KEY, None)
            db.session.commit()
            # Quoted as Werkzeug quotes a Location header: in an href, a browser would read
            # "/\evil.example", which safe_next lets through, as "//evil.example".
            return render_template(
                "auth/recovery_codes.html",
                codes=codes,
                next_url=iri_to_uri(safe_next(next_url)),
            )
    uri = second_factor.provisioning_uri(secret, user.email)
    return render_template(
        "auth/two_factor_setup.html",
        form=form,
        secret=secret,
        qr_code=second_factor.qr_code_data_uri(uri),
        # Set up during sign-in only when it cannot wait; from the account page, perhaps
        # within a grace period.
        required=not current_user.is_authenticated,
        grace_ends=services.second_factor_grace_ends(user),
    )


@bp.app_context_processor
def second_factor_notice():
    """The end of the signed-in person's grace period to set up a second factor, for the notice
    on every page (see base.html), or None."""
    if not has_request_context() or not current_user.is_authenticated:
        return {"second_factor_grace_ends": None}
    return {"second_factor_grace_ends": services.second_factor_grace_ends(current_user)}


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    services.end_session(current_user._get_current_object())
    db.session.commit()
    flash(_l("You have signed out."), "info")
    return redirect(url_for("auth.sign_in"))


# Access requests ----------------------------------------------------------------------------


def delegation_choices():
    delegations = db.session.scalars(select(Delegation)).all()
    choices = sorted(((d.id, d.display_name) for d in delegations), key=lambda c: c[1].casefold())
    return [(0, _l("Choose your delegation"))] + choices


@bp.route("/request-access", methods=["GET", "POST"])
@public
@limiter.limit(form_limit, methods=["POST"])
def request_access():
    form = RequestAccessForm()
    form.delegation.choices = delegation_choices()
    if form.validate_on_submit():
        delegation = db.session.get(Delegation, form.delegation.data)
        if delegation is None:
            form.delegation.errors.append(_l("Choose your delegation from the list."))
        else:
            accounts.request_access(
                form.name.data,
                form.email.data,
                delegation,
                form.function.data,
                form.reason.data,
                str(get_locale()),
            )
            db.session.commit()
            return redirect(url_for("auth.request_sent"))
    return render_template("auth/request_access.html", form=form)


@bp.route("/request-access/sent")
@public
def request_sent():
    return render_template("auth/request_sent.html")


def link_problem(error, purpose):
    """The page for a link that is unknown, used or expired, offering a new one."""
    return (
        render_template(
            "auth/link_problem.html", reason=error.reason, purpose=purpose, token=error.token
        ),
        400 if error.reason == "unknown" else 410,
    )


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@public
def confirm_email(token):
    try:
        link = services.check_link(LinkPurpose.CONFIRM_EMAIL, token)
    except services.LinkError as error:
        return link_problem(error, LinkPurpose.CONFIRM_EMAIL.value)
    form = ConfirmForm()
    if form.validate_on_submit():
        accounts.confirm_request(link.access_request, link)
        db.session.commit()
        return render_template("auth/request_confirmed.html")
    return render_template("auth/confirm_email.html", form=form, access_request=link.access_request)


@bp.route("/confirm/<token>/resend", methods=["POST"])
@public
@limiter.limit(form_limit)
def resend_confirmation(token):
    """A new confirmation link for a request whose link expired before it was confirmed."""
    try:
        services.check_link(LinkPurpose.CONFIRM_EMAIL, token)
    except services.LinkError as error:
        if error.token is None or error.token.access_request.status != "unconfirmed":
            abort(404)
        accounts.send_confirmation(error.token.access_request)
        db.session.commit()
        return redirect(url_for("auth.request_sent"))
    return redirect(url_for("auth.confirm_email", token=token))


@bp.route("/password/<token>", methods=["GET", "POST"])
@public
def set_password(token):
    """Set a password from an approval link, or reset it from a reset link."""
    try:
        link = services.check_password_link(token)
    except services.LinkError as error:
        return link_problem(error, LinkPurpose.RESET_PASSWORD.value)
    user = link.user
    if user is None or user.status == UserStatus.SUSPENDED.value:
        abort(404)
    form = NewPasswordForm(user_inputs=(user.name, user.email))
    if form.validate_on_submit():
        services.set_password(user, form.password.data, token=link)
        accounts.activate_after_password(user)
        db.session.commit()
        flash(_l("Your password is saved. You can now sign in."), "success")
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/set_password.html", form=form, user=user, purpose=link.purpose)


@bp.route("/reset-password", methods=["GET", "POST"])
@public
@limiter.limit(form_limit, methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("auth/reset_sent.html")
    return render_template("auth/reset_request.html", form=form)


# The person's own account ---------------------------------------------------------------------


@bp.route("/account")
def account():
    return render_account()


def render_account(password_form=None, language_form=None, status=200):
    user = current_user._get_current_object()
    if language_form is None:
        language_form = LanguageForm(prefix="language", language=user.language)
    language_form.language.choices = [
        (code, language_name(code)) for code in current_app.config["LANGUAGES"]
    ]
    return (
        render_template(
            "auth/account.html",
            user=user,
            password_form=password_form
            or ChangePasswordForm(prefix="password", user_inputs=(user.name, user.email)),
            language_form=language_form,
            sessions=services.active_sessions(user),
            recovery_codes_left=second_factor.remaining_recovery_codes(user),
            second_factor_required=services.second_factor_required(user),
        ),
        status,
    )


@bp.route("/account/password", methods=["POST"])
def change_password():
    user = current_user._get_current_object()
    form = ChangePasswordForm(prefix="password", user_inputs=(user.name, user.email))
    if form.validate_on_submit():
        if services.change_password(user, form.current.data, form.password.data):
            services.start_session(user, audit_action="auth.session_renewed")
            db.session.commit()
            flash(
                _l("Your password is changed. Your other sessions have been signed out."), "success"
            )
            return redirect(url_for("auth.account"))
        db.session.commit()
        form.current.errors.append(_l("The current password is not correct."))
    return render_account(password_form=form, status=400)


@bp.route("/account/language", methods=["POST"])
def change_language():
    user = current_user._get_current_object()
    form = LanguageForm(prefix="language")
    form.language.choices = [(code, code) for code in current_app.config["LANGUAGES"]]
    if form.validate_on_submit():
        accounts.set_language(user, form.language.data)
        session["language"] = form.language.data
        db.session.commit()
        flash(_l("Your language is saved."), "success")
        return redirect(url_for("auth.account"))
    return render_account(language_form=form, status=400)


@bp.route("/account/recovery-codes", methods=["POST"])
def new_recovery_codes():
    user = current_user._get_current_object()
    require("recovery_codes_replace", user)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    codes = services.replace_recovery_codes(user)
    db.session.commit()
    return render_template(
        "auth/recovery_codes.html", codes=codes, next_url=url_for("auth.account")
    )


@bp.route("/account/two-factor/remove", methods=["POST"])
def remove_second_factor():
    user = current_user._get_current_object()
    require("second_factor_remove", user)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.disable_second_factor(user, by=user)
    db.session.commit()
    flash(_l("The second factor is turned off."), "success")
    return redirect(url_for("auth.account"))
