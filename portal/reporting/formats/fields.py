"""The content of a report as every file format reads and writes it.

A report's content is one canonical dict (see the module docstring of portal.reporting.formats).
Each format module finds the values in its file and hands each one, with where it was found, to
a `Reader`, which converts it to the canonical type or notes an `ImportProblem` at that place.
The conversions are the same for every format, so an Excel sheet, a CSV file, a JSON document
and an XML document with the same values give the same content.
"""

import re
from collections import namedtuple
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from portal.reporting import models
from portal.reporting.models import (
    ANNUAL_FORMAT,
    FORMAT_VERSION,
    TABLES,
)
from portal.reporting.models import LINE_FIELDS as LINE_KEYS
from portal.reporting.services import MAX_LINES

#: The top-level keys of an annual report, in their fixed order.
ANNUAL_KEYS = tuple(models.annual_content("", 0))
#: The keys of an initial report, in their fixed order.
INITIAL_KEYS = tuple(models.initial_content(""))
#: The yes/no settings of an annual report, in their order.
FLAGS = ("withheld", "public", "forward_to_un_register")
#: Line keys holding ISO codes, which are upper case whatever was typed.
UPPER_KEYS = frozenset({"currency", "partner", "origin", "intermediate"})
#: Keys holding free text, kept exactly as written (other text loses surrounding spaces).
FREE_TEXT_KEYS = frozenset({"description", "comments", "national_definitions", "text"})
#: Line keys that may be left out of a JSON or XML line (they default to "").
OPTIONAL_LINE_KEYS = frozenset({"subcategory", "origin", "intermediate", "description", "comments"})
#: The settings of an annual report as the rows of a CSV file or of the Report sheet name them:
#: the top-level keys, with the two nil flags of the tables in place of the tables.
REPORT_FIELDS = (
    "format",
    "format_version",
    "state",
    "year",
    "exports_nil",
    "imports_nil",
    "national_definitions",
    "withheld",
    "public",
    "forward_to_un_register",
)
#: The longest free text accepted in one field (national definitions included).
MAX_TEXT = 20000

#: Characters no text field may hold: control characters other than tab, line feed and
#: carriage return (XML cannot carry them, Excel refuses them).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
INTEGER = re.compile(r"[+-]?[0-9]+")
DECIMAL = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
CENT = Decimal("0.01")

YES = frozenset({"yes", "true", "1", "y"})
NO = frozenset({"no", "false", "0", "n"})

#: Where a value sits in a file, and what is wrong with it. `sheet` names the sheet of an Excel
#: file, the section of a CSV file or is None; `row` is a 1-based row or line number or None;
#: `column` is a column name, JSON pointer or XML element path (or None); `message` is shown.
ImportProblem = namedtuple("ImportProblem", "sheet row column message")


class ImportProblems(Exception):
    """A file that does not give a report; `problems` lists every ImportProblem found."""

    def __init__(self, problems):
        super().__init__(f"{len(problems)} problem(s) in the imported file")
        self.problems = list(problems)


def problem(message, sheet=None, row=None, column=None):
    return ImportProblems([ImportProblem(sheet, row, column, message)])


#: Characters that make a spreadsheet program read a cell as a formula (or start one).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text):
    """`text` as written to a CSV or Excel cell: an apostrophe is put before text a spreadsheet
    would run as a formula. Text that already starts with an apostrophe followed by such a
    character (or another apostrophe) gets one too, so that `restore` gives back exactly what
    was written."""
    if not isinstance(text, str) or not text:
        return text
    if text.startswith(FORMULA_START) or (text[0] == "'" and len(text) > 1 and text[1] in RESTORED):
        return "'" + text
    return text


RESTORED = (*FORMULA_START, "'")


def restore(text):
    """The inverse of `neutralise`: the one apostrophe it added is taken off again."""
    if isinstance(text, str) and len(text) > 1 and text[0] == "'" and text[1] in RESTORED:
        return text[1:]
    return text


def without_control(text):
    """`text` with the characters no file format can carry removed (used when exporting)."""
    return CONTROL.sub("", text) if isinstance(text, str) else text


class Reader:
    """Converts the values a format module finds to canonical values, noting problems.

    `where(key)` style: every method takes the value and `at`, a (sheet, row, column) triple.
    `strict` readers (JSON) accept only the JSON type of each value; spreadsheet readers accept
    what a spreadsheet cell may hold (numbers typed as text, yes/no for booleans...).
    """

    def __init__(self, strict):
        self.strict = strict
        self.problems = []

    def note(self, at, message):
        self.problems.append(ImportProblem(*at, message))

    def check(self):
        """Raise ImportProblems when any problem was noted."""
        if self.problems:
            raise ImportProblems(self.problems)

    def text(self, value, at, key=None):
        """A text value: "" when empty; codes lose surrounding spaces (ISO codes are
        upper-cased), free text is kept as written."""
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
            self.note(at, _l("Enter text here."))
            return ""
        if not isinstance(value, str):
            if self.strict:
                self.note(at, _l("Enter text here, in quotes."))
                return ""
            value = number_text(value)
        if len(value) > MAX_TEXT:
            self.note(at, _l("This text is longer than %(count)d characters.", count=MAX_TEXT))
            return ""
        if CONTROL.search(value):
            self.note(at, _l("This text holds control characters; remove them."))
            return ""
        if key is not None and key not in FREE_TEXT_KEYS:
            value = value.strip()
            if key in UPPER_KEYS or key == "state":
                value = value.upper()
        return value

    def integer(self, value, at, required=False):
        """A whole number, or None when empty (unless `required`)."""
        if value is None or (isinstance(value, str) and not value.strip() and not self.strict):
            if required:
                self.note(at, _l("Enter a whole number here."))
            return None
        if isinstance(value, bool):
            self.note(at, _l("Enter a whole number here."))
            return None
        if isinstance(value, int):
            return value
        if not self.strict:
            if isinstance(value, (float, Decimal)) and value == int(value):
                return int(value)
            if isinstance(value, str) and INTEGER.fullmatch(value.strip()):
                return int(value.strip())
        self.note(at, _l("Enter a whole number here."))
        return None

    def decimal(self, value, at):
        """An amount as a string with two decimals ("1250000.00"), or None when empty."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, bool):
            self.note(at, _l("Enter an amount here, such as 1250000.00."))
            return None
        if isinstance(value, str):
            if not DECIMAL.fullmatch(value.strip()):
                self.note(at, _l("Enter an amount here, such as 1250000.00."))
                return None
            amount = Decimal(value.strip())
        elif self.strict:
            self.note(at, _l('Enter the amount as text in quotes, such as "1250000.00".'))
            return None
        elif isinstance(value, (int, float, Decimal)):
            try:
                amount = Decimal(repr(value) if isinstance(value, float) else value)
            except InvalidOperation:
                amount = None
            if amount is None or not amount.is_finite():
                self.note(at, _l("Enter an amount here, such as 1250000.00."))
                return None
        else:
            self.note(at, _l("Enter an amount here, such as 1250000.00."))
            return None
        if amount != amount.quantize(CENT):
            self.note(at, _l("Give the amount with at most two decimals."))
            return None
        return str(amount.quantize(CENT))

    def boolean(self, value, at):
        """True or False; spreadsheets may say yes/no, true/false or 1/0."""
        if isinstance(value, bool):
            return value
        if not self.strict:
            if isinstance(value, (int, float)) and value in (0, 1):
                return bool(value)
            if isinstance(value, str) and value.strip().lower() in YES | NO:
                return value.strip().lower() in YES
        self.note(at, _l("Answer yes or no here."))
        return False


def number_text(value):
    """A number typed in a text column, as the text a person typed: 12, not 12.0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def annual_content(header, tables):
    """The canonical annual report from converted values: `header` maps the top-level keys
    other than the tables, `tables` maps "exports"/"imports" to (nil, [line dict]). A table
    holds at most MAX_LINES lines, as a draft may (the readers stop before)."""
    content = models.annual_content(
        header["state"],
        header["year"],
        exports=tables["exports"][1],
        imports=tables["imports"][1],
        exports_nil=tables["exports"][0],
        imports_nil=tables["imports"][0],
    )
    content["national_definitions"] = header["national_definitions"]
    for flag in FLAGS:
        content[flag] = header[flag]
    return content


def line_values(reader, values, at):
    """A line in canonical form from `values` (key -> raw value) and `at(key)` -> location."""
    line = {}
    for key in LINE_KEYS:
        value = values.get(key)
        if key == "items":
            line[key] = reader.integer(value, at(key))
        elif key == "value":
            line[key] = reader.decimal(value, at(key))
        else:
            line[key] = reader.text(value, at(key), key)
    return line


TOO_MANY_LINES = _l("A table may have at most %(count)d lines.", count=MAX_LINES)


def report_settings(reader, values, at):
    """The settings of an annual report from the rows of a CSV file or the Report sheet:
    (header, {table: nil}). `values` maps REPORT_FIELDS to raw values, `at(field)` places one.

    Raises ImportProblems at once when the file is not an annual report of this format.
    """
    kind = reader.text(values.get("format"), at("format"), "format")
    if kind != ANNUAL_FORMAT:
        raise problem(
            _l(
                'This is not a file of this kind of report: "format" must be "%(format)s".',
                format=ANNUAL_FORMAT,
            ),
            *at("format"),
        )
    if reader.integer(values.get("format_version"), at("format_version")) != FORMAT_VERSION:
        raise problem(
            _l("This version of the format is not known; export a new file from the portal."),
            *at("format_version"),
        )
    header = {
        "state": reader.text(values.get("state"), at("state"), "state"),
        "year": reader.integer(values.get("year"), at("year"), required=True),
        "national_definitions": reader.text(
            values.get("national_definitions"),
            at("national_definitions"),
            "national_definitions",
        ),
    }
    for flag in FLAGS:
        header[flag] = reader.boolean(values.get(flag), at(flag))
    nil = {
        table: reader.boolean(values.get(f"{table}_nil"), at(f"{table}_nil")) for table in TABLES
    }
    return header, nil


def settings_row_values(content):
    """The settings of `content` as (field, value) pairs for CSV rows and the Report sheet;
    yes/no for booleans."""
    values = {
        "format": content["format"],
        "format_version": content["format_version"],
        "state": content["state"],
        "year": content["year"],
        "national_definitions": content["national_definitions"],
    }
    for table in TABLES:
        values[f"{table}_nil"] = content[table]["nil"]
    for flag in FLAGS:
        values[flag] = content[flag]
    return [(field, yes_no(values[field])) for field in REPORT_FIELDS]


def yes_no(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def answers_of(reader, values):
    """The answers of an initial report, in the order given: `values` maps a question id to
    (choice, text, at(key)). Whether the questions and choices are known is for
    validate_initial to say; here each answer must be text."""
    answers = {}
    for question_id, (choice, text, where) in values.items():
        answers[question_id] = {
            "choice": reader.text(choice, where("choice"), "choice"),
            "text": reader.text(text, where("text"), "text"),
        }
    return answers


def initial_content(state, public, answers):
    """The canonical initial report from converted values."""
    content = models.initial_content(state, answers)
    content["public"] = public
    return content
