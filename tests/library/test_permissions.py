"""Who may do what in the library: every library action x role x access level through `can()`,
and the SQL filter of lists agreeing with it on the same documents."""

from datetime import date

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from portal.access import can, visible
from portal.extensions import db
from portal.library.models import Document, DocumentFile

ROLES = (
    "anonymous",
    "observer",  # a member of an international organisation's delegation
    "signatory",
    "delegate",  # a delegate of the State Party that wrote the document
    "other delegate",  # a delegate of another State Party
    "secretariat",
    "suspended",  # a delegate of the writing State Party, suspended
)
LEVELS = ("public", "users", "states", "state_parties", "group member", "group outsider")

SIGNED_IN = frozenset(ROLES) - {"anonymous", "suspended"}
STATE_ROLES = SIGNED_IN - {"observer"}
STATE_PARTY_ROLES = STATE_ROLES - {"signatory"}
#: Who reads a document at each level. Nobody reads a group's document from outside the group,
#: not even the Secretariat, as in the forum.
READERS = {
    "public": SIGNED_IN,
    "users": SIGNED_IN,
    "states": STATE_ROLES,
    "state_parties": STATE_PARTY_ROLES,
    "group member": SIGNED_IN,
    "group outsider": frozenset(),
}
#: Editors: the Secretariat and the writing delegation, among those who read it.
EDITORS = {level: readers & {"delegate", "secretariat"} for level, readers in READERS.items()}
EVERY_LEVEL = dict.fromkeys(LEVELS)

#: action -> (target, {level: roles allowed}); tests/core/test_access_policy.py checks that every
#: library action of RULES is here.
LIBRARY_MATRIX = {
    "document_view": ("document", READERS),
    "document_download": ("file", READERS),
    "document_edit": ("document", EDITORS),
    "document_upload": (None, dict.fromkeys(LEVELS, SIGNED_IN)),
    "document_publish_any": (None, dict.fromkeys(LEVELS, frozenset({"secretariat"}))),
    "document_symbol_review": (None, dict.fromkeys(LEVELS, frozenset({"secretariat"}))),
}


def people(make):
    home = make.delegation(kind="state_party", iso3="FRA")
    return home, {
        "anonymous": AnonymousUserMixin(),
        "observer": make.user(delegation=make.delegation(kind="international_organisation")),
        "signatory": make.user(delegation=make.delegation(kind="signatory")),
        "delegate": make.user(delegation=home),
        "other delegate": make.user(delegation=make.delegation(kind="state_party")),
        "secretariat": make.secretariat(),
        "suspended": make.user(delegation=home, status="suspended"),
    }


def document_at(make, level, home, actors):
    """A document of `home` at `level`; the group levels put every actor in the group or none."""
    group_id = None
    stored_level = level
    if level.startswith("group"):
        stored_level = "group"
        members = [p for p in actors.values() if getattr(p, "id", None)]
        group_id = make.group(members=members if level == "group member" else ()).id
    document = Document(
        title=f"Document at {level}",
        doc_type="working_paper",
        delegation_id=home.id,
        published_on=date(2026, 2, 1),
        keywords=[],
        access_level=stored_level,
        group_id=group_id,
        uploaded_by_id=actors["delegate"].id,
    )
    document.derive_acl()
    db.session.add(document)
    db.session.add(
        DocumentFile(
            document=document,
            language="en",
            revision=1,
            sha256="0" * 64,
            size=1,
            file_kind="txt",
            mime_type="text/plain",
            name="paper.txt",
            uploaded_by_id=actors["delegate"].id,
            acl=document.acl,
        )
    )
    db.session.commit()
    return document


@pytest.mark.parametrize("level", LEVELS)
def test_library_permission_matrix(make, level):
    home, actors = people(make)
    document = document_at(make, level, home, actors)
    targets = {"document": document, "file": document.files[0], None: None}
    wrong = []
    for action, (target, allowed) in LIBRARY_MATRIX.items():
        for role, actor in actors.items():
            expected = role in allowed[level]
            if can(actor, action, targets[target]) != expected:
                wrong.append(f"{action} by {role}: expected {'allow' if expected else 'deny'}")
    assert not wrong, f"at {level}: " + "; ".join(wrong)


@pytest.mark.parametrize("level", LEVELS)
def test_lists_show_exactly_what_can_allows(make, level):
    home, actors = people(make)
    document = document_at(make, level, home, actors)
    for role, actor in actors.items():
        if role in ("anonymous", "suspended"):
            continue  # they reach no page at all (see tests/core/test_routes.py)
        listed = db.session.scalars(visible(select(Document.id), Document, actor)).all()
        files = db.session.scalars(visible(select(DocumentFile.id), DocumentFile, actor)).all()
        allowed = can(actor, "document_view", document)
        assert (document.id in listed) == allowed == (role in READERS[level]), role
        assert (document.files[0].id in files) == allowed, role
