"""Following a channel: only its readers may, the fan-out reaches only the people who hold the
channel's principal now, and the emails (received by a real SMTP server) say that there is new
activity in a channel and link to it, with no name, title, text or member delegation."""

import pytest
from sqlalchemy import func, select

from portal.channels import services
from portal.core.events import Event
from portal.core.jobs import run_due_jobs
from portal.extensions import db
from portal.notifications.models import Notification, Subscription
from tests.channels.test_cases import CONFIRMED, make_case
from tests.conftest import html_of, link_in, text_of

MESSAGE = "The container was opened in Lomé on 3 March."
#: What an email about the channel must never carry.
CONTENT = ("Route 7 case", "Seizure at the port", "Lomé", "Republic A", "Republic B", "Abel")


@pytest.fixture(autouse=True)
def every_notice_emailed_at_once(app):
    """Coalescing is tested with the notifications; here each notice is an email of its own."""
    app.config["PORTAL_NOTIFY_COALESCE_MINUTES"] = 0


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


def followers(channel):
    return set(
        db.session.scalars(
            select(Subscription.user_id).where(
                Subscription.target_type == "channel", Subscription.target_id == channel.id
            )
        )
    )


def told(subject_type=None):
    query = select(Notification.user_id)
    if subject_type:
        query = query.where(Notification.subject_type == subject_type)
    return set(db.session.scalars(query))


def assert_names_nothing(email, *also):
    """The email carries no channel name, thread title, text, member or author (it greets its
    recipient by name, who may be one of the participants named in CONTENT)."""
    greeted = {name for name in CONTENT if f"Dear {name}," in text_of(email)}
    for secret in {*CONTENT, *also} - greeted:
        assert secret not in email["Subject"], secret
        assert secret not in text_of(email), secret
        assert secret not in html_of(email), secret


def test_designated_participants_follow_their_channel_and_withdrawn_ones_no_longer(world):
    channel = world.opened()
    participants = {world.contact_a.id, world.member_a.id, world.contact_b.id, world.member_b.id}
    assert followers(channel) == participants
    [subscription] = db.session.scalars(
        select(Subscription).where(Subscription.user_id == world.member_b.id)
    ).all()
    assert (subscription.level, subscription.delivery) == ("watching", None)  # their default
    participant = next(p for p in channel.participants if p.user_id == world.member_b.id)
    services.remove_participant(channel, world.contact_b, participant)
    db.session.commit()
    assert followers(channel) == participants - {world.member_b.id}


def test_readers_change_how_they_follow_a_channel_from_its_page(world, as_user):
    channel = world.opened()
    bo = as_user(world.member_b)
    page = bo.get(f"/channels/{channel.id}").get_data(as_text=True)
    assert 'name="target_type" value="channel"' in page and "Following" in page
    response = follow(bo, channel, delivery="daily")
    assert response.status_code == 302
    [subscription] = db.session.scalars(
        select(Subscription).where(Subscription.user_id == world.member_b.id)
    ).all()
    assert (subscription.target_type, subscription.target_id) == ("channel", channel.id)
    assert subscription.delivery == "daily"
    settings = bo.get("/notifications/settings").get_data(as_text=True)
    assert "Route 7 case" in settings and f"/channels/{channel.id}" in settings


def test_a_participant_who_stops_following_hears_nothing_more(world, as_user, mailbox):
    channel = world.opened()
    thread, _message = world.thread(channel)
    run_due_jobs()
    [subscription] = db.session.scalars(
        select(Subscription).where(Subscription.user_id == world.member_b.id)
    ).all()
    bo = as_user(world.member_b)
    response = bo.post(
        f"/notifications/subscriptions/{subscription.id}/delete",
        data={"next": f"/channels/{channel.id}"},
    )
    assert response.status_code == 302
    assert world.member_b.id not in followers(channel)
    mailbox.messages.clear()
    services.post_message(thread, world.member_a, MESSAGE)
    db.session.commit()
    run_due_jobs()
    assert mailbox.to(world.member_b.email) == []
    assert mailbox.to(world.contact_b.email)


def test_nobody_else_can_follow_it_and_learns_nothing_by_trying(world, as_user):
    channel = world.opened()
    world.other_channel()
    before = subscriptions()
    for role, person in world.outsiders.items():
        response = follow(as_user(person), channel)
        assert response.status_code == 404, role
        assert "Route 7 case" not in response.get_data(as_text=True)
    assert subscriptions() == before


def test_the_participants_are_told_that_their_channel_opened(world, as_user, mailbox):
    channel = world.proposed()  # Ana, A's point of contact, takes part from the proposal
    services.designate(channel, world.contact_a, world.member_a.id)
    services.approve_channel(channel, world.secretariat)
    db.session.commit()
    run_due_jobs()
    assert told() == set()  # approved, not open yet
    mailbox.messages.clear()
    # Ben's acceptance opens it; he is not told of his own act.
    response = as_user(world.contact_b).post(f"/channels/{channel.id}/accept")
    assert response.status_code == 302
    run_due_jobs()
    assert told("channel") == {world.contact_a.id, world.member_a.id}
    assert {n.subject_type for n in db.session.scalars(select(Notification))} == {"channel"}
    outsiders = [world.contact_b, world.member_b, *world.outsiders.values()]
    for person in outsiders:
        assert mailbox.to(person.email) == [], person.name
    for person in (world.contact_a, world.member_a):
        [email] = mailbox.to(person.email)
        assert "A channel you follow is now open" in text_of(email)
        assert_names_nothing(email, "Ben", "Route 7")
    # In the portal, the participant sees which channel it is, and the notice leads to it.
    abel = as_user(world.member_a)
    listing = abel.get("/notifications/").get_data(as_text=True)
    assert "A channel you follow is now open" in listing and "Route 7 case" in listing
    link = link_in(mailbox.last_to(world.member_a.email), "/notifications/")
    opened = abel.get(link.removeprefix("http://localhost"))
    assert opened.headers["Location"].endswith(f"/channels/{channel.id}")


def test_a_new_message_reaches_every_participant_but_its_author_and_nobody_else(
    world, as_user, mailbox
):
    channel = world.opened()
    world.other_channel()
    thread, _message = world.thread(channel)
    run_due_jobs()
    # The opening message reached the participants but its author.
    assert told("channel_message") == {world.contact_a.id, world.contact_b.id, world.member_b.id}
    db.session.execute(Notification.__table__.delete())
    db.session.commit()
    mailbox.messages.clear()
    response = as_user(world.member_a).post(
        f"/channels/threads/{thread.id}/messages", data={"body": MESSAGE}
    )
    assert response.status_code == 302
    run_due_jobs()
    assert told() == {world.contact_a.id, world.contact_b.id, world.member_b.id}
    assert mailbox.to(world.member_a.email) == []
    for role, person in world.outsiders.items():
        assert mailbox.to(person.email) == [], role
    for person in (world.contact_a, world.contact_b, world.member_b):
        email = mailbox.last_to(person.email)
        assert "New activity in a channel you follow" in text_of(email)
        assert_names_nothing(email)
        assert str(channel.id) not in email["Subject"]


def test_a_follower_gets_an_email_that_names_nothing_of_the_channel(world, as_user, mailbox):
    channel = world.opened()
    thread, _message = world.thread(channel)
    run_due_jobs()
    mailbox.messages.clear()
    response = as_user(world.member_a).post(
        f"/channels/threads/{thread.id}/messages", data={"body": MESSAGE}
    )
    assert response.status_code == 302
    run_due_jobs()
    [notification] = db.session.scalars(
        select(Notification).where(
            Notification.user_id == world.member_b.id, Notification.read_at.is_(None)
        ).order_by(Notification.id.desc()).limit(1)
    ).all()
    assert notification.subject_type == "channel_message"
    assert notification.coalesce_key == f"channel:{channel.id}"

    email = mailbox.last_to(world.member_b.email)
    assert "New activity in a channel" in text_of(email)
    assert_names_nothing(email)

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
    participant = next(p for p in channel.participants if p.user_id == world.member_b.id)
    services.remove_participant(channel, world.contact_b, participant)
    # A subscription kept by someone who no longer reads the channel reaches nothing either.
    db.session.add(
        Subscription(user_id=world.member_b.id, target_type="channel", target_id=channel.id)
    )
    db.session.commit()
    run_due_jobs()
    mailbox.messages.clear()
    db.session.execute(Notification.__table__.delete())
    db.session.commit()
    services.post_message(thread, world.member_a, MESSAGE)
    db.session.commit()
    run_due_jobs()
    assert told() == {world.contact_a.id, world.contact_b.id}
    assert mailbox.to(world.member_b.email) == []
    assert len(mailbox.to(world.contact_b.email)) == 1
    # The withdrawn participant sees nothing in the portal.
    assert "Seizure at the port" not in as_user(world.member_b).get("/notifications/").get_data(
        as_text=True
    )


def test_a_retracted_message_is_news_for_those_who_were_told_of_it(world, as_user, mailbox):
    channel = world.opened()
    thread, _message = world.thread(channel)
    run_due_jobs()
    # Bo stops following before the message: he is not told of it, nor of its retraction.
    subscription = db.session.scalar(
        select(Subscription).where(Subscription.user_id == world.member_b.id)
    )
    as_user(world.member_b).post(f"/notifications/subscriptions/{subscription.id}/delete")
    assert world.member_b.id not in followers(channel)
    message = services.post_message(thread, world.member_a, MESSAGE)
    db.session.commit()
    run_due_jobs()
    mailbox.messages.clear()
    abel = as_user(world.member_a)
    assert abel.post(f"/channels/messages/{message.id}/retract", data=CONFIRMED).status_code == 302
    run_due_jobs()
    retractions = db.session.scalars(
        select(Notification).where(Notification.subject_id == message.id)
        .where(Notification.subject_type == "channel_message")
    ).all()
    assert sorted(n.user_id for n in retractions) == sorted(
        [world.contact_a.id, world.contact_b.id] * 2  # told of the message, then of its retraction
    )
    assert mailbox.to(world.member_a.email) == [] and mailbox.to(world.member_b.email) == []
    for person in (world.contact_a, world.contact_b):
        email = mailbox.last_to(person.email)
        assert "A message was retracted in a channel you follow" in text_of(email)
        assert_names_nothing(email)
    listing = as_user(world.contact_b).get("/notifications/").get_data(as_text=True)
    assert "A message was retracted in a channel you follow" in listing


def test_a_message_retracted_before_the_fan_out_tells_nobody(world, as_user, mailbox):
    channel = world.opened()
    thread, _message = world.thread(channel)
    run_due_jobs()
    before = db.session.scalar(select(func.count()).select_from(Notification))
    message = services.post_message(thread, world.member_a, MESSAGE)
    services.retract_message(message, world.member_a)
    db.session.commit()
    mailbox.messages.clear()
    run_due_jobs()
    assert db.session.scalar(select(func.count()).select_from(Notification)) == before
    assert mailbox.messages == []


def test_a_new_case_record_and_its_retraction_are_news_without_its_content(
    world, as_user, mailbox
):
    channel = world.opened()
    world.other_channel()
    run_due_jobs()
    mailbox.messages.clear()
    case = make_case(world, channel)
    run_due_jobs()
    # One notice of the record (none of its thread's opening message), never to its author.
    assert told("channel_case") == {world.contact_a.id, world.contact_b.id, world.member_b.id}
    assert told("channel_message") == set()
    secrets = ("Rifles", "Ghana", "GHA", "Togo", "Forged", case.reference)
    for role, person in {"author": world.member_a, **world.outsiders}.items():
        assert mailbox.to(person.email) == [], role
    for person in (world.contact_a, world.contact_b, world.member_b):
        email = mailbox.last_to(person.email)
        assert "New case record in a channel you follow" in text_of(email)
        assert_names_nothing(email, *secrets)
    bo = as_user(world.member_b)
    listing = bo.get("/notifications/").get_data(as_text=True)
    assert "New case record in a channel you follow" in listing and case.reference in listing

    mailbox.messages.clear()
    abel = as_user(world.member_a)
    assert abel.post(f"/channels/cases/{case.id}/retract", data=CONFIRMED).status_code == 302
    run_due_jobs()
    retractions = db.session.scalars(
        select(Notification).join(Notification.event).where(
            Event.kind == "channel.case_retracted"
        )
    ).all()
    assert {n.user_id for n in retractions} == {
        world.contact_a.id,
        world.contact_b.id,
        world.member_b.id,
    }
    for role, person in {"author": world.member_a, **world.outsiders}.items():
        assert mailbox.to(person.email) == [], role
    for person in (world.contact_a, world.contact_b, world.member_b):
        [email] = mailbox.to(person.email)
        assert "A case record was retracted in a channel you follow" in text_of(email)
        assert_names_nothing(email, *secrets)
    listing = bo.get("/notifications/").get_data(as_text=True)
    assert "A case record was retracted in a channel you follow" in listing


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


def test_a_message_retracted_before_any_email_told_of_it_is_no_news_by_email(
    world, as_user, mailbox
):
    from portal.core.models import now_utc
    from portal.notifications.delivery import send_digests

    channel = world.opened()
    thread, _message = world.thread(channel)
    run_due_jobs()
    follow(as_user(world.member_b), channel, delivery="daily")
    message = services.post_message(thread, world.member_a, MESSAGE)
    db.session.commit()
    run_due_jobs()
    services.retract_message(message, world.member_a)
    db.session.commit()
    run_due_jobs()
    # Bo was told of the message in the portal, then of its retraction; his digest has neither.
    assert len(
        db.session.scalars(
            select(Notification).where(
                Notification.user_id == world.member_b.id,
                Notification.subject_type == "channel_message",
                Notification.subject_id == message.id,
            )
        ).all()
    ) == 2
    mailbox.messages.clear()
    assert send_digests("daily", now_utc().date()) == 0
    run_due_jobs()
    assert mailbox.to(world.member_b.email) == []
