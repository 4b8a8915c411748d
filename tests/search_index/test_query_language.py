"""The query language at its edges: what is refused and how, what is accepted although odd, and
random input that must never raise anything but QueryError."""

import random

import pytest

from search_index import QueryError, SearchIndex
from search_index.query import MAX_DEPTH, MAX_QUERY_CHARS, MAX_TERMS
from tests.search_index.items import item, keys

EVERYONE = {"public"}
CODES = {"syntax", "bad_date", "bad_number", "empty"}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    index = SearchIndex(tmp_path_factory.mktemp("small"))
    index.update(
        [
            item(
                1,
                title="Arms exports",
                texts={
                    "en": "Arms exports and the U.N. Register; not a word of C++.",
                    "zh": "武器贸易条约",
                    "ar": "الأسلحة",
                },
                symbol="ATT/CSP1/2020",
                wg=["WGTR"],
            ),
            item(2, texts={"en": "Imports and transit"}),
        ]
    )
    yield index
    index.close()


@pytest.mark.parametrize(
    "text, code, value",
    [
        ('"arms exports', "syntax", '"arms exports'),
        ("(arms", "syntax", "("),
        ("arms)", "syntax", ")"),
        ("()", "syntax", ")"),
        ("AND", "syntax", "AND"),
        ("arms AND", "syntax", "AND"),
        ("AND arms", "syntax", "AND"),
        ("arms AND OR exports", "syntax", "AND"),
        ("OR OR", "syntax", "OR"),
        ("arms OR", "syntax", "OR"),
        ("NOT", "syntax", "NOT"),
        ("arms NOT", "syntax", "NOT"),
        ("NOT OR arms", "syntax", "NOT"),
        ("(arms -)", "syntax", "-"),
        ("wg:", "syntax", "wg:"),
        ("arms wg: WGTR", "syntax", "wg:"),
        ('tag:""', "syntax", "tag:"),
        ("before:2026-1-32", "bad_date", "2026-1-32"),
        ("cycle:", "syntax", "cycle:"),
        ("cycle:CSP", "bad_number", "CSP"),
        ("?!", "empty", "?!"),
        ('""', "empty", '""'),
        ("- ... ?", "empty", "- ... ?"),
        ("-?", "empty", "-?"),
    ],
)
def test_refused_queries_say_why_and_where(small, text, code, value):
    with pytest.raises(QueryError) as raised:
        small.search(text, EVERYONE)
    assert (raised.value.code, raised.value.value) == (code, value)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("*", ["document:1", "document:2"]),
        ("arms*", ["document:1"]),
        ("a*", ["document:1"]),
        ("and or not", []),
        ('"NOT" arms', ["document:1"]),
        ("arms:exports", ["document:1"]),
        ("C++", ["document:1"]),
        ("https://www.un.org/arms", []),
        ("«arms»", ["document:1"]),
        ("-transit", ["document:1"]),
        ("NOT NOT arms", ["document:1"]),
        ("- - arms", ["document:1"]),
        ("arms ?", ["document:1"]),
        ("* AND imports", ["document:2"]),
        ("arms OR *", ["document:1", "document:2"]),
        ("-*", []),
        ("symbol:att/csp1/2020 symbol:*", ["document:1"]),
        ("\x00arms\x07", ["document:1"]),
        ("\ud800", ["document:1", "document:2"]),
    ],
)
def test_odd_queries_still_search(small, text, expected):
    assert sorted(keys(small.search(text, EVERYONE))) == expected


def test_long_and_deep_queries_are_refused(small):
    for text in (
        "arms " * (MAX_QUERY_CHARS // 5 + 1),
        "arms " * (MAX_TERMS + 1),
        "(" * (MAX_DEPTH + 1) + "arms" + ")" * (MAX_DEPTH + 1),
    ):
        with pytest.raises(QueryError) as raised:
            small.search(text, EVERYONE)
        assert raised.value.code == "syntax"
    assert small.search("(" * MAX_DEPTH + "arms" + ")" * MAX_DEPTH, EVERYONE).total == 1
    assert small.search("NOT " * 200 + "transit", EVERYONE).total == 1
    assert small.search("武" * MAX_QUERY_CHARS, EVERYONE).total == 0


PIECES = [
    "AND", "OR", "NOT", "-", "(", ")", '"', "“", "”", "*", "?", ":", "/", "symbol:", "type:",
    "wg:", "cycle:", "lang:", "from:", "before:", "after:", "tag:", "keyword:", "topic:",
    "2026", "2026-02", "CSP12", "ATT/CSP1", "arms", "exports", "武器", "الأسلحة", "U.N.",
    "\u0301", "\u200f", "\u0640", "😀", "\x00", "\ud800", " ", "  ", "\t", "\n", "é", "7.3", "**",
]  # fmt: skip


def random_text(rng):
    if rng.random() < 0.3:
        alphabet = [(0x20, 0x7E), (0xA0, 0x2FFF), (0x3000, 0x9FFF), (0xD800, 0xDFFF), (0, 0x1F)]
        ranges = [rng.choice(alphabet) for _ in range(rng.randint(1, 30))]
        return "".join(chr(rng.randint(*bounds)) for bounds in ranges)
    pieces = [rng.choice(PIECES) for _ in range(rng.randint(1, 12))]
    return "".join(piece + rng.choice(["", " "]) for piece in pieces)


def test_random_text_raises_nothing_but_query_errors(small):
    rng = random.Random(20260301)
    probe = item(3, texts={"und": "arms"})
    for _ in range(600):
        text = random_text(rng)
        try:
            results = small.search(text, EVERYONE, filters={"wg": [rng.choice(PIECES)]})
            assert results.total == len(results.hits)
            small.matches(probe, text)
        except QueryError as error:
            assert error.code in CODES, text
