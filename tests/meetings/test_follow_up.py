"""Following a meeting (notifications of documents distributed, speakers lists published and
agenda changes, through events and the notifications fan-out) and the chair's draft report,
commented paragraph by paragraph until its closing date."""

from datetime import date, timedelta

from sqlalchemy import select

from portal.core.jobs import run_due_jobs
from portal.extensions import db
from portal.meetings import services
from portal.meetings.models import ReportComment
from portal.notifications.models import Notification
from tests.conftest import link_in, text_of
from tests.meetings.conftest import meeting_rows


def follow(http, meeting):
    response = http.post(
        "/notifications/subscribe",
        data={"target_type": "meeting", "target_id": meeting.id, "level": "watching",
              "delivery": "instant"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def notifications_of(user):
    return db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    ).all()


def test_followers_hear_of_documents_speakers_lists_and_agenda_changes(
    meetings, people, signed_in, mailbox
):
    meeting = meetings.meeting(items=1, title="Informal preparatory meeting")
    run_due_jobs()  # the agenda as it was before anyone followed
    follower = people["delegate"]
    follow(signed_in(follower), meeting)
    meetings.document(meeting.items[0], title="Chair's draft")
    run_due_jobs()
    assert [n.reason for n in notifications_of(follower)] == ["meeting"]
    message = mailbox.last_to(follower.email)
    assert "Informal preparatory meeting" in message["Subject"]
    assert f"/meetings/{meeting.id}" in signed_in(follower).get(
        link_in(message, "/notifications/")
    ).headers["Location"]
    officer = signed_in(people["secretariat"])
    officer.post(f"/meetings/{meeting.id}/speakers/publish")
    officer.post(f"/meetings/{meeting.id}/items/new", data={"title": "Any other business"})
    run_due_jobs()
    assert len(notifications_of(follower)) == 3
    # Someone who does not follow hears nothing; the page lists the meeting for the follower.
    assert notifications_of(people["contact"]) == []
    page = signed_in(follower).get("/notifications/").get_data(as_text=True)
    assert "News of a meeting you follow" in page


def test_followers_who_lose_access_hear_nothing_and_emails_name_no_restricted_meeting(
    meetings, people, signed_in, mailbox
):
    meeting = meetings.meeting(items=1, title="DIEF session", kind="dief", level="states")
    run_due_jobs()
    follow(signed_in(people["signatory"]), meeting)
    follow(signed_in(people["contact"]), meeting)
    people["signatory"].delegation.kind = "international_organisation"
    db.session.commit()
    meetings.document(meeting.items[0], level="states")
    run_due_jobs()
    assert notifications_of(people["signatory"]) == []
    message = mailbox.last_to(people["contact"].email)
    assert "DIEF session" not in message["Subject"] + text_of(message)
    assert "A restricted meeting" in text_of(message)


def test_an_observer_cannot_follow_a_dief_session(meetings, people, signed_in):
    meeting = meetings.meeting(kind="dief", level="states")
    response = signed_in(people["observer"]).post(
        "/notifications/subscribe",
        data={"target_type": "meeting", "target_id": meeting.id, "level": "watching"},
    )
    assert response.status_code == 404


def draft_report(meetings, chair, visibility="chair", closes=7):
    meeting = meetings.meeting(chair_id=chair.id)
    services.set_report_settings(
        meeting, chair, date.today() + timedelta(days=closes), visibility
    )
    services.add_paragraph(meeting, chair, "The meeting discussed diversion.", False)
    services.add_paragraph(meeting, chair, "States should share information.", True)
    db.session.commit()
    return meeting


def comment_on(http, meeting, paragraph_number, body):
    from portal.meetings.models import ReportParagraph

    paragraph = db.session.scalar(
        select(ReportParagraph).where(
            ReportParagraph.meeting_id == meeting.id, ReportParagraph.position == paragraph_number
        )
    )
    return http.post(
        f"/meetings/{meeting.id}/report/paragraphs/{paragraph.id}/comments", data={"body": body}
    )


def test_delegations_comment_paragraph_by_paragraph_seen_by_the_chair_only(
    meetings, people, signed_in, make
):
    chair = make.user(name="Working Group Chair")
    meeting = draft_report(meetings, chair)
    comment_on(signed_in(people["contact"]), meeting, 2, "Add 'in good time'.")
    comment_on(signed_in(people["signatory"]), meeting, 2, "We support this text.")
    report = f"/meetings/{meeting.id}/report"
    chair_page = signed_in(chair).get(report).get_data(as_text=True)
    assert "Recommendation, paragraph 2" in chair_page
    assert "in good time" in chair_page and "We support this text." in chair_page
    # A delegation sees its own comments only.
    own_page = signed_in(people["delegate"]).get(report).get_data(as_text=True)
    assert "in good time" in own_page and "We support this text." not in own_page
    # The chair opens the comments to all.
    signed_in(chair).post(f"/meetings/{meeting.id}/report/settings",
                          data={"comments_close_on": meeting.comments_close_on.isoformat(),
                                "visibility": "all"})
    own_page = signed_in(people["delegate"]).get(report).get_data(as_text=True)
    assert "We support this text." in own_page


def test_comments_after_the_closing_date_are_refused(meetings, people, signed_in, make):
    chair = make.user()
    meeting = draft_report(meetings, chair, closes=-1)
    before = meeting_rows()
    response = comment_on(signed_in(people["contact"]), meeting, 1, "Too late")
    assert response.status_code == 403
    assert meeting_rows() == before


def test_an_empty_comment_or_a_paragraph_of_another_report_is_refused(
    meetings, people, signed_in, make
):
    chair = make.user()
    meeting = draft_report(meetings, chair)
    other = draft_report(meetings, chair)
    contact = signed_in(people["contact"])
    before = meeting_rows()
    response = comment_on(contact, meeting, 1, "   ")
    assert "This field is required." in contact.get(response.headers["Location"]).get_data(
        as_text=True
    )
    foreign = other.id  # the other report's first paragraph, through this meeting
    from portal.meetings.models import ReportParagraph

    paragraph = db.session.scalar(
        select(ReportParagraph).where(ReportParagraph.meeting_id == foreign)
    )
    response = contact.post(
        f"/meetings/{meeting.id}/report/paragraphs/{paragraph.id}/comments",
        data={"body": "Wrong report"},
    )
    assert "Choose a paragraph of this report." in contact.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert meeting_rows() == before
    assert db.session.scalar(select(db.func.count(ReportComment.id))) == 0


def test_only_the_chair_and_the_secretariat_write_the_draft_report(
    meetings, people, signed_in, make
):
    chair = make.user()
    meeting = draft_report(meetings, chair)
    response = signed_in(people["contact"]).post(
        f"/meetings/{meeting.id}/report/paragraphs", data={"text": "My own paragraph"}
    )
    assert response.status_code == 403
    signed_in(people["secretariat"]).post(
        f"/meetings/{meeting.id}/report/paragraphs", data={"text": "A third paragraph"}
    )
    page = signed_in(people["contact"]).get(f"/meetings/{meeting.id}/report")
    assert "Paragraph 3" in page.get_data(as_text=True)


def test_the_chair_edits_a_paragraph_and_a_delegation_cannot(meetings, people, signed_in, make):
    from portal.meetings.models import ReportParagraph

    chair = make.user()
    meeting = draft_report(meetings, chair)
    paragraph = db.session.scalar(
        select(ReportParagraph).where(ReportParagraph.meeting_id == meeting.id)
    )
    path = f"/meetings/{meeting.id}/report/paragraphs/{paragraph.id}"
    assert signed_in(people["contact"]).post(path, data={"text": "Rewritten"}).status_code == 403
    signed_in(chair).post(path, data={"text": "The meeting discussed diversion at length.",
                                      "is_recommendation": "y"})
    db.session.refresh(paragraph)
    assert (paragraph.text, paragraph.is_recommendation) == (
        "The meeting discussed diversion at length.", True
    )
    response = signed_in(chair).post(path, data={"text": " "})
    assert "This field is required." in signed_in(chair).get(
        response.headers["Location"]
    ).get_data(as_text=True)
    db.session.refresh(paragraph)
    assert paragraph.text == "The meeting discussed diversion at length."
