"""The demo channel of `flask portal demo-data`: open, written through the services, visible to
its participants only."""

import pytest
from sqlalchemy import func, select

from portal.access import can
from portal.accounts.models import User
from portal.auth.passwords import hash_password
from portal.channels.models import Channel, ChannelMessage, ChannelThread
from portal.channels.reference import load_demo_channels
from portal.core.audit import AuditEvent
from portal.core.events import Event
from portal.extensions import db
from tests.conftest import PASSWORD
from tests.search.conftest import SearchPage

CONTACT = "contact.mexico@demo.att-portal.invalid"
DELEGATE = "delegate.mexico@demo.att-portal.invalid"
THAILAND = "delegate.thailand@demo.att-portal.invalid"
OBSERVER = "observer.sipri@demo.att-portal.invalid"
SECRETARIAT = "secretariat@demo.att-portal.invalid"
NAME = "Mesoamerica: small arms diverted on the northern land routes"


def account(email):
    user = db.session.scalar(select(User).where(User.email == email))
    user.password_hash = hash_password(PASSWORD)  # the demo passwords are random
    db.session.commit()
    return user


@pytest.fixture
def demo(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    result = app.test_cli_runner().invoke(args=["portal", "demo-data"])
    assert result.exit_code == 0, result.output
    return db.session.scalar(select(Channel).where(Channel.name == NAME))


def test_demo_data_opens_a_regional_channel_of_mexico_with_a_thread(demo):
    channel = demo
    assert channel is not None
    assert (channel.kind, channel.status, channel.secretariat_admitted) == (
        "regional",
        "open",
        False,
    )
    assert channel.acl == f"channel:{channel.id}"
    members = {(m.delegation.short_name, m.status) for m in channel.members}
    assert members == {("MEX", "accepted"), ("GTM", "invited")}
    assert {p.user.email for p in channel.participants} == {CONTACT, DELEGATE}
    thread = db.session.scalar(select(ChannelThread).where(ChannelThread.channel_id == channel.id))
    messages = thread.messages.all()
    assert [m.author.email for m in messages] == [CONTACT, DELEGATE]
    assert all(m.acl == channel.acl and m.body_html for m in messages)
    assert db.session.scalar(
        select(func.count(Event.id)).where(Event.kind == "channel.message")
    ) == len(messages)
    actions = set(
        db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("channel.%")))
    )
    assert {
        "channel.propose",
        "channel.approve",
        "channel.open",
        "channel.invite",
    } <= actions
    # Loading again adds nothing.
    assert load_demo_channels() == 0
    assert db.session.scalar(select(func.count(Channel.id))) == 1


def test_the_demo_channel_is_visible_to_its_participants_only(demo, app, as_user):
    channel = demo
    thread = db.session.scalar(select(ChannelThread).where(ChannelThread.channel_id == channel.id))
    message = db.session.scalar(select(ChannelMessage).where(ChannelMessage.thread_id == thread.id))
    for email in (CONTACT, DELEGATE):
        http = as_user(account(email))
        assert NAME in http.get("/channels/").get_data(as_text=True), email
        page = http.get(f"/channels/threads/{thread.id}")
        assert page.status_code == 200, email
        assert "42 semi-automatic rifles" in page.get_data(as_text=True)
        hits = SearchPage(http.get("/search/", query_string={"q": "rifles"}))
        assert f'href="/channels/messages/{message.id}"' in hits.html, email
    for email in (THAILAND, OBSERVER):
        http = as_user(account(email))
        for path in (
            f"/channels/{channel.id}",
            f"/channels/threads/{thread.id}",
            f"/channels/messages/{message.id}",
        ):
            assert http.get(path).status_code == 404, (email, path)
        listing = http.get("/channels/")
        assert listing.status_code == 404 or NAME not in listing.get_data(as_text=True)
        hits = SearchPage(http.get("/search/", query_string={"q": "rifles"}))
        assert "/channels/messages/" not in hits.html and "semi-automatic" not in hits.html
    # The Secretariat is not admitted: it knows the channel exists, it reads nothing of it.
    officer = db.session.scalar(select(User).where(User.email == SECRETARIAT))
    assert can(officer, "channel_view", channel)
    assert not can(officer, "channel_details_view", channel)
    assert not can(officer, "channel_read", channel)
