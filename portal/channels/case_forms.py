"""Forms of case records: the structured record of a diversion, and publishing its summary.

The forms only parse what the browser sends. What the values must satisfy (a known category and
a sub-category of that category, an ISO country code, a date of the incident not in the future,
a stage and status from the lists) is checked once, by portal.channels.cases, which names every
field it refuses; the view puts each message at its field.
Items and States along the route are rows of a table with a few empty rows to fill: the page
needs no script to add one.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from portal.channels import cases
from portal.core.submissions import SentOnce
from portal.reporting.categories import CATEGORIES

#: Empty rows offered after the filled ones.
SPARE_ITEM_ROWS = 2
SPARE_ROUTE_ROWS = 2
#: Rows offered on a new record.
FIRST_ITEM_ROWS = 3
FIRST_ROUTE_ROWS = 4


class ItemRow(Form):
    category = SelectField(_l("Category"), validate_choice=False)
    subcategory = SelectField(_l("Sub-category"), validate_choice=False)
    quantity = StringField(_l("Quantity"))
    description = StringField(_l("Description"))


class RouteRow(Form):
    iso3 = StringField(_l("Country code"))
    role = SelectField(_l("Role"), validate_choice=False)


class Checkboxes(SelectMultipleField):
    """Several choices as checkboxes; unknown values are refused by the services."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        pass


def category_choices():
    return [SelectChoice("", _("Choose…"))] + [
        SelectChoice(category.code, f"{category.code} · {category.name}") for category in CATEGORIES
    ]


def subcategory_choices():
    """Every sub-category, grouped by category; `data-category` names the category, so that the
    page's script (static/js/case_form.js) offers only the chosen category's own."""
    return [SelectChoice("", _("None"))] + [
        SelectChoice(
            sub.code,
            f"{sub.code} · {sub.name}",
            render_kw={"data-category": category.code},
            optgroup=category.name,
        )
        for category in CATEGORIES
        for sub in category.subcategories
    ]


def option_choices(options, empty=None):
    found = [SelectChoice(option.code, option.label) for option in options]
    return ([SelectChoice("", empty)] if empty else []) + found


class CaseForm(SentOnce, FlaskForm):
    reference = StringField(_l("Reference"))
    items = FieldList(FormField(ItemRow), max_entries=cases.ITEMS_MAX)
    route = FieldList(FormField(RouteRow), max_entries=cases.ROUTE_MAX)
    #: Checked by cases.clean_incident_date, with the other fields, so that every mistake shows
    #: at once (a DateField would refuse it alone, before the others are looked at).
    incident_on = StringField(_l("Date of the incident"))
    stage = SelectField(_l("Stage of the transfer"), validate_choice=False)
    detection = TextAreaField(_l("How it was detected"))
    method = TextAreaField(_l("Method of diversion"))
    case_status = SelectField(_l("Status of the case"), validate_choice=False)
    lessons = TextAreaField(_l("Lessons learned"))
    shareable = Checkboxes(_l("Parts the whole Forum may see"))
    submit = SubmitField(_l("Save case record"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pad(self.items, FIRST_ITEM_ROWS, SPARE_ITEM_ROWS, cases.ITEMS_MAX)
        self.pad(self.route, FIRST_ROUTE_ROWS, SPARE_ROUTE_ROWS, cases.ROUTE_MAX)
        for row in self.items:
            row.category.choices = category_choices()
            row.subcategory.choices = subcategory_choices()
        for row in self.route:
            row.role.choices = option_choices(cases.ROUTE_ROLES, _("Choose…"))
        self.stage.choices = option_choices(cases.STAGES, _("Choose…"))
        self.case_status.choices = option_choices(cases.CASE_STATUSES, _("Choose…"))
        self.shareable.choices = option_choices(cases.SHAREABLE_PARTS)

    @staticmethod
    def pad(rows, first, spare, maximum):
        """Offer empty rows: `first` in all on an empty list, else `spare` after the filled."""
        filled = len([row for row in rows if not cases.is_blank(row.data)])
        wanted = min(maximum, first if not filled else filled + spare)
        while len(rows) < wanted:
            rows.append_entry()

    def values(self):
        """The form's values as cases.clean_case reads them."""
        return {
            "reference": self.reference.data,
            "items": [row.data for row in self.items],
            "route": [row.data for row in self.route],
            "incident_on": self.incident_on.data,
            "stage": self.stage.data,
            "detection": self.detection.data,
            "method": self.method.data,
            "case_status": self.case_status.data,
            "lessons": self.lessons.data,
            "shareable": self.shareable.data,
        }


def form_data(case):
    """A saved case record as the form shows it."""
    return {
        "reference": case.reference,
        "items": [
            {**item, "quantity": "" if item.get("quantity") is None else str(item["quantity"])}
            for item in case.items
        ],
        "route": list(case.route),
        "incident_on": case.incident_on.isoformat() if case.incident_on else "",
        "stage": case.stage,
        "detection": case.detection,
        "method": case.method,
        "case_status": case.case_status,
        "lessons": case.lessons,
        "shareable": list(case.shareable),
    }


class PublishForm(FlaskForm):
    submit = SubmitField(_l("Publish the summary to the DIEF plenary"))
