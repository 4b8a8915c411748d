"""What a delegate means: the query's language first, accents and exact words, typos within
one edit, parts of symbols, delegations by name, one result per thread, snippets in the
right language; in English, French, Spanish, Russian, Arabic and Chinese."""

from datetime import datetime

import pytest

from search_index import QueryError
from tests.search_index.items import item, keys

READER = {"public"}


def found(index, text, **options):
    return keys(index.search(text, READER, **options))


def test_the_query_language_ranks_first_rather_than_the_sum_of_look_alikes(index):
    index.update(
        [
            item(1, texts={"en": "Exportation of arms: exportation controls and exportation."}),
            item(2, texts={"fr": "L'exportation des armes classiques vers les États tiers.",
                           "es": "La exportación de armas."}),
        ]
    )
    assert found(index, "exportation", language="fr") == ["document:2", "document:1"]
    assert found(index, "exportation", language="en") == ["document:1", "document:2"]


def test_the_script_of_a_query_names_its_language(index):
    index.update(
        [
            item(1, texts={"en": "Export report.", "ru": "Доклад об экспорте оружия."}),
            item(2, texts={"ru": "Экспорт оружия и доклады об экспорте: экспорт."}),
        ]
    )
    # Russian words rank the Russian texts, whatever the interface's language.
    assert found(index, "экспорта", language="en") == ["document:2", "document:1"]


def test_spanish_and_french_without_accents(index):
    index.update(
        [
            item(1, texts={"es": "Las exportaciones de armas pequeñas."}),
            item(2, texts={"fr": "La diversité des régimes de contrôle."}),
            item(3, texts={"en": "Arms exports."}),
        ]
    )
    assert found(index, "exportacion") == ["document:1"]
    assert found(index, "exportación") == ["document:1"]
    assert found(index, "diversite") == ["document:2"]


def test_an_exact_word_ranks_above_words_sharing_only_its_stem(index):
    index.update(
        [
            item(1, texts={"en": "Diverse and diversity: a diverse diversity of views."}),
            item(2, texts={"en": "The risk of diversion of conventional arms in transit."}),
        ]
    )
    assert found(index, "diversion") == ["document:2", "document:1"]


@pytest.mark.parametrize(
    "texts, typed, meant",
    [
        ({"en": "The risk of diversion in transit."}, "diversiin", "diversion"),
        ({"fr": "Les exportations d'armes."}, "exportatiins", "exportations"),
        ({"es": "Las exportaciones de armas."}, "exportacionez", "exportaciones"),
        ({"ru": "Доклад об экспорте оружия."}, "экспорке", "экспорте"),
        ({"ar": "تقرير عن نقل الأسلحة التقليدية"}, "التقليدبة", "التقليديه"),
    ],
)
def test_a_typo_finds_the_word_within_one_edit_and_suggests_it(index, texts, typed, meant):
    index.update([item(1, texts=texts), item(2, texts={"en": "Something else entirely."})])
    results = index.search(typed, READER)
    assert keys(results) == ["document:1"]
    assert results.suggestion == meant


def test_no_typo_search_for_short_words_or_when_enough_is_found(index):
    index.update([item(n, texts={"en": f"Arms report number {n}."}) for n in range(1, 5)])
    # "amrs" has four letters: no typo is looked for.
    results = index.search("amrs", READER)
    assert (results.total, results.suggestion) == (0, None)
    results = index.search("report", READER)
    assert results.total == 4 and results.suggestion is None


def test_a_suggestion_never_comes_from_what_the_reader_may_not_see(index):
    index.update([item(1, acl="secret", texts={"en": "The zanzibarite register."})])
    results = index.search("zanzibarita", READER)
    assert (results.total, results.suggestion) == (0, None)
    assert index.search("zanzibarita", {"secret"}).suggestion == "zanzibarite"


def test_chinese_is_not_corrected_and_highlights_the_word_only(index):
    text = "武器贸易条约缔约国会议的报告。" + "其他内容。" * 40 + "贸易和条约。"
    index.update([item(1, texts={"zh": text})])
    results = index.search("贸易条约", READER)
    assert keys(results) == ["document:1"] and results.suggestion is None
    (hit,) = results.hits
    assert hit.snippet_lang == "zh"
    marked = [text for fragment in hit.snippet for text, is_match in fragment if is_match]
    assert marked == ["贸易条约"]
    # A Chinese snippet is about as long in meaning as another: a few dozen characters.
    assert all(sum(len(text) for text, _ in fragment) <= 60 for fragment in hit.snippet)


def test_snippets_carry_their_language_and_do_not_mark_single_letters(index):
    index.update(
        [item(1, texts={"fr": "Le rapport de la conférence: a b c rapport.", "en": "Other."})]
    )
    (hit,) = index.search("a rapport", READER).hits
    assert hit.snippet_lang == "fr"
    marked = [text for fragment in hit.snippet for text, is_match in fragment if is_match]
    assert set(marked) == {"rapport"}


SYMBOLS = {
    1: "ATT/CSP12.WGTR/2026/CHAIR/836/AnnAgenda",
    2: "ATT/CSP12.WGETI/2026/CHAIR/840/DraftRep",
    3: "ATT/CSP11.WGTR/2025/CHAIR/790/AnnAgenda",
}


@pytest.fixture
def symbols(index):
    index.update([item(n, symbol=symbol, title=f"Paper {n}") for n, symbol in SYMBOLS.items()])
    index.update([item(4, title="Paper 4", texts={"en": "As said in AnnAgenda 836."})])
    return index


@pytest.mark.parametrize(
    "typed, first, others",
    [
        ("CSP12.WGTR", "document:1", set()),
        ("836/AnnAgenda", "document:1", set()),
        ("836", "document:1", {"document:4"}),
        ("AnnAgenda", None, {"document:1", "document:3", "document:4"}),
        ("ATT/CSP12.WGTR/2026/CHAIR/836/AnnAgenda", "document:1", set()),
        ("wgeti/2026", "document:2", set()),
    ],
)
def test_any_run_of_whole_segments_of_a_symbol_finds_it(symbols, typed, first, others):
    results = found(symbols, typed)
    if first is not None:
        assert results[0] == first
        assert set(results[1:]) == others
    else:
        assert set(results) == others
        # The text mention counts less than the symbols.
        assert results[-1] == "document:4"


def test_a_year_or_half_a_segment_is_not_a_symbol(symbols):
    assert found(symbols, "2026") == []
    assert found(symbols, "CSP1") == []
    assert found(symbols, "Agenda") == []


def test_from_takes_what_the_resolver_makes_of_a_name(index):
    index.update(
        [
            item(1, delegation="MEX", title="Paper one"),
            item(2, delegation="FRA", title="Paper two"),
        ]
    )

    def resolve(field, value):
        if field != "from":
            return None
        names = {"mexique": ["MEX"], "méxico": ["MEX"], "墨西哥": ["MEX"], "nowhere": []}
        if value.lower() == "republic":
            raise QueryError("ambiguous", value, [("KOR", "Korea"), ("CZE", "Czechia")])
        return names.get(value.lower(), [value])

    assert found(index, "from:Mexique", resolve=resolve) == ["document:1"]
    assert found(index, "from:墨西哥 paper", resolve=resolve) == ["document:1"]
    assert found(index, "from:FRA", resolve=resolve) == ["document:2"]
    assert found(index, "from:nowhere", resolve=resolve) == []
    with pytest.raises(QueryError) as raised:
        index.search("from:Republic", READER, resolve=resolve)
    assert raised.value.code == "ambiguous"
    assert raised.value.choices == (("KOR", "Korea"), ("CZE", "Czechia"))


def test_one_result_per_thread_with_its_other_matching_posts(index):
    posts = [
        item(10, kind="post", group="thread:1", texts={"und": "Marking of ammunition."}),
        item(11, kind="post", group="thread:1", texts={"und": "Ammunition marking: ammunition."}),
        item(12, kind="post", group="thread:1", texts={"und": "Nothing about it."}),
        item(13, kind="post", group="thread:2", texts={"und": "Ammunition stockpiles."}),
        item(14, kind="post", group="thread:1", acl="secret", texts={"und": "Ammunition."}),
    ]
    index.update([*posts, item(1, texts={"en": "Ammunition."}, date=datetime(2026, 1, 1))])
    results = index.search("ammunition", READER)
    assert results.total == 3
    by_key = {hit.key: hit for hit in results.hits}
    assert set(by_key) == {"post:11", "post:13", "document:1"}
    assert by_key["post:11"].related == (10,)
    assert by_key["post:13"].related == ()
    assert index.search("ammunition", READER, kinds={"post"}).total == 2
    # Pages hold groups: the second page of one starts with the next thread.
    first, second = (index.search("ammunition", READER, per_page=1, page=n) for n in (1, 2))
    assert first.total == second.total == 3
    assert {first.hits[0].key, second.hits[0].key} <= {"post:11", "post:13", "document:1"}
    assert first.hits[0].key != second.hits[0].key
    # The reader of the secret post finds it among the thread's posts.
    secret = index.search("ammunition", {"public", "secret"})
    assert secret.total == 3
    thread = [{hit.id, *hit.related} for hit in secret.hits if hit.kind == "post"]
    assert {10, 11, 14} in thread


def test_facet_counts_of_a_thread_count_it_once(index):
    posts = [
        item(n, kind="post", group="thread:1", wg=["WGTR"], texts={"und": "Brokering."})
        for n in (1, 2, 3)
    ]
    index.update(posts)
    results = index.search("brokering", READER)
    assert results.total == 1
    assert results.facets["wg"] == [("WGTR", 1)]
    assert index.search("brokering", READER, filters={"wg": ["WGTR"]}).facets["wg"] == [
        ("WGTR", 1)
    ]


def test_titles_are_stemmed_in_the_languages_of_their_texts(index):
    index.update(
        [
            item(1, title="Exportaciones de armas pequeñas", texts={"es": "Informe."}),
            item(2, title="Reporting templates", texts={"en": "Annex."}),
            item(3, title="Доклады об экспорте", texts={"ru": "Приложение."}),
            # No body text: the title is only indexed as written.
            item(4, title="Exportaciones"),
        ]
    )
    assert found(index, "exportacion") == ["document:1"]
    assert found(index, "report") == ["document:2"]
    assert found(index, "доклад") == ["document:3"]
    assert set(found(index, "exportaciones")) == {"document:1", "document:4"}
    (hit,) = index.search("exportacion", READER).hits
    assert hit.snippet_lang == "title"
    assert [text for text, is_match in hit.snippet[0] if is_match] == ["Exportaciones"]
