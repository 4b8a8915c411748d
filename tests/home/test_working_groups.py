"""The home page lists the working groups the reader may see, and no other."""

import pytest

from portal.accounts.models import GroupMembership
from portal.extensions import db
from portal.forum.models import WorkingGroup


def working_group(code, level, parent=None, group=None):
    item = WorkingGroup(
        code=code,
        names={"en": f"Space {code}", "fr": f"Espace {code}"},
        access_level=level,
        parent=parent,
        group_id=group.id if group else None,
    )
    item.derive_acl()
    db.session.add(item)
    return item


@pytest.fixture
def closed_group(make):
    """Working groups at every access level; returns the group whose members alone see the
    closed one (BUREAU)."""
    closed = make.group()
    plenary = working_group("PLEN", "public")
    working_group("WGETI", "users")
    working_group("WGTU", "states")
    reporting = working_group("WGTR", "state_parties")
    working_group("WGTR-SUB", "state_parties", parent=reporting)
    working_group("OPEN-SUB", "users", parent=plenary)
    working_group("BUREAU", "group", group=closed)
    db.session.commit()
    return closed


EVERY = {"PLEN", "WGETI", "WGTU", "WGTR", "WGTR-SUB", "OPEN-SUB", "BUREAU"}

SEEN = {
    "state_party": {"PLEN", "OPEN-SUB", "WGETI", "WGTU", "WGTR", "WGTR-SUB"},
    "signatory": {"PLEN", "OPEN-SUB", "WGETI", "WGTU"},
    "international_organisation": {"PLEN", "OPEN-SUB", "WGETI"},
    "secretariat": {"PLEN", "OPEN-SUB", "WGETI", "WGTU", "WGTR", "WGTR-SUB"},
}


@pytest.mark.parametrize("kind", sorted(SEEN))
def test_the_home_page_lists_only_the_working_groups_the_reader_may_see(
    client, make, sign_in, closed_group, kind
):
    if kind == "secretariat":
        reader = make.secretariat()
    else:
        reader = make.user(delegation=make.delegation(kind=kind))
    sign_in(reader)
    text = client.get("/").get_data(as_text=True)
    for code in EVERY:
        assert (f"Space {code}<" in text) == (code in SEEN[kind]), code


def test_members_of_a_closed_group_see_its_space(client, make, sign_in, closed_group):
    reader = make.user(delegation=make.delegation(kind="civil_society"))
    db.session.add(GroupMembership(group_id=closed_group.id, user_id=reader.id))
    db.session.commit()
    sign_in(reader)
    text = client.get("/").get_data(as_text=True)
    assert "Space BUREAU<" in text
    assert "Space WGTU<" not in text


def test_an_anonymous_visitor_is_sent_to_sign_in(client, closed_group):
    response = client.get("/")
    assert response.status_code == 302
    assert "/auth/sign-in" in response.headers["Location"]
