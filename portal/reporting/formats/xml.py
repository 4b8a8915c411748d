"""XML: elements mirroring the content dict, in a namespace of their own; the schema is
published at /reporting/formats/annual_report.xsd (data/annual_report.xsd) and
/reporting/formats/initial_report.xsd.

    <annual_report xmlns="urn:x-att-portal:annual-report:1">
      <format>att-annual-report</format>
      <format_version>1</format_version>
      <state>FRA</state>
      <year>2025</year>
      <exports nil="false">
        <line><category>IV</category>…<items>12</items><value>1250000.00</value>…</line>
      </exports>
      <imports nil="true"/>
      <national_definitions/>
      <withheld>false</withheld>
      <public>true</public>
      <forward_to_un_register>false</forward_to_un_register>
    </annual_report>

An empty <items/> or <value/> means "not given". Uploads are parsed with defusedxml: a DTD,
entity declarations and external references are refused, so entity expansion ("billion
laughs") and reading files of the server through external entities cannot happen. The structure
is checked here in Python against the same rules as the XSD states, and problems are placed by
element path (/annual_report/exports/line[2]/items).
"""

from xml.etree.ElementTree import ParseError
from xml.sax.saxutils import escape, quoteattr

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
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
    ImportProblem,
    ImportProblems,
    Reader,
    annual_content,
    answers_of,
    initial_content,
    line_values,
    problem,
    without_control,
)
from portal.reporting.models import INITIAL_FORMAT

MIME_TYPE = "application/xml"
EXTENSION = "xml"
NAMESPACES = {
    "annual": "urn:x-att-portal:annual-report:1",
    "initial": "urn:x-att-portal:initial-report:1",
}
ROOTS = {"annual": "annual_report", "initial": "initial_report"}
#: A carriage return in text would become a line feed when read back: it is written as a
#: character reference.
ENTITIES = {"\r": "&#13;"}


def text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(without_control(str(value)), ENTITIES)


def element(name, value, indent):
    if value is None or value == "":
        return f"{indent}<{name}/>"
    return f"{indent}<{name}>{text(value)}</{name}>"


def export(content):
    kind = "annual" if content.get("format") == ANNUAL_FORMAT else "initial"
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    out.append(f"<{ROOTS[kind]} xmlns={quoteattr(NAMESPACES[kind])}>")
    for key in ("format", "format_version", "state"):
        out.append(element(key, content[key], "  "))
    if kind == "annual":
        out.append(element("year", content["year"], "  "))
        for table in TABLES:
            nil = text(content[table]["nil"])
            lines = content[table]["lines"]
            if not lines:
                out.append(f'  <{table} nil="{nil}"/>')
                continue
            out.append(f'  <{table} nil="{nil}">')
            for line in lines:
                out.append("    <line>")
                out.extend(element(key, line.get(key), "      ") for key in LINE_KEYS)
                out.append("    </line>")
            out.append(f"  </{table}>")
        out.append(element("national_definitions", content["national_definitions"], "  "))
        out.extend(element(flag, content[flag], "  ") for flag in FLAGS)
    else:
        out.append(element("public", content["public"], "  "))
        out.append("  <answers>")
        for question_id, answer in content["answers"].items():
            out.append(f"    <answer question={quoteattr(question_id)}>")
            out.append(element("choice", answer.get("choice", ""), "      "))
            out.append(element("text", answer.get("text", ""), "      "))
            out.append("    </answer>")
        out.append("  </answers>")
    out.append(f"</{ROOTS[kind]}>")
    return ("\n".join(out) + "\n").encode("utf-8")


def locate(table, index, field):
    """Where a validation problem sits in an XML document (an element path)."""
    if table == "answers":
        return (None, None, f"/initial_report/answers/answer[@question='{field}']")
    if table in TABLES:
        if index is None:
            return (None, None, f"/annual_report/{table}")
        return (None, None, f"/annual_report/{table}/line[{index + 1}]/{field}")
    root = "annual_report" if field != "answers" else "initial_report"
    return (None, None, f"/{root}/{field}" if field else f"/{root}")


def load(data):
    """The root element of the document; ImportProblems for what is not safe, well-formed XML."""
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise problem(
            _l(
                "The XML file declares a document type, entities or external references; "
                "these are refused for safety. Export a new file from the portal."
            )
        ) from None
    except ParseError as error:
        line, column = getattr(error, "position", (None, None))
        raise problem(
            _l(
                "The file is not well-formed XML (line %(line)s, column %(column)s).",
                line=line,
                column=column,
            ),
            row=line,
        ) from None


class Walker:
    """Reads the children of elements, noting unknown, repeated and missing ones."""

    def __init__(self, reader, namespace):
        self.reader = reader
        self.prefix = "{" + namespace + "}"

    def children(self, parent, path, known, required):
        """{name: child element} of `parent` at `path`."""
        found = {}
        for child in parent:
            name = self.name(child)
            if name not in known:
                self.reader.note(
                    (None, None, f"{path}/{name}"),
                    _l("This element is not part of the format."),
                )
            elif name in found:
                self.reader.note((None, None, f"{path}/{name}"), _l("This element is repeated."))
            else:
                found[name] = child
        for name in required:
            if name not in found:
                self.reader.note((None, None, f"{path}/{name}"), _l("This element is missing."))
        return found

    def name(self, child):
        tag = child.tag if isinstance(child.tag, str) else ""
        return tag.removeprefix(self.prefix)

    def value(self, child, path):
        """The text of an element that holds text only (None when it is absent)."""
        if child is None:
            return None
        if len(child):
            self.reader.note((None, None, path), _l("This element holds text only."))
            return None
        return child.text or ""


def parse(data, kind):
    root = load(data)
    reader = Reader(strict=False)
    walker = Walker(reader, NAMESPACES[kind])
    if root.tag != walker.prefix + ROOTS[kind]:
        raise problem(
            _l(
                "This is not a file of this kind of report: the root element must be "
                "<%(root)s> in the namespace %(namespace)s.",
                root=ROOTS[kind],
                namespace=NAMESPACES[kind],
            ),
            column="/" + walker.name(root),
        )
    path = "/" + ROOTS[kind]
    expected = ANNUAL_FORMAT if kind == "annual" else INITIAL_FORMAT
    keys = ANNUAL_KEYS if kind == "annual" else INITIAL_KEYS
    found = walker.children(root, path, keys, keys)
    reader.check()

    def value(name):
        return walker.value(found.get(name), f"{path}/{name}")

    def at(name):
        return (None, None, f"{path}/{name}")

    if (value("format") or "").strip() != expected:
        raise problem(
            _l(
                'This is not a file of this kind of report: <format> must be "%(format)s".',
                format=expected,
            ),
            column=f"{path}/format",
        )
    if reader.integer(value("format_version"), at("format_version")) != FORMAT_VERSION:
        raise ImportProblems(
            [
                ImportProblem(
                    None,
                    None,
                    f"{path}/format_version",
                    _l(
                        "This version of the format is not known; export a new file from the portal."
                    ),
                )
            ]
        )
    if kind == "annual":
        header = {
            "state": reader.text(value("state"), at("state"), "state"),
            "year": reader.integer(value("year"), at("year"), required=True),
            "national_definitions": reader.text(
                value("national_definitions"),
                at("national_definitions"),
                "national_definitions",
            ),
        }
        for flag in FLAGS:
            header[flag] = reader.boolean(value(flag), at(flag))
        tables = {table: read_table(walker, found[table], f"{path}/{table}") for table in TABLES}
        reader.check()
        return annual_content(header, tables)
    answers = read_answers(walker, found["answers"], f"{path}/answers")
    content = initial_content(
        reader.text(value("state"), at("state"), "state"),
        reader.boolean(value("public"), at("public")),
        answers,
    )
    reader.check()
    return content


def read_table(walker, table, path):
    reader = walker.reader
    nil = reader.boolean(table.get("nil"), (None, None, f"{path}/@nil"))
    lines = []
    for number, child in enumerate(table, start=1):
        line_path = f"{path}/line[{number}]"
        if walker.name(child) != "line":
            reader.note((None, None, line_path), _l("Only <line> elements belong here."))
            continue
        if number > MAX_LINES:
            raise problem(TOO_MANY_LINES, column=path)
        found = walker.children(child, line_path, LINE_KEYS, set(LINE_KEYS) - OPTIONAL_LINE_KEYS)
        values = {key: walker.value(found.get(key), f"{line_path}/{key}") for key in found}
        lines.append(
            line_values(
                reader, values, lambda key, line_path=line_path: (None, None, f"{line_path}/{key}")
            )
        )
    return nil, lines


def read_answers(walker, answers, path):
    reader = walker.reader
    values = {}
    for number, child in enumerate(answers, start=1):
        answer_path = f"{path}/answer[{number}]"
        question_id = child.get("question")
        if walker.name(child) != "answer" or not question_id:
            reader.note(
                (None, None, answer_path),
                _l('Only <answer question="…"> elements belong here.'),
            )
            continue
        if question_id in values:
            reader.note((None, None, answer_path), _l("This question is answered twice."))
            continue
        found = walker.children(child, answer_path, ("choice", "text"), ())
        values[question_id] = (
            walker.value(found.get("choice"), f"{answer_path}/choice"),
            walker.value(found.get("text"), f"{answer_path}/text"),
            lambda key, answer_path=answer_path: (None, None, f"{answer_path}/{key}"),
        )
    return answers_of(reader, values)
