"""An ATT annual report in the categories of the UN Register of Conventional Arms, for the
reports whose State authorised the Secretariat to forward them to the UN Office for
Disarmament Affairs (about half of them): one report serves both.

The mapping is data, `data/un_register_mapping.json`, documented in docs/un_register.md. Each
line of the exports and imports tables maps to a Register line (category, sub-category, partner,
number of items, origin, intermediate location, description, comments) or is listed as not
mapped with the reason: a category the Register does not have without a sub-category (combat
aircraft neither manned nor unmanned, for instance), or no number of items (the Register counts
items, not values). Nothing is dropped.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l

from portal.reporting.models import TABLES

_DATA = json.loads(
    (Path(__file__).parent / "data" / "un_register_mapping.json").read_text(encoding="utf-8")
)
#: (ATT category, ATT sub-category) -> (Register category, Register sub-category).
MAPPING = {
    (rule["category"], rule["subcategory"]): (
        rule["register_category"],
        rule["register_subcategory"],
    )
    for rule in _DATA["rules"]
}

NO_REGISTER_CATEGORY = _l(
    "The UN Register has no category for this category and sub-category: give the "
    "sub-category (manned or unmanned, small arms or light weapons type)."
)
NO_ITEMS = _l("The UN Register counts items: the line gives no number of items.")

#: The columns of the export, in order.
COLUMNS = (
    "state",
    "year",
    "table",
    "line",
    "register_category",
    "register_subcategory",
    "partner",
    "items",
    "origin",
    "intermediate",
    "description",
    "comments",
    "att_category",
    "att_subcategory",
    "basis",
    "not_mapped_because",
)


@dataclass(frozen=True)
class RegisterLine:
    """One line of an ATT report in the Register's terms, or with the reason it does not map."""

    state: str
    year: int
    table: str
    #: The line's number in its ATT table, from 1.
    line: int
    register_category: str
    register_subcategory: str
    partner: str
    items: int | None
    origin: str
    intermediate: str
    description: str
    comments: str
    att_category: str
    att_subcategory: str
    basis: str
    not_mapped_because: str

    @property
    def is_mapped(self):
        return not self.not_mapped_because

    def row(self):
        return [getattr(self, column) for column in COLUMNS]


def map_line(state, year, table, number, line):
    """The Register line of one ATT line (`number` from 1)."""
    key = (line.get("category") or "", line.get("subcategory") or "")
    register = MAPPING.get(key)
    items = line.get("items")
    reason = ""
    if register is None:
        reason = str(NO_REGISTER_CATEGORY)
    elif items is None:
        reason = str(NO_ITEMS)
    category, subcategory = register or ("", "")
    return RegisterLine(
        state=state,
        year=year,
        table=table,
        line=number,
        register_category=category,
        register_subcategory=subcategory,
        partner=line.get("partner") or "",
        items=items,
        origin=line.get("origin") or "",
        intermediate=line.get("intermediate") or "",
        description=line.get("description") or "",
        comments=line.get("comments") or "",
        att_category=key[0],
        att_subcategory=key[1],
        basis=line.get("basis") or "",
        not_mapped_because=reason,
    )


def register_lines(content):
    """Every line of an annual report's content in the Register's terms, exports then imports
    (nil tables have none)."""
    lines = []
    for table in TABLES:
        section = content.get(table) or {}
        for number, line in enumerate(section.get("lines") or [], start=1):
            lines.append(map_line(content["state"], content["year"], table, number, line))
    return lines


def forwards(version):
    """Whether `version` is a submitted annual report whose State authorised forwarding."""
    return (
        not version.is_draft
        and version.report.is_annual
        and bool(version.content.get("forward_to_un_register"))
    )
