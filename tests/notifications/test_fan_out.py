"""The fan-out of events to notifications: who is reached at each level, the most specific
subscription deciding, never the author, never someone who cannot see the item when the job
runs, once per person however often the job runs; and saved searches matched per item."""

from sqlalchemy import func, select, update

from portal.core.events import Event
from portal.core.jobs import Job, run_due_jobs
from portal.extensions import db
from portal.notifications.models import Notification, Subscription
from portal.notifications.services import fan_out, save_search, settings_of


def reached(**where):
    """{user id: reason} of the notifications written so far (matching `where`)."""
    query = select(Notification.user_id, Notification.reason)
    for column, value in where.items():
        query = query.where(getattr(Notification, column) == value)
    return dict(db.session.execute(query).all())


def test_each_level_hears_what_it_should(forum, make, place, follow):
    space, topic, thread, author = place
    watcher, new_threads, normal, muted = (make.user() for _ in range(4))
    for person, level in [
        (watcher, "watching"),
        (new_threads, "new_threads"),
        (normal, "normal"),
        (muted, "muted"),
    ]:
        follow(person, topic, level, "in_app")
    replier = make.user()
    forum.reply(thread, author=replier, body=f"Agreed, @{muted.email} and @{normal.email}.")
    run_due_jobs()
    post_event = db.session.scalar(select(Event.id).where(Event.kind == "post.created"))
    # Muted hears nothing, not even a mention.
    assert reached(event_id=post_event) == {
        watcher.id: "watching",
        author.id: "reply",
        normal.id: "mention",
    }
    forum.thread(topic, author=replier, title="A second question")
    run_due_jobs()
    thread_event = db.session.scalars(
        select(Event.id).where(Event.kind == "thread.created").order_by(Event.id.desc())
    ).first()
    assert reached(event_id=thread_event) == {
        watcher.id: "new_thread",
        new_threads.id: "new_thread",
    }


def test_a_reply_that_mentions_the_person_it_answers_is_one_notification(
    forum, make, place, follow
):
    space, topic, thread, author = place
    quoted_author, bystander = make.user(), make.user()
    quoted = forum.reply(thread, author=quoted_author, body="My point.")
    follow(bystander, thread, "watching", "in_app")
    run_due_jobs()
    before = db.session.scalar(select(func.max(Notification.id))) or 0
    replier = make.user()
    reply = forum.reply(
        thread,
        author=replier,
        body=f"@{author.email}, @{quoted_author.email} and @{bystander.email}: see above.",
        quoted_post_id=quoted.id,
    )
    run_due_jobs()
    told = db.session.execute(
        select(Notification.user_id, Notification.reason).where(Notification.id > before)
    ).all()
    assert sorted(told) == sorted(
        [
            (author.id, "reply_mention"),
            (quoted_author.id, "reply_mention"),
            (bystander.id, "mention"),
        ]
    )
    subjects = db.session.scalars(select(Notification.subject_id).where(Notification.id > before))
    assert set(subjects) == {reply.id}


def test_the_most_specific_subscription_decides(forum, make, place, follow):
    space, topic, thread, author = place
    person = make.user()
    follow(person, space, "watching", "in_app")
    follow(person, thread, "muted", "in_app")
    other_thread = forum.thread(topic, author=author)
    forum.reply(thread, author=author)
    forum.reply(other_thread, author=author)
    run_due_jobs()
    notified = db.session.scalars(
        select(Notification.coalesce_key).where(Notification.user_id == person.id)
    ).all()
    assert f"thread:{thread.id}" not in notified
    assert f"thread:{other_thread.id}" in notified


def test_never_the_author_nor_a_suspended_person(forum, make, place, follow):
    space, topic, thread, author = place
    suspended = make.user()
    follow(author, topic, "watching", "in_app")
    follow(suspended, topic, "watching", "in_app")
    suspended.status = "suspended"
    db.session.commit()
    forum.reply(thread, author=author)
    run_due_jobs()
    assert reached() == {}


def test_access_is_checked_when_the_job_runs_not_when_the_event_was_written(forum, make, follow):
    group_member, leaver = make.user(), make.user()
    group = make.group(members=[group_member, leaver])
    space = forum.space(level="group", group=group)
    topic = forum.topic(space)
    thread = forum.thread(topic, author=group_member)
    for person in (group_member, leaver):
        follow(person, thread, "watching", "in_app")
    run_due_jobs()
    writer = make.user()
    from portal.accounts.models import GroupMembership

    db.session.add(GroupMembership(group_id=group.id, user_id=writer.id))
    db.session.commit()
    forum.reply(thread, author=writer, body="Restricted detail.")
    # Between the event and its fan-out, one member leaves the group.
    db.session.execute(
        GroupMembership.__table__.delete().where(GroupMembership.user_id == leaver.id)
    )
    db.session.commit()
    run_due_jobs()
    post_event = db.session.scalar(select(Event.id).where(Event.kind == "post.created"))
    assert set(reached(event_id=post_event)) == {group_member.id}


def test_running_the_fan_out_twice_writes_each_notification_once(forum, make, place, follow):
    space, topic, thread, author = place
    watchers = [make.user() for _ in range(5)]
    for person in watchers:
        follow(person, topic, "watching", "in_app")
    forum.reply(thread, author=make.user())
    run_due_jobs()
    event = db.session.scalar(select(Event).where(Event.kind == "post.created"))
    assert fan_out(event) == 0
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 6


def test_posting_watches_the_thread_unless_the_person_prefers_not(forum, make, place):
    space, topic, thread, author = place
    eager, reserved = make.user(), make.user()
    settings_of(reserved).is_watching_on_post = False
    db.session.commit()
    forum.reply(thread, author=eager)
    forum.reply(thread, author=reserved)
    watching = set(
        db.session.scalars(
            select(Subscription.user_id).where(
                Subscription.target_type == "thread", Subscription.target_id == thread.id
            )
        )
    )
    assert eager.id in watching and reserved.id not in watching


def test_a_fan_out_job_is_written_with_the_event_and_rolled_back_with_it(forum, make, place):
    space, topic, thread, author = place
    before = db.session.scalar(select(func.count()).select_from(Job))
    from portal.forum import services

    services.reply(thread, author, "Never committed.")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Job)) == before


def test_new_documents_reach_followers_of_their_type(make, library, follow):
    follower, observer = (
        make.user(),
        make.user(delegation=make.delegation(kind="international_organisation")),
    )
    for person in (follower, observer):
        follow(person, "draft_decision", "new_threads", "in_app")
    document = library.document(
        "Draft decision on reporting", "Text.", level="state_parties", doc_type="draft_decision"
    )
    library.run_jobs()
    assert reached(subject_id=document.id) == {follower.id: "new_document"}


def test_a_saved_search_is_told_once_of_each_matching_item_it_may_see(make, library):
    delegate = make.user()
    observer = make.user(delegation=make.delegation(kind="international_organisation"))
    for person in (delegate, observer):
        save_search(person, "Brokering", "brokering", {})
    db.session.commit()
    public = library.document("Brokering controls", "Registers of brokers.")
    restricted = library.document(
        "Brokering cases", "Brokering in free zones.", level="state_parties"
    )
    library.document("Transit", "Nothing relevant here.")
    library.run_jobs()
    hits = db.session.execute(
        select(Notification.user_id, Notification.subject_id).where(
            Notification.reason == "saved_search"
        )
    ).all()
    assert sorted(hits) == sorted(
        [(delegate.id, public.id), (delegate.id, restricted.id), (observer.id, public.id)]
    )
    # A change to a document that already matched tells nobody again.
    db.session.execute(update(Job).values(status="done"))
    from portal.search.engine import queue_index

    queue_index("document", public.id)
    db.session.commit()
    run_due_jobs()
    assert db.session.scalar(select(func.count()).where(Notification.reason == "saved_search")) == 3
