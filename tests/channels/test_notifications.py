"""Following a channel: only its readers may, the fan-out reaches only the people who hold the
channel's principal now, and the emails (received by a real SMTP server) say that there is new
activity in a channel and link to it, with no name, title, text or member delegation."""

from sqlalchemy import func, select

from portal.channels import services
from portal.core.jobs import run_due_jobs
from portal.extensions import db
from portal.notifications.models import Notification, Subscription
from tests.channels.test_cases import make_case
from tests.conftest import html_of, link_in, text_of

MESSAGE = "The container was opened in Lomé on 3 March."
#: What an email about the channel must never carry.
CONTENT = ("Route 7 case", "Seizure at the port", "Lomé", "Republic A", "Republic B", "Abel")


def follow(http, channel, delivery="instant"):
    return http.post(
        "/notifications/subscribe",
        data={
            "target_type": "channel",
            "target_id": str(channel.id),
            "level": "watching",
            "delivery": delivery,
            "next": f"/channels/{channel.id}",
        },
    )


def subscriptions():
    return db.session.scalar(select(func.count()).select_from(Subscription))


def test_readers_follow_a_channel_from_its_page(world, as_user):
    channel = world.opened()
    bo = as_user(world.member_b)
    page = bo.get(f"/channels/{channel.id}").get_data(as_text=True)
    assert 'name="target_type" value="channel"' in page
    response = follow(bo, channel)
    assert response.status_code == 302
    [subscription] = db.session.scalars(select(Subscription)).all()
    assert (subscription.target_type, subscription.target_id) == ("channel", channel.id)
    settings = bo.get("/notifications/settings").get_data(as_text=True)
    assert "Route 7 case" in settings and f"/channels/{channel.id}" in settings


def test_nobody_else_can_follow_it_and_learns_nothing_by_trying(world, as_user):
    channel = world.opened()
    world.other_channel()
    for role, person in world.outsiders.items():
        response = follow(as_user(person), channel)
        assert response.status_code == 404, role
        assert "Route 7 case" not in response.get_data(as_text=True)
    assert subscriptions() == 0


def test_a_follower_gets_an_email_that_names_nothing_of_the_channel(world, as_user, mailbox):
    channel = world.opened()
    thread, _message = world.thread(channel)
    run_due_jobs()
    follow(as_user(world.member_b), channel)
    mailbox.messages.clear()
    response = as_user(world.member_a).post(
        f"/channels/threads/{thread.id}/messages", data={"body": MESSAGE}
    )
    assert response.status_code == 302
    run_due_jobs()
    [notification] = db.session.scalars(
        select(Notification).where(Notification.user_id == world.member_b.id)
    ).all()
    assert notification.subject_type == "channel_message"
    assert notification.coalesce_key == f"channel:{channel.id}"

    email = mailbox.last_to(world.member_b.email)
    text, html = text_of(email), html_of(email)
    assert "New activity in a channel" in text
    for secret in CONTENT:
        assert secret not in email["Subject"], secret
        assert secret not in text, secret
        assert secret not in html, secret
    assert str(channel.id) not in email["Subject"]

    # The link opens the message, for the follower signed in.
    link = link_in(email, "/notifications/")
    bo = as_user(world.member_b)
    opened = bo.get(link.removeprefix("http://localhost"))
    assert opened.status_code == 302 and "/channels/messages/" in opened.headers["Location"]
    # In the portal, the member sees which thread it is about.
    assert "Seizure at the port" in bo.get("/notifications/").get_data(as_text=True)


def test_the_fan_out_reaches_only_the_people_who_read_the_channel_now(world, as_user, mailbox):
    channel = world.opened()
    thread, _message = world.thread(channel)
    run_due_jobs()
    follow(as_user(world.member_b), channel)
    follow(as_user(world.contact_b), channel)
    participant = next(p for p in channel.participants if p.user_id == world.member_b.id)
    services.remove_participant(channel, world.contact_b, participant)
    db.session.commit()
    run_due_jobs()
    mailbox.messages.clear()
    services.post_message(thread, world.member_a, MESSAGE)
    db.session.commit()
    run_due_jobs()
    told = set(db.session.scalars(select(Notification.user_id)))
    assert told == {world.contact_b.id}
    assert mailbox.to(world.member_b.email) == []
    assert len(mailbox.to(world.contact_b.email)) == 1
    # The author is not told of their own message, and the withdrawn participant sees nothing.
    assert "Seizure at the port" not in as_user(world.member_b).get("/notifications/").get_data(
        as_text=True
    )


def test_a_message_retracted_before_the_fan_out_tells_nobody(world, as_user, mailbox):
    channel = world.opened()
    thread, _message = world.thread(channel)
    run_due_jobs()
    follow(as_user(world.member_b), channel)
    message = services.post_message(thread, world.member_a, MESSAGE)
    services.retract_message(message, world.member_a)
    db.session.commit()
    mailbox.messages.clear()
    run_due_jobs()
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
    assert mailbox.messages == []


def test_a_new_case_record_is_news_for_the_followers_without_its_content(world, as_user, mailbox):
    channel = world.opened()
    follow(as_user(world.member_b), channel)
    mailbox.messages.clear()
    make_case(world, channel)
    run_due_jobs()
    email = mailbox.last_to(world.member_b.email)
    for secret in (*CONTENT, "Rifles", "Ghana", "GHA", "Togo", "Forged"):
        assert secret not in text_of(email) and secret not in html_of(email), secret


def test_the_daily_digest_says_no_more_than_the_instant_email(world, as_user, mailbox):
    from portal.core.models import now_utc
    from portal.notifications.delivery import send_digests

    channel = world.opened()
    thread, _message = world.thread(channel)
    run_due_jobs()
    follow(as_user(world.member_b), channel, delivery="daily")
    services.post_message(thread, world.member_a, MESSAGE)
    db.session.commit()
    run_due_jobs()
    mailbox.messages.clear()
    assert send_digests("daily", now_utc().date()) == 1
    run_due_jobs()
    email = mailbox.last_to(world.member_b.email)
    assert "A diversion information exchange channel" in text_of(email)
    for secret in CONTENT:
        assert secret not in email["Subject"] and secret not in text_of(email), secret
        assert secret not in html_of(email), secret


def test_a_saved_search_that_finds_a_case_record_alerts_without_its_content(
    world, as_user, mailbox
):
    from portal.notifications.services import save_search

    channel = world.opened()
    save_search(world.member_b, "Rifles", "rifles", {})
    save_search(world.member_c, "Rifles", "rifles", {})  # not a reader of the channel
    db.session.commit()
    mailbox.messages.clear()
    case = make_case(world, channel)
    run_due_jobs()
    alerts = db.session.scalars(
        select(Notification).where(Notification.reason == "saved_search")
    ).all()
    assert {(n.user_id, n.subject_type) for n in alerts} >= {(world.member_b.id, "channel_case")}
    assert world.member_c.id not in {n.user_id for n in alerts}
    assert mailbox.to(world.member_c.email) == []
    assert mailbox.to(world.member_b.email)
    for email in mailbox.to(world.member_b.email):
        for secret in (*CONTENT, case.reference, "Rifles found"):
            assert secret not in email["Subject"] and secret not in text_of(email), secret
            assert secret not in html_of(email), secret
    # In the portal, the reader sees what the alert is about.
    assert case.reference in as_user(world.member_b).get("/notifications/").get_data(as_text=True)
