"""The export of a channel's record, as JSON and as a printable page: what it holds (messages
with tombstones, case records, attachments with their hashes, the access record with the export
itself), that it is recorded, and that only the channel's readers get it."""

import hashlib
import json
from io import BytesIO

from sqlalchemy import func, select

from portal.channels import services
from portal.channels.models import ChannelAccessRecord
from portal.extensions import db
from tests.channels.test_cases import REFERENCE, make_case

ANNEX = b"Serial numbers of the seized rifles\n"


def exchange(world, as_user):
    """A channel of A and B with a case record, a message with an attachment, a retracted
    message, and a view of the case record by B's member."""
    channel = world.opened()
    case = make_case(world, channel)
    thread, _first = world.thread(channel, body="The **consignment** left on 3 March.")
    as_user(world.member_b).post(
        f"/channels/threads/{thread.id}/messages",
        data={"body": "Our customs hold the annex.", "attachments": (BytesIO(ANNEX), "annex.txt")},
        content_type="multipart/form-data",
    )
    retracted = services.post_message(thread, world.member_a, "Sent by mistake: secret detail")
    services.retract_message(retracted, world.member_a)
    db.session.commit()
    as_user(world.member_b).get(f"/channels/cases/{case.id}")
    return channel, case, thread, retracted


def test_a_member_exports_the_whole_record_as_json(world, as_user):
    channel, _case, thread, retracted = exchange(world, as_user)
    response = as_user(world.contact_a).get(f"/channels/{channel.id}/export.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    record = json.loads(response.get_data(as_text=True))

    assert record["channel"]["name"] == "Route 7 case"
    assert {m["name"] for m in record["channel"]["members"]} == {"Republic A", "Republic B"}
    assert record["exported_by"]["name"] == "Ana"
    titles = [t["title"] for t in record["threads"]]
    assert "Seizure at the port" in titles and any(REFERENCE in t for t in titles)
    messages = next(t for t in record["threads"] if t["id"] == thread.id)["messages"]
    assert messages[0]["body_markdown"] == "The **consignment** left on 3 March."
    tombstone = next(m for m in messages if m["id"] == retracted.id)
    assert tombstone["retracted"] is True and tombstone["retracted_at"]
    assert tombstone["body_markdown"] is None
    assert "secret detail" not in response.get_data(as_text=True)

    [exported_case] = record["case_records"]
    assert exported_case["reference"] == REFERENCE
    assert exported_case["route"] == [
        {"iso3": "GHA", "role": "export"},
        {"iso3": "TGO", "role": "transit"},
    ]
    assert exported_case["provided_by"]["name"] == "Republic A"

    [annex] = record["attachments"]
    assert annex["name"] == "annex.txt" and annex["size"] == len(ANNEX)
    assert annex["sha256"] == hashlib.sha256(ANNEX).hexdigest()

    actions = [(a["user"]["name"], a["action"], a["object_type"]) for a in record["access_record"]]
    assert ("Bo", "view_case", "case") in actions
    # The export itself is in the record it carries.
    assert actions[-1] == ("Ana", "export", "export")


def test_the_printable_page_shows_the_same_record(world, as_user):
    channel, _case, _thread, _retracted = exchange(world, as_user)
    response = as_user(world.member_b).get(f"/channels/{channel.id}/export")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    for expected in (
        "Route 7 case",
        REFERENCE,
        "Ghana",
        "The <strong>consignment</strong> left on 3 March.",
        "annex.txt",
        hashlib.sha256(ANNEX).hexdigest(),
        "Retracted by its author",
        "Exported the channel record",
        "Confidential",
    ):
        assert expected in text, expected
    assert "secret detail" not in text


def test_every_export_is_written_to_the_access_record(world, as_user):
    channel = world.opened()
    abel = as_user(world.member_a)
    abel.get(f"/channels/{channel.id}/export.json")
    abel.get(f"/channels/{channel.id}/export")
    exports = db.session.scalars(
        select(ChannelAccessRecord).where(ChannelAccessRecord.action == "export")
    ).all()
    assert [(e.user_id, e.object_type, e.channel_id) for e in exports] == [
        (world.member_a.id, "export", channel.id)
    ] * 2


def test_whoever_does_not_read_the_channel_gets_404_and_nothing_is_recorded(world, as_user):
    channel, _case, _thread, _retracted = exchange(world, as_user)
    world.other_channel()
    before = db.session.scalar(select(func.count()).select_from(ChannelAccessRecord))
    for role, person in world.outsiders.items():
        http = as_user(person)
        for url in (f"/channels/{channel.id}/export.json", f"/channels/{channel.id}/export"):
            response = http.get(url)
            assert response.status_code == 404, (role, url)
            assert "Route 7 case" not in response.get_data(as_text=True)
    after = db.session.scalar(select(func.count()).select_from(ChannelAccessRecord))
    assert after == before


def test_a_proposed_channel_has_no_record_to_export(world, as_user):
    channel = world.proposed()
    assert as_user(world.contact_a).get(f"/channels/{channel.id}/export.json").status_code == 404
