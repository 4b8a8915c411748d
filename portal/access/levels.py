"""The access levels and the names of the principals: the words of the access policy.

Every model that can be read by some and not others stores the principal it requires (its
`acl`), derived here from its access level. This module imports no part of the portal, so that
the domains' models can use it while the policy (`portal.access`), which reads those models,
stays above them: the arrows run one way.
"""

import enum

from flask_babel import lazy_gettext as _l

PUBLIC = "public"
USER = "user"
STATE = "state"
STATE_PARTY = "state_party"
SECRETARIAT = "secretariat"


class AccessLevel(enum.Enum):
    """How widely an item may be read; stored by name on each item that has one."""

    PUBLIC = "public"
    USERS = "users"
    STATES = "states"
    STATE_PARTIES = "state_parties"
    GROUP = "group"


#: How each access level is named on forms and pages.
LEVEL_LABELS = {
    AccessLevel.PUBLIC.value: _l("Anyone, without signing in"),
    AccessLevel.USERS.value: _l("Every approved user"),
    AccessLevel.STATES.value: _l("States Parties and signatory States"),
    AccessLevel.STATE_PARTIES.value: _l("States Parties only"),
    AccessLevel.GROUP.value: _l("Members of a group"),
}

LEVEL_ACL = {
    AccessLevel.PUBLIC: PUBLIC,
    AccessLevel.USERS: USER,
    AccessLevel.STATES: STATE,
    AccessLevel.STATE_PARTIES: STATE_PARTY,
}


def acl_for(level, group_id=None):
    """The principal an item at `level` requires; a group level names its group.

    Raises ValueError for an unknown level, or a group level without its group.
    """
    level = AccessLevel(level)
    if level is AccessLevel.GROUP:
        if group_id is None:
            raise ValueError("a group access level needs a group")
        return f"group:{group_id}"
    return LEVEL_ACL[level]
