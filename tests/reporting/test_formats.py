"""Reports in files, read and written without the web pages: every format gives back exactly
the content it was given, and malformed, hostile or wrong files are refused with a message
that says where the problem is."""

import io
import json
import zipfile
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from flask_babel import force_locale
from lxml import etree

from portal.reporting import formats
from portal.reporting.formats import ImportProblems
from portal.reporting.models import annual_content, blank_line, initial_content

DATA = Path(__file__).parents[2] / "portal" / "reporting" / "data"
TODAY = date(2026, 6, 1)
ALL = ("xlsx", "csv", "json", "xml")


def line(**values):
    return {**blank_line(), **values}


def sample():
    """An annual report with what is easy to lose on the way: Arabic and Chinese text, line
    breaks, text a spreadsheet would run as a formula, empty optional fields, a line without
    items, an amount too long for a spreadsheet number, and a nil table."""
    content = annual_content(
        "FRA",
        2025,
        exports=[
            line(
                category="IV",
                subcategory="IV.b",
                basis="actual",
                items=12,
                value="1250000.00",
                currency="EUR",
                partner="DEU",
                description="مركبات قتال مدرعة 装甲战车\r\nsecond line",
                comments='=HYPERLINK("http://evil.example","x")',
            ),
            line(
                category="VIII.SA",
                subcategory="SA.4",
                basis="authorised",
                value="99999999999999999.99",
                currency="USD",
                partner="EGY",
                origin="BEL",
                intermediate="NLD",
                description="-2 rifles",
                comments="'=already quoted",
            ),
            line(category="I", items=0, partner="ITA", description="@tank", comments="+1"),
        ],
        imports_nil=True,
    )
    content["national_definitions"] = "  Definitions with spaces kept  \n"
    content["withheld"] = True
    content["public"] = False
    return content


@pytest.mark.parametrize("fmt", ALL)
def test_export_then_import_gives_back_the_identical_report(app, fmt):
    content = sample()
    back = formats.parse(formats.export(content, fmt), fmt, "annual")
    assert back == content
    # The same keys in the same order, so the canonical JSON and the digest agree too.
    assert json.dumps(back, ensure_ascii=False) == json.dumps(content, ensure_ascii=False)


@pytest.mark.parametrize("fmt", ALL)
def test_a_report_without_lines_round_trips(app, fmt):
    content = annual_content("FRA", 2024, exports_nil=True, imports_nil=True)
    assert formats.parse(formats.export(content, fmt), fmt, "annual") == content


@pytest.mark.parametrize("fmt", ("json", "xml"))
def test_an_initial_report_round_trips_in_json_and_xml(app, fmt):
    content = initial_content(
        "FRA",
        {
            "control_system.established": {"choice": "yes", "text": "Loi n° 12\r\nالمادة ٥"},
            "control_system.authorities": {"choice": "", "text": ""},
        },
    )
    content["public"] = False
    assert formats.parse(formats.export(content, fmt), fmt, "initial") == content


@pytest.mark.parametrize(("kind", "content"), [("annual", None), ("initial", None)])
def test_exported_xml_is_valid_against_the_published_schema(app, kind, content):
    content = (
        sample()
        if kind == "annual"
        else initial_content(
            "FRA", {"control_system.established": {"choice": "partly", "text": "x"}}
        )
    )
    schema = etree.XMLSchema(etree.parse(str(DATA / f"{kind}_report.xsd")))
    document = etree.fromstring(formats.export(content, "xml"))
    assert schema.validate(document), schema.error_log


def test_the_schema_refuses_what_the_portal_refuses(app):
    schema = etree.XMLSchema(etree.parse(str(DATA / "annual_report.xsd")))
    text = formats.export(sample(), "xml").decode()
    assert not schema.validate(etree.fromstring(text.replace(">actual<", ">maybe<").encode()))
    assert not schema.validate(etree.fromstring(text.replace("<items>12<", "<items>a<").encode()))
    with pytest.raises(ImportProblems):
        formats.parse(text.replace("<items>12<", "<items>a<").encode(), "xml", "annual")


@pytest.mark.parametrize("fmt", ALL)
def test_a_draft_with_what_was_typed_wrongly_still_exports(app, fmt):
    """A draft keeps text typed where a number belongs (validation reports it); its file can be
    downloaded, and importing it names the wrong values."""
    content = annual_content(
        "FRA", 2025, exports=[line(items="twelve", value="1,5", partner="DEU")]
    )
    found = problems_of(formats.export(content, fmt), fmt)
    assert {(p.column, str(p.message)) for p in found} == {
        (COLUMNS[fmt]["items"], "Enter a whole number here."),
        (COLUMNS[fmt]["value"], "Enter an amount here, such as 1250000.00."),
    }


COLUMNS = {
    "xlsx": {"items": "D (items)", "value": "E (value)"},
    "csv": {"items": "items", "value": "value"},
    "json": {"items": "/exports/lines/0/items", "value": "/exports/lines/0/value"},
    "xml": {
        "items": "/annual_report/exports/line[1]/items",
        "value": "/annual_report/exports/line[1]/value",
    },
}


# Formula injection -----------------------------------------------------------------------------


def test_csv_export_neutralises_formulas(app):
    rows = list(
        __import__("csv").reader(io.StringIO(formats.export(sample(), "csv").decode("utf-8-sig")))
    )
    cells = [cell for row in rows for cell in row]
    assert '\'=HYPERLINK("http://evil.example","x")' in cells
    assert "'-2 rifles" in cells and "'@tank" in cells and "'+1" in cells
    assert "''=already quoted" in cells
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)


def test_excel_export_holds_no_formula(app):
    book = openpyxl.load_workbook(io.BytesIO(formats.export(sample(), "xlsx")))
    exports = book["Exports"]
    assert exports["K3"].value == '\'=HYPERLINK("http://evil.example","x")'
    assert exports["J4"].value == "'-2 rifles"
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)


# The Excel workbook ------------------------------------------------------------------------------


def test_the_excel_template_has_its_sheets_lists_and_instructions(app):
    data = formats.xlsx.template("FRA", 2025)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Instructions", "Report", "Exports", "Imports", "Lists"]
    assert book["Lists"].sheet_state == "hidden"
    exports = book["Exports"]
    assert [cell.value for cell in exports[2]][:4] == ["category", "subcategory", "basis", "items"]
    lists = {str(v.sqref): v.formula1 for v in exports.data_validations.dataValidation}
    assert lists["A3:A503"] == "='Lists'!$A$2:$A$10"
    assert lists["G3:G503"].startswith("='Lists'!$D$2")  # partner: the ISO codes of States
    assert lists["F3:F503"].startswith("='Lists'!$E$2")  # currencies
    assert book["Report"]["C4"].value == "FRA" and book["Report"]["C5"].value == 2025
    instructions = " ".join(str(c.value) for row in book["Instructions"].iter_rows() for c in row)
    assert "Battle tanks" in instructions
    # A blank template is read back as an empty report (which validation then asks to fill).
    assert formats.parse(data, "xlsx", "annual") == annual_content("FRA", 2025)


def test_the_instructions_are_in_the_readers_language(app):
    with force_locale("ar"):
        book = openpyxl.load_workbook(io.BytesIO(formats.xlsx.template("FRA", 2025)))
    assert book["Instructions"].sheet_view.rightToLeft


def workbook_bytes(content=None, change=None):
    book = openpyxl.load_workbook(io.BytesIO(formats.export(content or sample(), "xlsx")))
    if change:
        change(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def problems_of(data, fmt, kind="annual"):
    with pytest.raises(ImportProblems) as raised:
        formats.parse(data, fmt, kind)
    return raised.value.problems


def messages(problems):
    return " | ".join(str(p.message) for p in problems)


def test_an_excel_file_without_a_sheet_or_a_column_is_refused(app):
    found = problems_of(workbook_bytes(change=lambda b: b.remove(b["Imports"])), "xlsx")
    assert [(p.sheet, str(p.message)) for p in found] == [("Imports", "This sheet is missing.")]

    def drop_partner(book):
        book["Exports"]["G2"] = "price"

    found = problems_of(workbook_bytes(change=drop_partner), "xlsx")
    assert {(p.sheet, p.row, p.column) for p in found} == {
        ("Exports", 2, "G"),
        ("Exports", 2, "partner"),
    }
    assert "not part of the format" in messages(found) and "missing" in messages(found)


def test_excel_values_of_the_wrong_type_are_placed_by_sheet_row_and_column(app):
    def spoil(book):
        book["Exports"]["D3"] = "twelve"
        book["Exports"]["E4"] = "12.345"
        book["Report"]["C9"] = "maybe"  # withheld

    found = problems_of(workbook_bytes(change=spoil), "xlsx")
    assert [(p.sheet, p.row, p.column) for p in found] == [
        ("Report", 9, "C (withheld)"),
        ("Exports", 3, "D (items)"),
        ("Exports", 4, "E (value)"),
    ]
    assert "whole number" in messages(found) and "two decimals" in messages(found)


def test_a_zip_that_is_not_a_workbook_is_refused(app):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("report.txt", "hello")
    found = problems_of(out.getvalue(), "xlsx")
    assert messages(found) == "The file is not an Excel workbook (.xlsx)."


def test_a_workbook_with_a_dtd_is_refused(app):
    data = workbook_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            content = source.read(entry)
            if entry.filename.startswith("xl/worksheets/"):
                content = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>' + content
            target.writestr(entry, content)
    found = problems_of(out.getvalue(), "xlsx")
    assert "refused for safety" in messages(found)


# CSV -------------------------------------------------------------------------------------------


def csv_text(content=None):
    return formats.export(content or sample(), "csv").decode("utf-8-sig")


def test_csv_with_semicolons_and_without_byte_order_mark_is_read(app):
    content = annual_content(
        "FRA",
        2024,
        imports_nil=True,
        exports=[line(category="II", items=3, partner="DEU", description="a, b")],
    )
    text = csv_text(content)
    import csv as csv_module

    rows = list(csv_module.reader(io.StringIO(text)))
    out = io.StringIO()
    csv_module.writer(out, delimiter=";").writerows(rows)
    assert formats.parse(out.getvalue().encode(), "csv", "annual") == content


def test_csv_with_a_missing_or_unknown_column_is_refused(app):
    text = csv_text().replace(",partner,", ",partner_state,", 1)
    found = problems_of(text.encode(), "csv")
    assert {(p.row, p.column) for p in found} == {(12, "partner_state"), (12, "partner")}


def test_csv_without_its_header_is_refused(app):
    found = problems_of(b"category,items\nIV,3\n", "csv")
    assert "table,field,value" in messages(found) or "missing" in messages(found)
    assert found[0].row == 1


def test_csv_rows_with_wrong_values_are_listed_by_row_and_column(app):
    text = csv_text().replace("exports,I,,actual,0,", "sales,I,,actual,0,")
    text = text.replace(",12,1250000.00,", ",-,1250000.00,")
    found = problems_of(text.encode(), "csv")
    assert [(p.row, p.column) for p in found] == [(13, "items"), (15, "table")]
    assert "exports" in messages(found)
    found = problems_of(text.replace("sales", "exports").replace(",-,", ",1.5,").encode(), "csv")
    assert [(p.row, p.column) for p in found] == [(13, "items")]


def test_csv_that_is_not_utf8_is_refused(app):
    found = problems_of("table,field,value\nreport,state,FRA é\n".encode("latin-1"), "csv")
    assert "UTF-8" in messages(found)


# JSON ------------------------------------------------------------------------------------------


def json_of(content=None):
    return json.loads(formats.export(content or sample(), "json"))


def test_json_with_wrong_types_is_refused_with_pointers(app):
    document = json_of()
    document["exports"]["lines"][0]["items"] = "12"
    document["exports"]["lines"][1]["value"] = 12.5
    document["public"] = "yes"
    document["exports"]["lines"][2]["price"] = 3
    del document["year"]
    found = problems_of(json.dumps(document).encode(), "json")
    assert {p.column for p in found} == {
        "/year",
        "/public",
        "/exports/lines/0/items",
        "/exports/lines/1/value",
        "/exports/lines/2/price",
    }


def test_json_that_is_not_a_report_is_refused(app):
    assert "not valid JSON" in messages(problems_of(b'{"format": ', "json"))
    assert "object" in messages(problems_of(b"[1, 2]", "json"))
    assert "format" in messages(problems_of(b'{"format": "other"}', "json"))
    assert "nested too deeply" in messages(problems_of(b"[" * 100000, "json"))
    document = json_of()
    document["exports"]["lines"][0]["items"] = float("nan")
    assert "number that a report cannot hold" in messages(
        problems_of(json.dumps(document).encode(), "json")
    )
    assert "number that a report cannot hold" in messages(
        problems_of(b'{"format": "att-annual-report", "year": ' + b"9" * 5000 + b"}", "json")
    )


def test_json_lines_may_leave_out_optional_text(app):
    document = json_of(
        annual_content(
            "FRA", 2024, imports_nil=True, exports=[line(category="II", items=3, partner="DEU")]
        )
    )
    for key in ("subcategory", "origin", "intermediate", "description", "comments"):
        del document["exports"]["lines"][0][key]
    content = formats.parse(json.dumps(document).encode(), "json", "annual")
    assert content["exports"]["lines"][0] == line(category="II", items=3, partner="DEU")


# XML -------------------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<annual_report xmlns="urn:x-att-portal:annual-report:1"><state>&lol3;</state></annual_report>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<annual_report xmlns="urn:x-att-portal:annual-report:1"><state>&secret;</state></annual_report>"""

DTD_ONLY = b"""<?xml version="1.0"?>
<!DOCTYPE annual_report SYSTEM "http://evil.example/report.dtd">
<annual_report xmlns="urn:x-att-portal:annual-report:1"/>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY, DTD_ONLY])
def test_hostile_xml_is_refused(app, data):
    found = problems_of(data, "xml")
    assert "refused for safety" in messages(found)
    assert "root:" not in messages(found)  # nothing of /etc/passwd comes back


def test_malformed_xml_is_refused_with_its_line(app):
    found = problems_of(b"<annual_report>\n<state>FRA</annual_report>", "xml")
    assert "not well-formed" in messages(found) and found[0].row == 2


def test_xml_with_wrong_elements_is_refused_by_element_path(app):
    text = formats.export(sample(), "xml").decode()
    missing_year = text.replace("<year>2025</year>", "<colour>red</colour>")
    found = problems_of(missing_year.encode(), "xml")
    assert {p.column for p in found} == {"/annual_report/year", "/annual_report/colour"}
    price = text.replace("<items>12</items>", "<items>12</items><price>3</price>", 1)
    price = price.replace("<value>1250000.00</value>", "<value><b>1</b></value>", 1)
    found = problems_of(price.encode(), "xml")
    assert [p.column for p in found] == [
        "/annual_report/exports/line[1]/price",
        "/annual_report/exports/line[1]/value",
    ]
    wrong_root = b'<report xmlns="urn:x-att-portal:annual-report:1"/>'
    assert "root element" in messages(problems_of(wrong_root, "xml"))


# The import as a whole: detection, size and the report rules --------------------------------


class State:
    iso3 = "FRA"
    entry_into_force = None


def report(year=2025, is_annual=True):
    """What `formats.load` reads of the report a file is imported into."""
    return SimpleNamespace(is_annual=is_annual, year=year, delegation=State())


@pytest.mark.parametrize("fmt", ALL)
def test_import_places_the_report_rules_problems_in_the_file(app, fmt):
    content = sample()
    content["exports"]["lines"][2]["partner"] = "FRA"  # own State as partner
    with pytest.raises(ImportProblems) as raised:
        formats.load(formats.export(content, fmt), f"report.{fmt}", report(), TODAY)
    where = {
        "xlsx": ("Exports", 5, "G (partner)"),
        "csv": (None, 15, "partner"),
        "json": (None, None, "/exports/lines/2/partner"),
        "xml": (None, None, "/annual_report/exports/line[3]/partner"),
    }[fmt]
    assert [tuple(p[:3]) for p in raised.value.problems] == [where]
    assert "own State" in str(raised.value.problems[0].message)


@pytest.mark.parametrize("fmt", ALL)
def test_a_correct_file_is_loaded_with_its_format(app, fmt):
    content = sample()
    assert formats.load(formats.export(content, fmt), "x", report(), TODAY) == (
        fmt,
        content,
    )


def test_a_year_not_yet_ended_is_placed_on_the_year(app):
    content = sample()
    content["year"] = 2026
    with pytest.raises(ImportProblems) as raised:
        formats.load(formats.export(content, "csv"), "r.csv", report(2026), TODAY)
    assert [tuple(p[:3]) for p in raised.value.problems] == [(None, 5, "year")]


def test_a_file_for_another_year_is_refused_at_the_year(app):
    with pytest.raises(ImportProblems) as raised:
        formats.load(formats.export(sample(), "xml"), "r.xml", report(2024), TODAY)
    assert [p.column for p in raised.value.problems] == ["/annual_report/year"]


def test_files_that_are_no_report_are_refused(app):
    def refused(data, name="report", kind="annual"):
        with pytest.raises(ImportProblems) as raised:
            formats.load(data, name, report(is_annual=kind == "annual"), TODAY)
        return messages(raised.value.problems)

    assert refused(b"") == "The file is empty."
    assert "larger than 5 MB" in refused(b"{" + b" " * (5 * 1024 * 1024))
    assert "not one the portal reads" in refused(b"%PDF-1.7 ...", "report.pdf")
    assert "JSON or XML" in refused(formats.export(sample(), "csv"), "r.csv", "initial")
