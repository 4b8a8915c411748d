"""`from:` by name: a delegation's code, or its name in any of the six languages (the CLDR
names of States and the United Nations names the portal shows), resolved to the codes the
index holds (see `portal.library.search.delegation_code`)."""

import re
from functools import lru_cache

import pycountry
from flask import g
from sqlalchemy import select

from portal.accounts.models import Delegation, state_name
from portal.extensions import db
from portal.library.search import delegation_code
from search_index import LANGUAGES, QueryError
from search_index.analysis import fold_latin, normalize_word

#: The most delegations an ambiguous name lists.
CHOICES_MAX = 8


def resolve(field, value):
    """The codes `from:value` looks for: the delegation whose code or full name `value` is,
    else the one whose name contains it as whole words; None for another field.

    Raises QueryError("ambiguous", value, choices) when the name fits several delegations;
    `choices` are their (code, display name) pairs."""
    if field != "from":
        return None
    wanted = comparable(value)
    names = _names()
    exact = {code for code, forms in names.items() if wanted in forms}
    if len(exact) == 1:
        return sorted(exact)
    found = exact or {
        code for code, forms in names.items() if any(_contains(form, wanted) for form in forms)
    }
    if len(found) == 1:
        return sorted(found)
    if found:
        choices = sorted((_display(code), code) for code in found)[:CHOICES_MAX]
        raise QueryError("ambiguous", value, [(code, name) for name, code in choices])
    return []


def comparable(text):
    """`text` as names are compared: case, accents, Arabic letter forms and spacing ignored."""
    return " ".join(normalize_word(fold_latin(text)).replace("’", "'").split())


def _contains(form, wanted):
    if not wanted:
        return False
    if re.search(r"[\u3400-\u9fff]", wanted):
        return wanted in form
    return re.search(rf"(?<!\w){re.escape(wanted)}(?!\w)", form) is not None


def _names():
    """{code: every comparable name and code of that delegation}, once per request."""
    if "search_delegation_names" not in g:
        names, g.search_delegations = {}, {}
        for delegation in db.session.scalars(select(Delegation)):
            code = delegation_code(delegation)
            g.search_delegations.setdefault(code, delegation)
            forms = names.setdefault(code, set())
            forms |= {comparable(delegation.name), comparable(delegation.short_name)}
            if delegation.iso3:
                forms |= _state_names(delegation.iso3)
        g.search_delegation_names = names
    return g.search_delegation_names


def _display(code):
    return g.search_delegations[code].display_name


@lru_cache(maxsize=512)
def _state_names(iso3):
    forms = {comparable(iso3)}
    for language in LANGUAGES:
        name = state_name(iso3, language)
        if name:
            forms.add(comparable(name))
    country = pycountry.countries.get(alpha_3=iso3)
    if country is not None:
        forms.add(comparable(country.alpha_2))
        for attribute in ("name", "official_name", "common_name"):
            if getattr(country, attribute, None):
                forms.add(comparable(getattr(country, attribute)))
    return frozenset(forms)
