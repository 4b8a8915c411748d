"""The home page shows each person exactly what they may see: a permission matrix of roles
against access levels over threads, documents and meetings made at every level, and a check
that the page agrees with `can()` on each of them."""

import pytest

from portal.access import can
from portal.accounts.models import GroupMembership
from portal.extensions import db
from portal.notifications.services import subscribe

LEVELS = ("public", "users", "states", "state_parties", "group")

#: The levels each role reads, counted by hand from the access policy.
SEEN = {
    "state_party": {"public", "users", "states", "state_parties"},
    "signatory": {"public", "users", "states"},
    "observer": {"public", "users"},
    "group member": {"public", "users", "group"},
    "secretariat": {"public", "users", "states", "state_parties"},
}


@pytest.fixture
def closed_group(make):
    return make.group()


@pytest.fixture
def readers(make, closed_group):
    readers = {
        "state_party": make.user(delegation=make.delegation(kind="state_party")),
        "signatory": make.user(delegation=make.delegation(kind="signatory")),
        "observer": make.user(delegation=make.delegation(kind="international_organisation")),
        "group member": make.user(delegation=make.delegation(kind="civil_society")),
        "secretariat": make.secretariat(),
    }
    db.session.add(GroupMembership(group_id=closed_group.id, user_id=readers["group member"].id))
    db.session.commit()
    return readers


@pytest.fixture
def items(forum, meetings, closed_group):
    """A space, a topic with a thread, a document and a meeting at every access level; the
    document and meeting belong to the space."""
    made = {}
    author = forum.make.secretariat(name="Author")
    for level in LEVELS:
        group = closed_group if level == "group" else None
        space = forum.space(level, group=group)
        topic = forum.topic(space)
        thread = forum.thread(topic, author=author, title=f"Thread at level {level}")
        document = meetings.library.document(
            f"Document at level {level}",
            working_group=space,
            level=level,
            group=group,
        )
        meeting = meetings.meeting(
            title=f"Meeting at level {level}",
            level=level,
            group_id=group.id if group else None,
        )
        made[level] = {"space": space, "thread": thread, "document": document, "meeting": meeting}
    return made


def follow_everything(user, items):
    """The reader follows every space, whether or not they may see it: the page must filter by
    access, not trust the subscriptions."""
    for made in items.values():
        subscribe(user, "working_group", made["space"].id)
    db.session.commit()


@pytest.mark.parametrize("role", sorted(SEEN))
def test_each_role_sees_exactly_the_items_of_its_levels(role, readers, items, signed_in):
    reader = readers[role]
    follow_everything(reader, items)
    page = signed_in(reader).get("/?show=all")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for level in LEVELS:
        expected = level in SEEN[role]
        assert (f"Thread at level {level}<" in text) == expected, (role, level)
        assert (f"Document at level {level}" in text) == expected, (role, level)
        assert (f"Meeting at level {level}<" in text) == expected, (role, level)


@pytest.mark.parametrize("role", sorted(SEEN))
def test_the_page_agrees_with_the_access_rules(role, readers, items, signed_in):
    reader = readers[role]
    follow_everything(reader, items)
    text = signed_in(reader).get("/?show=all").get_data(as_text=True)
    for level, made in items.items():
        assert (f"Thread at level {level}<" in text) == can(reader, "thread_view", made["thread"])
        assert (f"Document at level {level}" in text) == can(
            reader, "document_view", made["document"]
        )
        assert (f"Meeting at level {level}<" in text) == can(
            reader, "meeting_view", made["meeting"]
        )
