"""Excel (.xlsx): the report as a workbook a State can fill in offline, made with openpyxl.

Sheets, by their fixed English names (the import finds them by name):
- Instructions: how to fill in the workbook and the categories with their definitions, in the
  language of the person who downloaded it;
- Report: the settings, one per row: the field's key in column A (read by the import), its name
  in column B, its value in column C;
- Exports and Imports: row 1 names the columns in the reader's language, row 2 holds their keys
  (read by the import), lines start on row 3; drop-down lists offer the categories,
  sub-categories, bases, State codes and currencies;
- Lists (hidden): the values of those drop-down lists.

The name of every field (column B of the Report sheet, row 1 of the tables) carries a comment:
the field's guidance and the answers of the annual report's FAQ on it, in the reader's language.

Text a spreadsheet would run as a formula gets an apostrophe before it, which the import takes
off again. Before openpyxl opens an upload, the archive must be a real Excel workbook (by its
content), not too large once unpacked, and free of DTDs (entity expansion attacks).
"""

import io
import warnings
import zipfile
from decimal import Decimal, InvalidOperation

import pycountry
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from portal.core import files
from portal.reporting import categories
from portal.reporting.guidance import field_help
from portal.reporting.formats.fields import (
    LINE_KEYS,
    MAX_LINES,
    REPORT_FIELDS,
    TABLES,
    TOO_MANY_LINES,
    ImportProblem,
    ImportProblems,
    Reader,
    annual_content,
    line_values,
    neutralise,
    problem,
    report_settings,
    restore,
    settings_row_values,
)
from portal.reporting.models import BASES
from portal.reporting.models import annual_content as blank_content

MIME_TYPE = files.XLSX.mime_type
EXTENSION = "xlsx"
#: Unpacked, a report workbook is far smaller than this; more is a "zip bomb".
MAX_UNPACKED = 50 * files.MB
#: How many rows of a blank table carry the drop-down lists.
BLANK_ROWS = 500
FIRST_LINE_ROW = 3
#: Columns read on the Exports and Imports sheets: the keys, and room for a few of one's own.
MAX_COLUMNS = 40

SHEETS = {"report": "Report", "exports": "Exports", "imports": "Imports"}
LISTS = "Lists"

LINE_LABELS = {
    "category": _l("Category"),
    "subcategory": _l("Sub-category"),
    "basis": _l("Authorised or actual"),
    "items": _l("Number of items"),
    "value": _l("Value"),
    "currency": _l("Currency"),
    "partner": _l("Partner State (ISO code)"),
    "origin": _l("State of origin (optional)"),
    "intermediate": _l("Intermediate location (optional)"),
    "description": _l("Description of the item"),
    "comments": _l("Comments"),
}
PARTNER_LABELS = {
    "exports": _l("Final importing State (ISO code)"),
    "imports": _l("Exporting State (ISO code)"),
}
SETTING_LABELS = {
    "format": _l("Format (do not change)"),
    "format_version": _l("Format version (do not change)"),
    "state": _l("Reporting State (ISO code)"),
    "year": _l("Calendar year reported on"),
    "exports_nil": _l("Nil report for exports (yes/no)"),
    "imports_nil": _l("Nil report for imports (yes/no)"),
    "national_definitions": _l("National definitions of the categories (optional)"),
    "withheld": _l(
        "Commercially sensitive or national security information withheld, Article 13(3) (yes/no)"
    ),
    "public": _l("Public report (yes) or States Parties only (no)"),
    "forward_to_un_register": _l("Forward to the UN Register of Conventional Arms (yes/no)"),
}
BOLD = Font(bold=True)
KEY_FONT = Font(color="666666", size=9)
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
WRAP = Alignment(wrap_text=True, vertical="top")


def cell(value):
    if isinstance(value, str):
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def amount(value):
    """An amount written as a number when Excel keeps it exactly (15 digits), else as text."""
    if value is None:
        return None
    try:
        decimal = Decimal(value) if isinstance(value, str) else None
    except InvalidOperation:  # a draft keeps what was typed, even when it is not a number
        decimal = None
    if decimal is not None and decimal.is_finite() and len(decimal.as_tuple().digits) <= 15:
        return decimal
    return cell(value)


def export(content):
    return workbook(content)


def template(state, year):
    """A blank workbook for `state` and `year`."""
    return workbook(blank_content(state, year))


def workbook(content):
    book = Workbook()
    instructions = book.active
    instructions.title = "Instructions"
    write_instructions(instructions)
    lists = book.create_sheet(LISTS)
    ranges = write_lists(lists)
    lists.sheet_state = "hidden"
    write_settings(book.create_sheet(SHEETS["report"]), content, ranges)
    for table in TABLES:
        write_table(book.create_sheet(SHEETS[table]), table, content[table]["lines"], ranges)
    book.move_sheet(LISTS, offset=len(book.sheetnames))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_instructions(sheet):
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 100
    rows = [
        (_("ATT annual report"), None),
        (None, None),
        (
            _("How to fill in this workbook"),
            _(
                "Fill in the Report sheet (year, nil reports, national definitions, public or "
                "States Parties only, Article 13(3), forwarding to the UN Register), then one "
                "row per transfer on the Exports and Imports sheets, from row 3 on. Do not "
                "change row 2 of those sheets or column A of the Report sheet: the portal reads "
                "them. A table without transfers is a nil report: answer yes for it on the "
                "Report sheet and leave the sheet empty."
            ),
        ),
        (
            _("Each line"),
            _(
                "Choose the category and, if you use them, the UN Register's sub-category; say "
                "whether the line reports authorised or actual transfers; give the number of "
                "items, the value with its currency, or both; name the partner State by its "
                "ISO code (the final importing State for exports, the exporting State for "
                "imports) and, if relevant, the State of origin and the intermediate location."
            ),
        ),
        (
            _("Uploading"),
            _(
                "Upload the saved workbook on the import page of your draft report. The portal "
                "checks it and lists any problem by sheet, row and column; nothing is saved "
                "until the whole file is correct."
            ),
        ),
        (None, None),
        (_("Categories"), None),
    ]
    for category in categories.CATEGORIES:
        rows.append((category.code, f"{category.name}: {category.definition}"))
        for sub in category.subcategories:
            rows.append((sub.code, sub.name))
    for row in rows:
        sheet.append([cell(value) for value in row])
    for row in sheet.iter_rows():
        for item in row:
            item.alignment = WRAP
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.sheet_view.rightToLeft = is_right_to_left()


def is_right_to_left():
    from flask_babel import get_locale

    locale = get_locale()
    return bool(locale and locale.character_order == "right-to-left")


def write_lists(sheet):
    """Fill the hidden sheet of drop-down values; the range of each list by its name."""
    columns = {
        "category": [category.code for category in categories.CATEGORIES],
        "subcategory": [
            sub.code for category in categories.CATEGORIES for sub in category.subcategories
        ],
        "basis": list(BASES),
        "state": sorted(country.alpha_3 for country in pycountry.countries),
        "currency": sorted(currency.alpha_3 for currency in pycountry.currencies),
        "yes_no": ["yes", "no"],
    }
    ranges = {}
    for number, (name, values) in enumerate(columns.items(), start=1):
        letter = get_column_letter(number)
        sheet.cell(row=1, column=number, value=name)
        for row, value in enumerate(values, start=2):
            sheet.cell(row=row, column=number, value=value)
        ranges[name] = f"{quote_sheetname(LISTS)}!${letter}$2:${letter}${len(values) + 1}"
    return ranges


#: The size of a comment's box in Excel, in points: room for a guidance and two answers.
COMMENT_WIDTH = 360
COMMENT_HEIGHT = 240


def explain(item, field, table=None):
    """Attach the guidance and FAQ answers of `field` to `item` as a cell comment."""
    text = field_help(field, table)
    if text:
        comment = Comment(text, _("ATT Secretariat"))
        comment.width, comment.height = COMMENT_WIDTH, COMMENT_HEIGHT
        item.comment = comment


def drop_down(sheet, source, cells):
    validation = DataValidation(type="list", formula1=f"={source}", allow_blank=True)
    validation.error = _("Choose a value from the list.")
    validation.errorTitle = _("Not in the list")
    validation.showErrorMessage = True
    sheet.add_data_validation(validation)
    validation.add(cells)


def write_settings(sheet, content, ranges):
    sheet.append([_("Key"), _("Setting"), _("Value")])
    for item in sheet[1]:
        item.font = BOLD
        item.fill = HEADER_FILL
    for row, (field, value) in enumerate(settings_row_values(content), start=2):
        sheet.cell(row=row, column=1, value=field).font = KEY_FONT
        label = sheet.cell(row=row, column=2, value=str(SETTING_LABELS[field]))
        label.alignment = WRAP
        explain(label, field)
        sheet.cell(row=row, column=3, value=cell(value)).alignment = WRAP
        if field.endswith("_nil") or field in (
            "withheld",
            "public",
            "forward_to_un_register",
        ):
            drop_down(sheet, ranges["yes_no"], f"C{row}")
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 60
    sheet.column_dimensions["C"].width = 60
    sheet.sheet_view.rightToLeft = is_right_to_left()


def write_table(sheet, table, lines, ranges):
    labels = {**LINE_LABELS, "partner": PARTNER_LABELS[table]}
    sheet.append([str(labels[key]) for key in LINE_KEYS])
    sheet.append(list(LINE_KEYS))
    for item, key in zip(sheet[1], LINE_KEYS):
        item.font = BOLD
        item.fill = HEADER_FILL
        item.alignment = WRAP
        explain(item, key, table)
    for item in sheet[2]:
        item.font = KEY_FONT
    for line in lines:
        sheet.append(
            [amount(line.get(key)) if key == "value" else cell(line.get(key)) for key in LINE_KEYS]
        )
    last = FIRST_LINE_ROW + max(len(lines), BLANK_ROWS)
    for key, source in (
        ("category", "category"),
        ("subcategory", "subcategory"),
        ("basis", "basis"),
        ("currency", "currency"),
        ("partner", "state"),
        ("origin", "state"),
        ("intermediate", "state"),
    ):
        letter = get_column_letter(LINE_KEYS.index(key) + 1)
        drop_down(sheet, ranges[source], f"{letter}{FIRST_LINE_ROW}:{letter}{last}")
    for number, key in enumerate(LINE_KEYS, start=1):
        width = 40 if key in ("description", "comments") else 16
        sheet.column_dimensions[get_column_letter(number)].width = width
    sheet.freeze_panes = f"A{FIRST_LINE_ROW}"
    sheet.sheet_view.rightToLeft = is_right_to_left()


# Reading ------------------------------------------------------------------------------------

NOT_A_WORKBOOK = _l("The file is not an Excel workbook (.xlsx).")


def check_archive(data):
    """Refuse what is not a plain Excel workbook before openpyxl reads it."""
    if files.zip_kind(data) is not files.XLSX:
        raise problem(NOT_A_WORKBOOK)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = archive.infolist()
        if sum(entry.file_size for entry in entries) > MAX_UNPACKED:
            raise problem(_l("The workbook is too large once unpacked to be a report."))
        for entry in entries:
            if not entry.filename.endswith((".xml", ".rels")):
                continue
            with archive.open(entry) as handle:
                if b"<!DOCTYPE" in handle.read().upper():
                    raise problem(
                        _l(
                            "The workbook holds a document type declaration, which Excel never "
                            "writes; it is refused for safety."
                        )
                    )


class Positions:
    """Which row (and column) of the workbook each value of the content came from."""

    def __init__(self):
        self.settings = {}
        self.lines = {table: [] for table in TABLES}
        self.letters = {table: {} for table in TABLES}

    def where(self, table, row, key):
        letter = self.letters[table].get(key, "")
        return (SHEETS[table], row, f"{letter} ({key})".strip())

    def locate(self, table, index, field):
        if table in self.lines and index is not None and index < len(self.lines[table]):
            return self.where(table, self.lines[table][index], field)
        if table in self.lines:
            field = f"{table}_nil"
        return (SHEETS["report"], self.settings.get(field), f"C ({field})")


def parse(data, kind):
    content, _positions = read(data, kind)
    return content


def read(data, kind):
    """(content, Positions) of a workbook; raises ImportProblems."""
    if kind != "annual":
        raise problem(_l("Initial reports are imported from JSON or XML files."))
    check_archive(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001  (openpyxl raises many kinds of error on a damaged file)
        raise problem(NOT_A_WORKBOOK) from None
    try:
        return read_book(book)
    finally:
        book.close()


def read_book(book):
    missing = [name for name in SHEETS.values() if name not in book.sheetnames]
    if missing:
        raise ImportProblems(
            [ImportProblem(name, None, None, _l("This sheet is missing.")) for name in missing]
        )
    reader = Reader(strict=False)
    positions = Positions()
    values = {}
    report = book[SHEETS["report"]]
    settings = report.iter_rows(min_row=2, max_row=200, max_col=3, values_only=True)
    for number, row in enumerate(settings, start=2):
        key = restore(row[0]) if row else None
        if key is None or (isinstance(key, str) and not key.strip()):
            continue
        if key not in REPORT_FIELDS:
            reader.note(("Report", number, "A"), _l("This setting is not part of the format."))
            continue
        if key in values:
            reader.note(("Report", number, "A"), _l("This setting is given twice."))
            continue
        values[key] = restore(row[2]) if len(row) > 2 else None
        positions.settings[key] = number
    for field in REPORT_FIELDS:
        if field not in values:
            reader.note(
                ("Report", None, "A"),
                _l("The setting %(field)s is missing.", field=field),
            )
    reader.check()
    header, nil = report_settings(
        reader, values, lambda f: ("Report", positions.settings[f], f"C ({f})")
    )
    tables = {table: read_table(reader, book[SHEETS[table]], table, positions) for table in TABLES}
    reader.check()
    return annual_content(header, {t: (nil[t], tables[t]) for t in TABLES}), positions


def read_table(reader, sheet, table, positions):
    name = SHEETS[table]
    # Bounded: a workbook may declare a million rows and sixteen thousand columns.
    rows = sheet.iter_rows(
        min_row=1, max_row=FIRST_LINE_ROW + MAX_LINES + 1000, max_col=MAX_COLUMNS, values_only=True
    )
    rows = enumerate(rows, start=1)
    next(rows, None)
    _number, keys = next(rows, (2, ()))
    keys = [restore(key).strip() if isinstance(key, str) else key for key in keys]
    found = [
        ImportProblem(
            name,
            2,
            get_column_letter(number),
            _l("This column is not part of the format."),
        )
        for number, key in enumerate(keys, start=1)
        if key and key not in LINE_KEYS
    ] + [
        ImportProblem(name, 2, key, _l("This column is missing: put its key in row 2."))
        for key in LINE_KEYS
        if key not in keys
    ]
    if found:
        raise ImportProblems(found)
    positions.letters[table] = {
        key: get_column_letter(number) for number, key in enumerate(keys, start=1) if key
    }
    lines = []
    for number, row in rows:
        if not any(value is not None and str(value).strip() for value in row):
            continue
        if len(lines) >= MAX_LINES:
            raise problem(TOO_MANY_LINES, name, number)
        by_key = {key: restore(value) for key, value in zip(keys, row) if key}
        lines.append(
            line_values(
                reader,
                by_key,
                lambda key, number=number: positions.where(table, number, key),
            )
        )
        positions.lines[table].append(number)
    return lines
