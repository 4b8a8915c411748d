"""How each analyser turns text into terms."""

import pytest

from search_index.analysis import (
    LANGUAGES,
    analyzer_for,
    arabic_light_stem,
    fold_latin,
    neutral_analyzer,
    normalize_word,
)


def terms(analyzer, text, mode="query"):
    return [token.text for token in analyzer(text, mode=mode)]


@pytest.mark.parametrize("lang", [*LANGUAGES, "und"])
def test_no_stop_words_and_no_minimum_length(lang):
    assert len(terms(analyzer_for(lang), "the on of a UN EU x")) == 7


def test_acronyms_numbers_and_symbols():
    neutral = neutral_analyzer()
    assert terms(neutral, "The U.N. and U.S.A. met; see article 7.3.") == [
        "the",
        "un",
        "and",
        "usa",
        "met",
        "see",
        "article",
        "7.3",
    ]
    assert terms(neutral, "ATT/CSP12.WGTR/2026") == ["att", "csp12", "wgtr", "2026"]
    assert terms(neutral, "ＡＴＴ WGETI SALW") == ["att", "wgeti", "salw"]


def test_stemming_per_language():
    assert terms(analyzer_for("fr"), "exportations exportation") == ["export", "export"]
    assert terms(analyzer_for("ru"), "оружия оружие оружием") == ["оруж"] * 3
    assert terms(analyzer_for("en"), "exports exported exporting") == ["export"] * 3
    assert terms(analyzer_for("es"), "Exportación exportaciones") == ["export", "export"]


def test_index_mode_keeps_the_word_without_accents_beside_its_stem():
    es = analyzer_for("es")
    tokens = [(t.text, t.pos) for t in es("exportación", positions=True, mode="index")]
    assert tokens == [("exportacion", 0), ("export", 0)]
    assert terms(analyzer_for("fr"), "exportat", mode="prefix") == ["exportat"]
    assert terms(es, "Exportación", mode="exact") == ["exportacion"]


def test_accents_are_folded_before_stemming_at_index_and_query_time():
    es, fr = analyzer_for("es"), analyzer_for("fr")
    assert terms(es, "exportacion exportación exportaciones") == ["export"] * 3
    assert terms(es, "Exportacion", mode="index") == ["exportacion", "export"]
    assert terms(fr, "diversite diversité diversités") == ["divers"] * 3
    assert terms(fr, "exportee exportée") == ["export"] * 2
    # Words in other scripts keep their marks: Russian й is not и.
    assert terms(analyzer_for("ru"), "который") != terms(analyzer_for("ru"), "которыи")


def test_arabic_normalisation_and_light_stemming():
    assert normalize_word("أَسْلِحَة") == "اسلحه"
    assert normalize_word("الـــسلاح") == "السلاح"
    assert normalize_word("إلى") == "الي"
    assert arabic_light_stem("الاسلحه") == arabic_light_stem("اسلحه") == "اسلح"
    assert arabic_light_stem("السلاح") == "سلاح"
    assert arabic_light_stem("treaty") == "treaty"
    assert terms(analyzer_for("ar"), "وَالأَسْلِحَة أسلحة") == ["اسلح", "اسلح"]


def test_chinese_bigrams_and_characters():
    zh = analyzer_for("zh")
    assert terms(zh, "武器贸易条约") == ["武器", "器贸", "贸易", "易条", "条约"]
    assert terms(zh, "约") == ["约"]
    indexed = [(t.text, t.pos) for t in zh("条约ATT", positions=True, mode="index")]
    assert indexed == [("条约", 0), ("条", 0), ("约", 1), ("att", 1)]


def test_latin_accents_fold_but_not_cyrillic_ones():
    assert fold_latin("Élément") == "Element"
    assert fold_latin("йод") == "йод"
    assert normalize_word("Ёлка") == "елка"
