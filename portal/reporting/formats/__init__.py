"""Reports in files: export a report's content as Excel, CSV, JSON or XML, and read it back.

The content of a report is one canonical dict (portal.reporting.models.annual_content /
initial_content); every format carries exactly that dict, so that exporting a report and
importing the file gives back identical content. `export(content, fmt)` writes a file;
`parse(data, fmt, kind)` reads one and raises `ImportProblems` listing every problem with where
it is (sheet, row, column; for JSON a JSON pointer, for XML an element path).

`load()` is what an import does: find the format from the file's bytes and name, parse, then
check the content with the report rules (portal.reporting.validation), so that an import is
refused as a whole, with every problem placed in the file, or accepted as a whole.

Annual reports are read and written in all four formats; initial reports (questions and
answers, not tables) in JSON and XML.
"""

from collections import namedtuple

from flask_babel import lazy_gettext as _l

from portal.reporting.formats import csv, json, xlsx, xml
from portal.reporting.formats.fields import (
    ImportProblem,
    ImportProblems,
    problem,
)

__all__ = ["FORMATS", "ImportProblem", "ImportProblems", "export", "load", "parse"]

Format = namedtuple("Format", "name label module")

FORMATS = {
    "xlsx": Format("xlsx", _l("Excel workbook"), xlsx),
    "csv": Format("csv", _l("CSV file"), csv),
    "json": Format("json", _l("JSON document"), json),
    "xml": Format("xml", _l("XML document"), xml),
}
#: The formats each kind of report can be exported to and imported from.
KIND_FORMATS = {"annual": ("xlsx", "csv", "json", "xml"), "initial": ("json", "xml")}
#: An import larger than this is refused before it is read (a report is far smaller).
MAX_IMPORT_SIZE = 5 * 1024 * 1024


def export(content, fmt):
    """The bytes of the file of `content` in format `fmt` ("xlsx", "csv", "json", "xml")."""
    return FORMATS[fmt].module.export(content)


def parse(data, fmt, kind):
    """The content held in `data`, a file in format `fmt` of a report of `kind` ("annual" or
    "initial"). Raises ImportProblems; the content is not yet checked against the report
    rules (see `load`)."""
    return FORMATS[fmt].module.parse(data, kind)


def detect(data, filename):
    """The format of an upload, judged from its bytes: a ZIP archive is read as a workbook, a
    document starting with "<" as XML, with "{" as JSON; other text is read as CSV when its
    name says CSV (or text, or nothing). Raises ImportProblems for anything else."""
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    start = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith(b"<"):
        return "xml"
    if start.startswith((b"{", b"[")):
        return "json"
    extension = (filename or "").rpartition(".")[2].lower() if "." in (filename or "") else ""
    if extension in ("", "csv", "txt") and b"\x00" not in data:
        return "csv"
    raise problem(NOT_MATCHING)


NOT_MATCHING = _l(
    "The file is not one the portal reads: upload the Excel workbook, CSV, JSON or XML file of a "
    "report."
)


def locator(fmt, data, kind):
    """Parse `data` and return (content, locate), `locate(table, index, field)` placing a
    validation problem in the file."""
    module = FORMATS[fmt].module
    if hasattr(module, "read"):
        content, positions = module.read(data, kind)
        return content, positions.locate
    return module.parse(data, kind), module.locate


def load(data, filename, report, today):
    """(format, content) of an uploaded file for `report`: detected, parsed and checked with
    the report rules (portal.reporting.services.validate: the rules of validation.py, and an
    annual report's year being the report's own).

    Raises ImportProblems when the file is empty, too large, not a format that kind of report
    can be imported from, cannot be read, or when the content has errors. Warnings of the
    report rules do not refuse a file; the draft's page shows them.
    """
    from portal.reporting.services import validate
    from portal.reporting.validation import is_error

    kind = "annual" if report.is_annual else "initial"
    if not data:
        raise problem(_l("The file is empty."))
    if len(data) > MAX_IMPORT_SIZE:
        raise problem(_l("The file is larger than %(size)d MB.", size=MAX_IMPORT_SIZE // 2**20))
    fmt = detect(data, filename)
    if fmt not in KIND_FORMATS[kind]:
        raise problem(
            _l("Initial reports are imported from JSON or XML files.")
            if kind == "initial"
            else NOT_MATCHING
        )
    content, locate = locator(fmt, data, kind)
    errors = [
        ImportProblem(*locate(p.table, p.index, p.field), p.message)
        for p in validate(report, content, today)
        if is_error(p)
    ]
    if errors:
        raise ImportProblems(errors)
    return fmt, content
