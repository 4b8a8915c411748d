"""CSV: one UTF-8 file (with a byte order mark, so that spreadsheet programs read Arabic and
Chinese correctly) in two parts.

First the settings of the report, one per row under the header `table,field,value`:

    table,field,value
    report,format,att-annual-report
    report,format_version,1
    report,state,FRA
    report,year,2025
    report,exports_nil,no
    report,imports_nil,yes
    report,national_definitions,
    report,withheld,no
    report,public,yes
    report,forward_to_un_register,no

then the lines of both tables under a second header whose first column says which table each
line belongs to:

    table,category,subcategory,basis,items,value,currency,partner,origin,intermediate,description,comments
    exports,IV,IV.b,actual,12,1250000.00,EUR,DEU,,,Infantry fighting vehicles,

Yes/no settings are written yes or no (true/false and 1/0 are read too). Commas or semicolons
may separate the values (a spreadsheet program set to a language that writes decimal commas
saves with semicolons). The columns of the line header may come in any order, but all must be
there. Text that a spreadsheet program would run as a formula is written with an apostrophe
before it, which the import takes off again.
"""

import csv
import io

from flask_babel import lazy_gettext as _l

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
    without_control,
)

MIME_TYPE = "text/csv"
EXTENSION = "csv"
SETTINGS_HEADER = ("table", "field", "value")
LINES_HEADER = ("table", *LINE_KEYS)
NOT_A_COLUMN = _l("This column is not part of the format.")
MISSING_COLUMN = _l("This column is missing.")


def cell(value):
    if value is None:
        return ""
    return neutralise(without_control(str(value)))


def export(content):
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(SETTINGS_HEADER)
    for field, value in settings_row_values(content):
        writer.writerow(["report", field, cell(value)])
    writer.writerow(LINES_HEADER)
    for table in TABLES:
        for line in content[table]["lines"]:
            writer.writerow([table, *(cell(line.get(key)) for key in LINE_KEYS)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


class Positions:
    """Which row of the file each line of content came from, to place validation problems."""

    def __init__(self):
        self.settings = {}
        self.lines = {table: [] for table in TABLES}
        self.columns = {}

    def locate(self, table, index, field):
        if table in self.lines and index is not None and index < len(self.lines[table]):
            return (None, self.lines[table][index], field)
        if table in self.lines:
            return (None, self.settings.get(f"{table}_nil"), f"{table}_nil")
        return (None, self.settings.get(field), field)


def rows_of(data):
    """The records of the file as lists of cells, with their 1-based numbers."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise problem(_l("The file is not UTF-8 text; save it as “CSV UTF-8”.")) from None
    if "\x00" in text:
        raise problem(_l("The file is not a CSV file."))
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for number, row in enumerate(reader, start=1):
            if number > MAX_LINES * 2 + 50:
                raise problem(TOO_MANY_LINES, row=number)
            yield number, [restore(value) for value in row]
    except csv.Error as error:
        raise problem(
            _l("The CSV file cannot be read here: %(reason)s", reason=str(error)),
            row=reader.line_num,
        ) from None


def is_blank(row):
    return not any(value.strip() for value in row)


def header_problems(row, number, expected):
    """Problems with a header row: columns missing or not part of the format."""
    names = [value.strip().lower() for value in row]
    found = []
    for name in names:
        if name and name not in expected:
            found.append(ImportProblem(None, number, name, NOT_A_COLUMN))
    for name in expected:
        if name not in names:
            found.append(ImportProblem(None, number, name, MISSING_COLUMN))
    return names, found


def parse(data, kind):
    content, _positions = read(data, kind)
    return content


def read(data, kind):
    """(content, Positions) of a CSV file; raises ImportProblems."""
    if kind != "annual":
        raise problem(_l("Initial reports are imported from JSON or XML files."))
    rows = iter(rows_of(data))
    reader = Reader(strict=False)
    positions = Positions()
    number, row = next(((n, r) for n, r in rows if not is_blank(r)), (1, []))
    names, found = header_problems(row, number, SETTINGS_HEADER)
    if names[:3] != list(SETTINGS_HEADER):
        raise ImportProblems(
            found
            or [
                ImportProblem(
                    None,
                    number,
                    None,
                    _l("The first row must be the header table,field,value."),
                )
            ]
        )
    values = {}
    lines_header = None
    for number, row in rows:
        if is_blank(row):
            continue
        if row[0].strip().lower() == "table":
            lines_header = (number, row)
            break
        if row[0].strip() != "report":
            reader.note(
                (None, number, "table"),
                _l(
                    'Settings rows say "report" in the first column; then comes the header of '
                    "the lines (table,category,…)."
                ),
            )
            continue
        field = row[1].strip() if len(row) > 1 else ""
        if field not in REPORT_FIELDS:
            reader.note((None, number, "field"), _l("This setting is not part of the format."))
            continue
        if field in values:
            reader.note((None, number, "field"), _l("This setting is given twice."))
            continue
        if any(value.strip() for value in row[3:]):
            reader.note((None, number, None), _l("This row has more values than the header."))
        values[field] = row[2] if len(row) > 2 else ""
        positions.settings[field] = number
    for field in REPORT_FIELDS:
        if field not in values:
            reader.note(
                (None, None, field),
                _l("The setting %(field)s is missing.", field=field),
            )
    reader.check()
    header, nil = report_settings(reader, values, lambda f: (None, positions.settings[f], f))
    tables = {table: [] for table in TABLES}
    if lines_header is None:
        reader.check()
        return annual_content(header, {t: (nil[t], tables[t]) for t in TABLES}), positions
    number, row = lines_header
    names, found = header_problems(row, number, LINES_HEADER)
    if found:
        raise ImportProblems(found)
    for number, row in rows:
        if is_blank(row):
            continue
        by_name = dict(zip(names, row))
        if len(row) > len(names) and any(value.strip() for value in row[len(names) :]):
            reader.note((None, number, None), _l("This row has more values than the header."))
        table = by_name.get("table", "").strip()
        if table not in TABLES:
            reader.note((None, number, "table"), _l('Write "exports" or "imports" here.'))
            continue
        if len(tables[table]) >= MAX_LINES:
            raise problem(TOO_MANY_LINES, row=number)
        tables[table].append(
            line_values(reader, by_name, lambda key, number=number: (None, number, key))
        )
        positions.lines[table].append(number)
    reader.check()
    return annual_content(header, {t: (nil[t], tables[t]) for t in TABLES}), positions
