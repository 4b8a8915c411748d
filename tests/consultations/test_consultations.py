"""Informal consultations from the outside: requesting, agreeing, inviting, naming
participants, threads, documents and sessions, closing (read-only from then on) and the outcome
note; the emails their delegations receive; bad input refused with a clear message and nothing
written."""

from datetime import timedelta

from sqlalchemy import func, select

from portal.consultations.models import Consultation, ConsultationPost
from portal.core.audit import AuditEvent
from portal.core.jobs import run_due_jobs
from portal.core.models import now_utc
from portal.extensions import db
from portal.meetings.models import Meeting
from portal.notifications.models import Notification
from tests.conftest import text_of
from tests.consultations.conftest import consultation_rows, moment_values


def form(opens=None, closes=None, **overrides):
    opens = opens or now_utc() - timedelta(hours=1)
    closes = closes or opens + timedelta(days=10)
    data = {
        "title": "Consultation on the reporting template",
        "purpose": "Comments on the draft template.",
        "format": "online",
        "support": "logistics",
        **moment_values("open", opens),
        **moment_values("close", closes),
    }
    data.update(overrides)
    return data


def test_a_State_requests_the_Secretariat_agrees_and_the_invited_are_told(
    consultations, people, signed_in, mailbox
):
    contact = signed_in(people["contact"])
    response = contact.post("/consultations/request", data=form(
        invited=[str(people["ghana"].delegation_id)],
    ))
    assert response.status_code == 302
    consultation = db.session.scalar(select(Consultation))
    assert consultation.status == "requested"
    page = contact.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert "Requested, awaiting the Secretariat" in page
    assert not mailbox.to(people["ghana"].email)

    officer = signed_in(people["secretariat"])
    assert officer.post(f"/consultations/{consultation.id}/decide",
                        data={"agree": "Agree"}).status_code == 302
    db.session.refresh(consultation)
    assert consultation.status == "agreed"
    message = mailbox.last_to(people["ghana"].email)
    assert "invited to an informal consultation" in text_of(message)
    assert consultation.title not in message["Subject"]  # a restricted item is not named


def test_a_declined_request_stays_with_its_requesters(consultations, people, signed_in):
    consultation = consultations.requested(people["contact"], [people["ghana"].delegation])
    signed_in(people["secretariat"]).post(f"/consultations/{consultation.id}/decide",
                                          data={"decline": "Decline"})
    db.session.refresh(consultation)
    assert consultation.status == "declined"
    assert not signed_in(people["contact"]).get(
        f"/consultations/{consultation.id}").get_data(as_text=True).count("Start a thread")


def test_a_point_of_contact_names_a_delegate_who_then_posts(consultations, people, signed_in):
    consultation = consultations.convened([people["contact"].delegation], by=people["chair"])
    thread = consultations.thread(consultation, people["chair"])
    delegate = signed_in(people["delegate"])
    assert delegate.post(f"/consultations/threads/{thread.id}",
                         data={"body": "Too early."}).status_code == 403
    contact = signed_in(people["contact"])
    response = contact.post(f"/consultations/{consultation.id}/participants",
                            data={"person": str(people["delegate"].id)})
    assert response.status_code == 302
    assert delegate.post(f"/consultations/threads/{thread.id}",
                         data={"body": "We support paragraph 12."}).status_code == 302
    page = delegate.get(f"/consultations/threads/{thread.id}").get_data(as_text=True)
    assert "We support paragraph 12." in page


def test_naming_someone_of_another_delegation_is_refused(consultations, people, signed_in):
    consultation = consultations.convened([people["contact"].delegation], by=people["chair"])
    before = consultation_rows()
    response = signed_in(people["contact"]).post(
        f"/consultations/{consultation.id}/participants",
        data={"person": str(people["ghana"].id)}, follow_redirects=True,
    )
    assert "Choose a person of your delegation." in response.get_data(as_text=True)
    assert consultation_rows() == before


def test_pages_become_read_only_at_the_closing_time(consultations, people, signed_in):
    consultation = consultations.convened([people["contact"].delegation], by=people["chair"])
    thread = consultations.thread(consultation, people["chair"])
    contact = signed_in(people["contact"])
    assert "Start a thread" in contact.get(f"/consultations/{consultation.id}").get_data(
        as_text=True)
    consultations.close_in_the_past(consultation)
    page = contact.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert "Start a thread" not in page
    assert "Closed: read-only" in page
    before = consultation_rows()
    assert contact.post(f"/consultations/threads/{thread.id}",
                        data={"body": "Late."}).status_code == 403
    assert contact.post(f"/consultations/{consultation.id}/threads",
                        data={"title": "Late", "body": "Late."}).status_code == 403
    assert consultation_rows() == before
    thread_page = contact.get(f"/consultations/threads/{thread.id}").get_data(as_text=True)
    assert "read-only" in thread_page


def test_the_organiser_closes_early_and_publishes_the_outcome(
    consultations, people, signed_in, mailbox
):
    space = consultations.forum.space()
    consultation = consultations.convened([people["contact"].delegation], by=people["chair"],
                                          working_group_id=space.id)
    chair = signed_in(people["chair"])
    assert chair.post(f"/consultations/{consultation.id}/outcome",
                      data={"note": "Too early."}).status_code == 403
    assert chair.post(f"/consultations/{consultation.id}/close").status_code == 302
    db.session.refresh(consultation)
    assert consultation.is_closed()
    assert "closed" in text_of(mailbox.last_to(people["contact"].email)).lower()
    response = chair.post(f"/consultations/{consultation.id}/outcome",
                          data={"note": "The template is agreed with two changes."})
    assert response.status_code == 302
    # Every reader of the working group reads the outcome, the consultation stays private.
    outsider = signed_in(people["ghana"])
    listed = outsider.get("/consultations/").get_data(as_text=True)
    assert consultation.title in listed
    note = outsider.get(f"/consultations/{consultation.id}/outcome").get_data(as_text=True)
    assert "The template is agreed with two changes." in note
    assert outsider.get(f"/consultations/{consultation.id}").status_code == 404
    assert chair.post(f"/consultations/{consultation.id}/outcome",
                      data={"note": "Again."}).status_code == 403


def test_closing_before_opening_is_refused_and_nothing_written(consultations, people, signed_in):
    before = consultation_rows()
    opens = now_utc() + timedelta(days=3)
    response = signed_in(people["contact"]).post(
        "/consultations/request", data=form(opens=opens, closes=opens - timedelta(days=1))
    )
    assert response.status_code == 400
    assert "It must close after it opens." in response.get_data(as_text=True)
    assert consultation_rows() == before


def test_inviting_a_delegation_that_does_not_exist_is_refused(consultations, people, signed_in):
    before = consultation_rows()
    chair = signed_in(people["chair"])
    response = chair.post("/consultations/convene", data=form(invited=["999999"]))
    assert response.status_code == 400
    assert "Choose delegations from the list." in response.get_data(as_text=True)
    response = chair.post("/consultations/convene", data=form(invited=["abc"]))
    assert response.status_code == 400
    assert consultation_rows() == before
    consultation = consultations.convened([people["contact"].delegation], by=people["chair"])
    before = consultation_rows()
    response = chair.post(f"/consultations/{consultation.id}/invite",
                          data={"invited": [str(people["ghana"].delegation_id), "999999"]},
                          follow_redirects=True)
    assert "Choose delegations from the list." in response.get_data(as_text=True)
    assert consultation_rows() == before


def test_the_Secretariat_cannot_be_invited(consultations, people, signed_in):
    before = consultation_rows()
    response = signed_in(people["chair"]).post("/consultations/convene", data=form(
        invited=[str(people["secretariat"].delegation_id)]))
    assert response.status_code == 400
    assert consultation_rows() == before


def test_an_empty_title_or_purpose_is_refused(people, signed_in):
    response = signed_in(people["chair"]).post("/consultations/convene",
                                               data=form(title=" ", purpose=""))
    assert response.status_code == 400
    assert "This field is required." in response.get_data(as_text=True)
    assert db.session.scalar(select(Consultation)) is None


def test_other_delegations_join_when_it_is_open_to_them(consultations, people, signed_in,
                                                        mailbox):
    consultation = consultations.convened([people["contact"].delegation], by=people["chair"],
                                          is_open_to_others=True)
    ghana = signed_in(people["ghana"])
    assert consultation.title in ghana.get("/consultations/").get_data(as_text=True)
    assert ghana.get(f"/consultations/{consultation.id}").status_code == 404
    assert ghana.post(f"/consultations/{consultation.id}/join").status_code == 302
    assert ghana.get(f"/consultations/{consultation.id}").status_code == 200
    closed = consultations.convened([people["contact"].delegation], by=people["chair"],
                                    is_open_to_others=True, title="Another consultation")
    consultations.close_in_the_past(closed)
    assert ghana.post(f"/consultations/{closed.id}/join").status_code == 404


def test_threads_gather_comments_on_a_draft_document(consultations, people, signed_in):
    document = consultations.library.document("Chair's draft report", symbol="ATT/CSP12/WGTR/1")
    consultation = consultations.convened([people["contact"].delegation], by=people["chair"])
    contact = signed_in(people["contact"])
    response = contact.post(f"/consultations/{consultation.id}/threads", data={
        "title": "Paragraph 4", "document": "ATT/CSP12/WGTR/1", "body": "Please add denials.",
    })
    assert response.status_code == 302
    page = contact.get(response.headers["Location"]).get_data(as_text=True)
    assert "Chair&#39;s draft report" in page or "Chair's draft report" in page
    before = consultation_rows()
    response = contact.post(f"/consultations/{consultation.id}/threads", data={
        "title": "Unknown", "document": "NO/SUCH/SYMBOL", "body": "Text",
    }, follow_redirects=True)
    assert "No document has this symbol or number." in response.get_data(as_text=True)
    assert consultation_rows() == before
    assert document.id


def test_shared_documents_and_sessions(consultations, people, signed_in):
    consultation = consultations.convened([people["contact"].delegation], by=people["chair"])
    document = consultations.library.document("Draft template", symbol="ATT/TMPL/1")
    chair = signed_in(people["chair"])
    assert chair.post(f"/consultations/{consultation.id}/documents",
                      data={"document": str(document.id)}).status_code == 302
    start = consultation.opens_at + timedelta(days=1)
    response = chair.post(f"/consultations/{consultation.id}/sessions/new", data={
        "title": "First session", "cycle": "12", "time_zone": "UTC",
        "start_day": start.date().isoformat(), "start_time": "10:00",
        "end_day": start.date().isoformat(), "end_time": "12:00",
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    session = db.session.scalar(select(Meeting))
    assert session.kind == "consultation"
    assert session.acl == consultation.acl
    contact = signed_in(people["contact"])
    page = contact.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert "Draft template" in page and "First session" in page
    session_page = contact.get(f"/meetings/{session.id}").get_data(as_text=True)
    assert f'href="/consultations/{consultation.id}"' in session_page
    assert signed_in(people["ghana"]).get(f"/meetings/{session.id}").status_code == 404
    before = consultation_rows()
    late = consultation.closes_at + timedelta(days=2)
    response = chair.post(f"/consultations/{consultation.id}/sessions/new", data={
        "title": "Too late", "cycle": "12", "time_zone": "UTC",
        "start_day": late.date().isoformat(), "end_day": late.date().isoformat(),
    })
    assert response.status_code == 400
    assert "while the consultation is open" in response.get_data(as_text=True)
    assert consultation_rows() == before


def test_openings_and_closings_are_announced_once(consultations, people, mailbox):
    from portal.consultations.services import announce_times

    def reasons(person):
        return sorted(db.session.scalars(
            select(Notification.reason).where(Notification.user_id == person.id)
        ))

    consultation = consultations.convened([people["contact"].delegation], by=people["chair"])
    mailbox.messages.clear()
    announce_times()
    run_due_jobs()
    assert "is open" in mailbox.last_to(people["contact"].email)["Subject"] or \
        "is open" in text_of(mailbox.last_to(people["contact"].email))
    announce_times()
    run_due_jobs()
    assert reasons(people["contact"]) == ["consultation_invited", "consultation_opened"]
    consultations.close_in_the_past(consultation)
    announce_times()
    announce_times()
    run_due_jobs()
    assert reasons(people["contact"]) == [
        "consultation_closed", "consultation_invited", "consultation_opened"
    ]
    assert reasons(people["ghana"]) == []


def test_English_content_is_marked_where_the_interface_is_in_another_language(
    consultations, people, signed_in
):
    consultation = consultations.convened([people["contact"].delegation], by=people["chair"])
    consultations.thread(consultation, people["chair"], title="Paragraph twelve")
    contact = signed_in(people["contact"])
    contact.post("/language", data={"language": "fr"})
    page = contact.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert f'<bdi lang="en">{consultation.title}</bdi>' in page
    assert '<bdi lang="en">Paragraph twelve</bdi>' in page
    assert db.session.scalar(select(ConsultationPost)) is not None


def test_the_organiser_changes_the_consultation_and_it_is_audited(
    consultations, people, signed_in
):
    consultation = consultations.convened([people["contact"].delegation], by=people["chair"])
    chair = signed_in(people["chair"])
    page = chair.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert "Change the consultation" in page
    edit_page = chair.get(f"/consultations/{consultation.id}/edit").get_data(as_text=True)
    assert "Gather comments on the chair&#39;s draft report" in edit_page
    closes = consultation.closes_at + timedelta(days=5)
    response = chair.post(f"/consultations/{consultation.id}/edit", data=form(
        opens=consultation.opens_at, closes=closes,
        purpose="Agree the template's annex.", format="in_person", support="substantive",
        is_open_to_others="y", languages=["fr", "es"],
    ))
    assert response.status_code == 302
    db.session.refresh(consultation)
    assert consultation.purpose == "Agree the template's annex."
    assert consultation.closes_at == closes.replace(second=0, microsecond=0)
    assert (consultation.format, consultation.support) == ("in_person", "substantive")
    assert consultation.is_open_to_others
    assert consultation.languages == ["fr", "es"]
    entry = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "consultations.edit", AuditEvent.target_id == consultation.id))
    assert entry.actor_id == people["chair"].id
    assert "purpose" in str(entry.detail) and "languages" in str(entry.detail)
    page = signed_in(people["contact"]).get(f"/consultations/{consultation.id}")
    assert "Agree the template&#39;s annex." in page.get_data(as_text=True)


def test_the_Secretariat_changes_a_request_before_agreeing(consultations, people, signed_in):
    consultation = consultations.requested(people["contact"], [people["ghana"].delegation])
    response = signed_in(people["secretariat"]).post(
        f"/consultations/{consultation.id}/edit",
        data=form(opens=consultation.opens_at, purpose="Narrower purpose."),
    )
    assert response.status_code == 302
    db.session.refresh(consultation)
    assert consultation.purpose == "Narrower purpose."
    assert consultation.status == "requested"


def test_a_change_is_checked_as_at_creation_and_writes_nothing(
    consultations, people, signed_in
):
    consultation = consultations.convened([people["contact"].delegation], by=people["chair"])
    kept = (consultation.purpose, consultation.opens_at, consultation.closes_at)
    before = consultation_rows()
    edits = select(func.count()).where(AuditEvent.action == "consultations.edit")
    chair = signed_in(people["chair"])
    opens = now_utc() + timedelta(days=3)
    for data, message in (
        (form(opens=opens, closes=opens - timedelta(days=1), purpose="Changed."),
         "It must close after it opens."),
        (form(purpose="Changed.", format="by_carrier_pigeon"), "Choose from the list."),
        (form(purpose=""), "This field is required."),
        (form(purpose="Changed.", languages=["en"]), "Choose languages from the list."),
        (form(opens=now_utc() - timedelta(days=2), closes=now_utc() - timedelta(hours=1),
              purpose="Changed."), "This closing time is already past"),
    ):
        response = chair.post(f"/consultations/{consultation.id}/edit", data=data)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
        db.session.expire_all()
        assert (consultation.purpose, consultation.opens_at, consultation.closes_at) == kept
    assert consultation_rows() == before
    assert db.session.scalar(edits) == 0


def test_only_the_organiser_and_the_Secretariat_change_it_until_it_closes(
    consultations, people, signed_in
):
    consultation = consultations.convened([people["contact"].delegation], by=people["chair"])
    path = f"/consultations/{consultation.id}/edit"
    contact = signed_in(people["contact"])
    assert "Change the consultation" not in contact.get(
        f"/consultations/{consultation.id}").get_data(as_text=True)
    assert contact.get(path).status_code == 403
    assert contact.post(path, data=form(purpose="Ours now.")).status_code == 403
    assert signed_in(people["ghana"]).post(path, data=form(purpose="Ours.")).status_code == 404
    assert signed_in(people["secretariat"]).get(path).status_code == 200
    consultations.close_in_the_past(consultation)
    for person in ("chair", "secretariat"):
        client = signed_in(people[person])
        assert "Change the consultation" not in client.get(
            f"/consultations/{consultation.id}").get_data(as_text=True)
        assert client.get(path).status_code == 403
        assert client.post(path, data=form(purpose="Too late.")).status_code == 403
    db.session.refresh(consultation)
    assert consultation.purpose != "Too late."
