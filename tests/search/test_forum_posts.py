"""Forum posts on the search page: found by their words and their thread's title, shown beside
documents, and never found, counted or glimpsed by someone outside their space, whatever
happens to them (edits, withdrawal, moderation, moves, access changes).

Everything is made through the forum's services, as the pages make it, and the queued jobs run
as the worker runs them."""

from urllib.parse import parse_qs, urlsplit

import pytest

from portal.core.jobs import DONE, Job, run_due_jobs
from portal.extensions import db
from portal.forum import services
from portal.search.engine import verify
from tests.search.conftest import READERS, ROLES


def index_jobs_run():
    """Run every queued job, as the worker would after the commits; fail if indexing failed."""
    while run_due_jobs():
        pass
    failed = db.session.scalars(
        db.select(Job).where(Job.kind == "search.index", Job.status != DONE)
    ).all()
    assert not failed, [(job.payload, job.last_error) for job in failed]


@pytest.fixture
def people(make):
    return {
        "observer": make.user(delegation=make.delegation(kind="international_organisation")),
        "signatory": make.user(delegation=make.delegation(kind="signatory")),
        "state_party": make.user(delegation=make.delegation(kind="state_party")),
        "secretariat": make.secretariat(),
        "member": make.user(delegation=make.delegation(kind="civil_society")),
        "non_member": make.user(delegation=make.delegation(kind="civil_society")),
    }


@pytest.fixture
def reader(people, signed_in):
    """A delegate of a State Party, who reads everything up to `state_parties`."""
    return signed_in(people["state_party"])


# Finding posts ----------------------------------------------------------------------------


def test_a_post_is_found_by_its_words_and_by_its_threads_title(forum, make, people, reader, search):
    space = forum.space()
    topic = forum.topic(space, title="Brokering controls")
    france = make.delegation(kind="state_party", iso3="FRA", name="France")
    author = make.user(delegation=france)
    thread = forum.thread(topic, author=author, title="Registers of quillwort brokers")
    reply = forum.reply(thread, author=author, body="Our **zanzibarite** register is public.")
    index_jobs_run()

    page = search(reader, q="zanzibarite")

    assert page.status == 200
    assert page.titles == ["Registers of quillwort brokers"]
    assert page.total == 1
    hit = page.hits[0]
    assert hit.href == f"/forum/posts/{reply.id}"
    for shown in ("Discussion", space.names["en"], "Brokering controls", "France"):
        assert shown in hit.meta
    assert [mark.lower() for mark in hit.marks] == ["zanzibarite"]
    assert "register is public" in hit.snippet
    assert "<strong>" not in hit.snippet

    by_title = search(reader, q="quillwort")
    # One result per thread, which links to each of its matching posts.
    assert by_title.titles == ["Registers of quillwort brokers"]
    assert by_title.total == 1
    (item,) = by_title.find('//li[@class="search-hit"][h2]')
    posts = item.xpath('./p[@class="search-hit-posts"]')[0]
    assert "2 matching posts" in by_title.text_of(posts)
    assert {link.get("href") for link in posts.xpath(".//a")} == {
        f"/forum/posts/{forum.opening(thread).id}",
        f"/forum/posts/{reply.id}",
    }


def test_documents_and_discussions_are_shown_together_and_told_apart(
    forum, library, reader, search
):
    thread = forum.thread(
        forum.topic(forum.space()), title="Stockpiles", body="Marmoset stockpile practice."
    )
    library.document("Marmoset paper", text="Marmoset stockpile guidance.")
    index_jobs_run()

    page = search(reader, q="marmoset")

    assert sorted(page.titles) == ["Marmoset paper", "Stockpiles"]
    assert page.total == 2
    assert "2 results found" in page.html
    assert page.facets["Kind"] == {"Documents": 1, "Discussions": 1}
    discussions = search(reader, url=page.facet_links["Kind"]["Discussions"][1])
    assert discussions.titles == ["Stockpiles"]
    assert discussions.total == 1
    assert discussions.hits[0].href == f"/forum/posts/{forum.opening(thread).id}"
    assert parse_qs(urlsplit(page.facet_links["Kind"]["Discussions"][1]).query)["f"] == [
        "kind:post"
    ]
    # The other kind stays to choose from, and the active one can be removed.
    assert discussions.facets["Kind"] == {"Documents": 1, "Discussions": 1}
    assert list(discussions.chips) == ["Kind: Discussions"]
    assert search(reader, url=discussions.chips["Kind: Discussions"]).total == 2
    documents = search(reader, url=page.facet_links["Kind"]["Documents"][1])
    assert documents.titles == ["Marmoset paper"]

    browsing = search(reader)
    assert sorted(browsing.titles) == ["Marmoset paper", "Stockpiles"]
    assert "1 result found" in search(reader, q="guidance").html


# Access -----------------------------------------------------------------------------------

#: Each level's space holds a thread and a reply with one word found nowhere else.
SECRETS = {
    "public": "bluefinch",
    "users": "copperwren",
    "states": "amberkite",
    "state_parties": "silverheron",
    "group": "ivoryplover",
}


@pytest.fixture
def one_discussion_per_level(forum, make, people):
    group = make.group(members=[people["member"]])
    for level, secret in SECRETS.items():
        space = forum.space(level=level, group=group if level == "group" else None)
        author = people["member"] if level == "group" else people["state_party"]
        thread = forum.thread(
            forum.topic(space),
            author=author,
            title=f"The {secret} thread",
            body="Common manticore opening.",
        )
        forum.reply(thread, author=author, body=f"The {secret} is mentioned in this reply only.")
    index_jobs_run()


def test_each_person_finds_counts_and_glimpses_only_the_discussions_they_may_read(
    one_discussion_per_level, people, signed_in, search
):
    wrong = []
    for role in ROLES:
        http = signed_in(people[role])
        readable = {level for level, readers in READERS.items() if role in readers}
        threads = sorted(f"The {SECRETS[level]} thread" for level in readable)
        for name, page, titles in [
            # The common word is in the opening posts; an empty search lists every thread once.
            ("common word", search(http, q="manticore"), threads),
            ("empty search", search(http), threads),
        ]:
            if sorted(page.titles) != titles or page.total != len(titles):
                wrong.append(f"{role}, {name}: {page.titles} ({page.total})")
            for level in set(SECRETS) - readable:
                if SECRETS[level] in page.html:
                    wrong.append(f"{role}, {name}: {SECRETS[level]} in the page")
        for level, secret in SECRETS.items():
            page = search(http, q=secret)
            if level in readable:
                found = page.titles == [f"The {secret} thread"] and page.total == 1
                found = found and "2 matching posts" in page.results_text
            else:
                found = bool(page.titles or page.total or page.facets)
                found = found or secret in page.results_text
            if found != (level in readable):
                wrong.append(f"{role}, {secret}: {page.titles} ({page.total}) {page.facets}")
    assert not wrong, "\n".join(wrong)


def test_a_post_hidden_before_its_index_job_runs_is_not_shown(forum, people, signed_in, search):
    """The page checks every hit against the database: the index lags behind a commit."""
    thread = forum.thread(forum.topic(forum.space()), body="The tawnyowl report.")
    index_jobs_run()
    observer = signed_in(people["observer"])
    assert search(observer, q="tawnyowl").total == 1

    forum.hide(forum.opening(thread))

    page = search(observer, q="tawnyowl")
    assert page.titles == [] and page.total == 0
    assert "tawnyowl" not in page.results_text


# Changes reach the index --------------------------------------------------------------------


def test_hidden_and_withdrawn_posts_leave_the_index_for_everyone(
    app, forum, people, signed_in, search
):
    space = forum.space()
    chair = forum.chair(space)
    author = people["state_party"]
    thread = forum.thread(forum.topic(space), author=author, body="Opening.")
    hidden = forum.reply(thread, author=author, body="The gannetfox remark.")
    withdrawn = forum.reply(thread, author=author, body="The dunlinmoth remark.")
    index_jobs_run()
    assert search(signed_in(author), q="gannetfox").total == 1

    forum.hide(hidden, by=chair)
    forum.withdraw(withdrawn)
    index_jobs_run()

    for person in (author, chair, people["secretariat"], people["observer"]):
        for word in ("gannetfox", "dunlinmoth"):
            page = search(signed_in(person), q=word)
            assert page.titles == [] and page.total == 0, (person.name, word)
    assert verify().count == 0

    services.unhide_post(hidden, chair)
    db.session.commit()
    index_jobs_run()
    assert search(signed_in(people["observer"]), q="gannetfox").total == 1
    assert verify().count == 0


def test_an_edit_replaces_the_text_in_the_index(forum, people, reader, search):
    author = people["state_party"]
    thread = forum.thread(forum.topic(forum.space()), author=author, body="The puffinwolf plan.")
    index_jobs_run()

    services.edit_post(forum.opening(thread), author, "The kestrelbat plan.")
    db.session.commit()
    index_jobs_run()

    assert search(reader, q="puffinwolf").total == 0
    page = search(reader, q="kestrelbat")
    assert page.total == 1
    assert [mark.lower() for mark in page.hits[0].marks] == ["kestrelbat"]
    assert verify().count == 0


def test_a_thread_moved_to_a_stricter_topic_is_reindexed(forum, people, signed_in, search):
    space = forum.space()
    open_topic = forum.topic(space)
    strict_topic = forum.topic(space, level="state_parties")
    thread = forum.thread(open_topic, author=people["state_party"], body="The ospreyeel case.")
    forum.reply(thread, author=people["state_party"], body="More on the ospreyeel case.")
    index_jobs_run()
    observer, delegate = signed_in(people["observer"]), signed_in(people["state_party"])
    assert search(observer, q="ospreyeel").total == 1

    services.move_thread(thread, strict_topic, forum.officer)
    db.session.commit()
    index_jobs_run()

    page = search(observer, q="ospreyeel")
    assert page.titles == [] and page.total == 0 and page.facets == {}
    assert search(observer).total == 0
    assert search(delegate, q="ospreyeel").total == 1
    assert search(delegate, q=f"ospreyeel topic:{strict_topic.id}").total == 1
    assert verify().count == 0


def test_a_change_of_a_spaces_level_reindexes_its_posts(app, forum, people, signed_in, search):
    space = forum.space(level="users")
    thread = forum.thread(forum.topic(space), author=people["state_party"], body="The loonhare.")
    forum.reply(thread, author=people["state_party"], body="Another loonhare.")
    index_jobs_run()
    observer, delegate = signed_in(people["observer"]), signed_in(people["state_party"])
    assert search(observer, q="loonhare").total == 1

    services.set_space_access(space, "state_parties", None, forum.officer)
    db.session.commit()
    # One job carries every post of the space.
    assert (
        db.session.scalar(
            db.select(db.func.count()).where(Job.kind == "search.index", Job.status != DONE)
        )
        == 1
    )
    index_jobs_run()

    page = search(observer, q="loonhare")
    assert page.titles == [] and page.total == 0 and page.facets == {}
    assert search(delegate, q="loonhare").total == 1

    result = app.test_cli_runner().invoke(args=["search", "verify"])
    assert result.exit_code == 0, result.output
    assert "missing: 0" in result.output and "extra: 0" in result.output
    assert "stale: 0" in result.output
