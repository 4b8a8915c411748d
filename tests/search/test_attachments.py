"""The text of forum and channel attachments is searchable, under the access of its post or
message: found by those who may read the post, by nobody else."""

import pytest
from sqlalchemy import select

from portal.channels import services as channel_services
from portal.core.jobs import Job, run_due_jobs
from portal.extensions import db
from portal.forum.models import Attachment
from tests.channels import conftest as channel_fixtures
from tests.channels.conftest import World
from tests.library.builders import as_upload
from tests.library.documents import docx_bytes, text_bytes
from tests.search.conftest import SearchPage


as_user = channel_fixtures.as_user


@pytest.fixture
def people(make):
    return {
        "observer": make.user(delegation=make.delegation(kind="international_organisation")),
        "signatory": make.user(delegation=make.delegation(kind="signatory")),
        "state_party": make.user(delegation=make.delegation(kind="state_party")),
    }


def search(http, text):
    return SearchPage(http.get("/search/", query_string={"q": text}))


def test_the_text_of_a_post_attachment_is_found_by_the_posts_readers_only(
    forum, make, people, signed_in
):
    space = forum.space(level="state_parties")
    thread = forum.thread(forum.topic(space), author=people["state_party"], title="Stockpiles")
    post = forum.reply(
        thread,
        author=people["state_party"],
        body="Our paper is attached.",
        files=[as_upload(("paper.docx", docx_bytes(["Marmoset stockpile inventories."])))],
    )
    reading = select(Job.kind).where(Job.kind == "search.read_attachment")
    assert db.session.scalars(reading).all() == ["search.read_attachment"]
    run_due_jobs()
    assert db.session.scalar(select(Attachment.text_status)) == "ok"

    page = search(signed_in(people["state_party"]), "marmoset")
    assert page.titles == ["Stockpiles"]
    assert page.hits[0].href == f"/forum/posts/{post.id}"
    assert "Marmoset" in page.hits[0].marks
    for role in ("observer", "signatory"):
        hidden = search(signed_in(people[role]), "marmoset")
        assert hidden.total == 0 and "Marmoset" not in hidden.html


def test_a_text_file_attachment_is_found_with_its_post(forum, make, people, signed_in):
    thread = forum.thread(forum.topic(forum.space()), title="Brokers")
    forum.reply(
        thread,
        body="The quillwort list.",
        files=[as_upload(("list.txt", text_bytes("Gannetfish brokers.")))],
    )
    run_due_jobs()
    http = signed_in(people["state_party"])
    assert search(http, "quillwort").titles == ["Brokers"]
    assert search(http, "gannetfish").titles == ["Brokers"]


def test_a_channel_attachment_is_found_by_the_channels_members_only(make, as_user):
    world = World(make)
    channel = world.opened()
    channel_services.create_thread(
        channel,
        world.member_a,
        "Seizure",
        "See the file.",
        files=[as_upload(("seizure.txt", text_bytes("Ospreyeel rifles seized at the port.")))],
    )
    db.session.commit()
    run_due_jobs()
    for person in world.members.values():
        assert search(as_user(person), "ospreyeel").total == 1
    for person in world.outsiders.values():
        page = search(as_user(person), "ospreyeel")
        assert page.total == 0 and "Ospreyeel" not in page.html
