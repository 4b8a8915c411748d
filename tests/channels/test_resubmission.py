"""Channel messages, threads and case records sent twice with the same submission id are stored
once; a refused message keeps its id free although its page records the view; someone outside
the channel who sends a member's id still finds nothing."""

from sqlalchemy import func, select

from portal.channels.models import CaseRecord, ChannelMessage, ChannelThread
from portal.extensions import db
from tests.channels.test_cases import case_form
from tests.forum.pages import read
from tests.submissions import recorded_ids, submission_id

ALREADY_RECEIVED = "This was already received: it has not been stored a second time."


def count(model):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_message_sent_twice_is_stored_once(world, as_user):
    channel = world.opened()
    thread, _opening = world.thread(channel)
    bo = as_user(world.member_b)
    token = submission_id(bo.get(f"/channels/threads/{thread.id}"))
    data = {"body": "The consignment was re-exported.", "submission_id": token}

    first = bo.post(f"/channels/threads/{thread.id}/messages", data=data)
    again = bo.post(f"/channels/threads/{thread.id}/messages", data=data)

    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert count(ChannelMessage) == 2  # the opening message and this one
    assert read(bo.get(again.headers["Location"], follow_redirects=True)).has(ALREADY_RECEIVED)


def test_a_refused_message_keeps_its_id_free_though_its_page_records_the_view(world, as_user):
    channel = world.opened()
    thread, _opening = world.thread(channel)
    bo = as_user(world.member_b)
    token = submission_id(bo.get(f"/channels/threads/{thread.id}"))
    refused = bo.post(
        f"/channels/threads/{thread.id}/messages", data={"body": "", "submission_id": token}
    )
    assert refused.status_code == 400
    assert submission_id(refused) == token
    assert recorded_ids() == 0
    sent = bo.post(
        f"/channels/threads/{thread.id}/messages",
        data={"body": "Now with the facts.", "submission_id": token},
    )
    assert sent.status_code == 302
    assert count(ChannelMessage) == 2
    assert not read(bo.get(sent.headers["Location"], follow_redirects=True)).has(ALREADY_RECEIVED)


def test_a_new_thread_sent_twice_is_started_once(world, as_user):
    channel = world.opened()
    abel = as_user(world.member_a)
    url = f"/channels/{channel.id}/threads/new"
    data = {"title": "Port records", "body": "Copies follow.", "submission_id": ""}
    data["submission_id"] = submission_id(abel.get(url))
    first, again = abel.post(url, data=data), abel.post(url, data=data)
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert count(ChannelThread) == 1


def test_a_case_record_sent_twice_is_recorded_once(world, as_user):
    channel = world.opened()
    abel = as_user(world.member_a)
    url = f"/channels/{channel.id}/cases/new"
    data = case_form(submission_id=submission_id(abel.get(url)))
    first, again = abel.post(url, data=data), abel.post(url, data=data)
    assert first.status_code == again.status_code == 302
    [case] = db.session.scalars(select(CaseRecord)).all()
    assert first.headers["Location"].endswith(f"/channels/cases/{case.id}")
    assert again.headers["Location"] == first.headers["Location"]
    assert read(abel.get(again.headers["Location"])).has(ALREADY_RECEIVED)


def test_an_outsider_sending_a_members_id_finds_nothing(world, as_user):
    channel = world.opened()
    thread, _opening = world.thread(channel)
    bo = as_user(world.member_b)
    token = submission_id(bo.get(f"/channels/threads/{thread.id}"))
    data = {"body": "Seen by members only.", "submission_id": token}
    assert bo.post(f"/channels/threads/{thread.id}/messages", data=data).status_code == 302
    for outsider in world.outsiders.values():
        response = as_user(outsider).post(f"/channels/threads/{thread.id}/messages", data=data)
        assert response.status_code == 404
    assert count(ChannelMessage) == 2
