"""JSON: the canonical content dict itself, pretty-printed in UTF-8.

On import every value must have its JSON type (numbers of items as numbers, amounts as strings
with two decimals, yes/no as true/false). Problems are placed by JSON pointer
("/exports/lines/0/items"). Optional text of a line (sub-category, origin, intermediate
location, description, comments) may be left out; everything else must be there, and keys the
format does not know are refused so that a misspelt key is not silently lost.
"""

import json

from flask_babel import lazy_gettext as _l

from portal.reporting.formats.fields import (
    ANNUAL_FORMAT,
    ANNUAL_KEYS,
    FLAGS,
    FORMAT_VERSION,
    INITIAL_KEYS,
    LINE_KEYS,
    MAX_LINES,
    OPTIONAL_LINE_KEYS,
    TABLES,
    TOO_MANY_LINES,
    Reader,
    annual_content,
    answers_of,
    initial_content,
    line_values,
    problem,
)
from portal.reporting.models import INITIAL_FORMAT

MIME_TYPE = "application/json"
EXTENSION = "json"
#: Deeper nesting than a report has is refused before Python's parser recurses into it.
MAX_DEPTH = 20


def export(content):
    return (json.dumps(content, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def pointer(*parts):
    return "/" + "/".join(str(part) for part in parts)


def at(*parts):
    return (None, None, pointer(*parts))


def locate(table, index, field):
    """Where a validation problem sits in a JSON document."""
    if table == "answers":
        return at("answers", field)
    if table in TABLES:
        return at(table, "lines", index, field) if index is not None else at(table)
    return at(field) if field else at()


def load(data):
    """The parsed JSON document; a clear ImportProblems when it is not one."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise problem(_l("The file is not UTF-8 text.")) from None
    if nesting(text) > MAX_DEPTH:
        raise problem(_l("The JSON document is nested too deeply to be a report."))
    try:
        return json.loads(text, parse_constant=refuse_constant)
    except json.JSONDecodeError as error:
        raise problem(
            _l(
                "The file is not valid JSON (line %(line)d, column %(column)d): %(reason)s",
                line=error.lineno,
                column=error.colno,
                reason=error.msg,
            ),
            row=error.lineno,
        ) from None
    except ValueError:  # NaN, Infinity, or an integer of thousands of digits
        raise problem(_l("The file holds a number that a report cannot hold.")) from None


def refuse_constant(name):
    raise ValueError(name)


def nesting(text):
    """How deeply brackets nest in `text`, outside strings (a cheap guard against a
    recursion bomb such as a million "[")."""
    depth = deepest = 0
    in_string = escaped = False
    for character in text:
        if in_string:
            if escaped:
                escaped = False
            elif character == "\\":
                escaped = True
            elif character == '"':
                in_string = False
        elif character == '"':
            in_string = True
        elif character in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                return deepest
        elif character in "]}":
            depth -= 1
    return deepest


def parse(data, kind):
    document = load(data)
    reader = Reader(strict=True)
    if not isinstance(document, dict):
        raise problem(_l("The JSON document must be an object ({ … })."), column=pointer())
    expected = ANNUAL_FORMAT if kind == "annual" else INITIAL_FORMAT
    if document.get("format") != expected:
        raise problem(
            _l(
                'This is not a file of this kind of report: "format" must be "%(format)s".',
                format=expected,
            ),
            column=pointer("format"),
        )
    if document.get("format_version") != FORMAT_VERSION:
        raise problem(
            _l("This version of the format is not known; export a new file from the portal."),
            column=pointer("format_version"),
        )
    content = annual(document, reader) if kind == "annual" else initial(document, reader)
    reader.check()
    return content


def keys_of(reader, document, known, required, path):
    """Note keys that are missing or unknown in the object `document` at `path`."""
    for key in document:
        if key not in known:
            reader.note(at(*path, key), _l("This key is not part of the format."))
    for key in required:
        if key not in document:
            reader.note(at(*path, key), _l("This key is missing."))


def annual(document, reader):
    keys_of(reader, document, ANNUAL_KEYS, ANNUAL_KEYS, ())
    header = {
        "state": reader.text(document.get("state"), at("state"), "state"),
        "year": reader.integer(document.get("year"), at("year"), required=True),
        "national_definitions": reader.text(
            document.get("national_definitions"),
            at("national_definitions"),
            "national_definitions",
        ),
    }
    for flag in FLAGS:
        header[flag] = reader.boolean(document.get(flag), at(flag))
    tables = {table: table_of(reader, document.get(table), table) for table in TABLES}
    return annual_content(header, tables)


def table_of(reader, table, name):
    if not isinstance(table, dict):
        reader.note(at(name), _l('Give this table as an object with "nil" and "lines".'))
        return False, []
    keys_of(reader, table, ("nil", "lines"), ("nil", "lines"), (name,))
    nil = reader.boolean(table.get("nil"), at(name, "nil"))
    rows = table.get("lines")
    if not isinstance(rows, list):
        reader.note(at(name, "lines"), _l("Give the lines as a list ([ … ])."))
        return nil, []
    if len(rows) > MAX_LINES:
        reader.note(at(name, "lines"), TOO_MANY_LINES)
        return nil, []
    lines = []
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            reader.note(at(name, "lines", index), _l("Give each line as an object ({ … })."))
            continue
        keys_of(
            reader,
            row,
            LINE_KEYS,
            set(LINE_KEYS) - OPTIONAL_LINE_KEYS,
            (name, "lines", index),
        )
        lines.append(
            line_values(reader, row, lambda key, index=index: at(name, "lines", index, key))
        )
    return nil, lines


def initial(document, reader):
    keys_of(reader, document, INITIAL_KEYS, INITIAL_KEYS, ())
    answers = document.get("answers")
    if not isinstance(answers, dict):
        reader.note(at("answers"), _l("Give the answers as an object ({ … })."))
        answers = {}
    values = {}
    for question_id, answer in answers.items():
        if not isinstance(answer, dict):
            reader.note(at("answers", question_id), _l("Give each answer as an object ({ … })."))
            continue
        keys_of(reader, answer, ("choice", "text"), (), ("answers", question_id))
        values[question_id] = (
            answer.get("choice", ""),
            answer.get("text", ""),
            lambda key, question_id=question_id: at("answers", question_id, key),
        )
    return initial_content(
        reader.text(document.get("state"), at("state"), "state"),
        reader.boolean(document.get("public"), at("public")),
        answers_of(reader, values),
    )
