"""The calendar and a meeting's page as readers see them: filters, documents per item with
their distribution date and the "late" flag, the rolling agenda, times in the venue's zone and
the reader's, titles and notices per language, the Secretariat's forms."""

import re
from datetime import date, time, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.meetings import services
from portal.meetings.models import AgendaItem, Meeting
from tests.meetings.conftest import meeting_rows


def test_the_calendar_lists_upcoming_and_past_meetings_with_filters(
    meetings, people, signed_in, forum
):
    space = forum.space()
    soon = meetings.meeting(title="Spring gathering", kind="preparatory",
                            working_group_id=space.id)
    later = meetings.meeting(title="Twelfth Conference", kind="conference", cycle=11,
                             start_day=date.today() + timedelta(days=200),
                             end_day=date.today() + timedelta(days=204))
    past = meetings.meeting(title="Earlier Conference", kind="conference",
                            start_day=date.today() - timedelta(days=300),
                            end_day=date.today() - timedelta(days=296))
    http = signed_in(people["delegate"])
    upcoming = http.get("/meetings/").get_data(as_text=True)
    assert upcoming.index(soon.title) < upcoming.index(later.title)
    assert past.title not in upcoming
    assert past.title in http.get("/meetings/?when=past").get_data(as_text=True)
    by_kind = http.get("/meetings/?kind=conference").get_data(as_text=True)
    assert later.title in by_kind and soon.title not in by_kind
    by_cycle = http.get("/meetings/?cycle=11").get_data(as_text=True)
    assert later.title in by_cycle and soon.title not in by_cycle
    by_group = http.get(f"/meetings/?wg={space.id}").get_data(as_text=True)
    assert soon.title in by_group and later.title not in by_group
    # A kind that names nothing known shows everything upcoming; a cycle that is not a number
    # is a request not understood.
    assert http.get("/meetings/?kind=nonsense").status_code == 200
    assert http.get("/meetings/?cycle=x").status_code == 400


def test_documents_are_listed_per_item_and_late_ones_flagged(meetings, people, signed_in):
    meeting = meetings.meeting(items=2, start_day=date.today() + timedelta(days=20),
                               end_day=date.today() + timedelta(days=22))
    deadline = meeting.distribution_deadline
    first, second = meeting.items
    meetings.document(first, title="On-time paper", published_on=deadline - timedelta(days=3))
    meetings.document(second, title="Late paper", published_on=deadline - timedelta(days=3),
                      distributed_on=deadline + timedelta(days=1))
    page = signed_in(people["delegate"]).get(f"/meetings/{meeting.id}").get_data(as_text=True)
    first_part, second_part = page.split('id="item-')[1:3]
    assert "On-time paper" in first_part and "Late" not in first_part
    assert "Late paper" in second_part and 'class="badge badge-late">Late<' in second_part
    due = signed_in(people["secretariat"]).get(f"/meetings/{meeting.id}/documents-due")
    assert "Late paper" in due.get_data(as_text=True)
    figures = signed_in(people["secretariat"]).get("/meetings/distribution")
    assert re.search(r"<td>1</td><td>1</td><td>50 %</td>", figures.get_data(as_text=True))


def test_documents_the_reader_may_not_read_are_left_out(meetings, people, signed_in):
    meeting = meetings.meeting(items=1)
    meetings.document(meeting.items[0], title="States Parties' paper", level="state_parties")
    observer_page = signed_in(people["observer"]).get(f"/meetings/{meeting.id}")
    assert "States Parties&#39; paper" not in observer_page.get_data(as_text=True)
    delegate_page = signed_in(people["delegate"]).get(f"/meetings/{meeting.id}")
    assert "States Parties&#39; paper" in delegate_page.get_data(as_text=True)


def test_the_item_links_its_topic_and_guiding_questions(meetings, people, signed_in, forum):
    topic = forum.topic(forum.space(), title="Diversion risk assessment",
                        questions=["What do you check?"])
    meeting = meetings.meeting()
    meetings.item(meeting, "Risk assessment", topic_id=topic.id)
    page = signed_in(people["delegate"]).get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f'/forum/topics/{topic.id}#questions-heading' in page
    assert "Guiding questions and discussion" in page


def test_the_rolling_agenda_marks_the_current_item_and_refreshes_only_in_session(
    meetings, people, signed_in
):
    meeting = meetings.meeting(items=3)
    officer = signed_in(people["secretariat"])
    reader = signed_in(people["delegate"])
    page = reader.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page
    # Not in session yet: marking an item is refused and nothing changes.
    response = officer.post(f"/meetings/{meeting.id}/current", data={"item": meeting.items[1].id})
    assert "The meeting is not in session." in officer.get(response.headers["Location"]).get_data(
        as_text=True
    )
    officer.post(f"/meetings/{meeting.id}/status", data={"status": "in_session"})
    officer.post(f"/meetings/{meeting.id}/current", data={"item": meeting.items[1].id})
    page = reader.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="60">' in page
    current = re.search(r'<li class="agenda-item agenda-current" id="item-(\d+)"', page)
    assert current and int(current.group(1)) == meeting.items[1].id
    assert page.count("Under discussion now") == 1
    # Closing the meeting ends the rolling agenda and the refreshing.
    officer.post(f"/meetings/{meeting.id}/status", data={"status": "closed"})
    page = reader.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page and "Under discussion now" not in page


def test_times_are_shown_in_the_venue_zone_and_in_utc(meetings, people, signed_in):
    # 10:00 in Geneva is 08:00 UTC in summer (CEST) and 09:00 UTC in winter (CET).
    summer = meetings.meeting(start_day=date(2031, 8, 25), end_day=date(2031, 8, 29),
                              start_time=time(10, 0))
    winter = meetings.meeting(start_day=date(2031, 11, 3), end_day=date(2031, 11, 4),
                              start_time=time(10, 0))
    http = signed_in(people["delegate"])
    summer_page = http.get(f"/meetings/{summer.id}").get_data(as_text=True)
    assert "Mon 25 Aug 2031, 10:00" in summer_page and "Mon 25 Aug 2031, 08:00" in summer_page
    winter_page = http.get(f"/meetings/{winter.id}").get_data(as_text=True)
    assert "Mon 3 Nov 2031, 10:00" in winter_page and "Mon 3 Nov 2031, 09:00" in winter_page
    assert "Your account has no time zone of its own, so yours is the portal" in winter_page


def test_title_and_notices_per_language_fall_back_to_english_marked_as_such(
    meetings, people, signed_in
):
    meeting = meetings.meeting(
        title="Working groups' meeting",
        translations={"fr": {"title": "Réunion des groupes de travail", "notices": ""}},
    )
    reader = people["delegate"]
    reader.language = "fr"
    db.session.commit()
    page = signed_in(reader).get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "<h1><bdi>Réunion des groupes de travail</bdi></h1>" in page
    # No French notices: the English ones, marked as English.
    assert 'lang="en">Badges are collected at the Pregny gate.' in page
    reader.language = "es"
    db.session.commit()
    page = signed_in(reader).get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert '<h1><bdi lang="en">Working groups&#39; meeting</bdi></h1>' in page


def test_the_secretariat_plans_a_meeting_and_its_agenda_through_the_pages(
    meetings, people, signed_in, forum
):
    topic = forum.topic(forum.space(), title="Transparency and reporting")
    officer = signed_in(people["secretariat"])
    response = officer.post(
        "/meetings/new",
        data={
            "title": "CSP12",
            "kind": "conference",
            "cycle": "12",
            "start_day": "2031-08-24",
            "start_time": "10:00",
            "end_day": "2031-08-28",
            "end_time": "18:00",
            "time_zone": "Europe/Zurich",
            "venue": "Geneva",
            "format": "hybrid",
            "languages": ["en", "fr"],
            "level": "users",
            "title_fr": "CSP12 (fr)",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    meeting = db.session.scalar(select(Meeting).where(Meeting.title == "CSP12"))
    assert meeting.distribution_deadline == date(2031, 7, 25)
    assert meeting.speakers_due_on == date(2031, 8, 17)
    assert meeting.translations == {"fr": {"title": "CSP12 (fr)", "notices": ""}}
    assert meeting.starts_at.isoformat() == "2031-08-24T08:00:00"
    for title in ("Opening", "General exchange", "Closing"):
        response = officer.post(
            f"/meetings/{meeting.id}/items/new",
            data={"title": title, "topic": topic.id if title == "General exchange" else ""},
        )
        assert response.status_code == 302
    items = db.session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id).order_by(AgendaItem.position)
    ).all()
    assert [i.title for i in items] == ["Opening", "General exchange", "Closing"]
    assert items[1].working_group_id == topic.working_group_id
    officer.post(f"/meetings/{meeting.id}/items/{items[2].id}/move/up")
    db.session.expire_all()
    assert [i.title for i in meeting.items] == ["Opening", "Closing", "General exchange"]


def test_a_refused_meeting_form_shows_the_message_and_writes_nothing(people, signed_in):
    officer = signed_in(people["secretariat"])
    before = meeting_rows()
    response = officer.post(
        "/meetings/new",
        data={"title": "Backwards", "kind": "conference", "cycle": "12",
              "start_day": "2031-08-28", "end_day": "2031-08-24", "time_zone": "Europe/Zurich",
              "format": "hybrid", "level": "users"},
    )
    assert response.status_code == 400
    assert "The end must come after the start." in response.get_data(as_text=True)
    response = officer.post(
        "/meetings/new",
        data={"title": "Nowhere", "kind": "conference", "cycle": "12",
              "start_day": "2031-08-24", "end_day": "2031-08-28", "time_zone": "Mars/Olympus",
              "format": "hybrid", "level": "users"},
    )
    assert response.status_code == 400
    assert "Choose the time zone of the venue from the list" in response.get_data(as_text=True)
    assert meeting_rows() == before


def test_an_item_of_another_meeting_is_refused_everywhere(meetings, people, signed_in):
    meeting = meetings.meeting(items=1)
    other = meetings.meeting(items=1)
    meetings.register(meeting, people["delegate"])
    services.set_status(meeting, people["secretariat"], "in_session")
    db.session.commit()
    before = meeting_rows()
    officer = signed_in(people["secretariat"])
    foreign = other.items[0].id
    # Marking it as current, asking to speak on it, editing or linking to it through this one.
    response = officer.post(f"/meetings/{meeting.id}/current", data={"item": foreign})
    assert "Choose an agenda item of this meeting." in officer.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    contact = signed_in(people["contact"])
    response = contact.post(f"/meetings/{meeting.id}/speakers/request",
                            data={"item": foreign, "subject": "Off the agenda"})
    assert "Choose an agenda item of this meeting." in contact.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert officer.get(f"/meetings/{meeting.id}/items/{foreign}/edit").status_code == 404
    assert officer.post(f"/meetings/{meeting.id}/items/{foreign}/documents",
                        data={"document": "1"}).status_code == 404
    assert meeting_rows() == before
    db.session.refresh(other.items[0])
    assert not other.items[0].is_current


def test_linking_an_unknown_or_unreadable_document_is_refused(meetings, people, signed_in):
    meeting = meetings.meeting(items=1)
    item = meeting.items[0]
    hidden = meetings.library.document("Group paper", level="group",
                                       group=meetings.make.group())
    officer = signed_in(people["secretariat"])
    before = meeting_rows()
    for reference in ("ATT/NO/SUCH/SYMBOL", str(hidden.id)):
        response = officer.post(f"/meetings/{meeting.id}/items/{item.id}/documents",
                                data={"document": reference})
        page = officer.get(response.headers["Location"]).get_data(as_text=True)
        assert "No document has this symbol or number." in page
    assert meeting_rows() == before


def test_a_dief_session_cannot_be_opened_to_observers(people, signed_in):
    officer = signed_in(people["secretariat"])
    before = meeting_rows()
    response = officer.post(
        "/meetings/new",
        data={"title": "DIEF session", "kind": "dief", "cycle": "12",
              "start_day": "2031-08-25", "end_day": "2031-08-25", "time_zone": "Europe/Zurich",
              "format": "in_person", "level": "users"},
    )
    assert response.status_code == 400
    assert "A DIEF session is open to States Parties and signatory States only." in (
        response.get_data(as_text=True)
    )
    assert meeting_rows() == before
