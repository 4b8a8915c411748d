"""What the home page shows: since the last visit or everything recent, in what the person
follows, channel activity without content, deadlines, invitations, the first visit's
orientation, and a fixed number of SQL statements however much the portal holds."""

from datetime import date, timedelta

import pytest
from sqlalchemy import update

from portal.channels import services as channel_services
from portal.core.models import now_utc
from portal.extensions import db
from portal.forum.models import Post, Thread
from portal.home import news
from portal.home.models import HomeVisit
from portal.notifications.services import subscribe
from tests.consultations.conftest import consultations  # noqa: F401 (a fixture)
from tests.forum.test_queries import queries_for

ORIENTATION = "What this portal is for"


def age(thread, days):
    """Make `thread` and its posts `days` old."""
    moment = now_utc() - timedelta(days=days)
    db.session.execute(
        update(Thread).where(Thread.id == thread.id).values(created_at=moment, last_post_at=moment)
    )
    db.session.execute(update(Post).where(Post.thread_id == thread.id).values(created_at=moment))
    db.session.commit()


@pytest.fixture
def reader(make):
    return make.user(delegation=make.delegation(kind="state_party"))


@pytest.fixture
def followed_topic(forum, reader):
    topic = forum.topic(forum.space("users"))
    subscribe(reader, "topic", topic.id)
    db.session.commit()
    return topic


def test_a_first_visit_shows_the_orientation_and_everything_recent(reader, signed_in):
    text = signed_in(reader).get("/").get_data(as_text=True)
    assert ORIENTATION in text
    assert "Everything from the last 30 days." in text
    assert "since your last visit" not in text


def test_the_first_visit_is_recorded_once(reader, signed_in):
    http = signed_in(reader)
    http.get("/")
    visit = db.session.get(HomeVisit, reader.id)
    assert visit is not None and visit.previous_seen_at is None
    first = visit.seen_at
    http.get("/")
    db.session.refresh(visit)
    assert visit.seen_at == first
    assert visit.previous_seen_at is None


def test_reloading_within_the_visit_writes_nothing_and_keeps_the_same_period(
    reader, signed_in, visit_at
):
    started = now_utc() - timedelta(minutes=10)
    before = now_utc() - timedelta(days=2)
    visit_at(reader, started, before)
    text = signed_in(reader).get("/").get_data(as_text=True)
    assert ORIENTATION not in text
    assert "New since your last visit" in text
    visit = db.session.get(HomeVisit, reader.id)
    assert (visit.seen_at, visit.previous_seen_at) == (started, before)


def test_a_new_visit_moves_the_period_on(reader, signed_in, visit_at):
    started = now_utc() - timedelta(hours=3)
    visit_at(reader, started, now_utc() - timedelta(days=2))
    signed_in(reader).get("/")
    visit = db.session.get(HomeVisit, reader.id)
    assert visit.previous_seen_at == started
    assert visit.seen_at > started


def test_only_threads_with_posts_since_the_last_visit_are_shown(
    forum, reader, followed_topic, signed_in, visit_at
):
    old = forum.thread(followed_topic, title="Discussed last month")
    age(old, 20)
    fresh = forum.thread(followed_topic, title="Opened today")
    revived = forum.thread(followed_topic, title="Older thread with a new reply")
    age(revived, 10)
    forum.reply(revived)
    visit_at(reader, now_utc() - timedelta(hours=1), now_utc() - timedelta(days=3))
    http = signed_in(reader)
    text = http.get("/").get_data(as_text=True)
    assert "Opened today<" in text
    assert "Older thread with a new reply<" in text
    assert "Discussed last month<" not in text
    assert f'href="/forum/threads/{fresh.id}"' in text
    everything = http.get("/?show=all").get_data(as_text=True)
    assert "Discussed last month<" in everything


def test_new_and_updated_threads_are_told_apart(forum, reader, followed_topic, signed_in):
    forum.thread(followed_topic, title="Brand new")
    revived = forum.thread(followed_topic, title="Revived")
    age(revived, 40)
    forum.reply(revived)
    text = signed_in(reader).get("/?show=all").get_data(as_text=True)
    assert "New thread</span>" in text
    assert "New posts</span>" in text


def test_threads_outside_what_the_person_follows_are_not_shown(forum, reader, signed_in):
    followed_space = forum.space("users")
    child = forum.space("users", parent=followed_space)
    other = forum.space("users")
    subscribe(reader, "working_group", followed_space.id)
    db.session.commit()
    forum.thread(forum.topic(followed_space), title="In the followed group")
    forum.thread(forum.topic(child), title="In its sub-workstream")
    forum.thread(forum.topic(other), title="Elsewhere")
    text = signed_in(reader).get("/?show=all").get_data(as_text=True)
    assert "In the followed group<" in text
    assert "In its sub-workstream<" in text
    assert "Elsewhere<" not in text


def test_a_muted_subscription_shows_nothing(forum, reader, signed_in):
    topic = forum.topic(forum.space("users"))
    subscribe(reader, "topic", topic.id, level="muted")
    db.session.commit()
    forum.thread(topic, title="Muted talk")
    text = signed_in(reader).get("/?show=all").get_data(as_text=True)
    assert "Muted talk<" not in text
    assert "Nothing new in the working groups, topics and threads you follow." in text


def test_documents_follow_the_spaces_and_types_followed(forum, meetings, reader, signed_in):
    library = meetings.library
    followed_space = forum.space("users")
    library.document("Paper of the followed group", working_group=followed_space)
    library.document("Paper of another group", working_group=forum.space("users"))
    library.document("A followed kind", doc_type="national_report")
    http = signed_in(reader)
    # Following nothing: every document the person may read.
    text = http.get("/?show=all").get_data(as_text=True)
    assert "Paper of another group" in text
    subscribe(reader, "working_group", followed_space.id)
    subscribe(reader, "document_type", target_code="national_report")
    db.session.commit()
    text = http.get("/?show=all").get_data(as_text=True)
    assert "Paper of the followed group" in text
    assert "A followed kind" in text
    assert "Paper of another group" not in text


def test_channel_activity_is_shown_to_participants_without_its_content(world, signed_in):
    channel = world.opened()
    world.thread(channel, author=world.member_a, title="Seizure at the port", body="Secret facts")
    member = signed_in(world.member_b).get("/").get_data(as_text=True)
    assert "New message in a channel you take part in" in member
    assert f'href="/channels/{channel.id}"' in member
    assert "Seizure at the port" not in member
    assert "Secret facts" not in member
    assert "Route 7 case" not in member
    author = signed_in(world.member_a).get("/").get_data(as_text=True)
    assert "New message in a channel you take part in" not in author
    for outsider in world.outsiders.values():
        text = signed_in(outsider).get("/").get_data(as_text=True)
        assert "channel you take part in" not in text
        assert f"/channels/{channel.id}" not in text


def test_a_point_of_contact_sees_the_invitation_of_its_delegation(world, signed_in):
    channel = world.proposed(name="Border crossing exchange")
    contact = signed_in(world.contact_b).get("/").get_data(as_text=True)
    assert "Waiting for you" in contact
    assert "Border crossing exchange<" in contact
    assert f'href="/channels/{channel.id}"' in contact
    for person in (world.member_b, world.contact_c, world.observer):
        text = signed_in(person).get("/").get_data(as_text=True)
        assert "Border crossing exchange" not in text
    channel_services.respond(channel, world.contact_b, True)
    db.session.commit()
    answered = signed_in(world.contact_b).get("/").get_data(as_text=True)
    assert "Border crossing exchange<" not in answered


def test_overdue_reports_of_the_delegation_are_shown(make, signed_in):
    state = make.delegation(
        kind="state_party", iso3="MEX", name="Mexico", entry_into_force=date(2020, 1, 1)
    )
    delegate = make.user(delegation=state)
    text = signed_in(delegate).get("/").get_data(as_text=True)
    assert "Initial report<" in text
    assert "Annual report 2025<" in text
    assert "Overdue</span>" in text
    observer = make.user(delegation=make.delegation(kind="international_organisation"))
    text = signed_in(observer).get("/").get_data(as_text=True)
    assert "Initial report<" not in text


def test_meetings_ahead_and_their_documents_deadline(meetings, reader, signed_in):
    meetings.meeting(title="Working groups' meeting in Geneva")
    meetings.meeting(
        title="Last year's meeting",
        start_day=date.today() - timedelta(days=300),
        end_day=date.today() - timedelta(days=298),
    )
    text = signed_in(reader).get("/").get_data(as_text=True)
    assert text.count("Working groups&#39; meeting in Geneva<") == 2  # coming up, documents due
    assert "Documents due</span>" in text
    assert "Last year&#39;s meeting" not in text


def test_consultations_of_ones_delegation_closing_soon_are_shown(
    consultations, make, signed_in
):
    """Only a consultation the reader's delegation takes part in, open and closing within the
    window; another delegation's stays unnamed."""
    mexico = make.delegation(kind="state_party")
    reader = make.user(delegation=mexico)
    ours = consultations.convened(invited=[mexico], title="Consultation on the template")
    consultations.convened(
        invited=[make.delegation(kind="state_party")], title="Consultation of others"
    )
    later = consultations.convened(
        invited=[mexico],
        title="Consultation closing much later",
        closes=now_utc() + timedelta(days=200),
    )
    text = signed_in(reader).get("/").get_data(as_text=True)
    assert "Consultation on the template<" in text
    assert f'href="/consultations/{ours.id}"' in text
    assert "Consultation of others" not in text
    assert later.title not in text


def test_the_page_runs_as_many_statements_with_many_threads_as_with_few(
    forum, meetings, make, signed_in
):
    writers = [make.user(delegation=make.delegation()) for _ in range(3)]
    reader = make.user(delegation=make.delegation(kind="state_party"))
    http = signed_in(reader)
    spaces = [forum.space("users") for _ in range(3)]
    for space in spaces:
        subscribe(reader, "working_group", space.id)
    db.session.commit()
    forum.bulk_threads(forum.topic(spaces[0]), 2, writers)
    meetings.library.document("One paper", working_group=spaces[0])
    few = queries_for(http, "/?show=all")
    for space in spaces:
        forum.bulk_threads(forum.topic(space), 60, writers, posts_per_thread=3)
        for number in range(4):
            meetings.library.document(f"Paper {space.code} {number}", working_group=space)
    meetings.meeting(title="Another meeting")
    many = queries_for(http, "/?show=all")
    assert many == few
