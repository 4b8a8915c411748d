"""Topics: moderators create and edit them with their guiding questions; answers stay with the
question they answer."""

from sqlalchemy import select

from portal.core.audit import AuditEvent
from portal.extensions import db
from portal.forum.models import GuidingQuestion, Topic
from tests.forum.conftest import row_counts
from tests.forum.pages import read


def questions_of(topic):
    return [
        q.text
        for q in db.session.scalars(
            select(GuidingQuestion)
            .where(GuidingQuestion.topic_id == topic.id)
            .order_by(GuidingQuestion.position)
        )
    ]


def test_a_chair_creates_and_edits_a_topic(make, forum, signed_in):
    space = forum.space("users")
    chair = forum.chair(space)
    http = signed_in(chair)
    assert http.get(f"/forum/{space.code}/topics/new").status_code == 200
    response = http.post(
        f"/forum/{space.code}/topics/new",
        data={
            "title": "  Article 11:   diversion  ",
            "cycle": "11",
            "description": "Share **practices**.",
            "questions": "How do you assess risk?\n\nWhich documents?\n",
        },
    )
    assert response.status_code == 302
    topic = db.session.scalar(select(Topic))
    assert (topic.title, topic.cycle, topic.acl) == ("Article 11: diversion", 11, "user")
    assert topic.description_html == "<p>Share <strong>practices</strong>.</p>\n"
    assert questions_of(topic) == ["How do you assess risk?", "Which documents?"]
    page = read(http.get(f"/forum/topics/{topic.id}"))
    assert page.has("CSP11 cycle") and page.has("How do you assess risk?")

    response = http.post(
        f"/forum/topics/{topic.id}/edit",
        data={
            "title": "Article 11",
            "cycle": "",
            "description": "",
            "questions": "How do you assess diversion risk?\nWhich documents?\nWho checks?",
        },
    )
    assert response.status_code == 302
    assert questions_of(topic) == [
        "How do you assess diversion risk?",
        "Which documents?",
        "Who checks?",
    ]
    assert [
        a.action
        for a in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("forum.topic%")).order_by(AuditEvent.id)
        )
    ] == [
        "forum.topic_create",
        "forum.topic_edit",
    ]


def test_others_cannot_create_or_edit_topics(make, forum, signed_in):
    space = forum.space("users")
    topic = forum.topic(space)
    before = row_counts()
    for person in (make.user(), forum.chair(forum.space("users"))):
        http = signed_in(person)
        assert http.get(f"/forum/{space.code}/topics/new").status_code == 403
        assert (
            http.post(f"/forum/{space.code}/topics/new", data={"title": "Mine"}).status_code == 403
        )
        assert (
            http.post(f"/forum/topics/{topic.id}/edit", data={"title": "Mine"}).status_code == 403
        )
    assert row_counts() == before


def test_a_topic_title_over_300_characters_is_refused(forum, signed_in):
    space = forum.space("users")
    http = signed_in(forum.chair(space))
    response = http.post(f"/forum/{space.code}/topics/new", data={"title": "T" * 301})
    assert response.status_code == 400
    assert "Field cannot be longer than 300 characters." in response.get_data(as_text=True)
    assert db.session.scalar(select(Topic)) is None


def test_an_answered_question_cannot_be_removed_and_answers_never_move(make, forum, signed_in):
    space = forum.space("users")
    topic = forum.topic(space, questions=["First?", "Second?", "Third?"])
    first = topic.questions[0]
    answering = make.user(delegation=make.delegation(name="Answering delegation"))
    forum.thread(topic, answering, question_id=first.id)
    http = signed_in(forum.chair(space))
    before = row_counts()
    response = http.post(
        f"/forum/topics/{topic.id}/edit",
        data={"title": topic.title, "questions": "Second?\nThird?"},
    )
    assert response.status_code == 400
    assert "A guiding question that has answers cannot be removed." in response.get_data(
        as_text=True
    )
    assert questions_of(topic) == ["First?", "Second?", "Third?"]
    assert row_counts() == before
    # Removing an unanswered question in the middle leaves the answers where they were.
    response = http.post(
        f"/forum/topics/{topic.id}/edit",
        data={"title": topic.title, "questions": "First?\nThird?"},
    )
    assert response.status_code == 302
    assert questions_of(topic) == ["First?", "Third?"]
    item = next(
        item
        for item in read(http.get(f"/forum/topics/{topic.id}")).items
        if item.text.startswith("First?")
    )
    assert "Answering delegation" in item.text
    # Reworded in its place, or moved to another line, a question keeps its answers.
    for lines, wording in [
        ("First, reworded?\nThird?", "First, reworded?"),
        ("Third?\nFirst, reworded?\nFourth?", "First, reworded?"),
    ]:
        response = http.post(
            f"/forum/topics/{topic.id}/edit", data={"title": topic.title, "questions": lines}
        )
        assert response.status_code == 302
        assert questions_of(topic) == lines.split("\n")
        item = next(
            item
            for item in read(http.get(f"/forum/topics/{topic.id}")).items
            if item.text.startswith(wording)
        )
        assert "Answering delegation" in item.text
    assert db.session.get(GuidingQuestion, first.id).text == "First, reworded?"
