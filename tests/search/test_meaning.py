"""The search page finds what a delegate means: delegations by name in any of the six
languages, parts of symbols, typos with "did you mean", the reader's language first."""

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.library.documents import text_bytes


@pytest.fixture
def reader(make):
    return make.user(delegation=make.delegation(kind="state_party"))


@pytest.fixture
def http(reader, signed_in):
    return signed_in(reader)


@pytest.fixture
def by_delegations(library, make):
    mexico = make.delegation(kind="state_party", iso3="MEX", name="Mexico", short_name="Mexico")
    korea = make.delegation(
        kind="state_party", iso3="KOR", name="Republic of Korea", short_name="ROK"
    )
    north = make.delegation(
        kind="observer_state",
        iso3="PRK",
        name="Democratic People's Republic of Korea",
        short_name="DPRK",
    )
    library.document("Mexican report", text="Transfers.", delegation=mexico)
    library.document("Korean report", text="Transfers.", delegation=korea)
    library.document("Other report", text="Transfers.", delegation=north)


@pytest.mark.parametrize(
    "name",
    ["Mexico", "mexico", "MEX", "México", "Mexique", "Мексика", "المكسيك", "墨西哥", '"Mexico"'],
)
def test_from_takes_a_delegations_name_in_any_of_the_six_languages(
    by_delegations, http, search, name
):
    page = search(http, q=f"transfers from:{name}")
    assert page.status == 200
    assert page.titles == ["Mexican report"]


def test_a_name_that_fits_several_delegations_is_explained_with_a_choice(
    by_delegations, http, search
):
    page = search(http, q="transfers from:Korea")
    assert page.status == 400
    assert page.titles == []
    assert "“Korea” fits the names of several delegations" in page.error
    choices = {
        " ".join(link.text_content().split()): link.get("href")
        for link in page.find('//ul[@class="search-choices"]//a')
    }
    assert len(choices) == 2
    queries = {parse_qs(urlsplit(href).query)["q"][0] for href in choices.values()}
    assert queries == {"transfers from:KOR", "transfers from:PRK"}
    chosen = search(http, url=next(href for href in choices.values() if "PRK" in href))
    assert chosen.titles == ["Other report"]
    # A full name is not ambiguous, though it is part of another.
    assert search(http, q='from:"Republic of Korea"').titles == ["Korean report"]


def test_a_name_of_no_delegation_finds_nothing(by_delegations, http, search):
    page = search(http, q="from:Atlantis")
    assert page.status == 200 and page.total == 0


def test_parts_of_a_symbol_find_it_exact_matches_first(library, http, search):
    library.document("Agenda 836", symbol="ATT/CSP12.WGTR/2026/CHAIR/836/AnnAgenda")
    library.document("Report 840", symbol="ATT/CSP12.WGETI/2026/CHAIR/840/DraftRep")
    library.document("Older agenda", symbol="ATT/CSP11.WGTR/2025/CHAIR/790/AnnAgenda")
    library.document("Note", text="See the AnnAgenda of document 836.")
    assert search(http, q="CSP12.WGTR").titles == ["Agenda 836"]
    assert search(http, q="836/AnnAgenda").titles == ["Agenda 836"]
    assert search(http, q="836").titles == ["Agenda 836", "Note"]
    annotated = search(http, q="AnnAgenda").titles
    assert set(annotated[:2]) == {"Agenda 836", "Older agenda"} and annotated[2] == "Note"


@pytest.mark.parametrize(
    "language, text, typed, meant",
    [
        ("en", "The risk of diversion in transit.", "diversiin", "diversion"),
        ("fr", "Les exportations d'armes classiques.", "exportatiins", "exportations"),
        ("es", "Las exportaciones de armas pequeñas.", "exportacionez", "exportaciones"),
        ("ru", "Доклад об экспорте оружия.", "экспорке", "экспорте"),
        ("ar", "تقرير عن نقل الأسلحة التقليدية", "التقليدبة", "التقليديه"),
    ],
)
def test_a_typo_finds_the_word_and_offers_did_you_mean(
    library, http, search, language, text, typed, meant
):
    library.document("Found", files={language: ("paper.txt", text_bytes(text))})
    library.document("Other", text="Something else entirely.")
    page = search(http, q=typed)
    assert page.titles == ["Found"]
    (link,) = page.find('//p[@class="search-suggestion"]/a')
    assert link.text_content() == meant
    assert parse_qs(urlsplit(link.get("href")).query)["q"] == [meant]
    assert search(http, url=link.get("href")).titles == ["Found"]


def test_no_suggestion_when_the_search_finds_enough(library, http, search):
    for number in range(3):
        library.document(f"Paper {number}", text="Diversion risk.")
    page = search(http, q="diversion")
    assert page.total == 3
    assert page.find('//p[@class="search-suggestion"]') == []


def test_a_suggestion_never_reveals_a_word_of_what_the_reader_may_not_read(
    library, make, signed_in, search
):
    library.document("Secret", text="The zanzibarite register.", level="state_parties")
    observer = make.user(delegation=make.delegation(kind="international_organisation"))
    page = search(signed_in(observer), q="zanzibarita")
    assert page.total == 0
    assert "zanzibarite" not in page.html


def test_the_readers_language_ranks_first(library, make, signed_in, search):
    library.document(
        "English paper", text="Exportation of arms: exportation controls and exportation."
    )
    library.document(
        "French paper",
        files={"fr": ("fr.txt", text_bytes("L'exportation des armes classiques vers les États."))},
    )
    french = make.user(delegation=make.delegation(kind="state_party"), language="fr")
    english = make.user(delegation=make.delegation(kind="state_party"), language="en")
    assert search(signed_in(french), q="exportation").titles == ["French paper", "English paper"]
    assert search(signed_in(english), q="exportation").titles == ["English paper", "French paper"]
    snippet = search(signed_in(french), q="exportation").find('//p[@class="snippet"]')[0]
    assert snippet.get("lang") == "fr"
