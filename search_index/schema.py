"""The index schema and how an item dict becomes a Whoosh document.

An item dict is what the portal hands in (see the package docstring). Missing optional keys mean
empty; the item is normalised first (label lists sorted and deduplicated, dates naive UTC, body
text under its language code or "und"), and the same normal form gives its `stamp`.

Body text is indexed whole, once per language, each with its own analyser. A copy of the texts,
capped at `STORED_CHARS` per item, is kept compressed in a column to cut snippets from.
"""

import hashlib
import json
import re
from datetime import date, datetime, timedelta, timezone

from whoosh import columns, formats
from whoosh.fields import COLUMN, DATETIME, ID, STORED, TEXT, FieldType, Schema

from search_index.analysis import (
    LANGUAGES,
    UNKNOWN_LANGUAGE,
    analyzer_for,
    neutral_analyzer,
    normalize_label,
)

#: The name of the index inside its directory. Change the number whenever the schema or an
#: analyser changes: the next `SearchIndex` then starts an empty index beside the old one, every
#: stamp is missing, and the portal's verify or rebuild fills it again.
INDEX_NAME = "items_3"

#: At most this many characters of body text are kept per item for snippets, shared equally
#: between its languages. Everything is indexed, whatever its length.
STORED_CHARS = 200_000

#: The facets counted for search results; each is a `Labels` field keeping original values.
FACETS = ("type", "wg", "cycle", "lang", "delegation", "year")

#: The fields of `Labels` that queries and filters may name.
LABEL_FIELDS = (*FACETS, "symbol", "topic", "tag")

#: The runs of whole segments of each symbol (see `symbol_parts`), matched by plain words.
SYMBOL_PART_FIELD = "symbol_part"
_SYMBOL_SEPARATORS = re.compile(r"([/.])")
# A lone four-digit year ("2026") is in too many symbols to point at one.
_YEAR = re.compile(r"(?:19|20)\d\d")

#: The fields of free text, each mapped to the key of its text among the stored texts: the
#: title unstemmed, the title stemmed in each language the item has a body text in (as its
#: texts are; Chinese is not stemmed), and the body in each language.
TITLE_FIELD = "title"
STEMMED_TITLE_FIELDS = {f"title_{lang}": lang for lang in LANGUAGES if lang != "zh"}
TEXT_FIELDS = {
    TITLE_FIELD: TITLE_FIELD,
    **dict.fromkeys(STEMMED_TITLE_FIELDS, TITLE_FIELD),
    **{f"body_{lang}": lang for lang in (*LANGUAGES, UNKNOWN_LANGUAGE)},
}
#: The language each text field is analysed in (None: the unstemmed title).
FIELD_LANGUAGES = {
    TITLE_FIELD: None,
    **STEMMED_TITLE_FIELDS,
    **{f"body_{lang}": lang for lang in (*LANGUAGES, UNKNOWN_LANGUAGE)},
}

_REQUIRED = ("key", "kind", "id", "acl")
_EPOCH = datetime(1, 1, 1)


class LabelColumn(columns.PickleColumn):
    """The original values of a `Labels` field, one tuple per item; () for an item without."""

    def __init__(self):
        super().__init__(columns.VarBytesColumn())

    def default_value(self, reverse=False):
        return ()


class Labels(FieldType):
    """Exact values such as codes, numbers and tags, matched whole and without regard to case
    (see `normalize_label`). With `facet=True` each item's original values are also kept in a
    column, so facet counts show "WGTR" and 12 rather than the indexed "wgtr" and "12"."""

    def __init__(self, facet=False):
        self.format = formats.Existence()
        self.analyzer = None
        self.scorable = False
        self.stored = False
        self.unique = False
        self.vector = None
        self.column_type = LabelColumn() if facet else None

    def index(self, value, **kwargs):
        labels = {normalize_label(v) for v in value} - {""}
        for label in sorted(labels):
            yield label.encode("utf-8"), 1, 1.0, b""

    def to_column_value(self, value):
        return tuple(value)

    def from_column_value(self, value):
        return value


def build_schema():
    """Return the Whoosh schema of the index."""
    texts = {
        field: TEXT(analyzer=analyzer_for(lang), chars=True)
        for field, lang in FIELD_LANGUAGES.items()
        if field != TITLE_FIELD
    }
    labels = {name: Labels(facet=name in FACETS) for name in LABEL_FIELDS}
    return Schema(
        key=ID(stored=True, unique=True, sortable=True),
        kind=ID(stored=True),
        id=STORED(),
        stamp=STORED(),
        acl=ID(),
        title=TEXT(analyzer=neutral_analyzer(), chars=True),
        date=DATETIME(stored=True),
        # Newest first needs items without a date last: they keep the column default 0.
        sort_date=COLUMN(columns.NumericColumn("q", default=0)),
        texts=COLUMN(columns.CompressedBytesColumn()),
        **texts,
        **labels,
        symbol_part=Labels(),
        # The thread of a post, or the item's own key: results show one item per group.
        group=ID(stored=True, sortable=True),
    )


def stamp(item):
    """Return a short hash of everything indexed about `item`; it changes when any of it does.

    Raises ValueError if the item lacks a required key or has a value of the wrong type."""
    return _stamp(normalize_item(item))


def _stamp(normal):
    encoded = json.dumps(normal, sort_keys=True, ensure_ascii=False, default=datetime.isoformat)
    return hashlib.blake2b(encoded.encode("utf-8"), digest_size=8).hexdigest()


def normalize_item(item):
    """Return `item` with every key present, label lists sorted and deduplicated (a string is a
    list of one), the date as a naive UTC datetime and the body texts keyed by language code
    (unknown codes as "und").

    Raises ValueError if a required key (key, kind, id, acl) is missing or empty, if id is not
    an int or if date is neither a date nor a datetime."""
    missing = [name for name in _REQUIRED if item.get(name) in (None, "")]
    if missing:
        raise ValueError(f"search item lacks {', '.join(missing)}: {item.get('key')!r}")
    if not isinstance(item["id"], int) or isinstance(item["id"], bool):
        raise ValueError(f"search item id is not an int: {item['id']!r}")
    return {
        "key": str(item["key"]),
        "kind": str(item["kind"]),
        "id": item["id"],
        "acl": str(item["acl"]),
        "title": item.get("title") or "",
        "texts": _texts_by_language(item.get("texts") or {}),
        "symbol": item.get("symbol") or None,
        "type": item.get("type") or None,
        "wg": _label_list(item.get("wg")),
        "topic": item.get("topic"),
        "cycle": item.get("cycle"),
        "langs": _label_list(item.get("langs")),
        "delegation": item.get("delegation") or None,
        "date": _naive_utc(item.get("date")),
        "tags": _label_list(item.get("tags")),
        "group": str(item.get("group") or item["key"]),
    }


def document(item):
    """Return the Whoosh document (field name -> value) for `item`.

    Raises ValueError as `normalize_item` does."""
    normal = normalize_item(item)
    texts = normal["texts"]
    when = normal["date"]
    doc = {
        "key": normal["key"],
        "kind": normal["kind"],
        "id": normal["id"],
        "stamp": _stamp(normal),
        "acl": normal["acl"],
        "texts": json.dumps(_stored_texts(normal)).encode("utf-8"),
        "symbol": _listed(normal["symbol"]),
        "type": _listed(normal["type"]),
        "wg": normal["wg"],
        "topic": _listed(normal["topic"]),
        "cycle": _listed(normal["cycle"]),
        "lang": normal["langs"],
        "delegation": _listed(normal["delegation"]),
        "year": _listed(when.year if when else None),
        "tag": normal["tags"],
        SYMBOL_PART_FIELD: symbol_parts(normal["symbol"]),
        "group": normal["group"],
    }
    if normal["title"]:
        doc[TITLE_FIELD] = normal["title"]
        for field, lang in STEMMED_TITLE_FIELDS.items():
            if lang in texts:
                doc[field] = normal["title"]
    for field, lang in TEXT_FIELDS.items():
        if field.startswith("body_") and lang in texts:
            doc[field] = texts[lang]
    if when is not None:
        doc["date"] = when
        doc["sort_date"] = (when - _EPOCH) // timedelta(microseconds=1) + 1
    # Whoosh skips fields whose value is None; an empty list would still write a column entry.
    return {name: value for name, value in doc.items() if value not in (None, [])}


def symbol_parts(symbol):
    """Return every run of whole segments of `symbol`, its separators ("/" and ".") kept:
    "ATT/CSP12.WGTR/2026/836" gives "ATT/CSP12", "CSP12.WGTR", "WGTR/2026/836", "836"
    and the others, but not the whole symbol, a lone year ("2026") or the lone first segment,
    which names the series every symbol of the portal belongs to ("ATT")."""
    if not symbol:
        return []
    pieces = _SYMBOL_SEPARATORS.split(symbol.strip("/."))
    segments = pieces[::2]
    runs = set()
    for first in range(len(segments)):
        for last in range(first, len(segments)):
            if (first, last) in ((0, len(segments) - 1), (0, 0)):
                continue
            run = "".join(pieces[2 * first : 2 * last + 1])
            if run and not (first == last and _YEAR.fullmatch(run)):
                runs.add(run)
    return sorted(runs)


def stored_texts(raw):
    """Return the texts kept for snippets from the column value written by `document`: a dict
    with "title" and the language codes of the body texts."""
    return json.loads(raw) if raw else {}


def _stored_texts(normal):
    texts = normal["texts"]
    share = STORED_CHARS // max(len(texts), 1)
    stored = {lang: text[:share] for lang, text in texts.items()}
    stored[TITLE_FIELD] = normal["title"]
    return stored


def _texts_by_language(texts):
    merged = {}
    for code, text in sorted(texts.items()):
        if not text:
            continue
        lang = str(code).lower().replace("_", "-").split("-")[0]
        if lang not in LANGUAGES:
            lang = UNKNOWN_LANGUAGE
        merged[lang] = f"{merged[lang]}\n\n{text}" if lang in merged else text
    return merged


def _naive_utc(value):
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.astimezone(timezone.utc).replace(tzinfo=None)
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    raise ValueError(f"search item date is not a date: {value!r}")


def _label_list(values):
    # A lone string is one label, not a list of letters.
    if isinstance(values, str):
        values = [values]
    return sorted(set(values or ()))


def _listed(value):
    return None if value is None else [value]
