"""An agenda item's topic shows its meetings and its documents, each only to those who may see
it, and links to them; the library's and the meeting's pages link back."""

import pytest

from tests.forum.pages import read
from tests.library.builders import Library
from tests.meetings.conftest import Meetings


@pytest.fixture
def agenda_item(make, forum):
    """A topic of a working group every user reads, on the agenda of an open meeting and of a
    DIEF session, with a document for everyone and one for States Parties only."""
    meetings, library = Meetings(forum, make), Library(forum)
    topic = forum.topic(forum.space("users"), title="Transit and trans-shipment")
    open_meeting = meetings.meeting(title="Working groups' meeting")
    meetings.item(open_meeting, topic_id=topic.id)
    session = meetings.meeting(title="DIEF closed session", kind="dief", level="states")
    meetings.item(session, topic_id=topic.id)
    open_document = library.document("Chair's draft on transit", topic_id=topic.id)
    restricted = library.document(
        "States Parties' paper on transit", topic_id=topic.id, level="state_parties"
    )
    return topic, open_meeting, session, open_document, restricted


def test_a_state_party_sees_every_meeting_and_document_of_the_agenda_item(
    make, signed_in, agenda_item
):
    topic, open_meeting, session, open_document, restricted = agenda_item
    page = read(signed_in(make.user()).get(f"/forum/topics/{topic.id}"))
    assert page.has("Working groups' meeting") and page.has("DIEF closed session")
    assert page.has("Chair's draft on transit") and page.has("States Parties' paper on transit")
    html = signed_in(make.user()).get(f"/forum/topics/{topic.id}").get_data(as_text=True)
    for address in (
        f"/meetings/{open_meeting.id}",
        f"/meetings/{session.id}",
        f"/library/documents/{open_document.id}",
        f"/library/documents/{restricted.id}",
        f"/library/topic/{topic.id}",
    ):
        assert f'href="{address}"' in html


def test_an_observer_sees_only_what_the_access_policy_allows(make, signed_in, agenda_item):
    topic, open_meeting, session, open_document, restricted = agenda_item
    observer = make.user(delegation=make.delegation(kind="international_organisation"))
    response = signed_in(observer).get(f"/forum/topics/{topic.id}")
    html = response.get_data(as_text=True)
    assert read(response).has("Working groups' meeting")
    assert read(response).has("Chair's draft on transit")
    assert "DIEF closed session" not in html and f"/meetings/{session.id}" not in html
    assert "States Parties' paper" not in html and f"/documents/{restricted.id}" not in html


def test_a_topic_on_no_agenda_and_without_documents_shows_neither(make, forum, signed_in):
    topic = forum.topic(forum.space("users"))
    response = signed_in(make.user()).get(f"/forum/topics/{topic.id}")
    assert response.status_code == 200
    assert not read(response).has("On the agenda of")
    assert not read(response).has("All documents of this agenda item")
