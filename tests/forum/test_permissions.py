"""Who may do what in the forum: every forum action x role x access level through `can()`, the
main pages through HTTP, and the lists and counts of the pages checked against `can()` on
generated data (so that no page counts or lists what its reader may not see)."""

import random
import re
from dataclasses import dataclass, field

import pytest
from flask_login import AnonymousUserMixin

from portal.access import can
from portal.access.rules import RULES
from portal.extensions import db
from portal.forum.models import Attachment, Post
from tests.forum.conftest import upload
from tests.forum.pages import read

ROLES = (
    "anonymous",
    "observer",  # a member of an international organisation's delegation
    "signatory",
    "delegate",  # a delegate of a State Party
    "contact",  # a State Party's national point of contact
    "chair",  # moderator of the space itself
    "parent chair",  # moderator of the working group the space is a sub-workstream of
    "other chair",  # moderator of an unrelated working group
    "secretariat",
    "suspended",  # a State Party delegate, suspended after writing a post
)
#: Access levels of the space under test; a closed space is tried with the actor in its
#: group and out of it.
LEVELS = ("public", "users", "states", "state_parties", "group member", "group outsider")
LEVEL_SETUP = {
    "public": ("public", None),
    "users": ("users", None),
    "states": ("states", None),
    "state_parties": ("state_parties", None),
    "group member": ("group", "inside"),
    "group outsider": ("group", "outside"),
}

SIGNED_IN = frozenset(ROLES) - {"anonymous", "suspended"}
STATE_ROLES = SIGNED_IN - {"observer"}
STATE_PARTY_ROLES = STATE_ROLES - {"signatory"}
MODERATING = frozenset({"chair", "parent chair", "secretariat"})

#: Who reads a space at each level: nobody reads a closed space from outside its group, not even
#: the Secretariat (see tests/core/test_access_policy.py).
READERS = {
    "public": SIGNED_IN,
    "users": SIGNED_IN,
    "states": STATE_ROLES,
    "state_parties": STATE_PARTY_ROLES,
    "group member": SIGNED_IN,
    "group outsider": frozenset(),
}
MODERATORS = {level: readers & MODERATING for level, readers in READERS.items()}
SECRETARIAT_READERS = {level: readers & {"secretariat"} for level, readers in READERS.items()}

#: action -> (the target it is tried on, {level: roles allowed}). "own post" is a post the actor
#: wrote (someone else's for an actor who cannot write). Every forum action of RULES is here;
#: tests/core/test_access_policy.py checks it.
FORUM_MATRIX = {
    "space_view": ("space", READERS),
    "space_manage": ("space", SECRETARIAT_READERS),
    "topic_view": ("topic", READERS),
    "topic_create": ("space", MODERATORS),
    "topic_edit": ("topic", MODERATORS),
    "topic_close": ("topic", MODERATORS),
    "topic_reopen": ("closed topic", MODERATORS),
    "thread_view": ("thread", READERS),
    "thread_create": ("topic", READERS),
    "post_create": ("thread", READERS),
    "post_read": ("post", READERS),
    "post_edit": ("own post", READERS),
    "post_withdraw": ("own post", READERS),
    "post_flag": ("post", READERS),
    "post_history_view": ("post", READERS),
    "attachment_download": ("attachment", READERS),
    "post_hide": ("post", MODERATORS),
    "post_unhide": ("hidden post", MODERATORS),
    "thread_lock": ("thread", MODERATORS),
    "thread_unlock": ("locked thread", MODERATORS),
    "thread_pin": ("thread", MODERATORS),
    "thread_unpin": ("pinned thread", MODERATORS),
    "thread_move": ("thread", MODERATORS),
    "flag_review": ("space", MODERATORS),
}

NOBODY = frozenset()
#: The same actions on targets in another state, in a space every signed-in person reads:
#: (action, target) -> roles allowed.
STATE_MATRIX = {
    ("thread_create", "closed topic"): MODERATING,
    ("post_create", "locked thread"): MODERATING,
    ("post_create", "thread of a closed topic"): MODERATING,
    ("post_edit", "own post in a locked thread"): MODERATING,
    ("post_edit", "own hidden post"): NOBODY,
    ("post_edit", "own withdrawn post"): NOBODY,
    ("post_edit", "post"): NOBODY,
    ("post_withdraw", "own withdrawn post"): NOBODY,
    ("post_withdraw", "post"): NOBODY,
    ("post_read", "hidden post"): MODERATING,
    ("post_read", "own hidden post"): SIGNED_IN,
    ("post_read", "withdrawn post"): NOBODY,
    ("post_history_view", "hidden post"): MODERATING,
    ("post_history_view", "withdrawn post"): NOBODY,
    ("attachment_download", "attachment of a hidden post"): MODERATING,
    ("attachment_download", "attachment of a withdrawn post"): NOBODY,
    ("post_flag", "own post"): NOBODY,
    ("post_flag", "hidden post"): NOBODY,
    ("post_flag", "withdrawn post"): NOBODY,
    ("post_hide", "hidden post"): NOBODY,
    ("post_hide", "withdrawn post"): NOBODY,
    ("post_unhide", "post"): NOBODY,
    ("topic_close", "closed topic"): NOBODY,
    ("topic_reopen", "topic"): NOBODY,
    ("thread_lock", "locked thread"): NOBODY,
    ("thread_unlock", "thread"): NOBODY,
    ("thread_pin", "pinned thread"): NOBODY,
    ("thread_unpin", "thread"): NOBODY,
    ("flag_review", None): MODERATING | {"other chair"},
}


def people(make):
    """One person per role; the chairs are State Party delegates."""
    home = make.delegation(kind="state_party")
    return {
        "anonymous": AnonymousUserMixin(),
        "observer": make.user(
            name="Observer", delegation=make.delegation(kind="international_organisation")
        ),
        "signatory": make.user(name="Signatory", delegation=make.delegation(kind="signatory")),
        "delegate": make.user(name="Delegate", delegation=home),
        "contact": make.user(name="Contact", delegation=home, role="point_of_contact"),
        "chair": make.user(name="Chair", delegation=make.delegation()),
        "parent chair": make.user(name="Parent chair", delegation=make.delegation()),
        "other chair": make.user(name="Other chair", delegation=make.delegation()),
        "secretariat": make.secretariat(name="Secretariat officer"),
        "suspended": make.user(name="Suspended", delegation=home),
    }


@dataclass
class World:
    people: dict
    targets: dict = field(default_factory=dict)
    own: dict = field(default_factory=dict)

    def target(self, name, role):
        if name is None:
            return None
        if name.startswith("own "):
            return self.own.get(role, {}).get(name, self.targets["post"])
        return self.targets[name]


def build_world(make, forum, level, own_posts=True):
    """A space at `level` (a sub-workstream, so that its parent's chair moderates it), with a
    topic, a closed topic, threads open, locked and pinned, posts live, hidden and withdrawn,
    and a post of each actor."""
    everyone = people(make)
    persons = [person for role, person in everyone.items() if role != "anonymous"]
    inside = make.group(members=persons)
    outside = make.group(members=[make.user()])
    parent = forum.space("users")
    forum.chair(parent, everyone["parent chair"])
    forum.chair(forum.space("users"), everyone["other chair"])
    value, which = LEVEL_SETUP[level]
    group = {"inside": inside, "outside": outside}.get(which)
    space = forum.space(value, group=group, parent=parent)
    forum.chair(space, everyone["chair"])

    poster = make.user(name="Poster")
    topic = forum.topic(space)
    closed = forum.topic(space)
    closed_thread = forum.thread(closed, poster)
    forum.close(closed)
    thread = forum.thread(topic, poster, files=[upload()])
    post = forum.opening(thread)
    hidden = forum.reply(thread, poster, files=[upload(b"hidden annex\n")])
    forum.hide(hidden)
    withdrawn = forum.reply(thread, poster, files=[upload(b"withdrawn annex\n")])
    forum.withdraw(withdrawn)
    locked = forum.lock(forum.thread(topic, poster))
    pinned = forum.pin(forum.thread(topic, poster))
    world = World(everyone)
    world.targets.update(
        {
            "space": space,
            "topic": topic,
            "closed topic": closed,
            "thread": thread,
            "thread of a closed topic": closed_thread,
            "locked thread": locked,
            "pinned thread": pinned,
            "post": post,
            "hidden post": hidden,
            "withdrawn post": withdrawn,
            "attachment": post.attachments[0],
            "attachment of a hidden post": hidden.attachments[0],
            "attachment of a withdrawn post": withdrawn.attachments[0],
        }
    )
    if own_posts:
        for role, person in everyone.items():
            if role == "anonymous":
                continue
            mine = world.own.setdefault(role, {})
            mine["own post"] = forum.reply(thread, person)
            mine["own hidden post"] = forum.hide(forum.reply(thread, person))
            mine["own withdrawn post"] = forum.withdraw(forum.reply(thread, person))
            locked_thread = forum.thread(topic, person)
            mine["own post in a locked thread"] = forum.opening(locked_thread)
            forum.lock(locked_thread)
    everyone["suspended"].status = "suspended"
    db.session.commit()
    return world


def test_the_matrix_names_every_forum_action_and_every_level():
    assert set(FORUM_MATRIX) <= set(RULES)
    for action, (_target, allowed) in FORUM_MATRIX.items():
        assert set(allowed) == set(LEVELS), action
        for roles in allowed.values():
            assert roles <= set(ROLES), action


@pytest.mark.parametrize("level", LEVELS)
def test_permission_matrix(make, forum, level):
    world = build_world(make, forum, level)
    wrong = []
    for action, (target_name, allowed) in FORUM_MATRIX.items():
        for role, actor in world.people.items():
            target = world.target(target_name, role)
            expected = role in allowed[level]
            if can(actor, action, target) != expected:
                wrong.append(f"{action} by {role}: expected {'allow' if expected else 'deny'}")
    assert not wrong, f"{level}: " + "; ".join(wrong)


def test_actions_depend_on_the_state_of_their_target(make, forum):
    world = build_world(make, forum, "users")
    wrong = []
    for (action, target_name), allowed in STATE_MATRIX.items():
        for role, actor in world.people.items():
            target = world.target(target_name, role)
            expected = role in allowed
            if can(actor, action, target) != expected:
                wrong.append(
                    f"{action} on {target_name} by {role}: "
                    f"expected {'allow' if expected else 'deny'}"
                )
    assert not wrong, "; ".join(wrong)


# Through HTTP ---------------------------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_pages_answer_as_the_matrix_says(app, make, forum, sign_in, level):
    """Readers get the pages; others get 404 for what they may not read and 403 (or 404) for
    what they may not do; visitors without a valid session go to sign-in; never a 500."""
    world = build_world(make, forum, level, own_posts=False)
    space, topic, thread = (world.targets[name] for name in ("space", "topic", "thread"))
    attachment = world.targets["attachment"]
    poster = world.targets["post"].author
    targets = {role: forum.reply(thread, poster, body=f"For {role} to hide.") for role in ROLES}
    suspended = world.people["suspended"]
    suspended.status = "active"
    db.session.commit()
    clients = {}
    for role, person in world.people.items():
        clients[role] = app.test_client()
        if role != "anonymous":
            sign_in(person, http=clients[role])
    suspended.status = "suspended"
    db.session.commit()

    wrong = []
    for role, http in clients.items():
        readers, moderators = READERS[level], MODERATORS[level]
        requests = [
            ("GET", f"/forum/{space.code}", {}, 200, "read"),
            ("GET", f"/forum/topics/{topic.id}", {}, 200, "read"),
            ("GET", f"/forum/threads/{thread.id}", {}, 200, "read"),
            ("GET", f"/forum/attachments/{attachment.id}", {}, 200, "read"),
            (
                "POST",
                f"/forum/threads/{thread.id}/reply",
                {"body": f"Reply by {role}"},
                302,
                "read",
            ),
            (
                "POST",
                f"/forum/posts/{targets[role].id}/hide",
                {"reason": "Off topic."},
                302,
                "moderate",
            ),
        ]
        for method, url, data, success, needs in requests:
            response = http.open(url, method=method, data=data)
            status = response.status_code
            if role in ("anonymous", "suspended"):
                ok = status == 302 and "/auth/sign-in" in response.headers["Location"]
            elif role not in readers:
                ok = status == 404
            elif needs == "moderate" and role not in moderators:
                ok = status in (403, 404)
            else:
                ok = status == success
            if not ok:
                wrong.append(f"{role} {method} {url}: {status}")
    assert not wrong, f"{level}: " + "; ".join(wrong)
    readers = READERS[level]
    replies = db.session.scalars(
        db.select(Post.body_source).where(Post.body_source.like("Reply by %"))
    ).all()
    assert sorted(replies) == sorted(f"Reply by {role}" for role in readers)
    hidden = {role for role, post in targets.items() if db.session.get(Post, post.id).is_hidden}
    assert hidden == set(MODERATORS[level])


# Lists and counts agree with `can` --------------------------------------------------------------


def generated_forum(make, forum, readers):
    """Spaces at every level (each with a sub-workstream as strict or stricter), topics that
    inherit or are stricter, closed topics, threads, and posts live, hidden and withdrawn, some
    answering guiding questions, written by delegations of every kind."""
    rng = random.Random(11)
    closed_group = make.group(members=[readers["group member"]])
    writers = [
        make.user(delegation=make.delegation(kind=kind, name=f"Writers of kind {kind} {n}"))
        for n, kind in enumerate(
            [
                "state_party",
                "signatory",
                "international_organisation",
                "state_party",
                "civil_society",
            ]
        )
    ]
    order = ["public", "users", "states", "state_parties", "group"]
    content = {"spaces": [], "topics": [], "threads": [], "posts": []}
    for level in order:
        group = closed_group if level == "group" else None
        top = forum.space(level, group=group)
        stricter = order[order.index(level) :]
        child_level = rng.choice(stricter)
        child = forum.space(
            child_level, group=closed_group if child_level == "group" else None, parent=top
        )
        for space in (top, child):
            content["spaces"].append(space)
            space_level = space.access_level
            for number in range(3):
                own_level = None
                if number == 1:
                    own_level = rng.choice(order[order.index(space_level) :])
                topic = forum.topic(
                    space,
                    title=f"Topic {space.code}-{number}",
                    questions=[
                        f"Question {space.code}-{number}-a",
                        f"Question {space.code}-{number}-b",
                    ],
                    level=own_level,
                    group=closed_group if own_level == "group" else None,
                )
                content["topics"].append(topic)
                for thread_number in range(rng.randint(0, 3)):
                    author = rng.choice(writers)
                    thread = forum.thread(
                        topic,
                        author,
                        title=f"Thread {topic.id}-{thread_number}",
                        body=f"Opening {topic.id}-{thread_number}",
                        question_id=rng.choice([None, topic.questions[0].id]),
                    )
                    content["threads"].append(thread)
                    content["posts"].append(forum.opening(thread))
                    for reply_number in range(rng.randint(0, 3)):
                        post = forum.reply(
                            thread,
                            rng.choice(writers),
                            body=f"Reply {thread.id}-{reply_number}",
                            question_id=rng.choice([None] + [q.id for q in topic.questions]),
                        )
                        fate = rng.random()
                        if fate < 0.2:
                            forum.hide(post)
                        elif fate < 0.35:
                            forum.withdraw(post)
                        content["posts"].append(post)
                if number == 2:
                    forum.close(topic)
    chair_space = content["spaces"][2]
    forum.chair(chair_space, readers["chair"])
    return content


SPACE_LINK = re.compile(r"^/forum/(?!unread$|flags$)([^/?#]+)$")


def space_list_counts(page):
    """{code: topic count} as the index shows it, for working groups (the count is the row's
    last cell) and sub-workstreams (listed in their parent's cell, with the count in brackets)."""
    counts = {}
    for row in page.rows:
        codes = [m.group(1) for m in map(SPACE_LINK.match, row.links) if m]
        if codes and row.cells[-1].isdigit():
            counts[codes[0]] = int(row.cells[-1])
    for item in page.items:
        codes = [m.group(1) for m in map(SPACE_LINK.match, item.links) if m]
        count = re.search(r"\((\d+)\)$", item.text)
        if codes and count:
            counts[codes[0]] = int(count.group(1))
    return counts


def answers_on(page, question):
    """The delegations listed under a guiding question of a topic page."""
    item = next((item for item in page.items if item.text.startswith(question)), None)
    assert item is not None, question
    _, _, names = item.text.partition("Practices shared by:")
    return {name.strip() for name in names.split(",") if name.strip()}


def test_lists_and_counts_show_only_what_can_allows(make, forum, signed_in):
    readers = {
        "observer": make.user(delegation=make.delegation(kind="international_organisation")),
        "signatory": make.user(delegation=make.delegation(kind="signatory")),
        "delegate": make.user(),
        "group member": make.user(delegation=make.delegation(kind="signatory")),
        "chair": make.user(),
        "secretariat": make.secretariat(),
    }
    content = generated_forum(make, forum, readers)
    for person in readers.values():
        check_pages_agree_with_can(person, signed_in(person), content)


def check_pages_agree_with_can(person, http, content):
    def sees(action, item):
        return can(person, action, item)

    visible_topics = [t for t in content["topics"] if sees("topic_view", t)]
    visible_threads = [t for t in content["threads"] if sees("thread_view", t)]

    # The index: working groups, their sub-workstreams and topic counts; the unread count.
    index = read(http.get("/forum/"))
    expected = {}
    for space in content["spaces"]:
        parent_seen = space.parent is None or sees("space_view", space.parent)
        if sees("space_view", space) and parent_seen:
            expected[space.code] = sum(1 for t in visible_topics if t.working_group_id == space.id)
    assert space_list_counts(index) == expected
    unread = len(visible_threads)
    assert index.has(f"{unread} thread{'' if unread == 1 else 's'} with new posts")

    # Each working group: its topics and their thread counts.
    for space in content["spaces"]:
        response = http.get(f"/forum/{space.code}")
        if not sees("space_view", space):
            assert response.status_code == 404, space.code
            continue
        page = read(response)
        for topic in (t for t in content["topics"] if t.working_group_id == space.id):
            row = page.row_linking(f"/forum/topics/{topic.id}")
            if not sees("topic_view", topic):
                assert row is None and not page.has(topic.title), topic.title
                continue
            assert row is not None, topic.title
            assert row.cells[2] == str(sum(1 for t in visible_threads if t.topic_id == topic.id)), (
                topic.title
            )

    # Each topic: its threads, and the delegations that answered each guiding question.
    for topic in content["topics"]:
        response = http.get(f"/forum/topics/{topic.id}")
        if not sees("topic_view", topic):
            assert response.status_code == 404, topic.title
            continue
        page = read(response)
        for thread in (t for t in content["threads"] if t.topic_id == topic.id):
            assert page.has(thread.title) == sees("thread_view", thread), thread.title
        for question in topic.questions:
            answering = {
                post.delegation.display_name
                for post in content["posts"]
                if post.question_id == question.id
                and sees("post_read", post)
                and not post.is_hidden
            }
            assert answers_on(page, question.text) == answering, question.text

    # The unread page lists every visible thread (none is read yet), and nothing else.
    page = read(http.get("/forum/unread"))
    for thread in content["threads"]:
        assert page.has(thread.title) == sees("thread_view", thread), thread.title

    # Each thread: the text of the posts the person may read, tombstones for the others.
    for thread in content["threads"]:
        response = http.get(f"/forum/threads/{thread.id}")
        if not sees("thread_view", thread):
            assert response.status_code == 404, thread.title
            continue
        page = read(response)
        html = response.get_data(as_text=True)
        for post in (p for p in content["posts"] if p.thread_id == thread.id):
            assert page.has(post.body_source) == sees("post_read", post), post.body_source
            assert f'id="post-{post.number}"' in html
        for attachment in db.session.scalars(
            db.select(Attachment).join(Post).where(Post.thread_id == thread.id)
        ):
            assert http.get(f"/forum/attachments/{attachment.id}").status_code == (
                200 if sees("attachment_download", attachment) else 404
            )

    # Every visible thread has now been read: nothing is left on the unread page or count.
    page = read(http.get("/forum/unread"))
    assert not any(page.has(thread.title) for thread in content["threads"])
    assert read(http.get("/forum/")).has("0 threads with new posts")


def forum_requests(app, world):
    """Every forum route with every method, its arguments filled from `world`."""
    values = {
        "code": world.targets["space"].code,
        "topic_id": world.targets["topic"].id,
        "thread_id": world.targets["thread"].id,
        "post_id": world.targets["post"].id,
        "attachment_id": world.targets["attachment"].id,
        "user_id": world.people["chair"].id,
    }
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("forum."):
            continue
        choices = [{}]
        for argument in rule.arguments:
            converter = rule._converters[argument]
            options = sorted(converter.items) if hasattr(converter, "items") else [values[argument]]
            choices = [dict(c, **{argument: option}) for c in choices for option in options]
        for arguments in choices:
            path = rule.build(arguments)[1]
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                yield rule.endpoint, method, path, bool(arguments)


@pytest.mark.parametrize("level", ["states", "group outsider"])
def test_no_forum_route_answers_500(app, make, forum, signed_in, level):
    """Every forum route, by every kind of person, on a space they may or may not read, with an
    empty form: refused, invalid or done, but never a server error."""
    world = build_world(make, forum, level, own_posts=False)
    checked = 0
    for role in ("observer", "signatory", "delegate", "other chair", "chair", "secretariat"):
        http = signed_in(world.people[role])
        for endpoint, method, path, names_a_target in forum_requests(app, world):
            response = http.open(path, method=method, data={})
            checked += 1
            assert response.status_code < 500, (role, endpoint, method, path)
            if names_a_target and role not in READERS[level]:
                assert response.status_code == 404, (role, endpoint, method, path)
    assert checked > 100
