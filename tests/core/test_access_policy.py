"""The access policy (portal/access): who may do what, which principals each person holds, and
one definition of visibility for the SQL filter and the per-item check."""

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from portal.access import AccessLevel, acl_for, can, is_visible, principals, visible
from portal.access.rules import RULES
from portal.accounts.models import DelegationKind, GroupMembership
from portal.core.jobs import FAILED, PENDING, Job
from portal.extensions import db
from portal.forum.models import WorkingGroup

ACTIVE = {"member", "contact", "signatory", "observer", "secretariat"}
MANAGERS = {"contact", "secretariat"}
SECRETARIAT = {"secretariat"}
NOBODY = set()


def actors(make):
    """One person per role. Everyone has a second factor, so that `self` targets have one;
    the pending and suspended accounts are points of contact, the strongest role they could
    hold, so that only their status refuses them."""
    home = make.delegation(kind="state_party")
    return home, {
        "anonymous": AnonymousUserMixin(),
        "pending": make.user(
            delegation=home, role="point_of_contact", status="pending", with_totp=True
        ),
        "suspended": make.user(
            delegation=home, role="point_of_contact", status="suspended", with_totp=True
        ),
        "member": make.user(delegation=home, with_totp=True),
        "contact": make.user(delegation=home, role="point_of_contact", with_totp=True),
        "signatory": make.user(delegation=make.delegation(kind="signatory"), with_totp=True),
        "observer": make.user(
            delegation=make.delegation(kind="international_organisation"), with_totp=True
        ),
        "secretariat": make.secretariat(),
    }


def user_target(state="active"):
    """Targets of account actions: the actor, someone of their delegation, someone of another.
    `state` is the status that makes the action possible at all (reactivate a suspended one)."""

    def build(make, actor, home, where):
        if where == "self":
            return actor if actor.is_authenticated else None
        delegation = getattr(actor, "delegation", home) if where == "own" else make.delegation()
        return make.user(delegation=delegation, status=state, with_totp=True)

    return build


def request_target(make, actor, home, where):
    delegation = getattr(actor, "delegation", home) if where == "own" else make.delegation()
    return make.access_request(delegation=delegation, status="pending")


def job_target(make, actor, home, where):
    job = Job(kind="send_email", payload={}, status=where)
    db.session.add(job)
    db.session.commit()
    return job


def no_target(make, actor, home, where):
    return None


def owned_by(kind):
    """A notification or subscription of the actor ("self") or of someone else ("other")."""

    def build(make, actor, home, where):
        from portal.notifications.models import Notification, Subscription

        owner = actor if where == "self" and actor.is_authenticated else make.user()
        if kind == "notification":
            row = Notification(
                user_id=owner.id,
                dedupe_key=f"test:{owner.id}",
                reason="mention",
                delivery="in_app",
                subject_type="post",
                subject_id=1,
                coalesce_key="thread:1",
            )
        else:
            row = Subscription(user_id=owner.id, target_type="thread", target_id=1)
        db.session.add(row)
        db.session.commit()
        return row

    return build


def token_target(make, actor, home, where):
    """None (the tokens page itself), or an API token of the actor ("self") or of another."""
    if where == "-":
        return None
    from portal.api import services

    owner = actor if where == "self" and actor.is_authenticated else make.user()
    token, _secret = services.issue_api_token(owner, "test", "read", 30)
    db.session.commit()
    return token


#: action -> (how to build its target, {where: roles allowed}). Every action of RULES is here.
MATRIX = {
    "access_request_list": (no_target, {"-": MANAGERS}),
    "access_request_decide": (request_target, {"own": MANAGERS, "other": SECRETARIAT}),
    "user_list": (no_target, {"-": MANAGERS}),
    "user_view": (user_target(), {"self": ACTIVE, "own": MANAGERS, "other": SECRETARIAT}),
    "user_name_view": (user_target(), {"self": ACTIVE, "own": ACTIVE, "other": SECRETARIAT}),
    "user_suspend": (user_target(), {"self": NOBODY, "own": MANAGERS, "other": SECRETARIAT}),
    "user_reactivate": (
        user_target("suspended"),
        {"self": NOBODY, "own": MANAGERS, "other": SECRETARIAT},
    ),
    "user_change_role": (user_target(), {"self": NOBODY, "own": MANAGERS, "other": SECRETARIAT}),
    "user_resend_invitation": (
        user_target("pending"),
        {"self": NOBODY, "own": MANAGERS, "other": SECRETARIAT},
    ),
    "user_change_delegation": (
        user_target(),
        {"self": NOBODY, "own": SECRETARIAT, "other": SECRETARIAT},
    ),
    "user_reset_second_factor": (
        user_target(),
        {"self": NOBODY, "own": SECRETARIAT, "other": SECRETARIAT},
    ),
    "recovery_codes_replace": (user_target(), {"self": ACTIVE, "own": NOBODY, "other": NOBODY}),
    # The Secretariat and the points of contact (a reporting role) must keep their second factor.
    "second_factor_remove": (
        user_target(),
        {"self": ACTIVE - MANAGERS, "own": NOBODY, "other": NOBODY},
    ),
    "notification_open": (owned_by("notification"), {"self": ACTIVE, "other": NOBODY}),
    "subscription_manage": (owned_by("subscription"), {"self": ACTIVE, "other": NOBODY}),
    "token_manage": (token_target, {"-": ACTIVE, "self": ACTIVE, "other": NOBODY}),
    "admin_access": (no_target, {"-": SECRETARIAT}),
    "group_manage": (no_target, {"-": SECRETARIAT}),
    "audit_view": (no_target, {"-": SECRETARIAT}),
    "job_list": (no_target, {"-": SECRETARIAT}),
    "job_retry": (job_target, {FAILED: SECRETARIAT, PENDING: NOBODY}),
    # The Secretariat's desk (portal/home).
    "desk_view": (no_target, {"-": SECRETARIAT}),
    "contact_message": (no_target, {"-": SECRETARIAT}),
}


def test_the_matrix_names_every_action_of_the_policy():
    """Account and administration actions are here; forum, library, channel, reporting and
    meetings actions in their own tests."""
    from tests.channels.test_permissions import CHANNEL_MATRIX
    from tests.consultations.test_permissions import CONSULTATION_MATRIX
    from tests.forum.test_permissions import FORUM_MATRIX
    from tests.library.test_permissions import LIBRARY_MATRIX
    from tests.meetings.test_permissions import MEETING_MATRIX
    from tests.reporting.test_permissions import REPORTING_MATRIX

    assert (
        set(MATRIX)
        | set(FORUM_MATRIX)
        | set(LIBRARY_MATRIX)
        | set(CHANNEL_MATRIX)
        | set(REPORTING_MATRIX)
        | set(MEETING_MATRIX)
        | set(CONSULTATION_MATRIX)
    ) == set(RULES)


@pytest.mark.parametrize("action", sorted(MATRIX))
def test_permission_matrix(make, action):
    build_target, allowed = MATRIX[action]
    home, people = actors(make)
    wrong = []
    for where, roles in allowed.items():
        for role, actor in people.items():
            target = build_target(make, actor, home, where)
            if can(actor, action, target) != (role in roles):
                wrong.append(f"{role} on {where}: expected {'allow' if role in roles else 'deny'}")
    assert not wrong, f"{action}: " + "; ".join(wrong)


def test_an_action_is_refused_when_its_target_is_not_in_the_right_state(make):
    officer = make.secretariat()
    member = make.user()
    suspended = make.user(status="suspended")
    without_second_factor = make.user()
    decided = make.access_request(status="approved")
    assert not can(officer, "user_suspend", suspended)
    assert not can(officer, "user_reactivate", member)
    assert not can(officer, "user_resend_invitation", member)
    assert not can(officer, "user_reset_second_factor", without_second_factor)
    assert not can(officer, "access_request_decide", decided)
    assert not can(member, "recovery_codes_replace", member)
    assert not can(member, "second_factor_remove", member)


@pytest.mark.parametrize("who", ["anonymous", "secretariat"])
def test_an_unknown_action_raises_key_error(make, who):
    user = AnonymousUserMixin() if who == "anonymous" else make.secretariat()
    with pytest.raises(KeyError):
        can(user, "no_such_action")


# Principals -----------------------------------------------------------------------------------

KIND_PRINCIPALS = {
    DelegationKind.STATE_PARTY: {"state", "state_party"},
    DelegationKind.SIGNATORY: {"state"},
    DelegationKind.OBSERVER_STATE: set(),
    DelegationKind.INTERNATIONAL_ORGANISATION: set(),
    DelegationKind.REGIONAL_ORGANISATION: set(),
    DelegationKind.CIVIL_SOCIETY: set(),
    DelegationKind.INDUSTRY: set(),
    # The Secretariat runs the informal advisory group and reads its restricted part.
    DelegationKind.SECRETARIAT: {
        "secretariat", "state", "state_party", "advisory", "advisory_states"
    },
}


def test_every_kind_of_delegation_has_its_expected_principals():
    assert set(KIND_PRINCIPALS) == set(DelegationKind)


@pytest.mark.parametrize("kind", list(KIND_PRINCIPALS), ids=lambda kind: kind.value)
def test_principals_of_each_kind_of_delegation(make, kind):
    user = make.user(delegation=make.delegation(kind=kind.value))
    expected = {"public", "user", f"delegation:{user.delegation_id}"} | KIND_PRINCIPALS[kind]
    assert principals(user) == expected


def test_group_memberships_add_one_principal_per_group(make):
    member = make.user()
    first = make.group(members=[member])
    second = make.group(members=[member])
    other = make.group(members=[make.user()])
    held = principals(member)
    assert {f"group:{first.id}", f"group:{second.id}"} <= held
    assert f"group:{other.id}" not in held


@pytest.mark.parametrize("status", ["pending", "suspended"])
def test_an_account_that_is_not_active_holds_only_public(make, status):
    user = make.user(status=status, role="point_of_contact")
    make.group(members=[user])
    assert principals(user) == {"public"}


def test_anonymous_visitors_hold_only_public():
    assert principals(AnonymousUserMixin()) == {"public"}
    assert principals(None) == {"public"}


def test_a_group_access_level_needs_its_group():
    assert acl_for("group", 7) == "group:7"
    with pytest.raises(ValueError):
        acl_for("group")


# Visibility: the SQL filter and the per-item check agree -------------------------------------


def test_sql_filter_and_item_check_agree_at_every_access_level_for_every_role(make):
    closed, other_closed = make.group(), make.group()
    spaces = []
    for level in AccessLevel:
        for group in (closed, other_closed) if level is AccessLevel.GROUP else (None,):
            code = level.value if group is None else f"group-{group.id}"
            item = WorkingGroup(
                code=code,
                names={"en": code},
                access_level=level.value,
                group_id=group.id if group else None,
            )
            item.derive_acl()
            spaces.append(item)
    db.session.add_all(spaces)
    db.session.commit()

    state_party = make.delegation(kind="state_party")
    in_group = f"group-{closed.id}"
    expected = {
        "anonymous": {"public"},
        "pending": {"public"},
        "suspended": {"public"},
        "member": {"public", "users", "states", "state_parties"},
        "member of the group": {"public", "users", "states", "state_parties", in_group},
        "signatory": {"public", "users", "states"},
        "observer state": {"public", "users"},
        "observer organisation in the group": {"public", "users", in_group},
        "secretariat": {"public", "users", "states", "state_parties"},
    }
    people = {
        "anonymous": AnonymousUserMixin(),
        "pending": make.user(delegation=state_party, status="pending"),
        "suspended": make.user(delegation=state_party, status="suspended"),
        "member": make.user(delegation=state_party),
        "member of the group": make.user(delegation=state_party),
        "signatory": make.user(delegation=make.delegation(kind="signatory")),
        "observer state": make.user(delegation=make.delegation(kind="observer_state")),
        "observer organisation in the group": make.user(
            delegation=make.delegation(kind="international_organisation")
        ),
        "secretariat": make.secretariat(),
    }
    for name in (
        "pending",
        "suspended",
        "member of the group",
        "observer organisation in the group",
    ):
        db.session.add(GroupMembership(group_id=closed.id, user_id=people[name].id))
    db.session.commit()

    for name, person in people.items():
        query = visible(select(WorkingGroup), WorkingGroup, person)
        by_sql = {item.code for item in db.session.scalars(query)}
        by_item = {item.code for item in spaces if is_visible(item, person)}
        assert by_sql == by_item, name
        assert by_sql == expected[name], name


def test_holders_selects_exactly_the_users_whose_principals_include_the_acl(make):
    """The set-based form used by fan-outs agrees with `principals` for every principal."""
    from portal.access import holders
    from portal.accounts.models import User
    from portal.forum.models import WorkingGroupModerator

    parent = WorkingGroup(code="PARENT", names={"en": "Parent"}, access_level="users")
    child = WorkingGroup(code="CHILD", names={"en": "Child"}, access_level="users", parent=parent)
    for space in (parent, child):
        space.derive_acl()
    db.session.add_all([parent, child])
    db.session.commit()
    people = [
        make.user(delegation=make.delegation(kind=kind.value), status=status)
        for kind in DelegationKind
        for status in ("active", "pending", "suspended")
    ]
    chair = make.user()
    db.session.add(WorkingGroupModerator(working_group_id=parent.id, user_id=chair.id))
    group = make.group(members=people[::4] + [chair])
    db.session.commit()
    people.append(chair)
    acls = {"public", "user", "state", "state_party", "secretariat", "nonsense", "group:x"}
    acls |= {f"group:{group.id}", f"delegation:{people[0].delegation_id}"}
    acls |= {f"moderator:{parent.id}", f"moderator:{child.id}"}
    for acl in acls:
        selected = set(db.session.scalars(select(User.id).where(holders(acl))))
        # Accounts that are not active hold "public" too, but are never reached.
        expected = {p.id for p in people if p.is_active and acl in principals(p)}
        assert selected == expected, acl


def test_holders_agrees_with_principals_for_channel_principals(make):
    """A channel's principal is held by the designated participants of its accepted member
    delegations once it is open, and by the Secretariat only where admitted."""
    from portal.access import holders
    from portal.accounts.models import User
    from portal.channels import services

    states = [make.delegation(kind=kind) for kind in ("state_party", "signatory", "state_party")]
    contacts = [make.user(delegation=state, role="point_of_contact") for state in states]
    members = [make.user(delegation=state) for state in states]
    suspended = make.user(delegation=states[1], status="suspended")
    officers = [make.secretariat(), make.secretariat(status="suspended")]
    observer = make.user(delegation=make.delegation(kind="international_organisation"))
    channels = []
    for admitted, status in (
        (False, "open"),
        (True, "open"),
        (True, "proposed"),
        (True, "closed"),
    ):
        channel = services.propose_channel(
            contacts[0],
            "regional",
            f"Channel {status}",
            "",
            [s.id for s in states[1:]],
            admitted,
        )
        if status != "proposed":
            services.approve_channel(channel, officers[0])
            services.respond(channel, contacts[1], True)
            services.respond(channel, contacts[2], False)  # declined: its people read nothing
        for by, person in (
            (contacts[0], members[0]),
            (contacts[1], members[1]),
            (contacts[1], suspended),
        ):
            if status != "proposed" or by is contacts[0]:
                services.designate(channel, by, person.id) if person.is_active else None
        if status == "closed":
            services.close_channel(channel, contacts[0])
        channels.append(channel)
    db.session.commit()
    # A suspended participant (designated while active) holds nothing.
    from portal.channels.models import ChannelParticipant

    db.session.add(
        ChannelParticipant(
            channel_id=channels[0].id,
            user_id=suspended.id,
            designated_by_id=contacts[1].id,
        )
    )
    db.session.commit()
    people = db.session.scalars(select(User)).all()
    assert observer in people
    for channel in channels:
        selected = set(db.session.scalars(select(User.id).where(holders(channel.acl))))
        expected = {p.id for p in people if p.is_active and channel.acl in principals(p)}
        assert selected == expected, channel.name
    open_admitted = channels[1]
    assert officers[0].id in set(
        db.session.scalars(select(User.id).where(holders(open_admitted.acl)))
    )
    assert officers[0].id not in set(
        db.session.scalars(select(User.id).where(holders(channels[0].acl)))
    )
    assert not set(db.session.scalars(select(User.id).where(holders(channels[2].acl))))
