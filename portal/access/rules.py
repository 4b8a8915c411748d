"""One small rule per action: `rule(user, target) -> bool`. Deny by default.

`can()` has already checked that the user is signed in and active. Action names match the
service functions that carry them out.
"""

from portal.access import SECRETARIAT, principals
from portal.access.channels import CHANNEL_RULES
from portal.access.consultations import CONSULTATION_RULES
from portal.access.meetings import MEETING_RULES
from portal.access.reporting import REPORTING_RULES, is_reporting_officer
from portal.accounts.models import Role


def second_factor_required(user):
    from portal.auth.services import second_factor_required as required

    return required(user)


def holds_sensitive_role(user):
    """Whether `user` reads a diversion channel (holds a `channel:<id>` principal), is a point
    of contact (who submits their State's reports and decides who joins their delegation), or
    is a reporting officer of their delegation.

    Such accounts must have a second factor when PORTAL_REQUIRE_TOTP_FOR_SENSITIVE is on.
    """
    return (
        is_point_of_contact(user)
        or is_reporting_officer(user)
        or any(principal.startswith("channel:") for principal in principals(user))
    )


def is_secretariat(user, target=None):
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


def sees(user, item):
    return item.acl in principals(user)


def moderates(user, space):
    """The Secretariat moderates everywhere; chairs and facilitators inside their space."""
    return is_secretariat(user) or f"moderator:{space.id}" in principals(user)


def topic_open_to_posts(user, topic):
    return not topic.is_closed or moderates(user, topic.working_group)


def thread_open_to_posts(user, thread):
    return (
        sees(user, thread)
        and topic_open_to_posts(user, thread.topic)
        and (not thread.is_locked or moderates(user, thread.topic.working_group))
    )


def own_live_post(user, post):
    return (
        post.author_id == user.id
        and sees(user, post)
        and post.withdrawn_at is None
        and post.hidden_at is None
        and thread_open_to_posts(user, post.thread)
    )


def post_readable(user, post):
    """A hidden post's text is shown to its author and the moderators only."""
    if not sees(user, post) or post.withdrawn_at is not None:
        return False
    return (
        post.hidden_at is None
        or post.author_id == user.id
        or moderates(user, post.thread.topic.working_group)
    )


def edits_document(user, document):
    """The Secretariat edits every document; a delegation edits the documents it wrote."""
    return is_secretariat(user) or document.delegation_id == user.delegation_id


def space_of(item):
    """The working group a topic, thread or post belongs to."""
    if hasattr(item, "thread"):
        item = item.thread
    if hasattr(item, "topic"):
        item = item.topic
    return item.working_group


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
    # Whom a person may be told of by name (a mention they cannot make): their own delegation,
    # and whoever they manage.
    "user_name_view": lambda user, target: (
        target.delegation_id == user.delegation_id or approves_for(user, target.delegation_id)
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
    # Working groups, topics, threads and posts (portal/forum)
    "space_view": sees,
    # Like every forum action, only on what the person can read: a closed space answers 404
    # to the Secretariat too, unless it is in the group.
    "space_manage": lambda user, space: sees(user, space) and is_secretariat(user),
    "topic_view": sees,
    "topic_create": lambda user, space: sees(user, space) and moderates(user, space),
    "topic_edit": lambda user, topic: sees(user, topic) and moderates(user, topic.working_group),
    "topic_close": lambda user, topic: (
        sees(user, topic) and not topic.is_closed and moderates(user, topic.working_group)
    ),
    "topic_reopen": lambda user, topic: (
        sees(user, topic) and topic.is_closed and moderates(user, topic.working_group)
    ),
    "thread_view": sees,
    "thread_create": lambda user, topic: sees(user, topic) and topic_open_to_posts(user, topic),
    "post_create": thread_open_to_posts,
    "post_read": post_readable,
    "post_edit": own_live_post,
    "post_withdraw": lambda user, post: (
        post.author_id == user.id and sees(user, post) and post.withdrawn_at is None
    ),
    "post_flag": lambda user, post: (
        post.author_id != user.id
        and sees(user, post)
        and post.withdrawn_at is None
        and post.hidden_at is None
    ),
    "post_history_view": post_readable,
    "attachment_download": lambda user, attachment: post_readable(user, attachment.post),
    "post_hide": lambda user, post: (
        sees(user, post)
        and post.hidden_at is None
        and post.withdrawn_at is None
        and moderates(user, space_of(post))
    ),
    "post_unhide": lambda user, post: (
        sees(user, post) and post.hidden_at is not None and moderates(user, space_of(post))
    ),
    "thread_lock": lambda user, thread: (
        sees(user, thread) and not thread.is_locked and moderates(user, space_of(thread))
    ),
    "thread_unlock": lambda user, thread: (
        sees(user, thread) and thread.is_locked and moderates(user, space_of(thread))
    ),
    "thread_pin": lambda user, thread: (
        sees(user, thread) and not thread.is_pinned and moderates(user, space_of(thread))
    ),
    "thread_unpin": lambda user, thread: (
        sees(user, thread) and thread.is_pinned and moderates(user, space_of(thread))
    ),
    "thread_move": lambda user, thread: sees(user, thread) and moderates(user, space_of(thread)),
    # Without a space: whether the person has a review queue at all.
    "flag_review": lambda user, space=None: (
        (is_secretariat(user) or any(p.startswith("moderator:") for p in principals(user)))
        if space is None
        else sees(user, space) and moderates(user, space)
    ),
    # The document library (portal/library)
    "document_view": sees,
    "document_upload": lambda user, target=None: True,
    "document_publish_any": is_secretariat,
    # Symbols that wait because another document (maybe one its uploader cannot see) has them.
    "document_symbol_review": is_secretariat,
    "document_edit": lambda user, document: sees(user, document) and edits_document(user, document),
    "document_download": lambda user, document_file: sees(user, document_file),
    # A person's own notifications and subscriptions (portal/notifications)
    "notification_open": lambda user, notification: notification.user_id == user.id,
    "subscription_manage": lambda user, subscription: subscription.user_id == user.id,
    # A person's own access tokens for the API and feeds (portal/api)
    "token_manage": lambda user, token=None: token is None or token.user_id == user.id,
    # Secretariat administration (portal/admin)
    "admin_access": is_secretariat,
    "group_manage": is_secretariat,
    "audit_view": is_secretariat,
    "job_list": is_secretariat,
    "job_retry": lambda user, job: is_secretariat(user) and job.status == "failed",
    # The Secretariat's desk and its messages to the points of contact (portal/home)
    "desk_view": is_secretariat,
    "contact_message": is_secretariat,
    # Diversion information exchange channels (portal/channels)
    **CHANNEL_RULES,
    # Initial and annual reports (portal/reporting)
    **REPORTING_RULES,
    # Meetings, their agendas, speakers lists, registration and follow-up (portal/meetings)
    **MEETING_RULES,
    # Consultations, the advisory group and national reports (portal/consultations)
    **CONSULTATION_RULES,
}
