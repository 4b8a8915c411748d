"""Nobody outside a channel learns anything of it: every channel URL answers 404 to them, the
same page as an unknown address, and no list or count shows it. Members get the content."""

import re
from io import BytesIO

import pytest
from sqlalchemy import func, select

from portal.channels.models import (
    ChannelAccessRecord,
    ChannelAttachment,
    ChannelMessage,
    ChannelParticipant,
    PresenceChange,
)
from portal.extensions import db

#: The channel URLs of this package, by the objects their arguments name.
ARGUMENTS = {
    "channel_id",
    "thread_id",
    "message_id",
    "attachment_id",
    "participant_id",
    "change_id",
}
#: What the non-admitted Secretariat may reach: the overview of every channel, to moderate access.
SECRETARIAT_OVERVIEW = {"channels.channel", "channels.presence"}


def channel_urls(app, ids):
    """Every channels.* rule whose arguments are the objects above, filled with `ids`."""
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("channels.") or not rule.arguments:
            continue
        if not set(rule.arguments) <= ARGUMENTS:
            continue
        path = rule.build({name: ids[name] for name in rule.arguments})[1]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, path, method


@pytest.fixture
def exchange(world, as_user):
    """An open channel of A and B with a thread, a message with an attachment, a participant
    row and a pending change of the Secretariat's presence."""
    channel = world.opened()
    thread, _message = world.thread(channel, body="The end user certificate was forged.")
    bo = as_user(world.member_b)
    bo.post(
        f"/channels/threads/{thread.id}/messages",
        data={
            "body": "Forged stamps from the ministry",
            "attachments": [(BytesIO(b"stamp serials\n"), "stamps.txt")],
        },
        content_type="multipart/form-data",
    )
    message = db.session.scalar(select(ChannelMessage).order_by(ChannelMessage.id.desc()))
    attachment = db.session.scalar(select(ChannelAttachment))
    participant = db.session.scalar(
        select(ChannelParticipant).where(ChannelParticipant.user_id == world.member_b.id)
    )
    as_user(world.contact_b).post(f"/channels/{channel.id}/presence", data={"admitted": "yes"})
    change = db.session.scalar(select(PresenceChange))
    ids = {
        "channel_id": channel.id,
        "thread_id": thread.id,
        "message_id": message.id,
        "attachment_id": attachment.id,
        "participant_id": participant.id,
        "change_id": change.id,
    }
    return channel, thread, ids


def without_token(page):
    """The page without its CSRF token and flashed messages, which change from one request to
    the next."""
    page = re.sub(r'name="csrf_token" value="[^"]*"', "", page)
    page = re.sub(r'<div class="flash-messages".*?</div>', "", page, flags=re.DOTALL)
    return " ".join(page.split())


SECRETS = (
    "Route 7 case",
    "border post",
    "Seizure at the port",
    "forged",
    "Forged",
    "stamps",
)


def test_every_channel_url_answers_404_to_everyone_outside(app, world, as_user, exchange):
    _channel, _thread, ids = exchange
    urls = list(channel_urls(app, ids))
    assert len(urls) >= 20
    records = db.session.scalar(select(func.count(ChannelAccessRecord.id)))
    for role, person in world.outsiders.items():
        http = as_user(person)
        unknown = http.get("/channels/threads/999999")
        assert unknown.status_code == 404
        for endpoint, path, method in urls:
            if role == "secretariat not admitted" and endpoint in SECRETARIAT_OVERVIEW:
                continue
            if role == "secretariat not admitted" and endpoint in (
                "channels.channel_close",
                "channels.channel_archive",
                "channels.channel_invite",
            ):
                # The Secretariat closes and archives (tested in test_pages.py) and invites
                # delegations (tests/channels/test_invite.py).
                continue
            response = http.open(path, method=method)
            assert response.status_code == 404, (
                role,
                endpoint,
                method,
                response.status_code,
            )
            # The very page of an unknown address (the language switch names the path).
            body = without_token(response.get_data(as_text=True))
            expected = without_token(unknown.get_data(as_text=True)).replace(
                "/channels/threads/999999", path
            )
            assert body == expected, (role, endpoint, method)
    # Refused visits leave no trace in the access record and change nothing.
    assert db.session.scalar(select(func.count(ChannelAccessRecord.id))) == records
    assert db.session.get(PresenceChange, ids["change_id"]).status == "pending"


def test_the_secretariat_not_admitted_sees_only_existence_members_and_dates(
    world, as_user, exchange
):
    channel, thread, _ids = exchange
    sam = as_user(world.secretariat)
    for path in (
        f"/channels/{channel.id}",
        f"/channels/{channel.id}/presence",
        "/channels/",
    ):
        response = sam.get(path)
        assert response.status_code == 200, path
        body = response.get_data(as_text=True)
        assert not any(secret in body for secret in SECRETS), path
        assert "Republic A" in body and "Republic B" in body
    overview = sam.get(f"/channels/{channel.id}").get_data(as_text=True)
    assert f"Bilateral channel no. {channel.id}" in overview
    assert "Opened" in overview
    assert sam.get(f"/channels/threads/{thread.id}").status_code == 404


def test_members_get_the_content_of_every_page(world, as_user, exchange):
    channel, thread, ids = exchange
    for role, person in world.members.items():
        http = as_user(person)
        overview = http.get(f"/channels/{channel.id}").get_data(as_text=True)
        assert "Route 7 case" in overview and "Seizure at the port" in overview, role
        thread_page = http.get(f"/channels/threads/{thread.id}").get_data(as_text=True)
        assert "The end user certificate was forged." in thread_page, role
        assert http.get(f"/channels/attachments/{ids['attachment_id']}").data == b"stamp serials\n"
        link = http.get(f"/channels/messages/{ids['message_id']}")
        assert (
            link.status_code == 302 and f"#message-{ids['message_id']}" in link.headers["Location"]
        )
        assert http.get(f"/channels/{channel.id}/access-record").status_code == 200, role
        assert "Route 7 case" in http.get("/channels/").get_data(as_text=True), role


def test_lists_and_counts_do_not_reveal_channels(world, as_user, exchange):
    channel, _thread, _ids = exchange
    for role, person in world.outsiders.items():
        if role == "secretariat not admitted":
            continue
        http = as_user(person)
        listing = http.get("/channels/")
        if role == "observer":
            assert listing.status_code == 404
            continue
        body = listing.get_data(as_text=True)
        assert not any(secret in body for secret in SECRETS), role
        assert f'/channels/{channel.id}"' not in body, role
        home = http.get("/").get_data(as_text=True)
        assert not any(secret in home for secret in SECRETS), role


def test_the_channels_nav_item_is_shown_only_to_states_and_the_secretariat(world, as_user):
    def has_nav(person):
        return bool(
            re.search(r'href="/channels/"', as_user(person).get("/").get_data(as_text=True))
        )

    assert has_nav(world.member_a) and has_nav(world.member_b) and has_nav(world.secretariat)
    assert not has_nav(world.observer)


def test_every_page_carries_the_handling_notice(world, as_user, exchange):
    channel, thread, _ids = exchange
    ana = as_user(world.contact_a)
    for path in (
        "/channels/",
        "/channels/new",
        f"/channels/{channel.id}",
        f"/channels/threads/{thread.id}",
        f"/channels/{channel.id}/threads/new",
        f"/channels/{channel.id}/access-record",
        f"/channels/{channel.id}/presence",
        f"/channels/{channel.id}/participants",
    ):
        body = ana.get(path).get_data(as_text=True)
        assert "Confidential — diversion information exchange." in body, path
