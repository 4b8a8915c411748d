"""Reports in files through the pages: downloads of a version in four formats, the Excel
template, the XML schemas and the import of a file into a draft, with who may do each."""

import io
import json

import openpyxl
import pytest
from lxml import etree
from sqlalchemy import select

from portal.access import can
from portal.core.audit import AuditEvent
from portal.extensions import db
from portal.reporting import formats
from portal.reporting.models import ReportVersion
from tests.reporting.builders import annual, draft, initial, line, reporting_state, submitted

EXTENSIONS = {"xlsx": "xlsx", "csv": "csv", "json": "json", "xml": "xml"}


@pytest.fixture
def world(make):
    home, contact, member = reporting_state(make, "FRA")
    _other_state, _other_contact, other_member = reporting_state(make, "DEU")
    signatory = make.user(delegation=make.delegation(kind="signatory", iso3="BRA"))
    observer = make.user(delegation=make.delegation(kind="international_organisation"))
    return {
        "home": home,
        "contact": contact,
        "member": member,
        "other": other_member,
        "signatory": signatory,
        "observer": observer,
        "secretariat": make.secretariat(),
    }


@pytest.fixture
def as_user(app, sign_in):
    """A client signed in as `user`."""

    def client_for(user):
        http = app.test_client()
        sign_in(user, http=http)
        return http

    return client_for


def content_with_text():
    return annual(
        exports=[
            line(description="مركبات قتال مدرعة 装甲战车", comments="=1+2"),
            line(category="VIII.SA", subcategory="SA.4", partner="EGY", items=None),
        ]
    )


def download_url(version, fmt):
    return f"/reporting/versions/{version.id}/download.{fmt}"


def import_url(version):
    return f"/reporting/reports/{version.report_id}/draft/import"


# Downloads -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(EXTENSIONS))
def test_a_delegation_downloads_its_draft_in_every_format(world, as_user, fmt):
    content = content_with_text()
    version = draft(world["home"], world["member"], content)
    response = as_user(world["member"]).get(download_url(version, fmt))
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename=ATT-AR-2025-FRA-draft.{EXTENSIONS[fmt]}" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    assert formats.parse(response.data, fmt, "annual") == content


def test_a_submitted_version_is_named_by_its_receipt(world, as_user):
    version = submitted(world["home"], world["contact"], content_with_text())
    response = as_user(world["other"]).get(download_url(version, "json"))
    assert response.status_code == 200
    assert "filename=ATT-AR-2025-FRA-1.json" in response.headers["Content-Disposition"]
    assert json.loads(response.data) == content_with_text()


@pytest.mark.parametrize("reader", ["other", "secretariat", "signatory", "observer"])
def test_a_draft_is_not_found_outside_its_delegation(world, as_user, client, reader):
    version = draft(world["home"], world["member"], content_with_text())
    http = as_user(world[reader])
    for fmt in EXTENSIONS:
        assert http.get(download_url(version, fmt)).status_code == 404
        assert client.get(download_url(version, fmt)).status_code == 404


@pytest.mark.parametrize(
    ("reader", "status"),
    [("other", 200), ("secretariat", 200), ("signatory", 404), ("observer", 404)],
)
def test_a_restricted_report_is_downloaded_by_States_Parties_only(world, as_user, reader, status):
    version = submitted(world["home"], world["contact"], annual(public=False))
    assert as_user(world[reader]).get(download_url(version, "csv")).status_code == status


def test_a_restricted_report_is_not_found_by_anonymous_visitors(world, client):
    version = submitted(world["home"], world["contact"], annual(public=False))
    assert client.get(download_url(version, "xlsx")).status_code == 404


def test_a_public_report_is_downloaded_by_everyone(world, as_user, client):
    version = submitted(world["home"], world["contact"], annual(public=True))
    assert client.get(download_url(version, "xml")).status_code == 200
    assert as_user(world["observer"]).get(download_url(version, "xlsx")).status_code == 200


def test_an_unknown_format_is_not_found(world, as_user):
    version = draft(world["home"], world["member"], content_with_text())
    assert as_user(world["member"]).get(download_url(version, "pdf")).status_code == 404


def test_an_initial_report_downloads_as_json_and_xml_only(world, as_user):
    version = draft(world["home"], world["member"], year=None)
    http = as_user(world["member"])
    assert http.get(download_url(version, "json")).status_code == 200
    assert http.get(download_url(version, "xml")).status_code == 200
    assert http.get(download_url(version, "xlsx")).status_code == 404
    assert (
        "filename=ATT-IR-FRA-draft.xml"
        in http.get(download_url(version, "xml")).headers["Content-Disposition"]
    )


def test_the_pages_of_a_report_link_to_its_files(world, as_user):
    version = draft(world["home"], world["member"], content_with_text())
    page = as_user(world["member"]).get(f"/reporting/reports/{version.report_id}/draft")
    text = page.get_data(as_text=True)
    assert download_url(version, "xlsx") in text and import_url(version) in text
    done = submitted(world["home"], world["contact"], annual(year=2024), year=2024)
    text = as_user(world["other"]).get(f"/reporting/versions/{done.id}").get_data(as_text=True)
    assert download_url(done, "csv") in text and "/draft/import" not in text


# The template and the schemas --------------------------------------------------------------


def test_the_blank_template_is_for_the_readers_State(world, as_user, client):
    response = as_user(world["member"]).get("/reporting/annual/template.xlsx?year=2024")
    assert response.status_code == 200
    assert "filename=ATT-AR-2024-FRA.xlsx" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert (book["Report"]["C4"].value, book["Report"]["C5"].value) == ("FRA", 2024)
    response = as_user(world["observer"]).get("/reporting/annual/template.xlsx?year=1990")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book["Report"]["C4"].value is None  # no State: blank
    assert book["Report"]["C5"].value >= 2025  # a year that cannot be reported on: the last one
    assert "/auth/sign-in" in client.get("/reporting/annual/template.xlsx").headers["Location"]


@pytest.mark.parametrize("name", ["annual_report", "initial_report"])
def test_the_xml_schemas_are_published(world, as_user, name):
    response = as_user(world["observer"]).get(f"/reporting/formats/{name}.xsd")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    etree.XMLSchema(etree.fromstring(response.data))


def test_an_unknown_schema_is_not_found(world, as_user):
    assert as_user(world["member"]).get("/reporting/formats/other.xsd").status_code == 404


# Import ------------------------------------------------------------------------------------


def upload(http, version, data, name):
    return http.post(
        import_url(version),
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def reload(version):
    db.session.expire_all()
    return db.session.get(ReportVersion, version.id)


@pytest.mark.parametrize("fmt", sorted(EXTENSIONS))
def test_a_correct_file_replaces_the_draft(world, as_user, fmt):
    version = draft(world["home"], world["member"], annual())
    content = content_with_text()
    http = as_user(world["member"])
    response = upload(http, version, formats.export(content, fmt), f"rapport.{fmt}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/reporting/reports/{version.report_id}/draft")
    saved = reload(version)
    assert saved.content == content
    assert (saved.source, saved.source_name) == ("file", f"rapport.{fmt}")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report.import"))
    assert event.actor_id == world["member"].id and event.detail["format"] == fmt


def test_a_file_with_errors_is_listed_by_row_and_column_and_changes_nothing(world, as_user):
    before = annual()
    version = draft(world["home"], world["member"], before)
    wrong = content_with_text()
    wrong["exports"]["lines"][1]["partner"] = "FRA"
    wrong["exports"]["lines"][0]["category"] = "XX"
    response = upload(as_user(world["member"]), version, formats.export(wrong, "xlsx"), "r.xlsx")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "The file has 2 problems. Nothing was imported" in text
    assert "Unknown category: XX." in text and "A (category)" in text
    assert "Your own State cannot be the partner of a transfer." in text and "G (partner)" in text
    saved = reload(version)
    assert saved.content == before and saved.source == "online"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report.import")) is None


def test_a_hostile_xml_file_is_refused(world, as_user):
    version = draft(world["home"], world["member"], annual())
    data = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<annual_report xmlns="urn:x-att-portal:annual-report:1">&x;</annual_report>'
    )
    response = upload(as_user(world["member"]), version, data, "r.xml")
    assert response.status_code == 400
    assert "refused for safety" in response.get_data(as_text=True)
    assert reload(version).content == annual()


def test_an_oversized_file_is_refused_with_413(world, as_user):
    version = draft(world["home"], world["member"], annual())
    data = b"table,field,value\n" + b"report,national_definitions," + b"x" * (5 * 1024 * 1024)
    response = upload(as_user(world["member"]), version, data, "r.csv")
    assert response.status_code == 413
    assert "larger than 5 MB" in response.get_data(as_text=True)
    assert reload(version).content == annual()


def test_an_import_without_a_file_is_refused(world, as_user):
    version = draft(world["home"], world["member"], annual())
    response = as_user(world["member"]).post(import_url(version), data={})
    assert response.status_code == 400
    assert "Choose a file to import." in response.get_data(as_text=True)


def test_a_word_document_is_not_a_report(world, as_user):
    version = draft(world["home"], world["member"], annual())
    response = upload(as_user(world["member"]), version, b"%PDF-1.7\n...", "report.pdf")
    assert response.status_code == 400
    assert "not one the portal reads" in response.get_data(as_text=True)


def test_the_import_page_documents_the_formats(world, as_user):
    version = draft(world["home"], world["member"], annual())
    response = as_user(world["member"]).get(import_url(version))
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "table,field,value" in text and "/reporting/formats/annual_report.xsd" in text
    assert "/reporting/annual/template.xlsx?year=2025" in text


@pytest.mark.parametrize("reader", ["other", "secretariat", "signatory", "observer"])
def test_only_the_delegation_imports_into_its_draft(world, as_user, reader):
    version = draft(world["home"], world["member"], annual())
    http = as_user(world[reader])
    assert http.get(import_url(version)).status_code == 404
    response = upload(http, version, formats.export(content_with_text(), "json"), "r.json")
    assert response.status_code == 404
    assert reload(version).content == annual()


def test_anonymous_visitors_are_sent_to_sign_in(world, client):
    version = draft(world["home"], world["member"], annual())
    response = client.get(import_url(version))
    assert response.status_code == 302 and "/auth/sign-in" in response.headers["Location"]


def test_a_submitted_report_takes_no_import(world, as_user):
    version = submitted(world["home"], world["contact"], annual())
    response = upload(
        as_user(world["contact"]), version, formats.export(content_with_text(), "json"), "r.json"
    )
    assert response.status_code == 404
    assert reload(version).content == annual()


def test_who_may_import_and_download(world):
    version = draft(world["home"], world["member"], annual())
    allowed = {
        name for name in world if name != "home" and can(world[name], "draft_import", version)
    }
    assert allowed == {"member", "contact"}
    assert all(can(world[name], "report_template") for name in world if name != "home")


def test_a_file_of_another_year_is_not_imported(world, as_user):
    version = draft(world["home"], world["member"], annual())
    other_year = annual(year=2024)
    response = upload(
        as_user(world["member"]), version, formats.export(other_year, "json"), "r.json"
    )
    assert response.status_code == 400
    assert "/year" in response.get_data(as_text=True)
    assert reload(version).content == annual()


def test_an_initial_report_is_imported_from_json_but_not_from_csv(world, as_user):
    version = draft(world["home"], world["member"], year=None)
    content = initial(
        **{"control_system.established": {"choice": "yes", "text": "Loi n° 2011-702"}}
    )
    http = as_user(world["member"])
    response = upload(http, version, formats.export(annual(), "csv"), "r.csv")
    assert response.status_code == 400
    assert "Initial reports are imported from JSON or XML files." in response.get_data(as_text=True)
    response = upload(http, version, formats.export(content, "xml"), "r.xml")
    assert response.status_code == 302
    assert reload(version).content == content
