"""Forms of sign-in, second factor, access requests and passwords."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from portal.auth.passwords import MAX_LENGTH, password_problem
from portal.core.bounds import database_id


class SignInForm(FlaskForm):
    email = StringField(_l("Email address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])
    submit = SubmitField(_l("Sign in"))


class SecondFactorForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[DataRequired(), Length(max=32)],
    )
    submit = SubmitField(_l("Continue"))


class SecondFactorSetupForm(FlaskForm):
    code = StringField(
        _l("Six-digit code shown by the app"), validators=[DataRequired(), Length(max=16)]
    )
    submit = SubmitField(_l("Turn on the second factor"))


class RequestAccessForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = StringField(
        _l("Official email address"), validators=[DataRequired(), Length(max=254), Email()]
    )
    delegation = SelectField(_l("Delegation"), coerce=database_id, validators=[DataRequired()])
    function = StringField(
        _l("Function in your delegation"), validators=[DataRequired(), Length(max=200)]
    )
    reason = TextAreaField(
        _l("Why do you need access?"), validators=[DataRequired(), Length(max=2000)]
    )
    submit = SubmitField(_l("Request access"))


class NewPasswordForm(FlaskForm):
    """A new password, checked for length and guessability against the person's details."""

    password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Save password"))

    def __init__(self, *args, user_inputs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user_inputs = user_inputs

    def validate_password(self, field):
        problem = password_problem(field.data or "", self.user_inputs)
        if problem:
            raise ValidationError(problem)


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])


class ResetRequestForm(FlaskForm):
    email = StringField(_l("Email address"), validators=[DataRequired(), Length(max=254), Email()])
    submit = SubmitField(_l("Send me a link"))


class ConfirmForm(FlaskForm):
    """A button only: links in emails are confirmed by a POST, not by mail scanners' GETs."""

    submit = SubmitField(_l("Confirm"))


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language of pages and emails"))
    submit = SubmitField(_l("Save"))
