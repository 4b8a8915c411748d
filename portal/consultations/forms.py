"""Forms of intersessional work: a consultation and what happens in it, the advisory group's
applications, requests for inputs and inputs, and national reports.

The forms only parse what the browser sends; what the values must satisfy is checked once, by
portal.consultations.services, which names the field it refuses.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import Optional

from portal.library.forms import id_select
from portal.meetings.forms import CheckboxList


class IdList(SelectMultipleField):
    """Several rows by id; an id that is not a number is dropped, one that names no row is
    refused by the services."""

    def pre_validate(self, form):
        pass

    def process_formdata(self, valuelist):
        self.data = [int(value) for value in valuelist if str(value).strip().isdigit()]
        if len(self.data) != len(valuelist):
            self.data.append(0)


class ConsultationForm(FlaskForm):
    title = StringField(_l("Title"))
    purpose = TextAreaField(_l("Purpose"))
    working_group = id_select(_l("Working group it serves"), validate_choice=False)
    document = StringField(_l("Document it serves (symbol or number), if any"))
    requesters = IdList(_l("Other States requesting it"))
    invited = IdList(_l("Delegations invited"))
    is_open_to_others = BooleanField(_l("Other interested delegations may join"))
    open_day = DateField(_l("Opens on (UTC)"), validators=[Optional()])
    open_time = TimeField(_l("At (UTC)"), validators=[Optional()])
    close_day = DateField(_l("Closes on (UTC)"), validators=[Optional()])
    close_time = TimeField(_l("At (UTC)"), validators=[Optional()])
    format = SelectField(_l("Format"), validate_choice=False)
    support = SelectField(_l("Secretariat support"), validate_choice=False)
    languages = CheckboxList(
        _l("Interpretation or translation provided (besides English)"), validate_choice=False
    )
    submit = SubmitField(_l("Send"))


class DecisionForm(FlaskForm):
    agree = SubmitField(_l("Agree"))
    decline = SubmitField(_l("Decline"))


class InviteForm(FlaskForm):
    invited = IdList(_l("Delegations to invite"))
    submit = SubmitField(_l("Invite"))


class ParticipantForm(FlaskForm):
    person = id_select(_l("Person of your delegation"), validate_choice=False)
    submit = SubmitField(_l("Name as participant"))


class ThreadForm(FlaskForm):
    title = StringField(_l("Subject"))
    document = StringField(_l("Comments on a document (symbol or number), if any"))
    body = TextAreaField(_l("Message"))
    submit = SubmitField(_l("Start thread"))


class PostForm(FlaskForm):
    body = TextAreaField(_l("Reply"))
    submit = SubmitField(_l("Send reply"))


class ShareDocumentForm(FlaskForm):
    document = StringField(_l("Symbol or number of a library document"))
    submit = SubmitField(_l("Share document"))


class SessionForm(FlaskForm):
    title = StringField(_l("Title (English)"))
    cycle = id_select(_l("CSP cycle"), validate_choice=False)
    start_day = DateField(_l("Day"), validators=[Optional()])
    start_time = TimeField(_l("From"), validators=[Optional()])
    end_day = DateField(_l("Until day"), validators=[Optional()])
    end_time = TimeField(_l("Until"), validators=[Optional()])
    time_zone = StringField(_l("Time zone"), default="Europe/Zurich")
    venue = StringField(_l("Venue or platform"))
    connection_details = TextAreaField(_l("Connection details (for approved registrants)"))
    submit = SubmitField(_l("Plan session"))


class OutcomeForm(FlaskForm):
    note = TextAreaField(_l("Outcome note"))
    submit = SubmitField(_l("Publish to the working group"))


class ApplicationForm(FlaskForm):
    expertise = TextAreaField(_l("Your expertise"))
    submit = SubmitField(_l("Apply"))


class InputRequestForm(FlaskForm):
    title = StringField(_l("Title"))
    cycle = id_select(_l("CSP cycle"), validate_choice=False)
    description = TextAreaField(_l("What inputs are asked for"))
    document = StringField(_l("Tool under development (symbol or number), if any"))
    deadline_day = DateField(_l("Deadline (UTC)"), validators=[Optional()])
    deadline_time = TimeField(_l("At (UTC)"), validators=[Optional()])
    is_restricted = BooleanField(_l("Touches restricted information: States Parties only"))
    submit = SubmitField(_l("Ask for inputs"))


class InputForm(FlaskForm):
    body = TextAreaField(_l("Your written input"))
    submit = SubmitField(_l("Send input"))


class AdvisoryDocumentForm(FlaskForm):
    title = StringField(_l("Title (English)"))
    file = FileField(_l("File (in English)"))
    is_restricted = BooleanField(_l("Touches restricted information: States Parties only"))
    submit = SubmitField(_l("Share with the group"))


class NationalReportForm(FlaskForm):
    title = StringField(_l("Title"))
    year = IntegerField(_l("Year"), validators=[Optional()])
    period_start = DateField(_l("Period covered: from"), validators=[Optional()])
    period_end = DateField(_l("Period covered: until"), validators=[Optional()])
    contents = CheckboxList(_l("What it contains"), validate_choice=False)
    audience = SelectField(_l("Who may read it"), validate_choice=False)
    file_ar = FileField()
    file_zh = FileField()
    file_en = FileField()
    file_fr = FileField()
    file_ru = FileField()
    file_es = FileField()
    submit = SubmitField(_l("Share report"))
