"""Forms of reporting: starting an annual report, the annual and initial report forms, and the
designation of reporting officers.

The report forms only parse what the browser sends into the content dict of a version (see
portal.reporting.models); what the content must satisfy is checked by
portal.reporting.validation, whose problems the pages show at each field. Selects therefore do
not check their choices: a code sent by hand reaches the validation and is named there.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    HiddenField,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired

from portal.core.submissions import SentOnce
from portal.reporting.models import BASES, CHOICES, annual_content, blank_line
from portal.reporting.questions import SECTIONS
from portal.reporting.validation import normalise_items, normalise_value

#: Bases and access as the forms name them.
BASIS_LABELS = {"authorised": _l("Authorised"), "actual": _l("Actual")}
CHOICE_LABELS = {"yes": _l("Yes"), "no": _l("No"), "partly": _l("Partly")}
AUDIENCE_CHOICES = [
    SelectChoice("public", _l("Public: anyone may read the report")),
    SelectChoice("state_parties", _l("States Parties only")),
]


class StartAnnualForm(FlaskForm):
    year = IntegerField(_l("Calendar year reported on"), validators=[InputRequired()])
    start = RadioField(
        _l("Start from"),
        choices=[
            SelectChoice("previous", _l("The lines of my State's report for the previous year")),
            SelectChoice("nil", _l("A nil report: no exports and no imports")),
            SelectChoice("empty", _l("Empty tables")),
        ],
        default="previous",
    )
    submit = SubmitField(_l("Start the report"))


class LineForm(Form):
    """One line of the exports or imports table (no CSRF token of its own)."""

    category = SelectField(_l("Category"), validate_choice=False)
    subcategory = SelectField(_l("Sub-category"), validate_choice=False)
    basis = SelectField(_l("Authorised or actual"), validate_choice=False)
    items = StringField(_l("Number of items"))
    value = StringField(_l("Value"))
    currency = SelectField(_l("Currency"), validate_choice=False)
    partner = SelectField(_l("State"), validate_choice=False)
    origin = SelectField(_l("State of origin (if not the exporter)"), validate_choice=False)
    intermediate = SelectField(_l("Intermediate location (if any)"), validate_choice=False)
    description = TextAreaField(_l("Description of the item"))
    comments = TextAreaField(_l("Comments on the transfer"))
    remove = BooleanField(_l("Remove this line"))


class AnnualReportForm(FlaskForm):
    exports_nil = BooleanField(_l("Nil report: no exports to report for this year"))
    exports = FieldList(FormField(LineForm), min_entries=0, max_entries=2000)
    imports_nil = BooleanField(_l("Nil report: no imports to report for this year"))
    imports = FieldList(FormField(LineForm), min_entries=0, max_entries=2000)
    national_definitions = TextAreaField(_l("National definitions of the categories"))
    withheld = BooleanField(
        _l(
            "Commercially sensitive or national security information has been withheld "
            "(Article 13(3))"
        )
    )
    audience = RadioField(_l("Who may read the report"), choices=AUDIENCE_CHOICES)
    forward_to_un_register = BooleanField(
        _l("The Secretariat may forward this report to the UN Register of Conventional Arms")
    )
    save = SubmitField(_l("Save draft"))
    add_exports = SubmitField(_l("Add an export line"))
    add_imports = SubmitField(_l("Add an import line"))
    submit = SubmitField(_l("Review and submit"))

    def fill(self, content):
        """Show `content` in the form (on GET)."""
        self.exports_nil.data = bool(content["exports"]["nil"])
        self.imports_nil.data = bool(content["imports"]["nil"])
        for table in ("exports", "imports"):
            field = self[table]
            while len(field.entries):
                field.pop_entry()
            for line in content[table]["lines"]:
                field.append_entry(_line_as_form_data(line))
        self.national_definitions.data = content.get("national_definitions") or ""
        self.withheld.data = bool(content.get("withheld"))
        self.audience.data = "public" if content.get("public") else "state_parties"
        self.forward_to_un_register.data = bool(content.get("forward_to_un_register"))

    def content(self, state, year):
        """The content the form holds, lines marked for removal left out."""
        return annual_content(
            state,
            year,
            exports=[
                _line_from_form(entry) for entry in self.exports if not entry.form.remove.data
            ],
            imports=[
                _line_from_form(entry) for entry in self.imports if not entry.form.remove.data
            ],
            exports_nil=bool(self.exports_nil.data),
            imports_nil=bool(self.imports_nil.data),
        ) | {
            "national_definitions": self.national_definitions.data or "",
            "withheld": bool(self.withheld.data),
            "public": self.audience.data != "state_parties",
            "forward_to_un_register": bool(self.forward_to_un_register.data),
        }


def _line_as_form_data(line):
    data = {key: line.get(key) for key in blank_line()}
    for key in ("items", "value"):
        data[key] = "" if data[key] is None else str(data[key])
    return data


def _code(value):
    return (value or "").strip().upper()


def _line_from_form(entry):
    fields = entry.form  # (a FormField has attributes of its own, such as `description`)
    line = blank_line()
    line.update(
        category=(fields.category.data or "").strip(),
        subcategory=(fields.subcategory.data or "").strip(),
        basis=(fields.basis.data or "").strip(),
        items=normalise_items(fields.items.data),
        value=normalise_value(fields.value.data),
        currency=_code(fields.currency.data),
        partner=_code(fields.partner.data),
        origin=_code(fields.origin.data),
        intermediate=_code(fields.intermediate.data),
        description=(fields.description.data or "").strip(),
        comments=(fields.comments.data or "").strip(),
    )
    return line


def field_name(question_id):
    """The form field of a question (ids hold dots, which field names avoid)."""
    return "q_" + question_id.replace(".", "__")


def initial_report_form(content=None):
    """The initial report form: for each question a choice (choice questions) and a text.
    Without `content` it reads the request; with it, it shows the content."""

    class InitialReportForm(FlaskForm):
        audience = RadioField(_l("Who may read the report"), choices=AUDIENCE_CHOICES)
        save = SubmitField(_l("Save draft"))
        submit = SubmitField(_l("Review and submit"))

        def content(self, state):
            answers = {}
            for section in SECTIONS:
                for question in section.questions:
                    name = field_name(question.id)
                    choice = self[name + "_choice"].data if question.is_choice else ""
                    answers[question.id] = {
                        "choice": (choice or "").strip(),
                        "text": (self[name + "_text"].data or "").strip(),
                    }
            return {
                "format": "att-initial-report",
                "format_version": 1,
                "state": state,
                "public": self.audience.data != "state_parties",
                "answers": answers,
            }

    for section in SECTIONS:
        for question in section.questions:
            name = field_name(question.id)
            if question.is_choice:
                setattr(
                    InitialReportForm,
                    name + "_choice",
                    RadioField(
                        _l("Answer"),
                        choices=[SelectChoice("", _l("Not answered"))]
                        + [SelectChoice(choice, CHOICE_LABELS[choice]) for choice in CHOICES],
                        validate_choice=False,
                        default="",
                    ),
                )
            setattr(
                InitialReportForm,
                name + "_text",
                TextAreaField(_l("Explanation") if question.is_choice else _l("Answer")),
            )
    if content is None:
        return InitialReportForm()
    data = {"audience": "public" if content.get("public") else "state_parties"}
    for question_id, answer in (content.get("answers") or {}).items():
        if isinstance(answer, dict):
            data[field_name(question_id) + "_choice"] = answer.get("choice") or ""
            data[field_name(question_id) + "_text"] = answer.get("text") or ""
    return InitialReportForm(formdata=None, data=data)


class ReviewForm(SentOnce, FlaskForm):
    """The confirmation of a submission, tied to the content that was reviewed."""

    #: The digest of the content shown: a draft changed since (in another tab) is not submitted.
    digest = HiddenField()
    confirm = BooleanField(
        _l(
            "I confirm that this is the report my State submits, with the readers and the UN "
            "Register authorisation shown above."
        ),
        validators=[DataRequired(_l("Tick the box to confirm the submission."))],
    )
    submit = SubmitField(_l("Confirm and submit"))


class OfficerForm(FlaskForm):
    user = SelectField(_l("Member of your delegation"), validate_choice=False)
    submit = SubmitField(_l("Designate"))


BASIS_CHOICES = [(basis, BASIS_LABELS[basis]) for basis in BASES]
