"""Writes of the accounts domain: access requests and their decisions, account management.

Each function changes rows, records the audit event and queues the emails in the same
transaction; the view commits once. Functions raise `AccountError` with a message a person
can read when the change is not possible; nothing is written then.
"""

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.models import (
    AccessRequest,
    Delegation,
    RequestStatus,
    Role,
    User,
    UserStatus,
)
from portal.auth.models import LinkPurpose
from portal.auth.services import (
    end_all_sessions,
    find_user_by_email,
    issue_link,
    normalise_email,
    send_password_link,
)
from portal.core.audit import record
from portal.core.mail import external_url, queue_email
from portal.core.models import now_utc
from portal.extensions import db


class AccountError(Exception):
    """A change that cannot be made; the message is meant for the person who asked."""


def request_access(name, email, delegation, function, reason, language):
    """Record a request for an account and send the link that confirms the email address.

    When the address already has an account the person is told so by email instead: the page
    says the same in both cases, so it does not reveal who has an account.
    """
    email = normalise_email(email)
    existing = find_user_by_email(email)
    if existing is not None:
        queue_email(
            email,
            existing.language,
            "account_exists",
            _l("You already have an ATT portal account"),
            name=existing.name,
            sign_in_link=external_url("auth.sign_in"),
            reset_link=external_url("auth.reset_request"),
        )
        return None
    access_request = AccessRequest(
        name=name.strip(),
        email=email,
        delegation_id=delegation.id,
        function=function.strip(),
        reason=reason.strip(),
        language=language,
        status=RequestStatus.UNCONFIRMED.value,
    )
    db.session.add(access_request)
    db.session.flush()
    send_confirmation(access_request)
    record("access_request.create", target=access_request, actor_email=email)
    return access_request


def send_confirmation(access_request):
    """Email the link that confirms the address of an unconfirmed request."""
    hours = current_app.config["PORTAL_LINK_HOURS"]
    secret = issue_link(LinkPurpose.CONFIRM_EMAIL, hours, access_request=access_request)
    queue_email(
        access_request.email,
        access_request.language,
        "confirm_email",
        _l("Confirm your email address for the ATT portal"),
        name=access_request.name,
        link=external_url("auth.confirm_email", token=secret),
        hours=hours,
    )


def confirm_request(access_request, token):
    """The person followed the link: the request now waits for a decision; approvers are told."""
    token.used_at = now_utc()
    if access_request.status != RequestStatus.UNCONFIRMED.value:
        return
    access_request.status = RequestStatus.PENDING.value
    access_request.confirmed_at = now_utc()
    record("access_request.confirm", target=access_request, actor_email=access_request.email)
    for approver in approvers_of(access_request.delegation):
        queue_email(
            approver.email,
            approver.language,
            "request_waiting",
            _l("An access request awaits your decision"),
            name=approver.name,
            requester=access_request.name,
            delegation=access_request.delegation,
            link=external_url("accounts.request_detail", request_id=access_request.id),
        )


def approvers_of(delegation):
    """Who is told of a new request: the delegation's points of contact, else the Secretariat."""
    active = User.status == UserStatus.ACTIVE.value
    contacts = db.session.scalars(
        select(User).where(
            active,
            User.delegation_id == delegation.id,
            User.role == Role.POINT_OF_CONTACT.value,
        )
    ).all()
    if contacts:
        return contacts
    return db.session.scalars(
        select(User).join(User.delegation).where(active, Delegation.kind == "secretariat")
    ).all()


def approve_request(access_request, decider, role=Role.MEMBER, reason=""):
    """Create the account (pending until its password is set) and send the set-password link."""
    if find_user_by_email(access_request.email) is not None:
        raise AccountError(_l("An account with this email address already exists."))
    user = User(
        email=access_request.email,
        name=access_request.name,
        function=access_request.function,
        delegation_id=access_request.delegation_id,
        role=role.value,
        language=access_request.language,
        status=UserStatus.PENDING.value,
    )
    db.session.add(user)
    db.session.flush()
    decide(access_request, RequestStatus.APPROVED, decider, reason)
    access_request.user_id = user.id
    send_password_link(user, LinkPurpose.SET_PASSWORD)
    record("access_request.approve", target=access_request, actor=decider, user_id=user.id)
    return user


def reject_request(access_request, decider, reason):
    """Refuse the request and tell the person why, in their language."""
    decide(access_request, RequestStatus.REJECTED, decider, reason)
    queue_email(
        access_request.email,
        access_request.language,
        "access_rejected",
        _l("Your request for access to the ATT portal"),
        name=access_request.name,
        reason=reason,
    )
    record("access_request.reject", target=access_request, actor=decider, reason=reason)


def decide(access_request, status, decider, reason):
    access_request.status = status.value
    access_request.decided_at = now_utc()
    access_request.decided_by_id = decider.id
    access_request.decision_reason = reason.strip()


def activate_after_password(user):
    """An approved account becomes active once its password is set."""
    if user.status == UserStatus.PENDING.value:
        user.status = UserStatus.ACTIVE.value
        record("user.activate", target=user, actor=user)


def resend_invitation(user, by):
    """Send a fresh set-password link to an approved account that has no password yet."""
    if user.status != UserStatus.PENDING.value:
        raise AccountError(_l("This account already has a password."))
    send_password_link(user, LinkPurpose.SET_PASSWORD)
    record("user.resend_invitation", target=user, actor=by)


def suspend_user(user, by, reason):
    """Suspend an account: every session of it ends at once."""
    user.status = UserStatus.SUSPENDED.value
    end_all_sessions(user)
    record("user.suspend", target=user, actor=by, reason=reason.strip())


def reactivate_user(user, by):
    user.status = UserStatus.ACTIVE.value if user.password_hash else UserStatus.PENDING.value
    record("user.reactivate", target=user, actor=by)


def change_role(user, role, by):
    if user.role == role.value:
        return
    record("user.change_role", target=user, actor=by, old=user.role, new=role.value)
    user.role = role.value


def change_delegation(user, delegation, by):
    """Move a user to another delegation; they become a member there, not a point of contact."""
    if user.delegation_id == delegation.id:
        return
    record(
        "user.change_delegation",
        target=user,
        actor=by,
        old=user.delegation_id,
        new=delegation.id,
    )
    user.delegation_id = delegation.id
    user.delegation = delegation
    user.role = Role.MEMBER.value
    end_all_sessions(user)


def set_language(user, language):
    user.language = language


# Named groups ---------------------------------------------------------------------------------


def create_group(name, description, by):
    from portal.accounts.models import Group

    name = " ".join((name or "").split())
    if not name:
        raise AccountError(_l("Give the group a name."))
    if db.session.scalar(select(Group).where(db.func.lower(Group.name) == name.lower())):
        raise AccountError(_l("A group with this name already exists."))
    group = Group(name=name, description=(description or "").strip())
    db.session.add(group)
    db.session.flush()
    record("group.create", target=group, actor=by)
    return group


def add_group_member(group, email, by):
    """Add the account with this email to `group`; its members read what the group may read."""
    from portal.accounts.models import GroupMembership

    user = find_user_by_email(email)
    if user is None:
        raise AccountError(_l("No account has this email address."))
    if any(m.user_id == user.id for m in group.memberships):
        raise AccountError(_l("%(name)s is already a member.", name=user.name))
    db.session.add(GroupMembership(group=group, user=user))
    record("group.add_member", target=group, actor=by, user_id=user.id)
    return user


def remove_group_member(group, user, by):
    from portal.accounts.models import GroupMembership

    db.session.execute(
        db.delete(GroupMembership).where(
            GroupMembership.group_id == group.id, GroupMembership.user_id == user.id
        )
    )
    record("group.remove_member", target=group, actor=by, user_id=user.id)
