"""Filters of the audit log; forms of named groups."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    action = StringField(_l("Action"), validators=[Optional(), Length(max=64)])
    who = StringField(_l("Email address"), validators=[Optional(), Length(max=254)])
    ip = StringField(_l("IP address"), validators=[Optional(), Length(max=45)])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])


class GroupForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Purpose"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Create group"))


class MemberForm(FlaskForm):
    email = StringField(
        _l("Email address of the account"), validators=[DataRequired(), Length(max=254)]
    )
    submit = SubmitField(_l("Add member"))
