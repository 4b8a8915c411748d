"""The access record: every view of a channel page or thread and every download is written,
with who and when; members read it, nobody else."""

from io import BytesIO

from sqlalchemy import select

from portal.channels.models import ChannelAccessRecord, ChannelAttachment
from portal.extensions import db


def entries():
    return [
        (r.user_id, r.action, r.object_type, r.object_id)
        for r in db.session.scalars(select(ChannelAccessRecord).order_by(ChannelAccessRecord.id))
    ]


def test_views_and_downloads_are_recorded_in_order(world, as_user):
    channel = world.opened()
    thread, _message = world.thread(channel)
    bo = as_user(world.member_b)
    bo.post(
        f"/channels/threads/{thread.id}/messages",
        data={
            "body": "Manifest attached",
            "attachments": [(BytesIO(b"manifest\n"), "manifest.txt")],
        },
        content_type="multipart/form-data",
    )
    attachment = db.session.scalar(select(ChannelAttachment))
    db.session.execute(ChannelAccessRecord.__table__.delete())
    db.session.commit()

    abel = as_user(world.member_a)
    sam = as_user(world.secretariat)
    assert abel.get(f"/channels/{channel.id}").status_code == 200
    assert abel.get(f"/channels/threads/{thread.id}").status_code == 200
    assert abel.get(f"/channels/attachments/{attachment.id}").status_code == 200
    assert sam.get(f"/channels/{channel.id}").status_code == 200  # the overview only
    assert sam.get(f"/channels/threads/{thread.id}").status_code == 404
    assert as_user(world.member_c).get(f"/channels/{channel.id}").status_code == 404

    assert entries() == [
        (world.member_a.id, "view_channel", "channel", channel.id),
        (world.member_a.id, "view_thread", "thread", thread.id),
        (world.member_a.id, "download", "attachment", attachment.id),
        (world.secretariat.id, "view_channel", "channel", channel.id),
    ]
    record = bo.get(f"/channels/{channel.id}/access-record")
    assert record.status_code == 200
    text = record.get_data(as_text=True)
    for expected in (
        "Abel",
        "Sam",
        "Viewed a thread",
        "Downloaded an attachment",
        "manifest.txt",
    ):
        assert expected in text
    assert "Seizure at the port" in text  # the thread viewed, named for the members


def test_the_access_record_is_for_members_only(world, as_user):
    channel = world.opened()
    for person in world.outsiders.values():
        assert as_user(person).get(f"/channels/{channel.id}/access-record").status_code == 404
    admitted = world.opened(admitted=True, name="Admitted channel")
    assert (
        as_user(world.secretariat).get(f"/channels/{admitted.id}/access-record").status_code == 200
    )
