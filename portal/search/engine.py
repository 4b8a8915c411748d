"""The portal's side of the search index: adapters, index jobs, rebuild and verify.

Each kind of item (library documents, forum posts; channel messages can follow) has one
`Adapter` that turns a database row into the item dict `search_index` stores, and lists every
row that belongs in the index. Changes reach the index as `search.index` jobs written in the
same transaction as the change, so a crash between commit and indexing leaves a pending job
that brings the index back in step. `rebuild()` rewrites the index from the database and
`verify()` compares the two.
"""

import threading
from dataclasses import dataclass
from typing import Callable

from flask import current_app

from portal.core.jobs import enqueue, handler
from search_index import SearchIndex, stamp

#: kind -> Adapter, registered by create_app.
ADAPTERS = {}
#: Functions called with each item written to the index (saved-search alerts).
INDEX_LISTENERS = []
_lock = threading.Lock()


@dataclass(frozen=True)
class Adapter:
    """How one kind of item reaches the index.

    `item(id)` returns the item dict, or None when the row is gone or must not be indexed;
    `ids()` lists the ids of every row that belongs in the index; `rows(ids)` loads the rows
    of a page of hits, keyed by id, for the search page to re-check and show.
    """

    kind: str
    item: Callable
    ids: Callable
    rows: Callable


def register(adapter):
    ADAPTERS[adapter.kind] = adapter
    return adapter


def key(kind, item_id):
    return f"{kind}:{item_id}"


def get_index():
    """The app's SearchIndex, opened once per process and shared by its threads."""
    extensions = current_app.extensions
    if "portal_search_index" not in extensions:
        with _lock:
            if "portal_search_index" not in extensions:
                extensions["portal_search_index"] = SearchIndex(
                    current_app.config["PORTAL_INDEX_DIR"],
                    writer_timeout=current_app.config["PORTAL_INDEX_WRITER_TIMEOUT_SECONDS"],
                )
    return extensions["portal_search_index"]


def queue_index(kind, item_id):
    """Bring the index in step with this row after the current transaction commits."""
    enqueue("search.index", item_kind=kind, item_id=item_id)


def queue_index_many(kind, item_ids):
    """Bring the index in step with these rows after the current transaction commits, in one
    job: a change of access can touch thousands of rows, and one job per row would crowd out
    every other job."""
    item_ids = sorted(set(item_ids))
    if item_ids:
        enqueue("search.index", item_kind=kind, item_ids=item_ids)


#: How many items one index commit of a `search.index` job with a list of ids writes: bounds
#: the memory a job holds and how long it keeps the writer.
INDEX_BATCH = 500


@handler("search.index")
def index_item(payload):
    """Write the items as the database has them now, or remove them; running twice is
    harmless. The payload names one row (`item_id`) or several (`item_ids`)."""
    adapter = ADAPTERS[payload["item_kind"]]
    item_ids = payload["item_ids"] if "item_ids" in payload else [payload["item_id"]]
    for start in range(0, len(item_ids), INDEX_BATCH):
        items, gone = [], []
        for item_id in item_ids[start : start + INDEX_BATCH]:
            item = adapter.item(item_id)
            if item is None:
                gone.append(key(adapter.kind, item_id))
            else:
                items.append(item)
        get_index().delete(gone)
        get_index().update(items)
        for item in items:
            for listener in INDEX_LISTENERS:
                listener(item)


def expected_items(progress=None):
    """Every item that belongs in the index, as the database has it now; `progress`, if
    given, is called with 1 for each row read."""
    for adapter in ADAPTERS.values():
        for item_id in list(adapter.ids()):
            item = adapter.item(item_id)
            if progress is not None:
                progress(1)
            if item is not None:
                yield item


def expected_count():
    """How many rows `expected_items` reads."""
    return sum(len(list(adapter.ids())) for adapter in ADAPTERS.values())


def rebuild(progress=None):
    """Rewrite the whole index from the database; returns how many items it holds. `progress`
    is as for `expected_items`."""
    return get_index().replace_all(expected_items(progress))


@dataclass
class Differences:
    missing: list
    extra: list
    stale: list

    @property
    def count(self):
        return len(self.missing) + len(self.extra) + len(self.stale)


def verify(repair=False):
    """Compare the index with the database: items missing from it, items it should not hold,
    and items it holds in an older state. With `repair`, write and remove what differs."""
    expected = {item["key"]: item for item in expected_items()}
    held = get_index().stamps()
    differences = Differences(
        missing=sorted(set(expected) - set(held)),
        extra=sorted(set(held) - set(expected)),
        stale=sorted(k for k in set(expected) & set(held) if stamp(expected[k]) != held[k]),
    )
    if repair and differences.count:
        get_index().update(expected[k] for k in differences.missing + differences.stale)
        get_index().delete(differences.extra)
    return differences
