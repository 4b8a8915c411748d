"""What a person reads at each field of an annual report: its guidance (on the form's page and
in the Excel workbook), and the questions and answers on the annual report kept as data in
`data/annual_faq.messages.json` (in the workbook, a cell comment with the guidance).

English source text; `gettext` translates it where it is read.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

#: The guidance shown at each field of an annual report.
LINE_GUIDANCE = {
    "category": _l(
        "The category of Article 2(1); the definitions are listed above the tables. Small arms "
        "and light weapons are reported under VIII."
    ),
    "subcategory": _l("The UN Register's sub-category, where the category has them."),
    "basis": _l(
        "Whether the line reports authorisations (licences) issued or transfers that actually "
        "took place; use the same basis throughout the table where you can."
    ),
    "items": _l("The number of items. Give the number, the value, or both."),
    "value": _l("The financial value, with at most two decimals, for example 1250000.00."),
    "currency": _l("The currency of the value."),
    "partner_exports": _l("The final importing State."),
    "partner_imports": _l("The exporting State."),
    "origin": _l("Where the items were produced, if not in the exporting State."),
    "intermediate": _l("A State the items passed through, if known."),
    "description": _l("Model, type, or other description of the items (optional)."),
    "comments": _l("Anything that helps read the line, for example the end use (optional)."),
}
REPORT_GUIDANCE = {
    "national_definitions": _l(
        "If your State uses national definitions of the categories that differ from the "
        "definitions of the UN Register, describe them here (optional)."
    ),
    "withheld": _l(
        "Article 13(3) allows a State to exclude commercially sensitive or national security "
        "information. Tick this box if you have done so."
    ),
    "audience": _l(
        "A public report is published to everyone; otherwise only States Parties and the "
        "Secretariat read it."
    ),
    "forward_to_un_register": _l(
        "The Secretariat may send the report to the United Nations Register of Conventional "
        "Arms on your State's behalf."
    ),
    "nil": _l("Tick the nil report when your State has nothing to report in this table."),
}

_FAQ = json.loads(
    (Path(__file__).parent / "data" / "annual_faq.messages.json").read_text(encoding="utf-8")
)


@dataclass(frozen=True)
class Answer:
    """One question of the annual report's FAQ and its answer, attached to `fields`."""

    fields: tuple
    source_question: str
    source_answer: str

    @property
    def question(self):
        return gettext(self.source_question)

    @property
    def answer(self):
        return gettext(self.source_answer)


FAQ = tuple(
    Answer(tuple(entry["fields"]), entry["question"], entry["answer"]) for entry in _FAQ["faq"]
)


def field_help(field, table=None):
    """The guidance of an annual report's field (a line key, or a setting of the Report sheet)
    followed by the FAQ's questions and answers on it, as one text in the reader's language;
    "" for a field without any. `table` ("exports" or "imports") picks the partner's guidance."""
    key = f"partner_{table}" if field == "partner" and table else field
    guidance = LINE_GUIDANCE.get(key) or REPORT_GUIDANCE.get(field)
    if field in ("exports_nil", "imports_nil"):
        guidance = REPORT_GUIDANCE["nil"]
    if field == "public":
        guidance = REPORT_GUIDANCE["audience"]
    parts = [str(guidance)] if guidance else []
    parts += [f"{entry.question}\n{entry.answer}" for entry in FAQ if field in entry.fields]
    return "\n\n".join(parts)
