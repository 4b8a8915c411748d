"""The form that makes a personal access token."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from portal.api.services import LIFETIMES, NAME_MAX
from portal.core.bounds import database_id


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=NAME_MAX)])
    scope = RadioField(
        _l("What it may do"),
        choices=[
            SelectChoice("read", _l("Read only")),
            SelectChoice(
                "write", _l("Read and write (reply, start threads, mark notifications read)")
            ),
        ],
        default="read",
    )
    days = SelectField(
        _l("Works for"),
        choices=[SelectChoice(days, _l("%(count)d days", count=days)) for days in LIFETIMES],
        coerce=database_id,
        default=90,
    )
