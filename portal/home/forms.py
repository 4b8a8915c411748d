"""Forms of the Secretariat's desk: acknowledging reports together, writing to the points of
contact."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.accounts.models import RegionalGroup

SUBJECT_MAX = 200
BODY_MAX = 10000

AUDIENCES = [
    ("all", _l("Every point of contact")),
    ("region", _l("The points of contact of one regional group")),
    ("reports_due", _l("The points of contact of States Parties with a report overdue")),
]

#: The languages a message may be given in besides English, in the Conference's order.
OTHER_LANGUAGES = ("ar", "es", "fr", "ru", "zh")


def subject_field(label):
    """The subject of the message in a language other than English (optional)."""
    return StringField(label, validators=[Optional(), Length(max=SUBJECT_MAX)])


def body_field(label):
    """The text of the message in a language other than English (optional)."""
    return TextAreaField(label, validators=[Optional(), Length(max=BODY_MAX)])


class AcknowledgeForm(FlaskForm):
    """The versions ticked are read from the request (`version`, one per box)."""

    submit = SubmitField(_l("Acknowledge the reports ticked"))


class ContactMessageForm(FlaskForm):
    audience = RadioField(_l("To"), choices=AUDIENCES, default="all")
    region = SelectField(
        _l("Regional group"),
        choices=[("", _l("Choose a regional group"))]
        + [(group.value, group.label) for group in RegionalGroup],
        validators=[Optional()],
    )
    subject_en = StringField(
        _l("Subject in English"), validators=[DataRequired(), Length(max=SUBJECT_MAX)]
    )
    body_en = TextAreaField(
        _l("Message in English"), validators=[DataRequired(), Length(max=BODY_MAX)]
    )
    subject_ar = subject_field(_l("Subject in Arabic"))
    body_ar = body_field(_l("Message in Arabic"))
    subject_es = subject_field(_l("Subject in Spanish"))
    body_es = body_field(_l("Message in Spanish"))
    subject_fr = subject_field(_l("Subject in French"))
    body_fr = body_field(_l("Message in French"))
    subject_ru = subject_field(_l("Subject in Russian"))
    body_ru = body_field(_l("Message in Russian"))
    subject_zh = subject_field(_l("Subject in Chinese"))
    body_zh = body_field(_l("Message in Chinese"))
    submit = SubmitField(_l("Send the message"))

    def validate(self, extra_validators=None):
        """Besides each field's checks: a region for a regional message, and a subject and a
        message together in each language given."""
        valid = super().validate(extra_validators)
        if self.audience.data == "region" and not self.region.data:
            self.region.errors.append(_l("Choose the regional group to write to."))
            valid = False
        for _language, subject, body in self.language_fields():
            has_subject = bool((subject.data or "").strip())
            if has_subject != bool((body.data or "").strip()):
                (body if has_subject else subject).errors.append(
                    _l("Give both the subject and the message in this language, or neither.")
                )
                valid = False
        return valid

    def texts(self):
        """{language: (subject, body)} of the languages given in full, English first."""
        given = {}
        for language in ("en", *OTHER_LANGUAGES):
            subject = (self[f"subject_{language}"].data or "").strip()
            body = (self[f"body_{language}"].data or "").strip()
            if subject and body:
                given[language] = (subject, body)
        return given

    def language_fields(self):
        """(language, subject field, body field) of the languages other than English."""
        return [
            (language, self[f"subject_{language}"], self[f"body_{language}"])
            for language in OTHER_LANGUAGES
        ]
