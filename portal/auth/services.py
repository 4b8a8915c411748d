"""Writes of the auth domain: sessions, sign-in, second factor, single-use links, passwords.

Services change rows and queue email; the view commits once.
"""

from datetime import timedelta

from flask import current_app, flash, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from portal.access.rules import holds_sensitive_role
from portal.accounts.models import User
from portal.auth import second_factor
from portal.auth.models import (
    LinkPurpose,
    LinkToken,
    RecoveryCode,
    UserSession,
    digest,
    new_secret,
)
from portal.auth.passwords import hash_password, verify_password
from portal.core.audit import record
from portal.core.mail import external_url, queue_email
from portal.core.models import now_utc
from portal.extensions import db

SESSION_SECRET_KEY = "sid"
PENDING_KEY = "pending_sign_in"
#: How long the step between password and second factor may take.
PENDING_SECONDS = 300


class LinkError(Exception):
    """A single-use link that cannot be used; `reason` is 'unknown', 'expired' or 'used'."""

    def __init__(self, reason, token=None):
        super().__init__(reason)
        self.reason = reason
        self.token = token


def find_user_by_email(email):
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def normalise_email(email):
    return (email or "").strip().lower()


# Sessions ---------------------------------------------------------------------------------


def clear_session():
    """Forget all the browser's session holds, except the page language it chose."""
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language


def start_session(user, audit_action="auth.sign_in"):
    """Sign `user` in with a new server-side session and a new session identifier."""
    clear_session()
    secret = new_secret()
    now = now_utc()
    db.session.add(
        UserSession(
            user_id=user.id,
            secret_digest=digest(secret),
            last_seen_at=now,
            ip_address=request.remote_addr,
            user_agent=(request.user_agent.string or "")[:255],
        )
    )
    session[SESSION_SECRET_KEY] = secret
    session.permanent = True
    user.last_sign_in_at = now
    login_user(user)
    record(audit_action, actor=user)


def load_session_user(user_id):
    """Flask-Login's user loader: the cookie is honoured only while its session row holds."""
    secret = session.get(SESSION_SECRET_KEY)
    if not secret:
        return None
    row = db.session.scalar(
        select(UserSession).where(
            UserSession.secret_digest == digest(secret), UserSession.ended_at.is_(None)
        )
    )
    if row is None or str(row.user_id) != str(user_id):
        clear_session()
        return None
    now = now_utc()
    config = current_app.config
    idle = timedelta(minutes=config["PORTAL_SESSION_IDLE_MINUTES"])
    absolute = timedelta(hours=config["PORTAL_SESSION_ABSOLUTE_HOURS"])
    if now - row.last_seen_at > idle or now - row.created_at > absolute:
        row.ended_at = now
        db.session.commit()
        clear_session()
        flash(_l("Your session has ended. Please sign in again."), "info")
        return None
    if not row.user.is_active:
        clear_session()
        return None
    if now - row.last_seen_at > timedelta(seconds=60):
        row.last_seen_at = now
        db.session.commit()
    g.portal_session_id = row.id
    return row.user


def end_session(user):
    """Sign out: the server-side session ends, so a copied cookie no longer works."""
    session_id = g.get("portal_session_id")
    if session_id is not None:
        db.session.execute(
            update(UserSession).where(UserSession.id == session_id).values(ended_at=now_utc())
        )
    record("auth.sign_out", actor=user)
    logout_user()
    clear_session()


def end_all_sessions(user):
    """End every session of `user` (password change or reset, suspension)."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=now_utc())
    )


def active_sessions(user):
    return db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .order_by(UserSession.last_seen_at.desc())
    ).all()


# Sign-in ----------------------------------------------------------------------------------


def check_password(email, password):
    """The active user with this email and password, or None (the failure is audited)."""
    user = find_user_by_email(email)
    if user is None:
        verify_password(None, password)  # same time as for a real account
        reason = "unknown_account"
    elif not verify_password(user.password_hash, password):
        reason = "bad_password"
    elif not user.is_active:
        reason = "inactive"
    else:
        return user
    record(
        "auth.sign_in_failed", actor=user, actor_email=normalise_email(email)[:254], reason=reason
    )
    return None


def second_factor_needed_at_once(user):
    """Whether `user` must set up a second factor before signing in, with no grace period:
    the Secretariat, and everyone when PORTAL_REQUIRE_TOTP_FOR_ALL is on."""
    return user.is_secretariat or current_app.config["PORTAL_REQUIRE_TOTP_FOR_ALL"]


def second_factor_required(user):
    """Whether `user` must have a second factor: see `second_factor_needed_at_once`, and, when
    PORTAL_REQUIRE_TOTP_FOR_SENSITIVE is on, whoever reads a diversion channel or has a
    reporting role (they get PORTAL_TOTP_GRACE_DAYS to set it up)."""
    return second_factor_needed_at_once(user) or (
        current_app.config["PORTAL_REQUIRE_TOTP_FOR_SENSITIVE"] and holds_sensitive_role(user)
    )


def second_factor_grace_ends(user):
    """When the grace period of `user` to set up a second factor ends, or None when none runs."""
    if user.has_second_factor or user.second_factor_asked_at is None:
        return None
    return user.second_factor_asked_at + timedelta(
        days=current_app.config["PORTAL_TOTP_GRACE_DAYS"]
    )


def second_factor_step(user):
    """What `user`, whose password was right, does next: "verify" their second factor, "setup"
    one before going further, or None: signed in at once.

    Decided from what the person holds now. The first sign-in at which a grace period applies
    to them starts it, whether they have a second factor already or not: during it they may
    sign in without one (the pages then ask them to set one up), after it they are led to the
    set-up step. So, should the Secretariat remove their second factor (a lost phone), the
    password alone does not open a new grace period. Someone who no longer needs one loses the
    start, so that a new role, later, gives a new grace period.
    """
    required = second_factor_required(user)
    if not required:
        user.second_factor_asked_at = None
    elif user.second_factor_asked_at is None and not second_factor_needed_at_once(user):
        user.second_factor_asked_at = now_utc()
        record("auth.second_factor_required", actor=user)
    if user.has_second_factor:
        return "verify"
    if not required:
        return None
    if second_factor_needed_at_once(user):
        return "setup"
    return "setup" if now_utc() >= second_factor_grace_ends(user) else None


def begin_pending_sign_in(user, next_url):
    """Remember, between the password and the second factor, who is signing in."""
    clear_session()
    session[PENDING_KEY] = {"user_id": user.id, "at": now_utc().timestamp(), "next": next_url}


def pending_user():
    """The user who gave a correct password and still owes a second factor, or None."""
    pending = session.get(PENDING_KEY)
    if not pending or now_utc().timestamp() - pending["at"] > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending["user_id"])
    return user if user is not None and user.is_active else None


def pending_next():
    return (session.get(PENDING_KEY) or {}).get("next")


def claim_totp_step(user, step, secret=None):
    """Record `step` as the last TOTP step `user` used, if no later or equal one was; returns
    whether this call recorded it.

    One conditional UPDATE, so that of several requests bearing the same code at the same
    moment (in any process) exactly one wins: the database serialises the writes to the row,
    and a losing request finds the condition false and changes nothing. With `secret`, the
    second factor is being set up: the secret is stored by the same statement, if the account
    still has none.
    """
    condition = [
        User.id == user.id,
        or_(User.totp_last_step.is_(None), User.totp_last_step < step),
    ]
    values = {"totp_last_step": step}
    if secret is not None:
        condition.append(User.totp_secret.is_(None))
        values["totp_secret"] = secret
    result = db.session.execute(
        update(User).where(*condition).values(**values),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount != 1:
        db.session.expire(user, list(values))
        return False
    for name, value in values.items():
        set_committed_value(user, name, value)
    return True


def verify_second_factor(user, code):
    """Accept a current TOTP code (once, whatever runs at the same time) or an unused recovery
    code."""
    step = second_factor.matching_step(user.totp_secret, code, user.totp_last_step)
    if step is not None and claim_totp_step(user, step):
        return True
    if second_factor.use_recovery_code(user, code):
        record("auth.recovery_code_used", actor=user)
        return True
    record("auth.second_factor_failed", actor=user)
    return False


def enable_second_factor(user, secret, code):
    """Turn on TOTP once the person proved their app has `secret`; returns recovery codes."""
    step = second_factor.matching_step(secret, code)
    if step is None or not claim_totp_step(user, step, secret=secret):
        return None
    codes = second_factor.replace_recovery_codes(user)
    record("auth.second_factor_enabled", actor=user)
    return codes


def replace_recovery_codes(user):
    """A new set of recovery codes for `user`; the old ones stop working."""
    codes = second_factor.replace_recovery_codes(user)
    record("auth.recovery_codes_replaced", actor=user)
    return codes


def disable_second_factor(user, by=None):
    """Remove the second factor (by the person, where allowed, or by the Secretariat)."""
    user.totp_secret = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    record("auth.second_factor_removed", target=user, actor=by)


# Single-use links -------------------------------------------------------------------------


def issue_link(purpose, hours, user=None, access_request=None):
    """Create a single-use link token; returns the secret to put in the URL."""
    secret = new_secret()
    db.session.add(
        LinkToken(
            purpose=purpose.value,
            secret_digest=digest(secret),
            user_id=user.id if user else None,
            access_request_id=access_request.id if access_request else None,
            expires_at=now_utc() + timedelta(hours=hours),
        )
    )
    return secret


def check_link(purpose, secret):
    """The usable token for `secret`, or LinkError saying why not (unknown, used, expired)."""
    token = db.session.scalar(
        select(LinkToken).where(
            LinkToken.secret_digest == digest(secret or ""), LinkToken.purpose == purpose.value
        )
    )
    if token is None:
        raise LinkError("unknown")
    if token.used_at is not None:
        raise LinkError("used", token)
    if token.expires_at < now_utc():
        raise LinkError("expired", token)
    return token


def spend_link(token):
    token.used_at = now_utc()


def send_password_link(user, purpose):
    """Email `user` a single-use link to set (after approval) or reset their password."""
    hours = current_app.config["PORTAL_LINK_HOURS"]
    # An older unused link of the same purpose stops working: only the newest one counts.
    db.session.execute(
        update(LinkToken)
        .where(
            LinkToken.user_id == user.id,
            LinkToken.purpose == purpose.value,
            LinkToken.used_at.is_(None),
        )
        .values(used_at=now_utc())
    )
    secret = issue_link(purpose, hours, user=user)
    if purpose is LinkPurpose.SET_PASSWORD:
        template, subject = "access_approved", _l("Your access to the ATT portal is approved")
    else:
        template, subject = "password_reset", _l("Reset your ATT portal password")
    queue_email(
        user.email,
        user.language,
        template,
        subject,
        name=user.name,
        link=external_url("auth.set_password", token=secret),
        hours=hours,
    )


def check_password_link(secret):
    """The usable set-password or reset token for `secret`, or LinkError saying why not.

    A used or expired set-password link is reported as such, not as unknown, so that the
    person is told what happened and offered a new link.
    """
    try:
        return check_link(LinkPurpose.SET_PASSWORD, secret)
    except LinkError as error:
        if error.reason != "unknown":
            raise
    return check_link(LinkPurpose.RESET_PASSWORD, secret)


def request_password_reset(email):
    """Send a link to choose a password if the account may have one; say nothing either way.

    An active account gets a reset link. An approved account still without a password (its
    set-password link expired or was lost) gets a new set-password link: the page of an
    expired link sends people here for it.
    """
    user = find_user_by_email(email)
    if user is None or user.is_suspended:
        return
    purpose = LinkPurpose.RESET_PASSWORD if user.is_active else LinkPurpose.SET_PASSWORD
    send_password_link(user, purpose)
    record("auth.password_reset_requested", actor=user)


def set_password(user, password, token=None):
    """Store a new password, spend the link, and end every session of the user."""
    user.password_hash = hash_password(password)
    user.password_changed_at = now_utc()
    if token is not None:
        spend_link(token)
    end_all_sessions(user)
    record("auth.password_set", actor=user, via="link" if token is not None else "account")


def change_password(user, current_password, new_password):
    """Change a signed-in user's password and end every session of theirs, this one too.

    The view then starts a fresh session, so the person stays signed in under a new session
    identifier while any copied cookie stops working.
    """
    if not verify_password(user.password_hash, current_password):
        return False
    user.password_hash = hash_password(new_password)
    user.password_changed_at = now_utc()
    end_all_sessions(user)
    record("auth.password_changed", actor=user)
    return True
