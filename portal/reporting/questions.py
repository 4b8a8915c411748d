"""The questions of the initial report, kept as data in `data/initial_report.messages.json`.

The English text is extracted into the translation catalogs; `title`, `question` and
`guidance` translate it when read.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext

_DATA = json.loads(
    (Path(__file__).parent / "data" / "initial_report.messages.json").read_text(encoding="utf-8")
)


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    source_question: str
    source_guidance: str

    @property
    def question(self):
        return gettext(self.source_question)

    @property
    def guidance(self):
        return gettext(self.source_guidance)

    @property
    def is_choice(self):
        return self.kind == "choice"


@dataclass(frozen=True)
class Section:
    id: str
    source_title: str
    questions: tuple

    @property
    def title(self):
        return gettext(self.source_title)


SECTIONS = tuple(
    Section(
        id=section["id"],
        source_title=section["title"],
        questions=tuple(
            Question(
                id=entry["id"],
                kind=entry["kind"],
                source_question=entry["question"],
                source_guidance=entry["guidance"],
            )
            for entry in section["questions"]
        ),
    )
    for section in _DATA["sections"]
)

QUESTIONS = {question.id: question for section in SECTIONS for question in section.questions}
