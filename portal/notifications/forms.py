"""Forms of the notifications: preferences, the subscriptions table, following and saved
searches."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Form,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from portal.notifications.models import Delivery, Level

#: Each row of the subscriptions table sends its fields under this prefix and its id.
ROW_PREFIX = "subscription-{}-"


def delivery_choices(default_label=None):
    """The deliveries to choose from; with `default_label`, first an empty choice that stands
    for the person's default delivery."""
    choices = [SelectChoice(delivery.value, delivery.label) for delivery in Delivery]
    return ([SelectChoice("", default_label)] if default_label else []) + choices


def level_choices():
    return [SelectChoice(level.value, level.label) for level in Level]


class SettingsForm(FlaskForm):
    default_delivery = SelectField(
        _l("How you hear of what you follow, unless you choose otherwise below"),
        choices=delivery_choices(),
    )
    is_watching_on_post = BooleanField(_l("Follow the threads I post in"))
    submit = SubmitField(_l("Save preferences"))


class SavedSearchRow(Form):
    """One saved search of the table: only how its matches are delivered can change."""

    delivery = SelectField(
        _l("Delivery"), choices=delivery_choices(_l("As my default")), validators=[Optional()]
    )


class SubscriptionRow(SavedSearchRow):
    """One followed working group, topic, thread or document type of the table."""

    level = SelectField(_l("Level"), choices=level_choices())


class SubscribeForm(FlaskForm):
    """Follow one target. The values are checked by the view (does the target exist, may the
    person see it) and by `services.subscribe` (level, delivery, document type)."""

    target_type = HiddenField()
    target_id = HiddenField(default="0")
    target_code = HiddenField(default="")
    level = SelectField(_l("Level"), choices=level_choices(), validate_choice=False)
    delivery = SelectField(
        _l("Delivery"), choices=delivery_choices(_l("As my default")), validate_choice=False
    )
    next = HiddenField()
    submit = SubmitField(_l("Follow"))


class SavedSearchForm(FlaskForm):
    name = StringField(_l("Name of the saved search"), validators=[Optional(), Length(max=200)])
    q = HiddenField()
    delivery = SelectField(
        _l("Delivery"), choices=delivery_choices(_l("As my default")), validate_choice=False
    )
    submit = SubmitField(_l("Save this search"))
