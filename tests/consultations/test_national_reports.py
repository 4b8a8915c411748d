"""National reports to cabinet or parliament from the outside: sharing them (files in the six
languages, year, period, contents, audience), the list with its filters, the pages per State
and per year, full-text search through the search page, the notification of followers, and bad
input refused with nothing written."""

import io
from sqlalchemy import select

from portal.consultations.models import NationalReport
from portal.core.jobs import run_due_jobs
from portal.extensions import db
from portal.notifications.services import subscribe
from tests.conftest import text_of
from tests.consultations.conftest import consultation_rows
from tests.library.documents import docx_bytes


def share_form(**overrides):
    data = {
        "title": "Report to parliament on arms exports 2025",
        "year": "2025",
        "period_start": "2025-01-01",
        "period_end": "2025-12-31",
        "contents": ["licences", "denials"],
        "audience": "stakeholders",
        "file_es": (io.BytesIO(docx_bytes(["Informe al Congreso sobre exportaciones de armas.",
                                           "Denegaciones de licencias de corretaje."])),
                    "informe.docx"),
        "file_en": (io.BytesIO(b"Report to Congress: brokering licence denials."), "report.txt"),
    }
    data.update(overrides)
    return data


def test_a_State_Party_shares_a_report_found_by_its_text(people, signed_in):
    contact = signed_in(people["contact"])
    response = contact.post("/consultations/national-reports/new", data=share_form(),
                            content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    report = db.session.scalar(select(NationalReport))
    assert sorted(f.language for f in report.files) == ["en", "es"]
    run_due_jobs()
    page = contact.get(response.headers["Location"]).get_data(as_text=True)
    assert "Licences, Denials" in page and "All ATT stakeholders" in page
    found = signed_in(people["observer"]).get("/search/?q=corretaje").get_data(as_text=True)
    assert "Report to parliament on arms exports 2025" in found
    found = signed_in(people["observer"]).get(
        "/search/?q=brokering&f=kind:national_report").get_data(as_text=True)
    assert "Report to parliament on arms exports 2025" in found
    download = contact.get(f"/consultations/national-reports/files/{report.files[0].id}")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]


def test_a_restricted_report_is_not_found_by_those_outside_its_audience(
    consultations, people, signed_in
):
    consultations.national_report(people["contact"], audience="state_parties",
                                  text=b"Denials of transfers to a non-State actor.")
    run_due_jobs()
    assert "non-State actor" not in signed_in(people["observer"]).get(
        "/search/?q=non-State").get_data(as_text=True)
    assert "Report to parliament" in signed_in(people["ghana"]).get(
        "/search/?q=actor").get_data(as_text=True)


def test_lists_per_State_per_year_and_filters(consultations, people, client):
    consultations.national_report(people["contact"], year=2024, contents=("deliveries",),
                                  title="Mexico 2024")
    consultations.national_report(people["contact"], year=2025, contents=("licences",),
                                  title="Mexico 2025")
    consultations.national_report(people["ghana"], year=2025, contents=("policy",),
                                  title="Ghana 2025")
    mexico = people["contact"].delegation_id

    def titles(path):
        page = client.get(path).get_data(as_text=True)
        return {title for title in ("Mexico 2024", "Mexico 2025", "Ghana 2025") if title in page}

    assert titles("/consultations/national-reports") == {"Mexico 2024", "Mexico 2025",
                                                         "Ghana 2025"}
    assert titles(f"/consultations/national-reports/states/{mexico}") == {"Mexico 2024",
                                                                          "Mexico 2025"}
    assert titles("/consultations/national-reports/years/2025") == {"Mexico 2025", "Ghana 2025"}
    assert titles("/consultations/national-reports?content=policy") == {"Ghana 2025"}
    assert titles(f"/consultations/national-reports?state={mexico}&year=2024") == {
        "Mexico 2024"}
    # An unknown kind of content is ignored; a year that is not a number is refused, as in
    # every list.
    assert titles("/consultations/national-reports?content=nonsense") == {
        "Mexico 2024", "Mexico 2025", "Ghana 2025"}
    assert client.get("/consultations/national-reports?year=abc").status_code == 400
    observer = people["observer"].delegation_id
    assert client.get(f"/consultations/national-reports/states/{observer}").status_code == 404


def test_followers_of_national_reports_hear_of_a_new_one(consultations, people, mailbox):
    subscribe(people["observer"], "document_type", target_code="national_report")
    subscribe(people["delegate"], "document_type", target_code="national_report")
    db.session.commit()
    consultations.national_report(people["contact"], audience="state_parties")
    run_due_jobs()
    assert "national report" in text_of(mailbox.last_to(people["delegate"].email)).lower()
    assert not mailbox.to(people["observer"].email)  # not in the report's audience


def test_bad_input_is_refused_and_nothing_written(people, signed_in):
    contact = signed_in(people["contact"])
    cases = [
        (share_form(period_end="2024-06-01"), "The period must end after it starts."),
        (share_form(contents=[]), "Say what the report contains."),
        (share_form(audience="everyone"), "Choose from the list."),
        (share_form(year="1800"), "Give the year of the report."),
        (share_form(file_es=(io.BytesIO(b""), ""), file_en=(io.BytesIO(b""), "")),
         "Attach the report in at least one language."),
        (share_form(file_en=(io.BytesIO(b"MZ\x90\x00\x03binary"), "report.exe")), None),
    ]
    before = consultation_rows()
    for data, message in cases:
        response = contact.post("/consultations/national-reports/new", data=data,
                                content_type="multipart/form-data")
        assert response.status_code == 400, message
        if message:
            assert message in response.get_data(as_text=True)
    assert consultation_rows() == before
    signatory = signed_in(people["signatory"])
    assert signatory.post("/consultations/national-reports/new", data=share_form(),
                          content_type="multipart/form-data").status_code == 403
