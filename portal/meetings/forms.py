"""Forms of meetings: a meeting, an agenda item, a linked document, requests to speak,
registration, the rolling agenda, the draft report and its comments.

The forms only parse what the browser sends (days, times, ids). What the values must satisfy is
checked once, by portal.meetings.services, which names the field it refuses; the views fill the
options a person may pick and put the services' messages at the field concerned.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.library.forms import id_select

#: The languages a meeting's title and notices may be given in, besides English.
OTHER_LANGUAGES = ("ar", "zh", "fr", "ru", "es")


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class MeetingForm(FlaskForm):
    title = StringField(_l("Title (English)"), validators=[DataRequired()])
    kind = SelectField(_l("Kind of meeting"), validate_choice=False)
    cycle = id_select(_l("CSP cycle"), validate_choice=False)
    start_day = DateField(_l("First day"), validators=[Optional()])
    start_time = TimeField(_l("Opens at (venue time)"), validators=[Optional()])
    end_day = DateField(_l("Last day"), validators=[Optional()])
    end_time = TimeField(_l("Closes at (venue time)"), validators=[Optional()])
    time_zone = StringField(_l("Time zone of the venue"), default="Europe/Zurich")
    venue = StringField(_l("Venue"))
    format = SelectField(_l("Format"), validate_choice=False)
    languages = CheckboxList(_l("Interpretation"), validate_choice=False)
    working_group = id_select(_l("Working group"), validate_choice=False)
    level = SelectField(_l("Who may attend and read it"), validate_choice=False)
    group = id_select(_l("Group whose members may attend"), validate_choice=False)
    chair = id_select(_l("Chair"), validate_choice=False)
    distribution_deadline = DateField(_l("Documents due by"), validators=[Optional()])
    speakers_due_on = DateField(_l("Speakers lists published on"), validators=[Optional()])
    comments_close_on = DateField(_l("Comments on the draft report until"), validators=[Optional()])
    connection_details = TextAreaField(_l("Connection details (for approved registrants)"))
    notices = TextAreaField(_l("Notices (English)"))
    title_ar = StringField()
    title_zh = StringField()
    title_fr = StringField()
    title_ru = StringField()
    title_es = StringField()
    notices_ar = TextAreaField()
    notices_zh = TextAreaField()
    notices_fr = TextAreaField()
    notices_ru = TextAreaField()
    notices_es = TextAreaField()
    submit = SubmitField(_l("Save meeting"))

    def translations(self):
        return {
            language: {
                "title": self[f"title_{language}"].data,
                "notices": self[f"notices_{language}"].data,
            }
            for language in OTHER_LANGUAGES
        }

    def translation_fields(self):
        return [(language, self[f"title_{language}"], self[f"notices_{language}"])
                for language in OTHER_LANGUAGES]


class AgendaItemForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired()])
    topic = id_select(_l("Forum topic (its guiding questions and discussion)"),
                      validate_choice=False)
    working_group = id_select(_l("Working group"), validate_choice=False)
    chair_name = StringField(_l("Chair or facilitator"))
    start_day = DateField(_l("Day"), validators=[Optional()])
    start_time = TimeField(_l("From (venue time)"), validators=[Optional()])
    end_day = DateField(_l("Until day"), validators=[Optional()])
    end_time = TimeField(_l("Until (venue time)"), validators=[Optional()])
    submit = SubmitField(_l("Save agenda item"))


class LinkDocumentForm(FlaskForm):
    document = StringField(_l("Symbol or number of a library document"))
    submit = SubmitField(_l("Link document"))


class SpeakerRequestForm(FlaskForm):
    item = id_select(_l("Agenda item"), validate_choice=False)
    subject = StringField(_l("Subject"))
    submit = SubmitField(_l("Ask to speak"))


class InviteSpeakerForm(FlaskForm):
    item = id_select(_l("Agenda item"), validate_choice=False)
    delegation = id_select(_l("Delegation"), validate_choice=False)
    subject = StringField(_l("Subject"))
    submit = SubmitField(_l("Invite to speak"))


class RegistrationForm(FlaskForm):
    attendance = SelectField(_l("I will attend"), validate_choice=False)
    submit = SubmitField(_l("Register"))


class CurrentItemForm(FlaskForm):
    item = id_select(_l("Item under discussion"), validate_choice=False)
    submit = SubmitField(_l("Mark as under discussion"))


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), validate_choice=False)
    submit = SubmitField(_l("Change status"))


class ParagraphForm(FlaskForm):
    text = TextAreaField(_l("Paragraph"))
    is_recommendation = BooleanField(_l("A recommendation"))
    submit = SubmitField(_l("Add paragraph"))


class ReportSettingsForm(FlaskForm):
    comments_close_on = DateField(_l("Comments accepted until"), validators=[Optional()])
    visibility = SelectField(_l("Comments are seen by"), validate_choice=False)
    submit = SubmitField(_l("Save settings"))


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Your delegation's comment"))
    submit = SubmitField(_l("Send comment"))
