"""The query language of the search box, parsed here into Whoosh queries.

What a user may type:

- words: all must match (AND); each is looked for in the title and in the body text of every
  language, analysed as that field is, so "exportations" finds the French "exportation";
- "exact phrases" (straight or curly quotes);
- AND, OR, NOT (upper case; lower-case "and", "or", "not" are words), -word, -"phrase", -(...),
  parentheses; AND binds tighter than OR;
- a trailing * for a prefix ("export*"); a lone * matches everything;
- field filters, values without regard to case, quoted if they hold spaces (tag:"end use"):
  symbol:ATT/CSP12.WGTR (that symbol, or every symbol beginning with it; symbol:ATT/CSP12/*
  only the latter), type:annotated_agenda, wg:WGTR, cycle:12 or cycle:CSP12, lang:fr,
  from:FRA (the author delegation), tag: or keyword:, topic:7, before:DATE and after:DATE.
  A value ending in * is a prefix (type:national*); a value * means "has any".
- a word that looks like a document symbol (it contains "/", e.g. a pasted
  ATT/CSP12.WGTR/2026/CHAIR/836/AnnAgenda) matches that symbol exactly or as a prefix, strongly
  boosted, besides being looked for as text.

Dates are YYYY, YYYY-MM or YYYY-MM-DD, each naming a period that starts on its first day:
after:X keeps items dated on or after the start of X, before:X items dated before the start of
X. So after:2025 before:2026 is the year 2025, and before:2026-03-01 ends on 28 February.
Items without a date match neither.

Unknown field names are text ("note:" is the word "note"). A query that cannot be used raises
`QueryError`; nothing from Whoosh escapes for any text.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from whoosh import matching, query

from search_index.analysis import normalize_label
from search_index.schema import (
    FIELD_LANGUAGES,
    LABEL_FIELDS,
    SYMBOL_PART_FIELD,
    TEXT_FIELDS,
    TITLE_FIELD,
)

#: Longer queries are refused: nobody types them, and each word costs a query per text field.
MAX_QUERY_CHARS = 1000
#: At most this many words, phrases and field filters in one query.
MAX_TERMS = 64
#: At most this many nested parentheses.
MAX_DEPTH = 16

TITLE_BOOST = 2.0
SYMBOL_EXACT_BOOST = 50.0
SYMBOL_PREFIX_BOOST = 20.0
#: A plain word that is a run of whole segments of a symbol ("CSP12.WGTR", "836/AnnAgenda").
SYMBOL_PART_BOOST = 10.0
#: The body text in the query's language counts this much more than the others.
LANGUAGE_BOOST = 3.0
#: A word found as typed counts this much more than a word sharing only its stem.
EXACT_BOOST = 1.5
#: Words within one edit of a typed word count this much (only in a search for typos).
TYPO_BOOST = 0.5
#: Typos are looked for in words of at least this many letters.
TYPO_MIN_LETTERS = 5

# Field names a user may type, and the index field each one reads.
_FIELDS = {
    "symbol": "symbol",
    "type": "type",
    "wg": "wg",
    "cycle": "cycle",
    "lang": "lang",
    "from": "delegation",
    "tag": "tag",
    "keyword": "tag",
    "topic": "topic",
    "before": "date",
    "after": "date",
}
_NUMBER_FIELDS = ("cycle", "topic", "year")
_OPERATORS = ("AND", "OR", "NOT")
_QUOTES = '"“”„'
_FIELD = re.compile(r"([A-Za-z]+):(.*)", re.DOTALL)
_SYMBOL_LIKE = re.compile(r"\w[\w.\-]*(?:/[\w.\-]+)+/?", re.UNICODE)
_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_CYCLE = re.compile(r"(?:csp)?\s*-?\s*(\d{1,4})")
_NUMBER = re.compile(r"(\d{1,9})")
# Control characters and lone surrogates (which cannot be encoded) are spaces to the parser.
_UNUSABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# Scripts that name the language of a query on their own.
_SCRIPTS = (
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff\u0750-\u077f]")),
    ("zh", re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")),
    ("es", re.compile(r"[ñ¿¡]", re.IGNORECASE)),
)


class QueryError(Exception):
    """A query the index cannot use. `code` says why: "syntax" (an unbalanced parenthesis or
    quote, an operator without operand, a field without value, a query too long), "bad_date",
    "bad_number", "empty" (text with nothing searchable in it, such as "?!"), or a code of the
    caller's `resolve` function ("ambiguous"). `value` is the offending piece of the query;
    `choices`, what a caller's resolver offers instead."""

    def __init__(self, code, value, choices=()):
        super().__init__(f"{code}: {value!r}")
        self.code = code
        self.value = value
        self.choices = tuple(choices)


@dataclass(frozen=True)
class Options:
    """How a query is compiled.

    `language`: the language whose body text ranks first (see `query_language`); `typos`:
    also match words within one edit of each typed word of `TYPO_MIN_LETTERS` letters or more;
    `resolve`: None, or a function (field name, value) -> the labels to look for, for from:
    values that are names rather than codes; it may raise QueryError."""

    language: str | None = None
    typos: bool = False
    resolve: object = None


def query_language(text, default=None):
    """Return the language a query is written in as far as its script tells (Cyrillic:
    Russian, Arabic, Han: Chinese, "ñ", "¿", "¡": Spanish), else `default` (the interface's)."""
    for lang, script in _SCRIPTS:
        if script.search(text or ""):
            return lang
    return default


def typo_words(text):
    """Return the plain words of the query `text` (no field, phrase, prefix or operator) long
    enough to be looked for with a typo, each once, in order."""
    text = _UNUSABLE.sub(" ", text or "")
    try:
        lexemes = _lex(text)
    except QueryError:
        return []
    words = [
        lexeme.text
        for lexeme in lexemes
        if lexeme.kind == "word"
        and lexeme.text.isalpha()
        and len(lexeme.text) >= TYPO_MIN_LETTERS
    ]
    return list(dict.fromkeys(words))


def replace_word(text, word, replacement):
    """Return the query `text` with the whole word `word` replaced by `replacement`."""
    return re.sub(rf"(?<![\w:*]){re.escape(word)}(?![\w*:])", replacement, text)


@dataclass(frozen=True)
class _Lexeme:
    kind: str  # "(", ")", "-", "op", "word", "phrase" or "field"
    text: str
    field: str = ""
    value: str = ""
    quoted: bool = False


@dataclass(frozen=True)
class _All:
    nodes: tuple


@dataclass(frozen=True)
class _Any:
    nodes: tuple


@dataclass(frozen=True)
class _Not:
    node: object


def parse(text, schema, options=Options()):
    """Return the Whoosh query for the user's `text`, its words analysed with the analysers of
    `schema` and compiled as `options` say, or None if the text is blank.

    Raises QueryError if the text cannot be used."""
    text = _UNUSABLE.sub(" ", text or "")
    if not text.strip():
        return None
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError("syntax", text[MAX_QUERY_CHARS:].strip()[:40])
    tree = _Parser(_lex(text)).parse()
    compiled = _Compiler(schema, options).compile(tree)
    if compiled is None:
        raise QueryError("empty", text.strip()[:100])
    return compiled


def filter_query(name, values):
    """Return the query keeping items whose facet `name` has one of `values`, or None if
    `values` is empty. `name` is a facet name, "kind" or "topic" or "tag" or "symbol".

    Raises QueryError("bad_number", value) for a cycle, year or topic that is not a number, and
    ValueError for an unknown name."""
    values = [_UNUSABLE.sub(" ", str(value)) for value in values if value not in (None, "")]
    if name != "kind" and name not in LABEL_FIELDS:
        raise ValueError(f"no search filter named {name!r}")
    if not values:
        return None
    if name == "kind":
        return query.Or([query.Term("kind", value) for value in values])
    if name in _NUMBER_FIELDS:
        labels = [_number(name, value) for value in values]
    else:
        labels = [normalize_label(value) for value in values]
    return query.Or([query.Term(name, label) for label in labels])


def access_query(principals, kinds=None):
    """Return the query keeping items whose acl is one of `principals` and, if `kinds` is not
    None, whose kind is one of `kinds`. No principals (or an empty `kinds`) match nothing."""
    parts = [query.Or([query.Term("acl", principal) for principal in sorted(principals)])]
    if kinds is not None:
        parts.append(query.Or([query.Term("kind", kind) for kind in sorted(kinds)]))
    return query.And(parts)


def combine(user_query, restrictions):
    """Return `user_query` (None: everything) restricted by every query in `restrictions`,
    which add nothing to the score.

    Queries here are never passed through Whoosh's `normalize()`: it treats And like Or, so
    that And([Every(), x]) becomes Every() and a NullQuery is dropped from an And."""
    parts = [] if user_query is None else [user_query]
    parts += [_Unscored(r) for r in restrictions if r is not None]
    return query.And(parts) if parts else query.Every()


class _Unscored(query.WrappingQuery):
    """Matches what its child matches and adds nothing to the score: a filter. (Whoosh's
    ConstantScoreQuery keeps the child's scores when results are sorted by a key that needs
    the matcher, as ours is.)"""

    def matcher(self, searcher, context=None):
        inner = self.child.matcher(searcher, context)
        if isinstance(inner, matching.NullMatcherClass):
            return inner
        return matching.ConstantScoreWrapperMatcher(inner, 0.0)


class _Boosted(query.WrappingQuery):
    """Multiplies the score of its child by `boost`. (Whoosh's Prefix forgets its boost when it
    expands to a single term, which is the usual case for a symbol.)"""

    def __init__(self, child, boost):
        super().__init__(child)
        self.boost = boost

    def _rewrap(self, child):
        return self.__class__(child, self.boost)

    def matcher(self, searcher, context=None):
        inner = self.child.matcher(searcher, context)
        if isinstance(inner, matching.NullMatcherClass):
            return inner
        return matching.WrappingMatcher(inner, boost=self.boost)


class _BestOf(query.CompoundQuery):
    """Matches what any subquery matches, scored by the best of them plus `TIEBREAK` times the
    others. (Whoosh's DisjunctionMax mixes up the scores of documents when its sub-matchers
    stand on different documents.)"""

    TIEBREAK = 0.1

    def _matcher(self, subs, searcher, context):
        reader = searcher.reader()
        return self._tree_matcher(
            subs, _BestMatcher, searcher, context, lambda q: q.estimate_size(reader)
        )


class _BestMatcher(matching.UnionMatcher):
    """The union of two matchers, scored by the better of those on the current document."""

    def score(self):
        a, b = self.a, self.b
        if not a.is_active() or (b.is_active() and b.id() < a.id()):
            return b.score()
        if not b.is_active() or a.id() < b.id():
            return a.score()
        high, low = sorted((a.score(), b.score()), reverse=True)
        return high + _BestOf.TIEBREAK * low


def _prefix(field, text, boost=1.0):
    """Return the query for the terms of `field` beginning with `text`, scored like the terms
    themselves (a prefix matching many words scores as their sum)."""
    return _Boosted(query.Prefix(field, text, constantscore=False), boost)


def _lex(text):
    lexemes = []
    i, end = 0, len(text)
    while i < end:
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "()":
            lexemes.append(_Lexeme(char, char))
            i += 1
        elif char in _QUOTES:
            phrase, i = _quoted(text, i)
            lexemes.append(_Lexeme("phrase", phrase))
        elif char == "-" and i + 1 < end and not text[i + 1].isspace():
            lexemes.append(_Lexeme("-", char))
            i += 1
        else:
            start = i
            while i < end and not text[i].isspace() and text[i] not in "()" + _QUOTES:
                i += 1
            run = text[start:i]
            match = _FIELD.fullmatch(run)
            if match and match.group(1).lower() in _FIELDS:
                value, quoted = match.group(2), False
                if not value and i < end and text[i] in _QUOTES:
                    (value, i), quoted = _quoted(text, i), True
                if not value.strip():
                    raise QueryError("syntax", run)
                lexemes.append(_Lexeme("field", run, match.group(1).lower(), value, quoted))
            elif run in _OPERATORS:
                lexemes.append(_Lexeme("op", run))
            else:
                lexemes.append(_Lexeme("word", run))
    return lexemes


def _quoted(text, start):
    """Return the text between the quote at `start` and the next quote, and the index after it.

    Raises QueryError("syntax") if the quote is not closed."""
    for i in range(start + 1, len(text)):
        if text[i] in _QUOTES:
            return text[start + 1 : i], i + 1
    raise QueryError("syntax", text[start:][:40])


class _Parser:
    """Recursive descent over the lexemes: or := and (OR and)*; and := unary ([AND] unary)*;
    unary := (NOT | -)* primary; primary := ( or ) | word | phrase | field."""

    def __init__(self, lexemes):
        self.lexemes = lexemes
        self.i = 0
        self.depth = 0
        self.terms = 0

    def parse(self):
        node = self._or()
        if self._peek() is not None:
            raise QueryError("syntax", self._peek().text)
        return node

    def _peek(self):
        return self.lexemes[self.i] if self.i < len(self.lexemes) else None

    def _is_op(self, lexeme, *names):
        return lexeme is not None and lexeme.kind == "op" and lexeme.text in names

    def _missing(self):
        # The piece to blame when an operand is missing: what stands there, or the last piece.
        lexeme = self._peek() or self.lexemes[self.i - 1]
        return lexeme.text

    def _or(self):
        nodes = [self._and()]
        while self._is_op(self._peek(), "OR"):
            self.i += 1
            nodes.append(self._and())
        return nodes[0] if len(nodes) == 1 else _Any(tuple(nodes))

    def _and(self):
        nodes = []
        while True:
            lexeme = self._peek()
            if lexeme is None or lexeme.kind == ")" or self._is_op(lexeme, "OR"):
                break
            if self._is_op(lexeme, "AND"):
                following = self.lexemes[self.i + 1] if self.i + 1 < len(self.lexemes) else None
                if not nodes or following is None or following.kind == ")":
                    raise QueryError("syntax", lexeme.text)
                if self._is_op(following, "AND", "OR"):
                    raise QueryError("syntax", lexeme.text)
                self.i += 1
                continue
            nodes.append(self._unary())
        if not nodes:
            raise QueryError("syntax", self._missing())
        return nodes[0] if len(nodes) == 1 else _All(tuple(nodes))

    def _unary(self):
        negations = 0
        while self._is_op(self._peek(), "NOT") or (self._peek() and self._peek().kind == "-"):
            negations += 1
            self.i += 1
        lexeme = self._peek()
        # Only reached after a NOT or "-" when nothing follows it.
        if lexeme is None or lexeme.kind in (")", "op"):
            raise QueryError("syntax", self.lexemes[self.i - 1].text)
        node = self._primary()
        return _Not(node) if negations % 2 else node

    def _primary(self):
        lexeme = self._peek()
        self.i += 1
        if lexeme.kind == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise QueryError("syntax", "(")
            node = self._or()
            if self._peek() is None or self._peek().kind != ")":
                raise QueryError("syntax", "(")
            self.i += 1
            self.depth -= 1
            return node
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise QueryError("syntax", lexeme.text)
        return lexeme


class _Compiler:
    """Turns the parsed tree into a Whoosh query. A word with nothing searchable in it (such as
    "?") compiles to None and drops out of its AND or OR."""

    def __init__(self, schema, options):
        self.schema = schema
        self.options = options

    def compile(self, node):
        if isinstance(node, _All):
            return _joined(query.And, [self.compile(child) for child in node.nodes])
        if isinstance(node, _Any):
            return _joined(query.Or, [self.compile(child) for child in node.nodes])
        if isinstance(node, _Not):
            inner = self.compile(node.node)
            return None if inner is None else query.Not(inner)
        if node.kind == "field":
            return self._field(node)
        if node.kind == "phrase":
            text = node.text.strip()
            symbol = _symbol_term(text) if _symbol_like(text) else None
            return self._text(text, prefix=False, symbol=symbol)
        return self._word(node.text)

    def _word(self, text):
        stem = text.rstrip("*")
        if not stem:
            return query.Every()
        prefix = stem != text
        symbol = _symbol(stem, exact=not prefix) if _symbol_like(stem) else None
        if not prefix and any(char.isalnum() for char in stem):
            part = query.Term(SYMBOL_PART_FIELD, normalize_label(stem), boost=SYMBOL_PART_BOOST)
            symbol = part if symbol is None else query.Or([symbol, part])
        return self._text(stem, prefix, symbol)

    def _text(self, text, prefix, symbol):
        """Return the query for `text` in every text field, or None if it holds no word; with
        `prefix`, a single word of two characters or more is a prefix. `symbol` is a query on
        the symbol fields, one more alternative.

        The title, the body and the symbol add to the score; of the forms of the title (as
        written, stemmed in each language) and of the body texts in several languages, only the
        best counts (and a little of the others), the query's language boosted, so that a word
        of one language is not outranked by the sum of its look-alikes in the others."""
        titles, bodies = [], []
        for field, stored in TEXT_FIELDS.items():
            boost = LANGUAGE_BOOST if FIELD_LANGUAGES[field] == self.options.language else 1.0
            is_title = stored == TEXT_FIELDS[TITLE_FIELD]
            found = self._in_field(field, text, prefix, boost * (TITLE_BOOST if is_title else 1))
            if found is not None:
                (titles if is_title else bodies).append(found)
        alternatives = [symbol, *(_BestOf(group) for group in (titles, bodies) if group)]
        return _joined(query.Or, alternatives)

    def _in_field(self, field, text, prefix, boost):
        analyzer = self.schema[field].analyzer
        if prefix:
            words = _analysed(analyzer, text, "prefix")
            if len(words) == 1 and len(words[0]) >= 2:
                return _prefix(field, words[0], boost)
        words = _analysed(analyzer, text, "query")
        if len(words) > 1:
            return query.Phrase(field, words, boost=boost)
        if not words:
            return None
        found = [query.Term(field, words[0], boost=boost)]
        exact = _analysed(analyzer, text, "exact")
        if len(exact) == 1 and exact[0] != words[0]:
            found.append(query.Term(field, exact[0], boost=boost * EXACT_BOOST))
        typed = exact[0] if len(exact) == 1 else ""
        if self.options.typos and text.isalpha() and len(typed) >= TYPO_MIN_LETTERS:
            found.append(query.FuzzyTerm(field, typed, boost=boost * TYPO_BOOST, maxdist=1))
        return _joined(query.Or, found)

    def _field(self, lexeme):
        name, value = lexeme.field, lexeme.value.strip()
        field = _FIELDS[name]
        if name in ("before", "after"):
            start = _start_of(value)
            if name == "before":
                return query.DateRange(field, None, start, endexcl=True)
            return query.DateRange(field, start, None)
        if value == "*":
            return query.Every(field)
        if field == "symbol":
            return _symbol(value)
        labels = None
        if self.options.resolve is not None and not value.endswith("*"):
            labels = self.options.resolve(name, value)
        if labels is not None:
            # A name that resolves to nothing is looked for as a code, and finds nothing.
            terms = [query.Term(field, normalize_label(v)) for v in labels or [value]]
            return _joined(query.Or, terms)
        if field in _NUMBER_FIELDS:
            return query.Term(field, _number(field, value))
        label = normalize_label(value)
        if label.endswith("*") and not lexeme.quoted:
            return _prefix(field, label.rstrip("*"))
        return query.Term(field, label)


def _joined(kind, parts):
    parts = [part for part in parts if part is not None]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else kind(parts)


def _analysed(analyzer, text, mode):
    return [token.text for token in analyzer(text, mode=mode)]


def _symbol_like(text):
    return _SYMBOL_LIKE.fullmatch(text) is not None


def _symbol(value, exact=True):
    """Return the query for symbols equal to `value` (boosted most) or beginning with it; with
    `exact` False, or a value ending in *, only for those beginning with it."""
    label = normalize_label(value)
    beginning = _prefix("symbol", label.rstrip("*"), SYMBOL_PREFIX_BOOST)
    if label.endswith("*") or not exact:
        return beginning
    return query.Or([_symbol_term(label), beginning])


def _symbol_term(value):
    return query.Term("symbol", normalize_label(value), boost=SYMBOL_EXACT_BOOST)


def _start_of(value):
    """Return the first moment of the period `value` names (YYYY, YYYY-MM or YYYY-MM-DD).

    Raises QueryError("bad_date", value) for anything else."""
    match = _DATE.fullmatch(value)
    if match is None:
        raise QueryError("bad_date", value)
    year, month, day = match.groups()
    try:
        return datetime(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise QueryError("bad_date", value) from None


def _number(field, value):
    """Return the indexed label of a number: "12" for cycle "CSP12", "csp-12" or "012".

    Raises QueryError("bad_number", value) if `value` is not one."""
    pattern = _CYCLE if field == "cycle" else _NUMBER
    match = pattern.fullmatch(normalize_label(value))
    if match is None:
        raise QueryError("bad_number", value)
    return str(int(match.group(1)))
