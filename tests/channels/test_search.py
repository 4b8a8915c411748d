"""Channel messages and case records in the search index: the channel's readers find them;
nobody else gets a hit, a total, a facet count or a kind label (the non-admitted Secretariat
included), whether searching or browsing."""

import pytest

from portal.channels import services
from portal.channels.search import CASE_ADAPTER, MESSAGE_ADAPTER
from portal.core.jobs import run_due_jobs
from portal.extensions import db
from portal.search.engine import rebuild, verify
from tests.channels.test_cases import REFERENCE, make_case, plenary
from tests.search.conftest import SearchPage


@pytest.fixture
def indexed(world):
    """A channel of A and B with a case record, indexed as the worker leaves it."""
    channel = world.opened()
    case = make_case(world, channel)
    run_due_jobs()
    return channel, case


def search(http, text):
    return SearchPage(http.get("/search/", query_string={"q": text} if text else {}))


def test_members_find_a_case_record_by_its_words_and_its_states(world, as_user, indexed):
    _channel, case = indexed
    for role, person in world.members.items():
        http = as_user(person)
        for words in ("authority", "Togo", "rifles", "GHA"):
            page = search(http, words)
            assert page.status == 200
            assert f'href="/channels/cases/{case.id}"' in page.html, (role, words)
            assert REFERENCE in page.html
    # The record and the first message of its thread: both kinds, named on the kind facet.
    page = search(as_user(world.member_b), "rifles")
    assert page.total == 2
    assert "Case records" in page.results_text and "Channel messages" in page.results_text


def test_outsiders_find_nothing_not_even_a_count_or_a_kind(world, as_user, indexed):
    world.other_channel()
    run_due_jobs()
    for role, person in world.outsiders.items():
        http = as_user(person)
        for words in ("rifles", "authority", "Togo", REFERENCE, ""):
            page = search(http, words)
            assert page.status == 200, (role, words)
            # The box and the title repeat the query: the results say nothing of the channel.
            assert REFERENCE not in page.results_text, (role, words)
            assert "/channels/cases/" not in page.html and "/channels/messages/" not in page.html
            assert "Case record" not in page.html and "Channel message" not in page.html
            if words:
                assert page.total == 0, (role, words)


def test_an_admitted_secretariat_finds_what_it_reads(world, as_user):
    channel = world.opened(admitted=True)
    case = make_case(world, channel)
    run_due_jobs()
    page = search(as_user(world.secretariat), "authority")
    assert f'href="/channels/cases/{case.id}"' in page.html


def test_a_summary_in_the_plenary_is_found_by_the_plenary_not_by_the_bilateral_partner(
    world, as_user, indexed
):
    _channel, case = indexed
    plenary(world, [world.state_a, world.state_c])
    as_user(world.member_a).post(f"/channels/cases/{case.id}/publish")
    run_due_jobs()
    page = search(as_user(world.contact_c), "issuing authority")
    assert page.total == 1 and "Lessons from a diversion case" in page.html
    assert REFERENCE not in page.html
    # B reads the case record (one hit for its lessons) but not the plenary's summary.
    page = search(as_user(world.member_b), "issuing authority")
    assert "Lessons from a diversion case" not in page.html


def test_retracted_messages_and_edits_leave_the_index_in_step(world, as_user, indexed):
    _channel, case = indexed
    assert verify().count == 0
    as_user(world.contact_a).post(
        f"/channels/cases/{case.id}/edit",
        data={
            "reference": "Pistols at the border",
            "items-0-category": "VIII.SA",
            "route-0-iso3": "GHA",
            "route-0-role": "export",
            "stage": "export",
            "case_status": "suspected",
        },
    )
    run_due_jobs()
    assert verify().count == 0
    # The record, and the two messages of its thread (renamed after the record).
    page = search(as_user(world.member_b), "Pistols")
    assert page.total == 3
    assert page.html.count("Case record: Pistols at the border") == 2

    first = case.thread.messages.first()
    services.retract_message(first, world.member_a)
    db.session.commit()
    assert MESSAGE_ADAPTER.item(first.id) is None
    assert first.id not in list(MESSAGE_ADAPTER.ids())
    rebuild()
    assert search(as_user(world.member_b), "added a case record").total == 0


def test_a_retracted_case_record_has_no_item(world, indexed):
    _channel, case = indexed
    assert CASE_ADAPTER.item(case.id)["acl"] == case.acl
    case.retracted_at = case.created_at
    db.session.commit()
    assert CASE_ADAPTER.item(case.id) is None and CASE_ADAPTER.rows([case.id]) == {}
