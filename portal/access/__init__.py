"""THE access policy: nothing else in the portal decides who may see or do what.

Reading: every readable item stores the one principal it requires (its `acl`, derived from its
access level by `acl_for`; the levels and the principals' names live in `levels`, which the
models import without importing the policy). A user holds a set of principals; an item is
visible when its acl is among them. `visible()` applies that as a SQL filter for lists; the
search index and the download, notification and email paths apply the very same test through
`principals()`.

Acting: `can(user, action, target)` looks up the one rule for `action` in `rules.RULES`;
an action without a rule is a programming error, and a user who is not signed in and active
may do nothing. `require()` turns a refusal into 403, or 404 where even the existence of the
target is confidential.

Reaching pages: every endpoint needs a signed-in, active user unless its view is marked
`@public`; `enforce_sign_in` runs before every request.
"""

from flask import abort, current_app, g, has_request_context, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import and_, exists, false, literal, or_, select
from werkzeug.local import LocalProxy

from portal.access.levels import (  # noqa: F401 (the policy's words, handed on)
    LEVEL_ACL,
    LEVEL_LABELS,
    PUBLIC,
    SECRETARIAT,
    STATE,
    STATE_PARTY,
    USER,
    AccessLevel,
    acl_for,
)
from portal.accounts.models import DelegationKind
from portal.extensions import db


def principals_of(user):
    """The principals of `user`, computed afresh (see `principals` for the cached form)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset({PUBLIC})
    held = {PUBLIC, USER, f"delegation:{user.delegation_id}"}
    kind = DelegationKind(user.delegation.kind)
    if kind in (DelegationKind.STATE_PARTY, DelegationKind.SIGNATORY):
        held.add(STATE)
    if kind is DelegationKind.STATE_PARTY:
        held.add(STATE_PARTY)
    if kind is DelegationKind.SECRETARIAT:
        # The Secretariat serves the States Parties and reads what they read.
        held |= {SECRETARIAT, STATE, STATE_PARTY}
    held |= {f"group:{membership.group_id}" for membership in user.group_memberships}
    held |= {f"moderator:{space_id}" for space_id in moderated_spaces(user)}
    held |= {f"channel:{channel_id}" for channel_id in read_channels(user)}
    from portal.access.consultations import advisory_principals, read_consultations

    held |= {f"consultation:{consultation_id}" for consultation_id in read_consultations(user)}
    held |= advisory_principals(user)
    return frozenset(held)


def read_channels(user):
    """Ids of the diversion information exchange channels `user` reads: open, closed or
    archived ones where they are a designated participant of an accepted member delegation,
    and, for the Secretariat, those it is admitted to."""
    from portal.channels.models import (
        READABLE_STATUSES,
        Channel,
        ChannelMember,
        ChannelParticipant,
    )

    as_participant = Channel.id.in_(
        select(ChannelParticipant.channel_id)
        .join(
            ChannelMember,
            and_(
                ChannelMember.channel_id == ChannelParticipant.channel_id,
                ChannelMember.delegation_id == user.delegation_id,
                ChannelMember.status == "accepted",
            ),
        )
        .where(ChannelParticipant.user_id == user.id)
    )
    admitted = Channel.secretariat_admitted.is_(True) if user.is_secretariat else false()
    return db.session.scalars(
        select(Channel.id).where(
            Channel.status.in_(READABLE_STATUSES), or_(as_participant, admitted)
        )
    ).all()


def moderated_spaces(user):
    """Ids of the working groups `user` moderates: those named, and their sub-workstreams."""
    from portal.forum.models import WorkingGroup, WorkingGroupModerator

    named = select(WorkingGroupModerator.working_group_id).where(
        WorkingGroupModerator.user_id == user.id
    )
    return db.session.scalars(
        select(WorkingGroup.id).where(
            or_(WorkingGroup.id.in_(named), WorkingGroup.parent_id.in_(named))
        )
    ).all()


def principals(user):
    """The principals of `user`, cached for the request when `user` is the current user
    (given as the object or as the `current_user` proxy)."""
    if isinstance(user, LocalProxy):
        user = user._get_current_object()
    if has_request_context() and user is not None and user is current_user._get_current_object():
        if "portal_principals" not in g:
            g.portal_principals = principals_of(user)
        return g.portal_principals
    return principals_of(user)


def visible(query, model, user):
    """Restrict a SELECT on `model` (which has an `acl` column) to what `user` may read."""
    return query.where(model.acl.in_(principals(user)))


def holders(acl):
    """A SQL condition on `User`: the active users who hold the principal `acl`.

    The set-based form of `acl in principals(user)`, for reaching many people at once (the
    notifications fan-out); tests check that the two agree. An unknown principal is held by
    nobody.
    """
    from portal.accounts.models import Delegation, GroupMembership, User, UserStatus
    from portal.forum.models import WorkingGroup, WorkingGroupModerator

    def of_kinds(*kinds):
        return User.delegation_id.in_(
            select(Delegation.id).where(Delegation.kind.in_([kind.value for kind in kinds]))
        )

    active = User.status == UserStatus.ACTIVE.value
    state_kinds = (DelegationKind.STATE_PARTY, DelegationKind.SIGNATORY)
    by_level = {
        PUBLIC: active,
        USER: active,
        STATE: and_(active, of_kinds(*state_kinds, DelegationKind.SECRETARIAT)),
        STATE_PARTY: and_(active, of_kinds(DelegationKind.STATE_PARTY, DelegationKind.SECRETARIAT)),
        SECRETARIAT: and_(active, of_kinds(DelegationKind.SECRETARIAT)),
    }
    if acl in by_level:
        return by_level[acl]
    from portal.access.consultations import ADVISORY, ADVISORY_STATES, advisory_holders

    if acl in (ADVISORY, ADVISORY_STATES):
        return and_(active, advisory_holders(acl))
    prefix, _, number = acl.partition(":")
    if not number.isdigit():
        return false()
    number = int(number)
    if prefix == "delegation":
        return and_(active, User.delegation_id == number)
    if prefix == "group":
        return and_(
            active,
            User.id.in_(select(GroupMembership.user_id).where(GroupMembership.group_id == number)),
        )
    if prefix == "channel":
        from portal.channels.models import (
            READABLE_STATUSES,
            Channel,
            ChannelMember,
            ChannelParticipant,
        )

        readable = select(Channel.id).where(
            Channel.id == number, Channel.status.in_(READABLE_STATUSES)
        )
        as_participant = User.id.in_(
            select(ChannelParticipant.user_id).where(ChannelParticipant.channel_id == number)
        ) & User.delegation_id.in_(
            select(ChannelMember.delegation_id).where(
                ChannelMember.channel_id == number, ChannelMember.status == "accepted"
            )
        )
        admitted = of_kinds(DelegationKind.SECRETARIAT) & exists(
            readable.where(Channel.secretariat_admitted.is_(True))
        )
        return and_(active, exists(readable), or_(as_participant, admitted))
    if prefix == "consultation":
        from portal.access.consultations import consultation_holders

        return and_(active, consultation_holders(number))
    if prefix == "moderator":
        # Named for the space itself or for the working group it is a sub-workstream of.
        spaces = (
            select(WorkingGroup.parent_id)
            .where(WorkingGroup.id == number)
            .union(select(literal(number)))
        )
        return and_(
            active,
            User.id.in_(
                select(WorkingGroupModerator.user_id).where(
                    WorkingGroupModerator.working_group_id.in_(spaces)
                )
            ),
        )
    return false()


def managed(query, delegation_column, user):
    """Restrict a query on accounts or access requests to those `user` manages: all of them
    for the Secretariat, their own delegation's for a point of contact, none for others."""
    if SECRETARIAT in principals(user):
        return query
    if user.is_authenticated and user.is_active and user.is_point_of_contact:
        return query.where(delegation_column == user.delegation_id)
    return query.where(false())


def is_visible(item, user):
    return item.acl in principals(user)


def can(user, action, target=None):
    """Whether `user` may do `action` (to `target`). Unknown actions raise KeyError."""
    from portal.access.rules import RULES

    rule = RULES[action]
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(rule(user, target))


def require(action, target=None, hide=False):
    """Abort unless the current user may do `action`: 404 when `hide`, else 403."""
    if not can(current_user, action, target):
        abort(404 if hide else 403)


def public(view):
    """Mark a view as reachable without signing in. Every such view is listed in the tests."""
    view.is_public = True
    return view


def is_public_endpoint(endpoint):
    if endpoint is None or endpoint == "static":
        return True
    view = current_app.view_functions.get(endpoint)
    return bool(getattr(view, "is_public", False))


def enforce_sign_in():
    """Before every request: send visitors who are not signed in to the sign-in page."""
    if is_public_endpoint(request.endpoint) or current_user.is_authenticated:
        return None
    if request.blueprint == "api":
        # A program, not a person: no sign-in page to go to (portal/api/auth.py).
        abort(401)
    if request.method == "GET":
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
    return redirect(url_for("auth.sign_in"))
