"""One small rule per action: `rule(user, target) -> bool`. Deny by default.

`can()` has already checked that the user is signed in and active. Action names match the
service functions that carry them out.
"""

from portal.accounts.models import Role


def second_factor_required(user):
    from portal.auth.services import second_factor_required as required

    return required(user)


def is_secretariat(user, target=None):
    from portal.access import SECRETARIAT, principals

    return SECRETARIAT in principals(user)


def is_point_of_contact(user, target=None):
    return user.role == Role.POINT_OF_CONTACT.value


def approves_for(user, delegation_id):
    """The Secretariat, or the point of contact of that delegation."""
    return is_secretariat(user) or (
        is_point_of_contact(user) and user.delegation_id == delegation_id
    )


def manages_other_user(user, target):
    """Manage another account: the Secretariat, or the target's own point of contact."""
    return target.id != user.id and approves_for(user, target.delegation_id)


def manages_users(user, target=None):
    return is_secretariat(user) or is_point_of_contact(user)


RULES = {
    # Access requests and accounts (portal/accounts)
    "access_request_list": manages_users,
    "access_request_decide": lambda user, request: (
        request.is_pending and approves_for(user, request.delegation_id)
    ),
    "user_list": manages_users,
    "user_view": lambda user, target: (
        target.id == user.id or approves_for(user, target.delegation_id)
    ),
    "user_suspend": lambda user, target: target.is_active and manages_other_user(user, target),
    "user_reactivate": lambda user, target: (
        target.is_suspended and manages_other_user(user, target)
    ),
    "user_change_role": manages_other_user,
    "user_resend_invitation": lambda user, target: (
        target.status == "pending" and manages_other_user(user, target)
    ),
    "user_change_delegation": lambda user, target: target.id != user.id and is_secretariat(user),
    "user_reset_second_factor": lambda user, target: (
        target.id != user.id and is_secretariat(user) and target.has_second_factor
    ),
    # The person's own second factor (portal/auth)
    "recovery_codes_replace": lambda user, target: (
        target.id == user.id and target.has_second_factor
    ),
    "second_factor_remove": lambda user, target: (
        target.id == user.id and target.has_second_factor and not second_factor_required(target)
    ),
    # Secretariat administration (portal/admin)
    "admin_access": is_secretariat,
    "audit_view": is_secretariat,
    "job_list": is_secretariat,
    "job_retry": lambda user, job: is_secretariat(user) and job.status == "failed",
}
