"""The search page from the outside: what a person finds, in which language, how the facets and
pages lead on, and above all that nobody finds, counts or glimpses a document they may not
read, even while the index lags behind the database."""

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import update

from portal.extensions import db
from portal.library.models import Document
from portal.search import views
from tests.library.documents import docx_bytes, text_bytes
from tests.search.conftest import READERS, ROLES


@pytest.fixture
def reader(make):
    """A delegate of a State Party, who reads everything up to `state_parties`."""
    return make.user(delegation=make.delegation(kind="state_party"))


@pytest.fixture
def http(reader, signed_in):
    return signed_in(reader)


def test_visitors_who_are_not_signed_in_are_sent_to_sign_in(client):
    response = client.get("/search/?q=treaty")
    assert response.status_code == 302
    assert "/auth/sign-in" in response.headers["Location"]


# Finding documents ------------------------------------------------------------------------


def test_a_word_inside_a_word_file_finds_its_document(library, http, search):
    library.document(
        "Annotated agenda",
        files={
            "en": (
                "agenda.docx",
                docx_bytes(["Stockpile management of ammunition.", "Post-shipment checks."]),
            )
        },
    )
    library.document("Gender paper", text="Gender-based violence risk assessment.")

    page = search(http, q="stockpile")

    assert page.status == 200
    assert page.titles == ["Annotated agenda"]
    assert page.total == 1
    assert [mark.lower() for mark in page.hits[0].marks] == ["stockpile"]
    assert "ammunition" in page.hits[0].snippet
    assert page.query == "stockpile"


def test_a_result_shows_what_the_document_is(library, forum, make, http, search):
    space = forum.space(code="WGTR")
    france = make.delegation(kind="state_party", iso3="FRA", name="France")
    document = library.document(
        "Draft annotated agenda",
        files={
            "en": ("agenda.txt", text_bytes("Transparency and reporting.")),
            "fr": ("ordre.txt", text_bytes("Transparence et établissement de rapports.")),
        },
        symbol="ATT/CSP12.WGTR/2026/CHAIR/836/AnnAgenda",
        doc_type="annotated_agenda",
        working_group=space,
        cycle=12,
        published_on=date(2026, 2, 10),
        delegation=france,
    )

    hit = search(http, q="transparency").hits[0]

    assert hit.href == f"/library/documents/{document.id}"
    for shown in (
        "ATT/CSP12.WGTR/2026/CHAIR/836/AnnAgenda",
        "Annotated agenda",
        "WGTR",
        "CSP12",
        "10 Feb 2026",
        "France",
    ):
        assert shown in hit.meta
    assert hit.languages == ["English", "French"]


def test_language_names_and_delegations_are_in_the_readers_language(
    library, make, signed_in, search
):
    mexico = make.delegation(kind="state_party", iso3="MEX", name="Mexico")
    library.document(
        "Informe",
        files={
            "en": ("report.txt", text_bytes("National report on transfers.")),
            "es": ("informe.txt", text_bytes("Informe nacional sobre transferencias.")),
        },
        delegation=mexico,
    )
    french_reader = make.user(delegation=make.delegation(kind="state_party"), language="fr")

    page = search(signed_in(french_reader), q="transfers")

    assert page.hits[0].languages == ["Anglais", "Espagnol"]
    assert "Mexique" in page.hits[0].meta
    # The facet titles follow the French catalogue; the language names come from CLDR.
    languages = next(values for values in page.facets.values() if "Anglais" in values)
    assert languages == {"Anglais": 1, "Espagnol": 1}


def test_symbols_are_found_exactly_and_by_their_beginning(library, http, search):
    library.document("Agenda 836", symbol="ATT/CSP12.WGTR/2026/CHAIR/836/AnnAgenda")
    library.document("Report 837", symbol="ATT/CSP12.WGTR/2026/CHAIR/837/Rev1")
    library.document("Final report", symbol="ATT/CSP11/2025/SEC/800/Conf.Rep")

    exact = search(http, q="ATT/CSP12.WGTR/2026/CHAIR/836/AnnAgenda")
    assert exact.titles[0] == "Agenda 836"
    assert "Report 837" not in exact.titles and "Final report" not in exact.titles
    assert search(http, q="att/csp12.wgtr/2026/chair/836/annagenda").titles[0] == "Agenda 836"
    assert set(search(http, q="symbol:ATT/CSP12.WGTR").titles) == {"Agenda 836", "Report 837"}
    assert set(search(http, q="ATT/CSP12.WGTR/2026").titles) == {"Agenda 836", "Report 837"}
    assert search(http, q="symbol:ATT/CSP11").titles == ["Final report"]


def test_a_phrase_finds_its_words_side_by_side_only(library, http, search):
    library.document("Certificates", text="An end-use certificate is required for every export.")
    library.document("Scattered", text="The certificate must name the end use of the goods.")

    assert search(http, q='"end-use certificate"').titles == ["Certificates"]
    assert set(search(http, q="certificate end-use").titles) == {"Certificates", "Scattered"}


@pytest.fixture
def three_documents(library, forum, make):
    """Three documents that differ in every facet, all mentioning the treaty."""
    france = make.delegation(kind="state_party", iso3="FRA", name="France")
    mexico = make.delegation(kind="state_party", iso3="MEX", name="Mexico")
    wgtr, wgeti = forum.space(code="WGTR"), forum.space(code="WGETI")
    library.document(
        "Agenda",
        files={
            "en": ("agenda.txt", text_bytes("Arms Trade Treaty agenda.")),
            "fr": ("ordre.txt", text_bytes("Ordre du jour du Traité sur le commerce des armes.")),
        },
        doc_type="annotated_agenda",
        working_group=wgtr,
        cycle=12,
        published_on=date(2026, 2, 10),
        keywords="diversion",
        delegation=france,
    )
    library.document(
        "Working paper",
        files={"es": ("documento.txt", text_bytes("Tratado sobre el Comercio de Armas: treaty."))},
        doc_type="working_paper",
        working_group=wgeti,
        cycle=11,
        published_on=date(2025, 5, 20),
        keywords="end-use",
        delegation=mexico,
    )
    library.document(
        "Chair's report",
        text="Report on the treaty's universalization.",
        doc_type="chair_report",
        cycle=10,
        published_on=date(2024, 8, 1),
    )
    return wgtr, wgeti


def test_the_query_language_filters_by_every_field(three_documents, http, search):
    expected = {
        "type:annotated_agenda": {"Agenda"},
        "wg:WGTR": {"Agenda"},
        "wg:wgeti": {"Working paper"},
        "cycle:12": {"Agenda"},
        "cycle:CSP11": {"Working paper"},
        "lang:fr": {"Agenda"},
        "lang:es": {"Working paper"},
        "from:FRA": {"Agenda"},
        "from:mex": {"Working paper"},
        "before:2025": {"Chair's report"},
        "after:2026": {"Agenda"},
        "after:2025-05 before:2026-01-01": {"Working paper"},
        "tag:diversion": {"Agenda"},
        "treaty -diversion": {"Working paper", "Chair's report"},
        "treaty NOT diversion": {"Working paper", "Chair's report"},
        "treaty (cycle:12 OR cycle:11)": {"Agenda", "Working paper"},
    }
    found = {query: set(search(http, q=query).titles) for query in expected}
    assert found == expected


def test_facets_count_the_results_and_their_links_filter_them(three_documents, http, search):
    wgtr, wgeti = three_documents
    page = search(http, q="treaty")

    assert page.total == 3
    assert page.facets == {
        "Type": {"Annotated agenda": 1, "Working paper": 1, "Chair's report or draft report": 1},
        "Working group": {wgtr.names["en"]: 1, wgeti.names["en"]: 1},
        "CSP cycle": {"CSP12": 1, "CSP11": 1, "CSP10": 1},
        "Language": {"English": 2, "French": 1, "Spanish": 1},
        "Delegation": {"France": 1, "Mexico": 1, "ATT Secretariat": 1},
        "Year": {"2026": 1, "2025": 1, "2024": 1},
    }

    french = search(http, url=page.facet_links["Language"]["French"][1])
    assert french.titles == ["Agenda"]
    assert french.query == "treaty"
    assert list(french.chips) == ["Language: French"]

    both = search(http, url=french.facet_links["Year"]["2026"][1])
    assert both.titles == ["Agenda"]
    assert set(both.chips) == {"Language: French", "Year: 2026"}

    english = search(http, url=page.facet_links["Language"]["English"][1])
    assert set(english.titles) == {"Agenda", "Chair's report"}
    assert search(http, url=english.chips["Language: English"]).total == 3
    # A facet value already chosen is a link that removes it.
    assert search(http, url=english.facet_links["Language"]["English"][1]).total == 3

    assert search(http, q="", f=["wg:WGETI"]).titles == ["Working paper"]
    assert search(http, q="treaty", f=["delegation:FRA", "delegation:MEX"]).total == 2


def test_sorting_by_date_puts_the_newest_first(three_documents, http, search):
    page = search(http, q="treaty", sort="date")
    assert page.titles == ["Agenda", "Working paper", "Chair's report"]


def test_an_empty_search_lists_the_latest_documents_the_reader_may_see(
    library, make, signed_in, search
):
    library.document("Oldest", published_on=date(2024, 1, 5))
    library.document("Newest", published_on=date(2026, 1, 5))
    library.document("Middle", published_on=date(2025, 1, 5))
    library.document("For States Parties", level="state_parties", published_on=date(2026, 2, 1))
    observer = make.user(delegation=make.delegation(kind="international_organisation"))

    page = search(signed_in(observer))

    assert page.status == 200
    assert page.titles == ["Newest", "Middle", "Oldest"]
    assert page.total == 3
    assert "The latest documents and discussions you have access to." in page.html


def test_pages_keep_the_query_the_sort_and_the_filters(library, http, search, monkeypatch):
    monkeypatch.setattr(views, "PER_PAGE", 2)
    for day in range(1, 6):
        library.document(f"Paper {day}", text="Treaty paper.", published_on=date(2026, 1, day))
    library.document("Spanish paper", files={"es": ("papel.txt", text_bytes("Treaty paper."))})

    first = search(http, q="treaty", sort="date", f=["lang:en"])
    assert first.titles == ["Paper 5", "Paper 4"]
    assert first.total == 5
    assert first.link("prev") is None
    arguments = parse_qs(urlsplit(first.link("next")).query)
    assert arguments == {"q": ["treaty"], "sort": ["date"], "f": ["lang:en"], "page": ["2"]}

    second = search(http, url=first.link("next"))
    assert second.titles == ["Paper 3", "Paper 2"]
    third = search(http, url=second.link("next"))
    assert third.titles == ["Paper 1"]
    assert third.link("next") is None
    assert search(http, url=third.link("prev")).titles == ["Paper 3", "Paper 2"]


def test_acronyms_are_found_in_any_case(library, http, search):
    acronyms = {
        "ATT": "The ATT Secretariat convened the meeting.",
        "DIEF": "The DIEF met in closed session.",
        "SALW": "Marking of SALW and their stockpiles.",
        "WGTR": "The WGTR co-chairs presented the draft.",
    }
    for acronym, text in acronyms.items():
        library.document(f"About {acronym}", text=text)
    library.document("Without", text="Arms Trade Treaty working paper, secretariat meeting.")

    found = {
        query: search(http, q=query).titles
        for acronym in acronyms
        for query in (acronym, acronym.lower(), acronym.capitalize())
    }
    assert found == {
        query: [f"About {acronym}"]
        for acronym in acronyms
        for query in (acronym, acronym.lower(), acronym.capitalize())
    }


def test_queries_in_each_language_find_their_documents(library, http, search):
    library.document("English", text="Licensing of conventional arms transfers.")
    library.document(
        "French", files={"fr": ("fr.txt", text_bytes("Les exportations d'armes classiques."))}
    )
    library.document(
        "Russian",
        files={"ru": ("ru.txt", text_bytes("Национальная система контроля: оружие и боеприпасы."))},
    )
    library.document(
        "Arabic",
        files={"ar": ("ar.docx", docx_bytes(["تنظيم تجارة الأسلحة التقليدية والذخائر."]))},
    )
    library.document(
        "Chinese", files={"zh": ("zh.docx", docx_bytes(["武器贸易条约缔约国会议在日内瓦举行。"]))}
    )
    expected = {
        "exportation": ["French"],
        "оружия": ["Russian"],
        "боеприпасы": ["Russian"],
        "أسلحة": ["Arabic"],
        "الأسلحة": ["Arabic"],
        "武器贸易条约": ["Chinese"],
        "条约": ["Chinese"],
        "licensing": ["English"],
    }
    found = {query: search(http, q=query).titles for query in expected}
    assert found == expected
    assert search(http, q="条约").hits[0].languages == ["Chinese"]


def test_what_a_document_says_is_escaped_in_the_page(library, http, search):
    # A plain-text file with markup is refused at upload; a Word file may say anything.
    words = "Beware <script>alert('basilisk')</script> & the basilisk <img src=x onerror=y>."
    library.document("<b>Bold</b> title", files={"en": ("paper.docx", docx_bytes([words]))})

    page = search(http, q="basilisk")

    assert page.titles == ["<b>Bold</b> title"]
    assert "<script>alert" not in page.html
    assert "<img src=x" not in page.html
    assert "<b>Bold</b>" not in page.html
    assert "&lt;script&gt;" in page.html
    assert [mark.lower() for mark in page.hits[0].marks][:1] == ["basilisk"]


# Access -----------------------------------------------------------------------------------

#: Each level's document holds one word found nowhere else; its title and symbol carry it too.
SECRETS = {
    "public": "bluefinch",
    "users": "copperwren",
    "states": "amberkite",
    "state_parties": "silverheron",
    "group": "ivoryplover",
}
YEARS = {"public": 2020, "users": 2021, "states": 2022, "state_parties": 2023, "group": 2024}
AUTHORS = {"public": "NOR", "users": "SWE", "states": "FIN", "state_parties": "DNK", "group": "ISL"}
AUTHOR_NAMES = {
    "NOR": "Norway",
    "SWE": "Sweden",
    "FIN": "Finland",
    "DNK": "Denmark",
    "ISL": "Iceland",
}


@pytest.fixture
def people(make):
    return {
        "observer": make.user(delegation=make.delegation(kind="international_organisation")),
        "signatory": make.user(delegation=make.delegation(kind="signatory")),
        "state_party": make.user(delegation=make.delegation(kind="state_party")),
        "secretariat": make.secretariat(),
        "member": make.user(delegation=make.delegation(kind="civil_society")),
        "non_member": make.user(delegation=make.delegation(kind="civil_society")),
    }


@pytest.fixture
def one_document_per_level(library, make, people):
    group = make.group(members=[people["member"]])
    for level, secret in SECRETS.items():
        library.document(
            f"The {secret} paper",
            text=f"Common manticore text. The {secret} is mentioned here only.",
            level=level,
            group=group if level == "group" else None,
            symbol=f"ATT/TEST/{secret}",
            published_on=date(YEARS[level], 6, 1),
            delegation=make.delegation(kind="state_party", iso3=AUTHORS[level]),
        )


def test_each_person_finds_counts_and_glimpses_exactly_what_they_may_read(
    one_document_per_level, people, signed_in, search
):
    wrong = {}
    for role in ROLES:
        wrong[role] = glimpses_beyond_access(signed_in(people[role]), role, search)
    assert not any(wrong.values()), "\n".join(
        f"{role}: " + "; ".join(found) for role, found in wrong.items() if found
    )


def glimpses_beyond_access(http, role, search):
    """What the pages show `role` that the access policy does not let them read, or hide
    that it does, as a list of findings."""
    readable = {level for level, readers in READERS.items() if role in readers}
    hidden = set(SECRETS) - readable
    titles = {f"The {SECRETS[level]} paper" for level in readable}
    wrong = []

    def check(condition, what):
        if not condition:
            wrong.append(what)

    for name, page in {
        "common word": search(http, q="manticore"),
        "empty search": search(http),
        "symbol prefix": search(http, q="symbol:ATT/TEST"),
        "facet filter on every year": search(http, f=[f"year:{year}" for year in YEARS.values()]),
    }.items():
        check(page.status == 200, f"{name}: status {page.status}")
        check(set(page.titles) == titles, f"{name}: titles {page.titles}")
        check(page.total == len(readable), f"{name}: total {page.total}")
        check(
            page.facets.get("Year", {}) == {str(YEARS[level]): 1 for level in readable},
            f"{name}: years {page.facets.get('Year')}",
        )
        check(
            page.facets.get("Delegation", {})
            == {AUTHOR_NAMES[AUTHORS[level]]: 1 for level in readable},
            f"{name}: delegations {page.facets.get('Delegation')}",
        )
        for level in hidden:
            check(SECRETS[level] not in page.html, f"{name}: {SECRETS[level]} in the page")

    for level, secret in SECRETS.items():
        page = search(http, q=secret)
        check(page.status == 200, f"{secret}: status {page.status}")
        if level in readable:
            check(page.titles == [f"The {secret} paper"], f"{secret}: titles {page.titles}")
            check(page.total == 1, f"{secret}: total {page.total}")
            check(secret in [m.lower() for m in page.hits[0].marks], f"{secret}: not marked")
        else:
            check(page.titles == [] and page.total == 0, f"{secret}: found {page.titles}")
            check(secret not in page.results_text, f"{secret}: shown in the results")
            check(page.facets == {}, f"{secret}: facets {page.facets}")
        year = search(http, f=[f"year:{YEARS[level]}"])
        check(year.total == (1 if level in readable else 0), f"year of {secret}: {year.total}")
    return wrong


def test_a_hit_the_index_still_shows_is_dropped_when_the_database_hides_it(
    library, people, signed_in, search
):
    """An access change is committed before its index job runs; until then the page checks
    every hit against the database."""
    document = library.document("The tawnyowl paper", text="The tawnyowl report.")
    observer, delegate = signed_in(people["observer"]), signed_in(people["state_party"])
    assert search(observer, q="tawnyowl").titles == ["The tawnyowl paper"]

    db.session.execute(update(Document).where(Document.id == document.id).values(acl="state_party"))
    db.session.commit()

    for page in (search(observer, q="tawnyowl"), search(observer)):
        assert page.status == 200
        assert page.titles == []
        assert page.total == 0
        assert "tawnyowl" not in page.results_text
    assert search(delegate, q="tawnyowl").titles == ["The tawnyowl paper"]


# Queries the engine refuses -----------------------------------------------------------------


def test_a_date_that_is_not_one_is_explained(library, http, search):
    page = search(http, q="treaty before:yesterday")
    assert page.status == 400
    assert page.error == "“yesterday” is not a date. Write dates as 2026, 2026-03 or 2026-03-01."
    assert page.query == "treaty before:yesterday"
    assert page.titles == []


def test_a_cycle_that_is_not_a_number_is_explained(http, search):
    page = search(http, q="cycle:abc")
    assert page.status == 400
    assert "“abc” is not a number" in page.error


def test_a_very_long_search_is_refused_with_a_message(http, search):
    page = search(http, q="treaty " * 500)
    assert page.status == 400
    assert page.error == "This search is too long: at most 1000 characters."


#: Queries a person may type or paste, each of which the engine may refuse.
ODD_QUERIES = [
    '"unbalanced quote',
    "(unbalanced (brackets",
    "closing) bracket)",
    "NOT",
    "AND",
    "OR OR",
    "treaty AND",
    "-",
    "symbol:",
    "from:",
    "*",
    "?",
    "\u202e\u200f",
    "🛡️ arms 🔫",
    "a" * 999,
    " ".join(["x"] * 499),
    "before:2026-13-45",
    "after:0000",
    "cycle:99999999999999999999999",
    "lang:xx type:nonsense",
]
#: Query strings a link or a person may make up.
ODD_ARGUMENTS = [
    {"f": ["cycle:abc"]},
    {"f": ["year:abc", "year:"]},
    {"f": ["nonsense:1", "type", ":", "type:"]},
    {"page": "abc"},
    {"page": "-3"},
    {"page": "0"},
    {"page": str(10**30)},
    {"sort": "bogus"},
    {"q": "treaty", "f": [f"year:{year}" for year in range(1000, 1200)]},
]


def test_no_query_makes_the_page_fail(library, http, search):
    library.document("Paper", text="Arms Trade Treaty.")
    unreadable = []
    for arguments in [{"q": query} for query in ODD_QUERIES] + ODD_ARGUMENTS:
        page = search(http, **arguments)
        if page.status == 400:
            if not page.error or page.query != arguments.get("q", "").strip():
                unreadable.append((arguments, page.error, page.query))
        elif page.status != 200:
            unreadable.append((arguments, page.status))
    assert not unreadable


def test_input_that_is_not_utf8_does_not_make_the_page_fail(http):
    response = http.get("/search/?q=%FF%FEtreaty%C3&f=lang%3A%E9")
    assert response.status_code in (200, 400)


def test_a_filter_chip_names_only_a_working_group_the_reader_may_open(
    forum, make, http, search
):
    """`?f=wg:CODE` for a closed working group reads like a code that names nothing: the page
    neither names the group nor tells that it exists."""
    open_space = forum.space(code="WGOPEN")
    closed = forum.space("group", group=make.group(), code="WGCLOSED")
    closed.names = {"en": "Confidential consultations on diversion"}
    db.session.commit()

    shown = search(http, f=["wg:WGOPEN"])
    assert list(shown.chips) == [f"Working group: {open_space.display_name}"]
    hidden = search(http, f=["wg:WGCLOSED"])
    free = search(http, f=["wg:WGNONE"])
    assert list(hidden.chips) == ["Working group: WGCLOSED"]
    assert list(free.chips) == ["Working group: WGNONE"]
    assert "Confidential consultations" not in hidden.html
    assert (hidden.status, hidden.total, hidden.facets) == (free.status, free.total, free.facets)


def test_a_page_number_out_of_range_is_refused_on_the_search_page(library, http, search):
    library.document("Paper", text="Arms Trade Treaty.")
    assert search(http, q="treaty", page="1").total == 1
    for value in (str(2**63), str(views.PAGE_MAX + 1), "0", "²"):
        page = search(http, q="treaty", page=value)
        assert (page.status, page.error, page.query) == (
            400,
            f"“{value}” is not a page of these results.",
            "treaty",
        )
