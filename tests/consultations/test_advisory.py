"""The informal advisory group from the outside: applying, registration by the Secretariat,
requests for inputs (two per cycle at most, a deadline), inputs, and the report and its export,
which give counts and anonymised texts and no participant's name, email or delegation."""

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from portal.consultations.models import AdvisoryDocument, AdvisoryInput, AdvisoryMember
from portal.core.audit import AuditEvent
from portal.core.models import now_utc
from portal.extensions import db
from tests.conftest import text_of
from tests.consultations.conftest import consultation_rows, moment_values


def test_people_apply_and_the_Secretariat_registers_them(people, signed_in):
    observer = signed_in(people["observer"])
    assert observer.post("/consultations/advisory", data={
        "expertise": "Arms transfer data from civil society."}).status_code == 302
    member = db.session.scalar(select(AdvisoryMember))
    assert member.status == "applied"
    assert "Applied" in observer.get("/consultations/advisory").get_data(as_text=True)
    officer = signed_in(people["secretariat"])
    page = officer.get("/consultations/advisory").get_data(as_text=True)
    assert "Arms transfer data from civil society." in page
    assert officer.post(f"/consultations/advisory/members/{member.id}/decide",
                        data={"agree": "1"}).status_code == 302
    db.session.refresh(member)
    assert member.is_registered
    assert observer.post(f"/consultations/advisory/members/{member.id}/decide",
                         data={"agree": "1"}).status_code == 403
    before = consultation_rows()
    response = observer.post("/consultations/advisory", data={"expertise": "Again."})
    assert response.status_code == 400
    assert "You have already applied." in response.get_data(as_text=True)
    assert consultation_rows() == before


def test_at_most_two_requests_for_inputs_per_cycle(consultations, people, signed_in):
    consultations.input_request()
    consultations.input_request()
    before = consultation_rows()
    deadline = now_utc() + timedelta(days=10)
    response = signed_in(people["secretariat"]).post("/consultations/advisory/requests/new", data={
        "title": "A third", "cycle": "12", "description": "More.",
        **moment_values("deadline", deadline),
    })
    assert response.status_code == 400
    assert "At most two consultations of the group are planned per cycle." in response.get_data(
        as_text=True)
    assert consultation_rows() == before


def test_members_are_asked_for_inputs_and_answer_before_the_deadline(
    consultations, people, signed_in, mailbox
):
    consultations.member(people["contact"])
    consultations.member(people["observer"])
    deadline = now_utc() + timedelta(days=10)
    officer = signed_in(people["secretariat"])
    response = officer.post("/consultations/advisory/requests/new", data={
        "title": "Draft report template", "cycle": "12",
        "description": "Comment on the template.", **moment_values("deadline", deadline),
    })
    assert response.status_code == 302
    assert "asks for your inputs" in text_of(mailbox.last_to(people["observer"].email))
    assert not mailbox.to(people["ghana"].email)
    path = response.headers["Location"]
    observer = signed_in(people["observer"])
    assert observer.post(path, data={"body": "Add a field for brokering."}).status_code == 302
    assert observer.post(path, data={"body": "Add a field for brokering, and transit."}
                         ).status_code == 302
    assert [given.body for given in db.session.scalars(select(AdvisoryInput))] == [
        "Add a field for brokering, and transit."]
    assert signed_in(people["ghana"]).get(path).status_code == 404


def test_an_input_after_the_deadline_is_refused_and_nothing_written(
    consultations, people, signed_in
):
    consultations.member(people["contact"])
    request = consultations.input_request()
    request.deadline_at = now_utc() - timedelta(minutes=1)
    db.session.commit()
    before = consultation_rows()
    response = signed_in(people["contact"]).post(
        f"/consultations/advisory/requests/{request.id}", data={"body": "Late."})
    assert response.status_code == 400
    assert "The deadline for inputs has passed." in response.get_data(as_text=True)
    assert consultation_rows() == before


def test_a_deadline_in_the_past_is_refused(people, signed_in):
    before = consultation_rows()
    response = signed_in(people["secretariat"]).post("/consultations/advisory/requests/new", data={
        "title": "Late", "cycle": "12", "description": "x",
        **moment_values("deadline", now_utc() - timedelta(days=1)),
    })
    assert response.status_code == 400
    assert "The deadline must be in the future." in response.get_data(as_text=True)
    assert consultation_rows() == before


def test_the_report_and_its_export_identify_no_participant(consultations, people, signed_in,
                                                           make):
    participants = [people["contact"], people["ghana"], people["observer"], people["signatory"],
                    make.user(name="Ada Industry",
                              delegation=make.delegation(kind="industry", name="Arms Makers Ltd",
                                                         short_name="AML"))]
    for person in participants:
        consultations.member(person)
    request = consultations.input_request()
    for person in participants:
        # Some write their own name, email or delegation into their input.
        body = (f"As {person.name} ({person.email}) of {person.delegation.name} "
                f"[{person.delegation.short_name}], I suggest a column for end users.")
        signed_in(person).post(f"/consultations/advisory/requests/{request.id}",
                               data={"body": body})
    assert len(db.session.scalars(select(AdvisoryInput)).all()) == len(participants)
    officer = signed_in(people["secretariat"])
    page = officer.get(f"/consultations/advisory/requests/{request.id}/report").get_data(
        as_text=True)
    export = officer.get(f"/consultations/advisory/requests/{request.id}/report.csv")
    assert export.status_code == 200
    exported = export.get_data(as_text=True)
    shown = page.split('id="main"', 1)[-1]
    for person in participants:
        for value in (person.name, person.email, person.delegation.name,
                      person.delegation.display_name, person.delegation.short_name):
            named = re.compile(rf"(?<!\w){re.escape(value)}(?!\w)", re.IGNORECASE)
            assert not named.search(shown), value
            assert not named.search(exported), value
    rows = list(csv.reader(io.StringIO(exported)))
    assert ["All inputs", "", "5"] in rows
    assert ["Kind of organisation", "State Party", "2"] in rows
    assert ["Region", "African Group", "1"] in rows
    assert sum("I suggest a column for end users." in row[1] for row in rows) == 5
    assert "I suggest a column for end users." in page


def share(client, title, restricted=False, data=b"Draft template for annual reports.",
          name="template.txt"):
    fields = {"title": title, "file": (io.BytesIO(data), name)}
    if restricted:
        fields["is_restricted"] = "y"
    return client.post("/consultations/advisory/documents/new", data=fields,
                       content_type="multipart/form-data")


def stored_files(app):
    return sorted(str(path) for path in Path(app.config["PORTAL_FILES_DIR"]).rglob("*")
                  if path.is_file())


def test_the_group_documents_are_for_its_participants_at_their_level(
    consultations, people, signed_in
):
    consultations.member(people["contact"])  # a State Party's representative
    consultations.member(people["observer"])  # civil society
    officer = signed_in(people["secretariat"])
    assert share(officer, "Draft report template").status_code == 302
    assert share(officer, "Denials data for the template", restricted=True,
                 data=b"Restricted figures.").status_code == 302
    everyone, states = db.session.scalars(select(AdvisoryDocument).order_by("id")).all()
    assert (everyone.acl, states.acl) == ("advisory", "advisory_states")
    path = "/consultations/advisory/documents/{}"

    state = signed_in(people["contact"])
    page = state.get("/consultations/advisory").get_data(as_text=True)
    assert "Draft report template" in page and "Denials data for the template" in page
    assert state.get(path.format(everyone.id)).data == b"Draft template for annual reports."
    assert state.get(path.format(states.id)).data == b"Restricted figures."

    observer = signed_in(people["observer"])
    page = observer.get("/consultations/advisory").get_data(as_text=True)
    assert "Draft report template" in page and "Denials data" not in page
    assert observer.get(path.format(everyone.id)).status_code == 200
    assert observer.get(path.format(states.id)).status_code == 404

    # Not registered: applied only, and someone who never applied.
    consultations.member(people["ghana"], register=False)
    for outsider in ("ghana", "signatory"):
        client = signed_in(people[outsider])
        assert "Draft report template" not in client.get(
            "/consultations/advisory").get_data(as_text=True)
        assert client.get(path.format(everyone.id)).status_code == 404
        assert client.get(path.format(states.id)).status_code == 404
    assert state.get(path.format(999999)).status_code == 404

    downloads = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "advisory.document_download")).all()
    assert sorted((e.actor_id, e.target_id) for e in downloads) == sorted([
        (people["contact"].id, everyone.id), (people["contact"].id, states.id),
        (people["observer"].id, everyone.id),
    ])
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "advisory.document_share", AuditEvent.target_id == states.id
    )).actor_id == people["secretariat"].id


def test_English_titles_of_the_group_documents_are_marked(consultations, people, signed_in):
    consultations.member(people["observer"])
    assert share(signed_in(people["secretariat"]), "Draft report template").status_code == 302
    observer = signed_in(people["observer"])
    observer.post("/language", data={"language": "fr"})
    page = observer.get("/consultations/advisory").get_data(as_text=True)
    assert '<html lang="fr"' in page
    assert '<bdi lang="en">Draft report template</bdi>' in page


def test_only_the_Secretariat_shares_documents_with_the_group(consultations, people, signed_in):
    consultations.member(people["contact"])
    before = consultation_rows()
    member = signed_in(people["contact"])
    assert member.get("/consultations/advisory/documents/new").status_code == 403
    assert share(member, "Our own document").status_code == 403
    assert "Share a document" not in member.get("/consultations/advisory").get_data(
        as_text=True)
    assert consultation_rows() == before


def test_a_document_without_a_file_or_of_a_refused_kind_writes_nothing(
    app, consultations, people, signed_in
):
    officer = signed_in(people["secretariat"])
    before, files = consultation_rows(), stored_files(app)
    response = officer.post("/consultations/advisory/documents/new",
                            data={"title": "No file"}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Attach the document." in response.get_data(as_text=True)
    response = share(officer, "A program", data=b"MZ\x90\x00\x03\x00\x00\x00" * 64,
                     name="tool.exe")
    assert response.status_code == 400
    assert "This kind of file is not accepted." in response.get_data(as_text=True)
    response = share(officer, "   ")
    assert response.status_code == 400
    assert "This field is required." in response.get_data(as_text=True)
    assert consultation_rows() == before
    assert stored_files(app) == files
