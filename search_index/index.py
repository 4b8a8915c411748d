"""The index on disk: `SearchIndex` writes items and answers searches filtered by principals.

Writers: Whoosh allows one writer at a time per index, across processes, by a lock file. A
writer here waits for the lock up to `writer_timeout` seconds and then raises `IndexBusy`, so a
job retries later instead of blocking a worker forever.

Readers: each `SearchIndex` keeps one searcher and reuses it while the index is unchanged; it
is reopened when a writer (of any process) has committed since. Whoosh searchers are not meant for
concurrent use, so a lock serialises the searches of a process; searching is CPU-bound Python,
so threads would not run them faster anyway.
"""

import math
import threading
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime

from whoosh import columns, query, sorting, writing
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.index import LockError
from whoosh.util.filelock import try_for

from search_index.query import (
    Options,
    access_query,
    combine,
    filter_query,
    parse,
    query_language,
    replace_word,
    typo_words,
)
from search_index.schema import (
    FACETS,
    INDEX_NAME,
    TEXT_FIELDS,
    build_schema,
    document,
    stored_texts,
)
from search_index.snippets import snippets

#: How often a waiting writer tries the lock again, in seconds.
LOCK_RETRY_DELAY = 0.05

SORTS = ("relevance", "date")

#: A search finding fewer items than this is run again with words within one edit of its long
#: words (see `search_index.query.TYPO_MIN_LETTERS`), and a corrected query is suggested.
TYPO_RESULTS = 3
#: The candidates of correction looked at per word, most frequent first.
TYPO_CANDIDATES = 5
#: The most items of one group (the posts of a thread) listed under its best one.
GROUP_LIMIT = 50
#: How many items per group wanted a search first ranks (see `_Run`).
GROUP_SCAN = 4


class IndexBusy(Exception):
    """Another writer held the index for longer than the writer timeout."""


@dataclass(frozen=True)
class Hit:
    """One item found: its `key`, `kind` and `id`, its `score` (0 when nothing was searched
    for), its publication `date` (naive UTC) or None, and its `snippet`: a list of fragments,
    each a list of `(text, is_match)` pairs."""

    key: str
    kind: str
    id: int
    score: float
    date: datetime | None
    snippet: list
    #: The language code of the snippet's text ("und": unknown, "title": the title), or None.
    snippet_lang: str | None = None
    #: The ids of the other items of its group (posts of its thread) that the query found, in
    #: order of id, at most `GROUP_LIMIT`; an item stands for its whole group in the results.
    related: tuple = ()


@dataclass(frozen=True)
class Results:
    """One page of results. `total` counts every item found and visible to the principals;
    `facets` maps each facet name to `(value, count)` pairs, most frequent first."""

    total: int
    hits: list
    facets: dict
    page: int
    per_page: int
    #: A query with a typo corrected that finds more, or None.
    suggestion: str | None = None

    @property
    def pages(self):
        """The number of pages, 0 when nothing was found."""
        return math.ceil(self.total / self.per_page)


class SearchIndex:
    """The search index in `directory`, created there (with the directory) if missing.

    Create one per process and share it between threads; create it after a server forks its
    workers, or at least search only after, since open files are not shared safely."""

    def __init__(self, directory, writer_timeout=10.0):
        self.writer_timeout = writer_timeout
        self._index = _open_or_create(FileStorage(str(directory)).create(), writer_timeout)
        # Read once: Whoosh reads the schema from the newest table of contents at each access,
        # and a writer of another thread or process may have just deleted that file.
        self._schema = self._index.schema
        self._lock = threading.Lock()
        self._searcher = None
        self._probe_lock = threading.Lock()
        self._probe = None

    def update(self, items):
        """Add `items` or replace the indexed items with the same keys, in one commit; of two
        items with one key, the last wins.

        Raises ValueError for a malformed item (nothing is written) and IndexBusy."""
        docs = {}
        for item in items:
            doc = document(item)
            docs[doc["key"]] = doc
        if not docs:
            return
        with self._writer() as writer:
            for doc in docs.values():
                writer.update_document(**doc)

    def delete(self, keys):
        """Remove the items with `keys`, in one commit; unknown keys are ignored.

        Raises IndexBusy."""
        keys = sorted(set(keys))
        if not keys:
            return
        with self._writer() as writer:
            for key in keys:
                writer.delete_by_term("key", key)

    def replace_all(self, items):
        """Replace the whole content of the index by `items` (any iterable, read once) in one
        commit, and return how many were written. Searches see the old content until the
        commit; other writers wait, and may time out, while `items` are read.

        Raises ValueError for a malformed item or two items with one key (the index is then
        unchanged) and IndexBusy."""
        keys = set()
        with self._writer(mergetype=writing.CLEAR) as writer:
            for item in items:
                doc = document(item)
                if doc["key"] in keys:
                    raise ValueError(f"two search items with the key {doc['key']!r}")
                keys.add(doc["key"])
                writer.add_document(**doc)
        return len(keys)

    def stamps(self):
        """Return the stamp of every indexed item, by key."""
        with self._lock:
            searcher = self._fresh_searcher()
            return {fields["key"]: fields["stamp"] for fields in searcher.all_stored_fields()}

    def search(
        self,
        text,
        principals,
        *,
        filters=None,
        kinds=None,
        sort="relevance",
        page=1,
        per_page=20,
        facets=True,
        language=None,
        resolve=None,
        suggest=True,
    ):
        """Return the `Results` page `page` for the query `text` (see `search_index.query`),
        among the items whose acl is one of `principals`, one item per group (the best post of
        a thread, its other matching posts in `Hit.related`).

        `filters` maps facet names (and "kind", "topic", "tag") to the values to keep: any of
        them within a name, every name. `kinds`, if not None, keeps those kinds only. `sort` is
        "relevance" (score, then newest) or "date" (newest first); a blank `text` finds every
        visible item, newest first. Each facet is counted over the items found with every
        filter but its own, so the other values of a facet remain to choose from. `language`
        (the reader's) ranks first the body text in that language, unless the query's script
        names another. `resolve` is the `Options.resolve` of from: names.

        When fewer than `TYPO_RESULTS` items are found, words within one edit of the long words
        are looked for too, and `Results.suggestion` is the query with its typos corrected if
        that finds more, among the same items (unless `suggest` is False: counts alone).

        Raises QueryError for a query that cannot be used (or a non-numeric cycle, year or
        topic filter) and ValueError for an unknown sort or filter name or a page or per_page
        below 1."""
        if sort not in SORTS:
            raise ValueError(f"unknown sort {sort!r}")
        if page < 1 or per_page < 1:
            raise ValueError(f"page {page} and per_page {per_page} must be at least 1")
        options = Options(language=query_language(text, language), resolve=resolve)
        user_query = parse(text, self._schema, options)
        filtered = {}
        for name, values in (filters or {}).items():
            restriction = filter_query(name, values)
            if restriction is not None:
                filtered[name] = restriction
        access = access_query(principals, kinds)
        by_score = sort == "relevance" and user_query is not None
        run = _Run(access, filtered, _Order(by_score), facets, page, per_page)
        with self._lock:
            searcher = self._fresh_searcher()
            found = run(searcher, user_query)
            if user_query is None or found.total >= TYPO_RESULTS or not typo_words(text):
                return found
            widened = run(searcher, parse(text, self._schema, replace(options, typos=True)))
            suggestion = None
            if suggest:
                suggestion = self._corrected(searcher, text, options, run, found.total)
        best = widened if widened.total > found.total else found
        return replace(best, suggestion=suggestion)

    def _corrected(self, searcher, text, options, run, total):
        """Return `text` with each long word that has a more frequent neighbour within one edit
        replaced by it, if the corrected query finds more than `total` items among those the
        run may see; else None. Called with self._lock held."""
        reader = searcher.reader()
        corrected = text
        for word in typo_words(text):
            neighbours = {}
            for field in TEXT_FIELDS:
                forms = _exact_forms(self._schema, field, word)
                # Chinese comes as several bigrams: typos are for words.
                for typed in forms if len(forms) == 1 else ():
                    frequency = reader.doc_frequency(field, typed)
                    for term in reader.terms_within(field, typed, 1, prefix=1):
                        if term != typed:
                            gain = reader.doc_frequency(field, term) - frequency
                            neighbours[term] = max(neighbours.get(term, 0), gain)
            candidates = sorted(
                (gain, term) for term, gain in neighbours.items() if gain > 0 and term.isalpha()
            )[-TYPO_CANDIDATES:]
            for _gain, term in reversed(candidates):
                attempt = replace_word(corrected, word, term)
                if run(searcher, parse(attempt, self._schema, options), count_only=True) > total:
                    corrected = attempt
                    break
        return corrected if corrected != text else None

    def matches(self, item, text, filters=None, resolve=None):
        """Return whether `item` matches the query `text` and `filters`, as `search` would find
        it (without looking for typos), whether or not it is in the index (which is not read).
        Its acl is not checked. `resolve` is as for `search`.

        Raises QueryError, and ValueError for a malformed item or an unknown filter name."""
        restrictions = [filter_query(name, values) for name, values in (filters or {}).items()]
        probe = combine(parse(text, self._schema, Options(resolve=resolve)), restrictions)
        doc = document(item)
        with self._probe_lock:
            return not self._probe_searcher(doc).search(probe, limit=1).is_empty()

    def close(self):
        """Close the open searchers; the index must not be used afterwards."""
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
        with self._probe_lock:
            if self._probe is not None:
                self._probe[1].close()
                self._probe = None

    @contextmanager
    def _writer(self, **commit_options):
        """Yield a writer, committed at the end of the block or cancelled if it raises.

        Raises IndexBusy if the lock is not free within the writer timeout."""
        try:
            writer = self._index.writer(timeout=self.writer_timeout, delay=LOCK_RETRY_DELAY)
        except LockError:
            raise IndexBusy(f"no write lock within {self.writer_timeout} s") from None
        try:
            yield writer
        except BaseException:
            writer.cancel()
            raise
        writer.commit(**commit_options)

    def _fresh_searcher(self):
        """Return the searcher, reopened if the index changed since it was opened. Called with
        self._lock held.

        Not `Searcher.refresh()`: in Whoosh-Reloaded 2.7.5 it adds the segments of the old
        reader that the new version no longer lists, so that items deleted, replaced or merged
        away come back (twice, for a replaced one)."""
        if self._searcher is not None and self._searcher.up_to_date():
            return self._searcher
        if self._searcher is not None:
            self._searcher.close()
        self._searcher = self._index.searcher()
        return self._searcher

    def _probe_searcher(self, doc):
        """Return a searcher over an index in memory holding `doc` only. Saved-search alerts
        test one item against many queries in a row, so the last one is kept."""
        if self._probe is not None and self._probe[0] == (doc["key"], doc["stamp"]):
            return self._probe[1]
        index = RamStorage().create_index(self._schema, indexname=INDEX_NAME)
        with index.writer() as writer:
            writer.add_document(**doc)
        if self._probe is not None:
            self._probe[1].close()
        self._probe = ((doc["key"], doc["stamp"]), index.searcher())
        return self._probe[1]


def _open_or_create(storage, timeout):
    """Return the index in `storage`, creating it if missing. Creation holds the write lock, so
    that two processes starting together do not both create it (the second would erase what
    the first had written).

    Raises IndexBusy if the lock is not free within `timeout` seconds."""
    if storage.index_exists(INDEX_NAME):
        return storage.open_index(INDEX_NAME)
    lock = storage.lock(f"{INDEX_NAME}_WRITELOCK")
    if not try_for(lock.acquire, timeout=timeout, delay=LOCK_RETRY_DELAY):
        raise IndexBusy(f"no write lock within {timeout} s")
    try:
        if storage.index_exists(INDEX_NAME):
            return storage.open_index(INDEX_NAME)
        return storage.create_index(build_schema(), indexname=INDEX_NAME)
    finally:
        lock.release()


@dataclass(frozen=True)
class _Run:
    """One search of `SearchIndex.search` as it may be run for several queries: the same
    access, filters, order, facets and page."""

    access: object
    filtered: dict
    order: object
    facets: bool
    page: int
    per_page: int

    def __call__(self, searcher, user_query, count_only=False):
        """Return the `Results` of `user_query`, or with `count_only` only their total."""
        restricted = combine(user_query, [self.access, *self.filtered.values()])
        group_count = {"group": sorting.FieldFacet("group", maptype=sorting.Count)}
        if count_only:
            results = searcher.search(restricted, limit=1, scored=False, groupedby=group_count)
            return len(results.groups("group"))
        # Facets without an active filter are counted with the results; the others each by a
        # search without their own filter.
        counted = [n for n in FACETS if n not in self.filtered] if self.facets else []
        recounted = [n for n in FACETS if n in self.filtered] if self.facets else []
        wanted = self.page * self.per_page
        # The best items of the first `wanted` groups are usually among the first few times
        # `wanted` items; when they are not, every item found is ranked.
        for limit in (wanted * GROUP_SCAN, None):
            results = searcher.search(
                restricted,
                limit=limit,
                sortedby=self.order,
                groupedby={
                    **{name: _LabelFacet(name, searcher) for name in counted},
                    **group_count,
                },
                terms=True,
            )
            best = _best_of_groups(searcher, results, wanted)
            if len(best) == wanted or limit is None or results.scored_length() < limit:
                break
        counts = {name: results.groups(name) for name in counted}
        for name in recounted:
            others = [self.access, *(r for n, r in self.filtered.items() if n != name)]
            counts[name] = _counts(searcher, combine(user_query, others), name)
        page = best[(self.page - 1) * self.per_page :]
        sizes = results.groups("group")
        return Results(
            total=len(sizes),
            hits=_hits(searcher, page, _related(searcher, restricted, page, sizes)),
            facets={name: _by_count(counts[name]) for name in FACETS if name in counts},
            page=self.page,
            per_page=self.per_page,
        )


def _best_of_groups(searcher, results, wanted):
    """Return the first hit of each group among `results`, in their order, at most `wanted`."""
    groups = _column(searcher.reader(), "group", "")
    seen, best = set(), []
    for position in range(results.scored_length()):
        hit = results[position]
        group = groups[hit.docnum]
        if group not in seen:
            seen.add(group)
            best.append(hit)
            if len(best) == wanted:
                break
    return best


def _related(searcher, restricted, page, sizes):
    """Return the ids of the other items found in the group of each hit of `page` that stands
    for several, by group; `sizes` is the number of items found in each group."""
    groups = {hit["group"]: hit["id"] for hit in page if sizes.get(hit["group"], 0) > 1}
    if not groups:
        return {}
    in_groups = query.Or([query.Term("group", group) for group in sorted(groups)])
    results = searcher.search(
        query.And([restricted, in_groups]),
        limit=None,
        groupedby={"group": sorting.FieldFacet("group", maptype=sorting.UnorderedList)},
    )
    related = {}
    by_group = results.groups("group")
    for group, shown in groups.items():
        ids = sorted(searcher.stored_fields(docnum)["id"] for docnum in by_group.get(group, []))
        related[group] = tuple(item_id for item_id in ids if item_id != shown)[:GROUP_LIMIT]
    return related


def _exact_forms(schema, field, word):
    return [token.text for token in schema[field].analyzer(word, mode="exact")]


def _hits(searcher, page, related):
    texts = _column(searcher.reader(), "texts", b"")
    found = [(hit, hit.fields()) for hit in page]
    cut = snippets(
        searcher,
        [(hit.docnum, hit.matched_terms(), stored_texts(texts[hit.docnum])) for hit, _ in found],
    )
    return [
        Hit(
            key=fields["key"],
            kind=fields["kind"],
            id=fields["id"],
            # The sort key of `_Order` ends with the score.
            score=hit.score[-1],
            date=fields.get("date"),
            snippet=snippet,
            snippet_lang=lang,
            related=related.get(fields["group"], ()),
        )
        for (hit, fields), (snippet, lang) in zip(found, cut, strict=True)
    ]


def _column(reader, fieldname, default):
    """Return the column reader of `fieldname`, or one reading `default` for every document if
    the reader has no such column (a segment where no item had a value, an empty index)."""
    if reader.has_column(fieldname):
        return reader.column_reader(fieldname)
    return columns.EmptyColumnReader(default, reader.doc_count_all())


def _counts(searcher, restricted_query, name):
    results = searcher.search(
        restricted_query,
        limit=None,
        scored=False,
        groupedby={name: _LabelFacet(name, searcher)},
    )
    return results.groups(name)


def _by_count(counts):
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))


class _Order(sorting.FacetType):
    """The order of results: best score first if `by_score`, then newest (items without a date
    last), then by key, so that equal items keep a stable order across pages."""

    def __init__(self, by_score):
        self.by_score = by_score

    def categorizer(self, global_searcher):
        return _OrderCategorizer(self.by_score)


class _OrderCategorizer(sorting.Categorizer):
    # The score needs the matcher positioned on the document.
    needs_current = True

    def __init__(self, by_score):
        self.by_score = by_score
        self._dates = self._keys = None

    def set_searcher(self, segment_searcher, docoffset):
        reader = segment_searcher.reader()
        self._dates = _column(reader, "sort_date", 0)
        self._keys = _column(reader, "key", "")

    def key_for(self, matcher, segment_docnum):
        # The score comes last, where it changes nothing (keys are unique) and `_hit` reads it.
        score = matcher.score()
        newest_first = -self._dates[segment_docnum]
        key = self._keys[segment_docnum]
        if self.by_score:
            return (-score, newest_first, key, score)
        return (newest_first, key, score)


class _LabelFacet(sorting.FacetType):
    """Counts the original values that a `Labels` field keeps in its column, per group (as the
    results show them): a group counts once under each value of any of its items found, and
    not at all without one."""

    def __init__(self, fieldname, searcher):
        self.fieldname = fieldname
        # An instance, not a type: Whoosh uses it as the facet's map as it is.
        self.maptype = _GroupCount(_column(searcher.reader(), "group", ""))

    def categorizer(self, global_searcher):
        return _LabelCategorizer(self.fieldname)


class _GroupCount(sorting.FacetMap):
    """Counts the distinct groups of the items filed under each value."""

    def __init__(self, groups):
        self.groups = groups
        self.dict = defaultdict(set)

    def add(self, groupname, docid, sortkey):
        self.dict[groupname].add(self.groups[docid])

    def as_dict(self):
        return {name: len(groups) for name, groups in self.dict.items()}


class _LabelCategorizer(sorting.Categorizer):
    allow_overlap = True

    def __init__(self, fieldname):
        self.fieldname = fieldname
        self._values = None

    def set_searcher(self, segment_searcher, docoffset):
        self._values = _column(segment_searcher.reader(), self.fieldname, ())

    def keys_for(self, matcher, segment_docnum):
        return self._values[segment_docnum] or ()
