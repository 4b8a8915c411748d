"""Forms for deciding access requests and managing accounts."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.accounts.models import Role
from portal.core.bounds import database_id


def role_choices():
    return [SelectChoice(role.value, role.label) for role in Role]


class DecisionForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[SelectChoice("approve", _l("Approve")), SelectChoice("reject", _l("Reject"))],
        validators=[DataRequired(message=_l("Choose whether to approve or reject."))],
    )
    role = SelectField(_l("Role of the new account"), choices=role_choices)
    reason = TextAreaField(
        _l("Reason (sent to the person when the request is rejected)"),
        validators=[Length(max=2000)],
    )
    submit = SubmitField(_l("Record decision"))

    def validate_reason(self, field):
        if self.decision.data == "reject" and not (field.data or "").strip():
            raise ValidationError(_l("Give the reason for the rejection; the person will read it."))


class SuspendForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for the suspension"), validators=[DataRequired(), Length(max=2000)]
    )
    submit = SubmitField(_l("Suspend account"))


class ActionForm(FlaskForm):
    """A single button that changes something (reactivate, resend, reset second factor)."""

    submit = SubmitField(_l("Confirm"))


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=role_choices)
    submit = SubmitField(_l("Change role"))


class DelegationForm(FlaskForm):
    delegation = SelectField(_l("Delegation"), coerce=database_id)
    submit = SubmitField(_l("Move to this delegation"))


class UserFilterForm(FlaskForm):
    """The filters above the list of accounts (read from the query string)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or email"), validators=[Optional(), Length(max=200)])
    status = SelectField(_l("Status"), validators=[Optional()])
    role = SelectField(_l("Role"), validators=[Optional()])
    delegation = SelectField(_l("Delegation"), validators=[Optional()])


class RequestFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validators=[Optional()])
    delegation = SelectField(_l("Delegation"), validators=[Optional()])
