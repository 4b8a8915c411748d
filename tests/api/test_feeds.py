"""Atom feeds: public items without a key, a person's items with their feed key (restricted
ones by title and link only), nothing once the key is revoked."""

from xml.etree import ElementTree

from portal.api import services
from portal.extensions import db

ATOM = "{http://www.w3.org/2005/Atom}"


def parse(response):
    """The feed, checked for the Atom structure: (feed title, [(title, link, summary)])."""
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/atom+xml"
    root = ElementTree.fromstring(response.data)
    assert root.tag == ATOM + "feed"
    for required in ("id", "title", "updated"):
        assert root.find(ATOM + required) is not None, required
    assert root.find(ATOM + "link[@rel='self']") is not None
    entries = []
    for entry in root.findall(ATOM + "entry"):
        for required in ("id", "title", "updated"):
            assert entry.find(ATOM + required) is not None, required
        summary = entry.find(ATOM + "summary")
        entries.append(
            (
                entry.find(ATOM + "title").text,
                entry.find(ATOM + "link").get("href"),
                summary.text if summary is not None else None,
            )
        )
    return root.find(ATOM + "title").text, entries


def feed_key(user):
    _token, secret = services.issue_feed_token(user)
    db.session.commit()
    return secret


def test_public_feed_of_a_document_type_carries_public_items_only(client, library):
    library.document("Open paper", level="public", summary="Open summary.")
    library.document("Members paper", level="users", summary="Members summary.")
    title, entries = parse(client.get("/feeds/type/working_paper.atom"))
    assert [e[0] for e in entries] == ["Open paper"]
    assert entries[0][2] == "Open summary."
    assert entries[0][1].startswith("http://localhost/library/documents/")


def test_a_feed_key_adds_what_its_person_reads_restricted_items_by_title_only(
    client, make, library
):
    library.document("Members paper", level="users", summary="Members summary.")
    library.document("States paper", level="state_parties", summary="Confidential summary.")
    key = feed_key(make.user())
    _title, entries = parse(client.get(f"/feeds/type/working_paper.atom?key={key}"))
    by_title = {e[0]: e[2] for e in entries}
    assert by_title == {"Members paper": "Members summary.", "States paper": None}
    assert b"Confidential summary." not in client.get(f"/feeds/type/working_paper.atom?key={key}").data
    observer_key = feed_key(make.user(delegation=make.delegation(kind="international_organisation")))
    _title, entries = parse(client.get(f"/feeds/type/working_paper.atom?key={observer_key}"))
    assert [e[0] for e in entries] == ["Members paper"]


def test_working_group_and_topic_feeds(client, make, forum, library):
    space = forum.space(level="public")
    topic = forum.topic(space, title="Transit")
    forum.thread(topic, title="How do you check transit?")
    library.document("Transit paper", level="public", working_group=space, topic_id=topic.id)
    title, entries = parse(client.get(f"/feeds/wg/{space.code}.atom"))
    assert title == space.names["en"]
    assert {e[0] for e in entries} == {"How do you check transit?", "Transit paper"}
    _title, entries = parse(client.get(f"/feeds/topic/{topic.id}.atom"))
    assert {e[0] for e in entries} == {"How do you check transit?", "Transit paper"}
    closed = forum.space(level="state_parties")
    assert client.get(f"/feeds/wg/{closed.code}.atom").status_code == 404
    assert client.get("/feeds/type/no-such-type.atom").status_code == 404


def test_a_revoked_key_leaks_nothing(client, make, forum):
    space = forum.space(level="users")
    forum.thread(forum.topic(space), title="Members only thread")
    person = make.user()
    key = feed_key(person)
    assert parse(client.get(f"/feeds/wg/{space.code}.atom?key={key}"))[1]
    services.revoke_feed_tokens(person)
    db.session.commit()
    for path in [f"/feeds/wg/{space.code}.atom", "/feeds/type/working_paper.atom"]:
        answer = client.get(f"{path}?key={key}")
        assert answer.status_code == 404
        assert b"Members only" not in answer.data
    api_secret = services.issue_api_token(person, "program", "read", 30)[1]
    db.session.commit()
    assert client.get(f"/feeds/wg/{space.code}.atom?key={api_secret}").status_code == 404
