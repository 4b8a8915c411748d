"""The search page: one box over everything the reader may see (library documents and forum
posts), with facets to narrow it.

The index filters every query by the reader's principals, so totals, facets and snippets never
count what they may not read. The hits of the page shown are then checked once more against
the database: a change of access is committed before its index job runs, and until it has run
the index still holds the old acl.
"""

import logging
from dataclasses import dataclass

from flask import Blueprint, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select

from portal.access import is_visible, principals, visible
from portal.accounts.models import Delegation
from portal.core.bounds import parse_int
from portal.core.i18n import language_label
from portal.extensions import db
from portal.forum.models import Post, WorkingGroup
from portal.forum.search import LIVE
from portal.library.models import DocumentType
from portal.search.delegations import resolve
from portal.search.engine import ADAPTERS, get_index
from search_index import QueryError

log = logging.getLogger(__name__)

bp = Blueprint("search", __name__)

PER_PAGE = 20
#: Longer texts are refused before they reach the query parser: nobody types this much, and
#: parsing cost grows with the length.
QUERY_MAX = 1000
#: Facet filters taken from one request; the page never builds more than one per facet value.
FILTERS_MAX = 50
#: The index collects every hit up to the page asked for, so the page number is bounded.
PAGE_MAX = 500
SORTS = ("relevance", "date")
#: The facets of the sidebar, in the order shown.
FACETS = {
    "kind": _l("Kind"),
    "type": _l("Type"),
    "wg": _l("Working group"),
    "cycle": _l("CSP cycle"),
    "lang": _l("Language"),
    "delegation": _l("Delegation"),
    "year": _l("Year"),
}

#: What the kind facet calls each kind of item the index holds.
KINDS = {
    "document": _l("Documents"),
    "post": _l("Discussions"),
    # Counted for a channel's readers only, like every facet (see `kind_facet`).
    "channel_message": _l("Channel messages"),
    "channel_case": _l("Case records"),
    "national_report": _l("National reports to parliament"),
}

QUERY_ERRORS = {
    "syntax": _l(
        "The search could not be read near “%(value)s”. Check that every quotation mark and "
        "bracket is closed, and that AND, OR and NOT stand between words."
    ),
    "bad_date": _l("“%(value)s” is not a date. Write dates as 2026, 2026-03 or 2026-03-01."),
    "bad_number": _l("“%(value)s” is not a number. Write a CSP cycle as 12 or CSP12."),
    "empty": _l("There is nothing to look for in this search. Type a word, a phrase or a symbol."),
    "ambiguous": _l("“%(value)s” fits the names of several delegations. Choose one:"),
}
QUERY_TOO_LONG = _l("This search is too long: at most %(count)d characters.")
PAGE_REFUSED = _l("“%(value)s” is not a page of these results.")


@dataclass(frozen=True)
class Criteria:
    """What the reader asked for, as read from the query string, and links that change it."""

    text: str
    sort: str
    #: The active facet filters as `name:value` tokens, in the order they were added.
    tokens: tuple
    page: int
    #: The `page` asked for when it is not a page number from 1 to PAGE_MAX, else None.
    refused_page: str = None

    @classmethod
    def from_request(cls):
        sort = request.args.get("sort", "relevance")
        tokens = []
        for token in request.args.getlist("f")[:FILTERS_MAX]:
            name, _sep, value = token.partition(":")
            name, value = name.strip().lower(), value.strip()
            token = f"{name}:{value}"
            if name in FACETS and value and token not in tokens:
                tokens.append(token)
        asked = request.args.get("page", "").strip()
        page = parse_int(asked, minimum=1, maximum=PAGE_MAX) if asked else 1
        return cls(
            text=request.args.get("q", "").strip(),
            sort=sort if sort in SORTS else "relevance",
            tokens=tuple(tokens),
            page=page or 1,
            refused_page=asked if page is None else None,
        )

    @property
    def filters(self):
        """The tokens as the index takes them: facet name -> values."""
        found = {}
        for token in self.tokens:
            name, _sep, value = token.partition(":")
            found.setdefault(name, []).append(value)
        return found

    @property
    def active(self):
        """The active filters as (name, value) pairs."""
        return [tuple(token.partition(":")[::2]) for token in self.tokens]

    @property
    def is_browsing(self):
        return not self.text and not self.tokens

    def url(self, tokens=None, sort=None, page=1):
        """This page with other filters, sort or page; the other criteria are kept."""
        sort = sort or self.sort
        return url_for(
            "search.results",
            q=self.text or None,
            sort=None if sort == "relevance" else sort,
            f=list(self.tokens if tokens is None else tokens),
            page=page if page > 1 else None,
        )

    def with_text(self, text):
        """This search with the text `text`, from page 1."""
        return url_for(
            "search.results",
            q=text or None,
            sort=None if self.sort == "relevance" else self.sort,
            f=list(self.tokens),
        )

    def is_active(self, name, value):
        # Filters match without regard to case, as the index compares them.
        token = f"{name}:{value}".casefold()
        return any(active.casefold() == token for active in self.tokens)

    def toggle_url(self, name, value):
        """Add the filter `name:value`, or remove it when it is active (back to page 1)."""
        if self.is_active(name, value):
            token = f"{name}:{value}".casefold()
            return self.url(tokens=[t for t in self.tokens if t.casefold() != token])
        return self.url(tokens=[*self.tokens, f"{name}:{value}"])


@dataclass(frozen=True)
class Result:
    """One hit of the page with the row it points to, as the database has it now."""

    hit: object
    row: object


@bp.context_processor
def search_context():
    return {
        "facet_names": FACETS,
        "document_types": list(DocumentType),
    }


@bp.route("/")
def results():
    criteria = Criteria.from_request()
    if len(criteria.text) > QUERY_MAX:
        return refused(criteria, QUERY_TOO_LONG % {"count": QUERY_MAX})
    if criteria.refused_page is not None:
        return refused(criteria, PAGE_REFUSED % {"value": criteria.refused_page})
    readers = principals(current_user)
    try:
        found = get_index().search(
            criteria.text,
            readers,
            filters=criteria.filters,
            sort=criteria.sort,
            page=criteria.page,
            per_page=PER_PAGE,
            language=str(get_locale() or "en"),
            resolve=resolve,
        )
        facets = {**found.facets, **kind_facet(criteria, readers)}
    except QueryError as error:
        return refused(criteria, query_error_message(error), choices=choice_links(criteria, error))
    shown = rechecked(found.hits)
    return render_template(
        "search/results.html",
        criteria=criteria,
        results=shown,
        # What the index counted, less what this page had to leave out (see `rechecked`).
        total=max(0, found.total - (len(found.hits) - len(shown))),
        pages=found.pages,
        facets=facets,
        labels=labels_of(facets, criteria.filters),
        error=None,
        post_numbers=matching_posts(shown),
        suggestion=found.suggestion,
        suggestion_url=criteria.with_text(found.suggestion) if found.suggestion else None,
    )


def matching_posts(results):
    """{thread id: [(post number, post id)] of the live posts the search found in it}, for the
    threads shown: the post shown and the others of its thread that the index found (under
    the same access, and still live in the database)."""
    ids = {
        item_id
        for result in results
        if result.hit.kind == "post"
        for item_id in (result.hit.id, *result.hit.related)
    }
    if not ids:
        return {}
    found = {}
    rows = db.session.execute(
        select(Post.thread_id, Post.number, Post.id)
        .where(Post.id.in_(ids), *LIVE)
        .order_by(Post.thread_id, Post.number)
    )
    for thread_id, number, post_id in rows:
        found.setdefault(thread_id, []).append((number, post_id))
    return found


def query_error_message(error):
    """What the page says of a query the index refused."""
    message = QUERY_ERRORS.get(error.code, QUERY_ERRORS["syntax"])
    return message % {"value": error.value}


def choice_links(criteria, error):
    """For a from: name that fits several delegations, the search with each one's code:
    [(display name, url)]."""
    links = []
    for code, name in error.choices:
        text = replace_field_value(criteria.text, "from", error.value, code)
        links.append((name, criteria.with_text(text)))
    return links


def replace_field_value(text, field, value, replacement):
    """`text` with the value of `field:value` (quoted or not) replaced by `replacement`."""
    quoted = f'{field}:"{value}"'
    if quoted in text:
        return text.replace(quoted, f"{field}:{replacement}", 1)
    return text.replace(f"{field}:{value}", f"{field}:{replacement}", 1)


def kind_facet(criteria, readers):
    """{"kind": [(kind, count), ...]}, most frequent first, when the items found with every
    filter but the kind are of more than one kind; else {} (one kind is nothing to choose).

    The index counts no facet for the kind, so each kind is counted by a search of its own,
    filtered by the reader's principals like any other. Raises QueryError as the search does.
    """
    others = {name: values for name, values in criteria.filters.items() if name != "kind"}
    counts = []
    for kind in ADAPTERS:
        total = (
            get_index()
            .search(
                criteria.text,
                readers,
                filters=others,
                kinds={kind},
                facets=False,
                per_page=1,
                resolve=resolve,
                suggest=False,
            )
            .total
        )
        if total:
            counts.append((kind, total))
    if len(counts) < 2:
        return {}
    return {"kind": sorted(counts, key=lambda pair: -pair[1])}


def refused(criteria, message, choices=()):
    """The page for a search the engine cannot run: the box keeps the text, no results;
    `choices` are links to searches it could run instead, as (label, url) pairs."""
    return (
        render_template(
            "search/results.html",
            criteria=criteria,
            results=[],
            total=0,
            pages=0,
            facets={},
            labels=labels_of({}, criteria.filters),
            error=str(message),
            choices=choices,
        ),
        400,
    )


def rechecked(hits):
    """The hits whose row still exists and is visible to the reader, with those rows.

    A hit that fails the check is left out and logged: the index was out of step with the
    database (a change whose index job has not run yet, or failed).
    """
    ids_by_kind = {}
    for hit in hits:
        ids_by_kind.setdefault(hit.kind, []).append(hit.id)
    rows = {}
    for kind, ids in ids_by_kind.items():
        adapter = ADAPTERS.get(kind)
        loaded = adapter.rows(ids) if adapter is not None else {}
        rows.update({(kind, item_id): row for item_id, row in loaded.items()})
    preload_related(rows.values())
    shown = []
    for hit in hits:
        row = rows.get((hit.kind, hit.id))
        if row is None or not is_visible(row, current_user):
            log.warning("search hit %s left out: not in the database or not visible", hit.key)
            continue
        shown.append(Result(hit, row))
    return shown


def preload_related(rows):
    """Load the working groups and delegations the documents name in two queries; each row's
    relationship then finds its object in the session instead of querying once per row (the
    adapter of posts loads theirs with the posts)."""
    working_group_ids = {getattr(row, "working_group_id", None) for row in rows} - {None}
    delegation_ids = {getattr(row, "delegation_id", None) for row in rows} - {None}
    if working_group_ids:
        db.session.scalars(select(WorkingGroup).where(WorkingGroup.id.in_(working_group_ids))).all()
    if delegation_ids:
        db.session.scalars(select(Delegation).where(Delegation.id.in_(delegation_ids))).all()


def labels_of(facets, filters):
    """What the sidebar shows for each facet value and active filter: {name: {value: label}},
    with every value as a string, as it appears in a filter."""
    values = {
        name: {str(value) for value, _count in facets.get(name, [])} | set(filters.get(name, []))
        for name in FACETS
    }
    return {
        "kind": {value: str(KINDS.get(value, value)) for value in values["kind"]},
        "type": {value: type_label(value) for value in values["type"]},
        "wg": working_group_names(values["wg"]),
        "cycle": {value: _("CSP%(number)s", number=value) for value in values["cycle"]},
        "lang": {value: language_label(value) for value in values["lang"]},
        "delegation": delegation_names(values["delegation"]),
        "year": {value: value for value in values["year"]},
    }


def type_label(code):
    try:
        return str(DocumentType(code).label)
    except ValueError:
        return code


def working_group_names(codes):
    """Display names by working-group code, whatever the case of a code typed in a link, for
    the working groups the reader may open; any other code is shown as it was typed, so that a
    link cannot tell whether a closed working group exists, nor its name."""
    if not codes:
        return {}
    by_code = {
        group.code.lower(): group.display_name
        for group in db.session.scalars(
            visible(
                select(WorkingGroup).where(WorkingGroup.code.in_(codes_in_any_case(codes))),
                WorkingGroup,
                current_user,
            )
        )
    }
    return {code: by_code.get(code.lower(), code) for code in codes}


def delegation_names(codes):
    """Display names by the code `from:` matches: a State's ISO code, else the short name.

    Every delegation may be named: the list of delegations is public (the request-access form
    offers all of them to anyone).
    """
    if not codes:
        return {}
    variants = codes_in_any_case(codes)
    delegations = db.session.scalars(
        select(Delegation)
        .where(or_(Delegation.iso3.in_(variants), Delegation.short_name.in_(variants)))
        .order_by(Delegation.id)
    ).all()
    by_code = {}
    # A State is named by its ISO code first: a short name may repeat another's ISO code.
    for delegation in delegations:
        by_code.setdefault(delegation.short_name.lower(), delegation.display_name)
    for delegation in delegations:
        if delegation.iso3:
            by_code[delegation.iso3.lower()] = delegation.display_name
    return {code: by_code.get(code.lower(), code) for code in codes}


def codes_in_any_case(codes):
    return {variant for code in codes for variant in (code, code.upper())}
