"""Forms of the diversion information exchange channels."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.channels.models import ChannelKind
from portal.core.bounds import database_id
from portal.core.submissions import SentOnce

MARKDOWN_HINT = _l("Markdown: **bold**, *italic*, lists with “-”, links as [text](https://…).")

PRESENCE_CHOICES = [
    SelectChoice(
        "no",
        _l(
            "Not admitted: the Secretariat sees only that the channel exists, its "
            "member delegations and its activity dates"
        ),
    ),
    SelectChoice("yes", _l("Admitted: the Secretariat reads the channel's content")),
]


class ProposeForm(FlaskForm):
    kind = SelectField(
        _l("Kind of channel"),
        choices=[SelectChoice(kind.value, kind.label) for kind in ChannelKind],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    purpose = TextAreaField(_l("Purpose"), validators=[Optional(), Length(max=5000)])
    #: Choices are every delegation (set by the view); the service refuses the ones that are
    #: not States Parties or signatories with a message that names them.
    invited = SelectMultipleField(
        _l("Invite delegations"), coerce=database_id, validate_choice=False
    )
    secretariat = RadioField(
        _l("Secretariat presence"),
        choices=PRESENCE_CHOICES,
        default="no",
        validators=[InputRequired()],
    )
    submit = SubmitField(_l("Propose the channel"))


class InviteForm(FlaskForm):
    #: Choices are the States Parties and signatories not yet invited (set by the view); the
    #: service refuses any other delegation with a message that names it.
    invited = SelectMultipleField(
        _l("Invite delegations"), coerce=database_id, validate_choice=False
    )
    submit = SubmitField(_l("Send the invitations"))


class DesignateForm(FlaskForm):
    #: Choices are the point of contact's own delegation (set by the view); another
    #: delegation's user is refused by the service with a clear message.
    user = SelectField(_l("Designate a participant"), coerce=database_id, validate_choice=False)
    submit = SubmitField(_l("Designate"))


class ThreadForm(SentOnce, FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    body = TextAreaField(_l("Message"), validators=[DataRequired()])
    attachments = MultipleFileField(_l("Attach files"))
    submit = SubmitField(_l("Start thread"))


class MessageForm(SentOnce, FlaskForm):
    body = TextAreaField(_l("Your message"), validators=[DataRequired()])
    attachments = MultipleFileField(_l("Attach files"))
    submit = SubmitField(_l("Send"))


class PresenceForm(FlaskForm):
    admitted = RadioField(
        _l("Ask to change the Secretariat's presence to"),
        choices=PRESENCE_CHOICES,
        validators=[InputRequired()],
    )
    submit = SubmitField(_l("Ask the member delegations"))
