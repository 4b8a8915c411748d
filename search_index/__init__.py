"""The full-text and metadata search engine (Whoosh), kept apart from the portal: it imports
nothing from `portal/`.

The database is the truth. The portal turns a row into an *item dict* and hands it here::

    {
        "key": "document:12",            # required, unique: kind and id
        "kind": "document",              # required: document, thread, post, message...
        "id": 12,                        # required int
        "acl": "state_party",            # required: the one principal a reader needs
        "title": "Annotated agenda ...",
        "texts": {"en": "...", "fr": "...", "und": "..."},  # body text by language;
                                         # "und" (or any other code): language unknown
        "symbol": "ATT/CSP12.WGTR/2026/CHAIR/836/AnnAgenda",
        "type": "annotated_agenda",      # document type code
        "wg": ["WGTR"],                  # working-group codes
        "topic": 7,                      # topic id
        "cycle": 12,                     # CSP cycle number
        "langs": ["en", "fr"],           # language versions available
        "delegation": "FRA",             # author delegation code
        "date": datetime(2026, 3, 1),    # publication date, naive UTC
        "tags": ["diversion"],           # keywords
        "group": "thread:4",             # results show one item per group (default: the key)
        "author": 31,                    # not indexed: for the portal's own listeners
    }

Missing optional keys mean empty; other keys are ignored. Every search is filtered inside Whoosh
by the searcher's *principals*: an item is found only if its acl is one of them, so hits,
totals, facet counts and snippets never reveal anything else.

    index = SearchIndex(directory)
    index.update(items); index.delete(keys); index.replace_all(items); index.stamps()
    results = index.search("arms transfers wg:WGTR", {"public", "user"}, page=2)
    index.matches(item, saved_query_text)

The query language is described in `search_index.query`, the analysis of each language in
`search_index.analysis`.
"""

from search_index.analysis import LANGUAGES
from search_index.index import Hit, IndexBusy, Results, SearchIndex
from search_index.query import QueryError
from search_index.schema import FACETS, stamp

__all__ = [
    "FACETS",
    "LANGUAGES",
    "Hit",
    "IndexBusy",
    "QueryError",
    "Results",
    "SearchIndex",
    "stamp",
]
