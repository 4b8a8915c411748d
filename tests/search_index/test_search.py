"""Searching a small library: words, phrases, operators, symbols, field filters, dates, facets,
principals, kinds, the six languages, sorting, pages and snippets."""

from datetime import datetime

import pytest

from search_index import QueryError, SearchIndex
from tests.search_index.items import item, keys

READER = {"public", "user"}
STATE_PARTY = {"public", "user", "state", "state_party"}

LIBRARY = [
    item(
        1,
        title="Annotated agenda of the Working Group on Transparency and Reporting",
        texts={
            "en": "The Working Group on Transparency and Reporting will discuss arms exports, "
            "the U.N. Register and the reports of the EU. The ATT Secretariat presents.",
            "fr": "Le groupe de travail examinera les exportations d'armes classiques.",
        },
        symbol="ATT/CSP12.WGTR/2026/CHAIR/836/AnnAgenda",
        type="annotated_agenda",
        wg=["WGTR"],
        cycle=12,
        langs=["en", "fr"],
        date=datetime(2026, 2, 10),
        tags=["reporting"],
    ),
    item(
        2,
        title="Draft report of the WGETI",
        texts={
            "en": "Diversion of small arms and light weapons (SALW): end-use certificates and "
            "the risk of diversion before export.",
            "es": "La desviación de armas pequeñas y las exportaciones de armas.",
        },
        symbol="ATT/CSP12.WGETI/2026/CHAIR/840/DraftRep",
        type="draft_report",
        wg=["WGETI"],
        cycle=12,
        langs=["en", "es"],
        date=datetime(2026, 3, 5),
        tags=["diversion", "end-use"],
    ),
    item(
        3,
        title="Annotated agenda of the Working Group on Transparency and Reporting",
        texts={
            "en": "Reporting templates for the annual reports on exports and imports.",
            "ru": "Договор о торговле оружием: доклады об экспорте оружия.",
            "ar": "معاهدة تجارة الأسلحة ونقل السلاح",
            "zh": "武器贸易条约缔约国会议的报告",
        },
        symbol="ATT/CSP11.WGTR/2025/CHAIR/790/AnnAgenda",
        type="annotated_agenda",
        wg=["WGTR"],
        cycle=11,
        langs=["en", "ru", "ar", "zh"],
        delegation="FRA",
        date=datetime(2025, 1, 20),
    ),
    item(
        4,
        acl="state_party",
        title="Confidential national practice on diversion",
        texts={"en": "A confidential account of diversion of arms exports in transit."},
        symbol="ATT/CSP12.WGTR/2026/SP/900/Practice",
        type="national_practice",
        wg=["WGTR"],
        cycle=12,
        langs=["en"],
        delegation="MEX",
        date=datetime(2026, 2, 20),
        tags=["diversion"],
    ),
    item(
        5,
        kind="post",
        acl="user",
        texts={"und": "Comments on the DIEF meeting: the U.N. and the EU spoke about diversion."},
        wg=["WGETI"],
        topic=7,
        date=datetime(2026, 1, 5),
    ),
    item(
        6,
        kind="thread",
        title="Question on SALW marking",
        texts={"und": "How do States mark small arms?"},
    ),
    item(
        7,
        title="Rapport national",
        texts={"fr": "Rapport national sur les exportations et les transferts d'armes."},
        type="national_report",
        cycle=10,
        langs=["fr"],
        delegation="FRA",
        date=datetime(2024, 6, 1),
    ),
    item(
        8,
        kind="message",
        acl="channel:7",
        texts={"und": "Diversion alert: a shipment of arms exports was diverted."},
        date=datetime(2026, 3, 1),
    ),
]


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    index = SearchIndex(tmp_path_factory.mktemp("library"))
    index.update(LIBRARY)
    yield index
    index.close()


def found(library, text, principals=READER, **options):
    """The keys found for `text`, in the order given."""
    return keys(library.search(text, principals, per_page=50, **options))


def found_set(library, text, principals=READER, **options):
    return set(found(library, text, principals, **options))


def test_all_words_must_match(library):
    assert found_set(library, "arms exports") == {"document:1", "document:2"}
    assert found_set(library, "arms exports", STATE_PARTY) == {
        "document:1",
        "document:2",
        "document:4",
    }
    assert found_set(library, "arms AND templates") == set()


def test_exact_phrase(library):
    assert found_set(library, '"light weapons"') == {"document:2"}
    assert found_set(library, '"weapons light"') == set()
    assert found_set(library, "“small arms”") == {"document:2", "thread:6"}


def test_or_not_and_parentheses(library):
    assert found_set(library, "SALW OR templates") == {"document:2", "document:3", "thread:6"}
    assert found_set(library, "diversion NOT certificates") == {"post:5"}
    assert found_set(library, "diversion -certificates") == {"post:5"}
    assert found_set(library, "(marking OR templates) AND reports") == {"document:3"}
    assert found_set(library, "arms -(diversion OR transparency)") == {"thread:6"}
    assert found_set(library, '-"small arms" salw') == set()


def test_prefix(library):
    assert found_set(library, "templ*") == {"document:3"}
    # French "exportations" is found from a prefix longer than its stem "export".
    assert found_set(library, "exportat*") == {"document:1", "document:7"}
    assert found_set(library, "desvia*") == {"document:2"}


def test_lone_star_finds_everything(library):
    assert len(found(library, "*")) == 6


def test_pasted_symbol_finds_its_document_first(library):
    hits = found(library, "ATT/CSP12.WGTR/2026/CHAIR/836/AnnAgenda", STATE_PARTY)
    assert hits[0] == "document:1"


def test_symbol_prefix_with_and_without_field(library):
    assert found_set(library, "ATT/CSP12.WGTR") == {"document:1"}
    assert found_set(library, "att/csp12.wgtr", STATE_PARTY) == {"document:1", "document:4"}
    assert found_set(library, "symbol:ATT/CSP12.WGTR/*", STATE_PARTY) == {
        "document:1",
        "document:4",
    }
    assert found_set(library, "ATT/CSP11") == {"document:3"}
    assert found_set(library, "symbol:att/csp1*") == {"document:1", "document:2", "document:3"}
    assert found_set(library, "symbol:ATT/CSP12.WGETI/2026/CHAIR/840/DraftRep") == {"document:2"}
    assert found_set(library, "symbol:*") == {"document:1", "document:2", "document:3"}


def test_field_filters_ignore_case(library):
    assert found_set(library, "type:annotated_agenda") == {"document:1", "document:3"}
    assert found_set(library, "type:ANNOTATED*") == {"document:1", "document:3"}
    assert found_set(library, "wg:wgtr") == {"document:1", "document:3"}
    assert found_set(library, "wg:WGETI") == {"document:2", "post:5"}
    assert found_set(library, "cycle:12") == {"document:1", "document:2"}
    assert found_set(library, "cycle:CSP12") == found_set(library, "cycle:csp12")
    assert found_set(library, "cycle:CSP12") == {"document:1", "document:2"}
    assert found_set(library, "lang:FR") == {"document:1", "document:7"}
    assert found_set(library, "from:fra") == {"document:3", "document:7"}
    assert found_set(library, "tag:Diversion") == {"document:2"}
    assert found_set(library, 'keyword:"END-USE"') == {"document:2"}
    assert found_set(library, "topic:7") == {"post:5"}
    # AND binds tighter than OR.
    assert found_set(library, "arms wg:WGTR OR from:FRA") == {
        "document:1",
        "document:3",
        "document:7",
    }


def test_unknown_field_names_are_words(library):
    assert found_set(library, "How:do") == {"thread:6"}


def test_after_is_from_the_start_and_before_until_the_start(library):
    assert found_set(library, "after:2026") == {"document:1", "document:2", "post:5"}
    assert found_set(library, "before:2026") == {"document:3", "document:7"}
    assert found_set(library, "after:2026-02 before:2026-03") == {"document:1"}
    assert found_set(library, "after:2026-02-10") == {"document:1", "document:2"}
    assert found_set(library, "before:2026-02-10") == {"post:5", "document:3", "document:7"}
    # The thread has no date: neither before nor after anything.
    assert "thread:6" not in found_set(library, "before:9999") | found_set(library, "after:0001")


@pytest.mark.parametrize(
    "text, value",
    [
        ("before:2026-13", "2026-13"),
        ("after:26", "26"),
        ("after:2026-02-30", "2026-02-30"),
        ("before:yesterday", "yesterday"),
        ("after:*", "*"),
    ],
)
def test_bad_dates(library, text, value):
    with pytest.raises(QueryError) as raised:
        library.search(text, READER)
    assert (raised.value.code, raised.value.value) == ("bad_date", value)


@pytest.mark.parametrize("text, value", [("cycle:twelve", "twelve"), ("topic:7a", "7a")])
def test_bad_numbers(library, text, value):
    with pytest.raises(QueryError) as raised:
        library.search(text, READER)
    assert (raised.value.code, raised.value.value) == ("bad_number", value)


def test_restricted_items_are_never_counted_shown_or_quoted(library):
    results = library.search("diversion", READER, per_page=50)
    assert keys(results) == ["document:2", "post:5"]
    assert results.total == 2
    assert ("national_practice", 1) not in results.facets["type"]
    assert results.facets["delegation"] == []
    assert results.facets["wg"] == [("WGETI", 2)]
    quoted = " ".join(text for hit in results.hits for piece in hit.snippet for text, _ in piece)
    assert "confidential" not in quoted.lower() and "alert" not in quoted.lower()

    browse = library.search("", READER, per_page=50)
    assert browse.total == 6
    assert {"document:4", "message:8"}.isdisjoint(keys(browse))
    assert sum(count for _, count in browse.facets["year"]) == 5

    assert found_set(library, "diversion", {"channel:7"}) == {"message:8"}
    assert found_set(library, "diversion", STATE_PARTY) == {"document:2", "document:4", "post:5"}
    assert library.search("diversion", set()).total == 0


def test_facets_count_visible_items(library):
    facets = library.search("", READER).facets
    assert list(facets) == ["type", "wg", "cycle", "lang", "delegation", "year"]
    assert facets["type"] == [
        ("annotated_agenda", 2),
        ("draft_report", 1),
        ("national_report", 1),
    ]
    assert facets["wg"] == [("WGETI", 2), ("WGTR", 2)]
    assert facets["cycle"] == [(12, 2), (10, 1), (11, 1)]
    assert facets["lang"] == [("en", 3), ("fr", 2), ("ar", 1), ("es", 1), ("ru", 1), ("zh", 1)]
    assert facets["delegation"] == [("FRA", 2)]
    assert facets["year"] == [(2026, 3), (2024, 1), (2025, 1)]
    assert library.search("", READER, facets=False).facets == {}


def test_filters_narrow_and_keep_the_other_values_of_their_facet(library):
    results = library.search("", READER, filters={"wg": ["WGTR"]})
    assert set(keys(results)) == {"document:1", "document:3"}
    # The facet of an active filter is counted without it, to offer its other values...
    assert results.facets["wg"] == [("WGETI", 2), ("WGTR", 2)]
    # ...and the other facets with it.
    assert results.facets["cycle"] == [(11, 1), (12, 1)]

    assert found_set(library, "", filters={"wg": ["wgtr", "WGETI"]}) == {
        "document:1",
        "document:2",
        "document:3",
        "post:5",
    }
    assert found_set(library, "", filters={"wg": ["WGTR"], "cycle": [12]}) == {"document:1"}
    assert found_set(library, "reports", filters={"year": ["2025"]}) == {"document:3"}
    assert found_set(library, "", filters={"kind": ["post", "thread"]}) == {"post:5", "thread:6"}
    assert found_set(library, "", filters={"wg": []}) == found_set(library, "")


def test_bad_filters(library):
    with pytest.raises(QueryError) as raised:
        library.search("", READER, filters={"cycle": ["<script>"]})
    assert (raised.value.code, raised.value.value) == ("bad_number", "<script>")
    with pytest.raises(ValueError):
        library.search("", READER, filters={"acl": ["state_party"]})


def test_kinds(library):
    assert found_set(library, "", kinds={"document"}) == {
        "document:1",
        "document:2",
        "document:3",
        "document:7",
    }
    assert found_set(library, "diversion", kinds=["post", "thread"]) == {"post:5"}
    assert found_set(library, "", kinds=set()) == set()


@pytest.mark.parametrize(
    "text, key",
    [
        ("exportation", "document:7"),
        ("armes classiques", "document:1"),
        ("desviación", "document:2"),
        ("desviacion", "document:2"),
        ("exportación", "document:2"),
        ("оружия", "document:3"),
        ("оружие", "document:3"),
        ("ДОКЛАД", "document:3"),
        ("الأسلحة", "document:3"),
        ("أسلحة", "document:3"),
        ("سلاح", "document:3"),
        ("السلاح", "document:3"),
        ("الْأَسْلِحَة", "document:3"),
        ("武器贸易条约", "document:3"),
        ("条约", "document:3"),
        ("约", "document:3"),
        ('"缔约国会议"', "document:3"),
    ],
)
def test_each_language_finds_its_text(library, text, key):
    assert key in found(library, text)


def test_chinese_finds_nothing_for_characters_it_does_not_hold(library):
    assert found(library, "条约武器") == []


def test_two_letter_words_and_acronyms(library):
    assert found_set(library, "UN") == {"document:1", "post:5"}
    assert found_set(library, "u.n.") == {"document:1", "post:5"}
    assert found_set(library, "eu") == {"document:1", "post:5"}
    assert found_set(library, "att") == {"document:1"}
    assert found_set(library, "salw") == {"document:2", "thread:6"}
    assert found_set(library, "dief") == {"post:5"}
    assert found_set(library, "wgeti") == {"document:2"}
    assert found_set(library, "On") >= {"document:1", "post:5", "thread:6"}


def test_relevance_then_newest(library):
    # "diversion" twice in document 2, once in the post.
    assert found(library, "diversion") == ["document:2", "post:5"]
    # Equal scores: the newest first.
    assert found(library, "wg:WGTR") == ["document:1", "document:3"]


def test_sort_by_date_and_browsing(library):
    assert found(library, "arms", sort="date") == ["document:2", "document:1", "thread:6"]
    # A blank query lists everything visible, newest first, undated last.
    assert found(library, "  ") == [
        "document:2",
        "document:1",
        "post:5",
        "document:3",
        "document:7",
        "thread:6",
    ]
    assert {hit.score for hit in library.search("", READER).hits} == {0.0}


def test_pages(library):
    first = library.search("", READER, per_page=4)
    second = library.search("", READER, per_page=4, page=2)
    beyond = library.search("", READER, per_page=4, page=3)
    assert (first.total, first.pages, second.pages) == (6, 2, 2)
    assert keys(first) + keys(second) == found(library, "")
    assert (len(second.hits), beyond.hits, beyond.total) == (2, [], 6)
    assert library.search("nothing-like-this", READER).pages == 0
    with pytest.raises(ValueError):
        library.search("", READER, page=0)
    with pytest.raises(ValueError):
        library.search("", READER, sort="title")


def test_hit_fields(library):
    hit = library.search("templates", READER).hits[0]
    assert (hit.key, hit.kind, hit.id, hit.date) == (
        "document:3",
        "document",
        3,
        LIBRARY[2]["date"],
    )
    assert hit.score > 0


def test_snippets_mark_matches_in_plain_text(library):
    hits = {hit.key: hit for hit in library.search("exports", READER).hits}
    (fragment,) = hits["document:1"].snippet
    assert ("exports", True) in fragment
    joined = "".join(text for text, _ in fragment)
    assert joined in LIBRARY[0]["texts"]["en"]
    assert [text for text, is_match in fragment if is_match] == ["exports"]


def test_snippets_of_phrases_and_bigrams(library):
    (fragment,) = library.search('"light weapons"', READER).hits[0].snippet
    assert [text for text, is_match in fragment if is_match] == ["light", "weapons"]
    (fragment,) = library.search("武器贸易条约", READER).hits[0].snippet
    assert fragment[0] == ("武器贸易条约", True)


def test_snippet_without_matched_words_shows_the_opening(library):
    (hit,) = library.search("symbol:ATT/CSP11.WGTR/2025/CHAIR/790/AnnAgenda", READER).hits
    assert hit.snippet == [[(LIBRARY[2]["texts"]["en"], False)]]


def test_html_in_text_stays_text(index):
    index.update([item(1, texts={"en": "Use <b>bold</b> & <script>alert(1)</script> here"})])
    (fragment,) = index.search("bold", READER).hits[0].snippet
    assert (
        "".join(text for text, _ in fragment) == "Use <b>bold</b> & <script>alert(1)</script> here"
    )
