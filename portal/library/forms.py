"""Forms of the library: a document's metadata, its first upload, and a further language version
or revision.

The forms only parse what the browser sends (dates, ids, files). What the values must satisfy is
checked once, by portal.library.services, which names the field it refuses; the views choose the
options a person may pick (visible working groups and agenda items, the types and access levels
their delegation may publish) and put the services' messages at the field concerned.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional

from portal.core.bounds import database_id
from portal.core.i18n import language_label
from portal.core.submissions import SentOnce
from portal.library.models import LANGUAGES


def optional_id(value):
    """The id chosen in a select, or None for its empty option.

    Raises ValueError for anything but an id, which the field reports as an invalid choice.
    """
    if value is None or value == "":
        return None
    return database_id(value)


def language_choices():
    return [SelectChoice(code, language_label(code)) for code in LANGUAGES]


def id_select(label, **options):
    """A select of rows by id, whose empty option means none."""
    return SelectField(label, coerce=optional_id, validators=[Optional()], **options)


class DocumentForm(FlaskForm):
    """A document's metadata; the view fills the choices and removes what the person may not
    set (the author delegation and the group are the Secretariat's to choose)."""

    title = StringField(_l("Title"), validators=[DataRequired()])
    symbol = StringField(_l("Symbol"))
    # The services refuse an unknown type, or a type the person's delegation may not publish,
    # with a message that says why; a choice check here would only say "not a valid choice".
    doc_type = SelectField(_l("Type of document"), validate_choice=False)
    working_group = id_select(_l("Working group"))
    topic = id_select(_l("Agenda item"))
    cycle = id_select(_l("CSP cycle"), validate_choice=False)
    meeting = StringField(_l("Meeting"))
    delegation = id_select(_l("Author delegation"))
    published_on = DateField(_l("Date of the document"), validators=[Optional()])
    distributed_on = DateField(_l("Distribution date"), validators=[Optional()])
    keywords = StringField(_l("Keywords"))
    summary = TextAreaField(_l("Summary"))
    level = SelectField(_l("Who may read it"), validate_choice=False)
    group = id_select(_l("Group whose members may read it"), validate_choice=False)
    submit = SubmitField(_l("Save document"))


class UploadForm(SentOnce, DocumentForm):
    """A new document: its metadata, a file for each language it exists in, and a note."""

    # One input per language of the Conference, named `file_<language>` as the services name
    # the field of a refused file; labelled with the language's name when the form is made.
    file_ar = FileField()
    file_zh = FileField()
    file_en = FileField()
    file_fr = FileField()
    file_ru = FileField()
    file_es = FileField()
    note = StringField(_l("Note on this version"))
    submit = SubmitField(_l("Publish document"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.file_fields:
            field.label.text = language_label(field.name.removeprefix("file_"))

    @property
    def file_fields(self):
        """The file inputs in the order of LANGUAGES."""
        return [self[f"file_{code}"] for code in LANGUAGES]

    def uploads(self):
        """{language: FileStorage or None}, as the services take them."""
        return {field.name.removeprefix("file_"): field.data for field in self.file_fields}


class VersionForm(SentOnce, FlaskForm):
    """A file for one language: its first version, or the next revision of it."""

    language = SelectField(_l("Language"), validate_choice=False)
    file = FileField(_l("File"))
    note = StringField(_l("What changed"))
    submit = SubmitField(_l("Upload"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices()
