"""Saved searches: told of new documents and discussions that match, never of the person's
own, by an email that names the search."""

from sqlalchemy import select

from portal.core.jobs import run_due_jobs
from portal.extensions import db
from portal.notifications.models import Notification
from portal.notifications.services import save_search
from tests.notifications.test_delivery import text_of


def saved_search_hits():
    return set(
        db.session.execute(
            select(Notification.user_id, Notification.subject_type, Notification.subject_id).where(
                Notification.reason == "saved_search"
            )
        ).all()
    )


def test_a_saved_search_hears_of_documents_and_discussions_but_not_its_owners(
    forum, library, make, place, mailbox
):
    space, topic, thread, author = place
    watcher, writer = make.user(), make.user()
    save_search(watcher, "Quillwort brokers", "quillwort", {}, delivery="instant")
    save_search(writer, "My quillwort", "quillwort", {}, delivery="instant")
    db.session.commit()

    post = forum.reply(thread, author=writer, body="Our quillwort register is public.")
    document = library.document("Quillwort controls", "Registers.", by=writer)
    library.run_jobs()
    run_due_jobs()

    assert saved_search_hits() == {
        (watcher.id, "post", post.id),
        (watcher.id, "document", document.id),
    }
    messages = mailbox.to(watcher.email)
    assert messages and not mailbox.to(writer.email)
    bodies = "\n".join(text_of(message) for message in messages)
    assert "“Quillwort brokers”" in bodies
