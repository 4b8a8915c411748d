"""Who may do what with initial and annual reports: every reporting action x role x situation
through `can()`, and the SQL filter of lists agreeing with `can("version_view")`."""

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from portal.access import can, visible
from portal.extensions import db
from portal.reporting import services
from portal.reporting.models import ReportingOfficer, ReportVersion
from tests.reporting.builders import annual, draft, reporting_state, submitted

ROLES = (
    "anonymous",
    "contact",  # the point of contact of the reporting State
    "officer",  # a reporting officer the point of contact designated
    "member",  # another member of the reporting State's delegation
    "suspended",  # a member of the reporting State's delegation, suspended
    "other party",  # the point of contact of another State Party
    "signatory",  # a member of a signatory State's delegation
    "observer",  # a member of an international organisation's delegation
    "secretariat",
)
NOBODY = frozenset()
HOME = frozenset({"contact", "officer", "member"})
SUBMITTERS = frozenset({"contact", "officer"})
SIGNED_IN = frozenset(ROLES) - {"anonymous", "suspended"}
STATES = HOME | {"other party", "signatory"}
STATE_PARTIES = HOME | {"other party", "secretariat"}

#: action -> {situation: roles allowed}; tests/core/test_access_policy.py checks that every
#: reporting action of RULES is here. Situations: "-" (no target, or the reporting State's
#: delegation), "draft", "public" and "restricted" (submitted versions), "amendable" (a report
#: with a submitted version and no draft), "drafting" (a report with a draft), "forwarding" (a
#: submitted version whose State authorised forwarding to the UN Register).
REPORTING_MATRIX = {
    "report_list_own": {"-": STATES},
    "report_create": {"-": HOME},
    "version_view": {"draft": HOME, "public": SIGNED_IN, "restricted": STATE_PARTIES},
    "draft_edit": {"draft": HOME, "public": NOBODY},
    "draft_submit": {"draft": SUBMITTERS, "public": NOBODY},
    "draft_discard": {"draft": HOME, "restricted": NOBODY},
    "report_amend": {"amendable": HOME, "drafting": NOBODY},
    "version_acknowledge": {"public": {"secretariat"}, "draft": NOBODY},
    "officer_manage": {"-": {"contact"}},
    "reporting_status_view": {"-": {"secretariat"}},
    "draft_import": {"draft": HOME, "public": NOBODY},
    "report_template": {"-": SIGNED_IN},
    "un_register_export": {
        "forwarding": HOME | {"secretariat"},
        "public": NOBODY,
        "draft": NOBODY,
    },
    "un_register_bulk_export": {"-": {"secretariat"}},
    "reminder_dates_manage": {"-": {"secretariat"}},
    "reminders_set": {"-": {"contact"}},
}


def people(make):
    home, contact, member = reporting_state(make)
    officer = make.user(delegation=home)
    db.session.add(ReportingOfficer(delegation=home, user=officer, designated_by_id=contact.id))
    db.session.commit()
    return home, {
        "anonymous": AnonymousUserMixin(),
        "contact": contact,
        "officer": officer,
        "member": member,
        "suspended": make.user(delegation=home, status="suspended", role="point_of_contact"),
        "other party": reporting_state(make, iso3="DEU")[1],
        "signatory": make.user(delegation=make.delegation(kind="signatory", iso3="BRA")),
        "observer": make.user(delegation=make.delegation(kind="international_organisation")),
        "secretariat": make.secretariat(),
    }


#: Each situation on its own year, so that they can live side by side.
YEARS = {
    "draft": 2020,
    "public": 2021,
    "restricted": 2022,
    "amendable": 2023,
    "drafting": 2024,
    "forwarding": 2019,
}


def situation(home, contact, where):
    """The target of an action in situation `where` (see REPORTING_MATRIX)."""
    if where == "-":
        return home
    year = YEARS[where]
    if where == "draft":
        return draft(home, contact, year=year)
    if where == "restricted":
        return submitted(home, contact, annual(year=year, public=False), year=year)
    if where == "forwarding":
        return submitted(home, contact, annual(year=year, forward_to_un_register=True), year=year)
    version = submitted(home, contact, annual(year=year), year=year)
    if where == "public":
        return version
    if where == "drafting":
        services.amend(version.report, contact)
        db.session.commit()
    return version.report


@pytest.mark.parametrize("action", sorted(REPORTING_MATRIX))
def test_reporting_permission_matrix(make, action):
    home, actors = people(make)
    wrong = []
    for where, allowed in REPORTING_MATRIX[action].items():
        target = situation(home, actors["contact"], where)
        for role, actor in actors.items():
            expected = role in allowed
            if can(actor, action, target) != expected:
                wrong.append(f"{role} on {where}: expected {'allow' if expected else 'deny'}")
    assert not wrong, f"{action}: " + "; ".join(wrong)


@pytest.mark.parametrize("where", ["draft", "public", "restricted"])
def test_lists_show_exactly_what_can_allows(make, where):
    home, actors = people(make)
    version = situation(home, actors["contact"], where)
    for role, actor in actors.items():
        listed = db.session.scalars(visible(select(ReportVersion.id), ReportVersion, actor)).all()
        allowed = can(actor, "version_view", version)
        if role in ("anonymous", "suspended"):
            # They hold `public` only: the public version, through the @public pages.
            assert (version.id in listed) == (where == "public"), role
            continue
        assert (
            (version.id in listed) == allowed == (role in REPORTING_MATRIX["version_view"][where])
        ), role
