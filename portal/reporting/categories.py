"""The categories of conventional arms (Article 2(1)) with the UN Register's sub-categories.

Kept as data in `data/arms_categories.messages.json` (English source text, extracted into the
translation catalogs); names and definitions are translated when read.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext

_DATA = json.loads(
    (Path(__file__).parent / "data" / "arms_categories.messages.json").read_text(encoding="utf-8")
)


@dataclass(frozen=True)
class Subcategory:
    code: str
    source_name: str

    @property
    def name(self):
        return gettext(self.source_name)


@dataclass(frozen=True)
class Category:
    code: str
    source_name: str
    source_definition: str
    subcategories: tuple

    @property
    def name(self):
        return gettext(self.source_name)

    @property
    def definition(self):
        return gettext(self.source_definition)


CATEGORIES = tuple(
    Category(
        code=entry["code"],
        source_name=entry["name"],
        source_definition=entry["definition"],
        subcategories=tuple(
            Subcategory(code=sub["code"], source_name=sub["name"]) for sub in entry["subcategories"]
        ),
    )
    for entry in _DATA["categories"]
)

_BY_CODE = {category.code: category for category in CATEGORIES}
_SUB_BY_CODE = {
    sub.code: (category, sub) for category in CATEGORIES for sub in category.subcategories
}


def category(code):
    """The category with `code` ("I" … "VII", "VIII.SA", "VIII.LW"), or None."""
    return _BY_CODE.get(code)


def subcategory(code):
    """(category, sub-category) for a sub-category code such as "IV.b" or "SA.4", or None."""
    return _SUB_BY_CODE.get(code)


def is_valid(category_code, subcategory_code=None):
    """Whether the pair names a known category and (if given) one of its sub-categories."""
    found = category(category_code)
    if found is None:
        return False
    if not subcategory_code:
        return True
    return any(sub.code == subcategory_code for sub in found.subcategories)
