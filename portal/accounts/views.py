"""Access requests and accounts, for the Secretariat (everyone) and points of contact (their
own delegation). Someone who manages nobody gets 403; a record outside one's scope is 404."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select

from portal.access import managed, require
from portal.accounts import services
from portal.accounts.forms import (
    ActionForm,
    DecisionForm,
    DelegationForm,
    RequestFilterForm,
    RoleForm,
    SuspendForm,
    UserFilterForm,
    role_choices,
)
from portal.accounts.models import (
    AccessRequest,
    Delegation,
    RequestStatus,
    Role,
    User,
    UserStatus,
)
from portal.auth.services import disable_second_factor
from portal.core.bounds import paginate
from portal.extensions import db

bp = Blueprint("accounts", __name__)

PER_PAGE = 50


def delegation_options(first_label):
    delegations = db.session.scalars(select(Delegation)).all()
    options = sorted(
        ((str(d.id), d.display_name) for d in delegations), key=lambda o: o[1].casefold()
    )
    return [("", first_label)] + options


def chosen(field):
    """The value chosen in a filter, or None when it is not one of the choices offered: junk in
    the query string ("abc", "²", a number beyond any database integer) filters nothing and
    never reaches the database."""
    offered = {str(next(iter(choice))) for choice in field.choices} - {""}
    return field.data if field.data in offered else None


def get_managed(model, object_id):
    """Load an account or request that the current user manages, or answer 404."""
    query = managed(select(model).where(model.id == object_id), model.delegation_id, current_user)
    found = db.session.scalar(query)
    if found is None:
        abort(404)
    return found


# Access requests ------------------------------------------------------------------------------


@bp.route("/requests")
def request_list():
    require("access_request_list")
    form = RequestFilterForm(request.args)
    form.status.choices = [("", _l("Any status"))] + [(s.value, s.label) for s in RequestStatus]
    form.delegation.choices = delegation_options(_l("Any delegation"))
    query = managed(select(AccessRequest), AccessRequest.delegation_id, current_user)
    form.status.data = request.args.get("status", RequestStatus.PENDING.value)
    if chosen(form.status):
        query = query.where(AccessRequest.status == form.status.data)
    if chosen(form.delegation):
        query = query.where(AccessRequest.delegation_id == int(form.delegation.data))
    page = paginate(query.order_by(AccessRequest.created_at.desc()), PER_PAGE)
    return render_template("accounts/request_list.html", form=form, page=page)


@bp.route("/requests/<int:request_id>", methods=["GET", "POST"])
def request_detail(request_id):
    require("access_request_list")
    access_request = get_managed(AccessRequest, request_id)
    form = DecisionForm()
    if form.validate_on_submit():
        require("access_request_decide", access_request)
        decider = current_user._get_current_object()
        try:
            if form.decision.data == "approve":
                services.approve_request(
                    access_request, decider, Role(form.role.data), form.reason.data or ""
                )
                message = _l(
                    "The request is approved. The person has been sent a link to set a password."
                )
            else:
                services.reject_request(access_request, decider, form.reason.data)
                message = _l("The request is rejected. The person has been told why.")
        except services.AccountError as error:
            db.session.rollback()
            form.decision.errors.append(str(error))
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("accounts.request_list"))
    status = 400 if form.errors else 200
    return render_template(
        "accounts/request_detail.html", access_request=access_request, form=form
    ), status


# Accounts -------------------------------------------------------------------------------------


@bp.route("/users")
def user_list():
    require("user_list")
    form = UserFilterForm(request.args)
    form.status.choices = [("", _l("Any status"))] + [(s.value, s.label) for s in UserStatus]
    form.role.choices = [("", _l("Any role"))] + role_choices()
    form.delegation.choices = delegation_options(_l("Any delegation"))
    query = managed(select(User), User.delegation_id, current_user)
    if form.q.data:
        pattern = f"%{form.q.data.strip().lower()}%"
        query = query.where(or_(db.func.lower(User.name).like(pattern), User.email.like(pattern)))
    if chosen(form.status):
        query = query.where(User.status == form.status.data)
    if chosen(form.role):
        query = query.where(User.role == form.role.data)
    if chosen(form.delegation):
        query = query.where(User.delegation_id == int(form.delegation.data))
    page = paginate(query.order_by(User.name), PER_PAGE)
    return render_template("accounts/user_list.html", form=form, page=page)


def render_user(user, status=200, **forms):
    delegation_form = forms.get("delegation_form") or DelegationForm(delegation=user.delegation_id)
    delegation_form.delegation.choices = [
        (int(v), label) for v, label in delegation_options("")[1:]
    ]
    return (
        render_template(
            "accounts/user_detail.html",
            user=user,
            suspend_form=forms.get("suspend_form") or SuspendForm(),
            role_form=forms.get("role_form") or RoleForm(role=user.role),
            delegation_form=delegation_form,
            action_form=ActionForm(),
        ),
        status,
    )


@bp.route("/users/<int:user_id>")
def user_detail(user_id):
    user = db.session.get(User, user_id) or abort(404)
    if user.id != current_user.id:
        user = get_managed(User, user_id)
    require("user_view", user)
    return render_user(user)


def done(user, message):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("accounts.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/suspend", methods=["POST"])
def user_suspend(user_id):
    user = get_managed(User, user_id)
    require("user_suspend", user)
    form = SuspendForm()
    if not form.validate_on_submit():
        return render_user(user, status=400, suspend_form=form)
    services.suspend_user(user, current_user._get_current_object(), form.reason.data)
    return done(user, _l("The account is suspended and its sessions are ended."))


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
def user_reactivate(user_id):
    user = get_managed(User, user_id)
    require("user_reactivate", user)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.reactivate_user(user, current_user._get_current_object())
    return done(user, _l("The account is active again."))


@bp.route("/users/<int:user_id>/role", methods=["POST"])
def user_change_role(user_id):
    user = get_managed(User, user_id)
    require("user_change_role", user)
    form = RoleForm()
    if not form.validate_on_submit():
        return render_user(user, status=400, role_form=form)
    services.change_role(user, Role(form.role.data), current_user._get_current_object())
    return done(user, _l("The role is changed."))


@bp.route("/users/<int:user_id>/delegation", methods=["POST"])
def user_change_delegation(user_id):
    user = get_managed(User, user_id)
    require("user_change_delegation", user)
    form = DelegationForm()
    form.delegation.choices = [(int(v), label) for v, label in delegation_options("")[1:]]
    if not form.validate_on_submit():
        return render_user(user, status=400, delegation_form=form)
    delegation = db.session.get(Delegation, form.delegation.data)
    services.change_delegation(user, delegation, current_user._get_current_object())
    return done(user, _l("The account is moved to the other delegation, as a member."))


@bp.route("/users/<int:user_id>/resend-invitation", methods=["POST"])
def user_resend_invitation(user_id):
    user = get_managed(User, user_id)
    require("user_resend_invitation", user)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.resend_invitation(user, current_user._get_current_object())
    return done(user, _l("A new link to set a password has been sent."))


@bp.route("/users/<int:user_id>/reset-second-factor", methods=["POST"])
def user_reset_second_factor(user_id):
    user = get_managed(User, user_id)
    require("user_reset_second_factor", user)
    if not ActionForm().validate_on_submit():
        abort(400)
    disable_second_factor(user, by=current_user._get_current_object())
    return done(
        user,
        _l("The second factor is removed. The person will set up a new one at the next sign-in."),
    )
