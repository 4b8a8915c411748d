"""Forms of the forum: topics, threads, posts, moderation and flags."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.core.bounds import database_id
from portal.core.submissions import SentOnce
from portal.forum.models import ThreadKind

MARKDOWN_HINT = _l(
    "Markdown: **bold**, *italic*, lists with “-”, links as [text](https://…). "
    "Mention someone with @ and their email address."
)


def question_choices(topic):
    return [SelectChoice("", _l("None"))] + [
        SelectChoice(str(q.id), f"{number}. {q.text}")
        for number, q in enumerate(topic.questions, start=1)
    ]


class PostForm(SentOnce, FlaskForm):
    body = TextAreaField(_l("Your message"), validators=[DataRequired()])
    question = SelectField(_l("Answers the guiding question"), validators=[Optional()])
    quoted_post = HiddenField()
    attachments = MultipleFileField(_l("Attach files"))
    submit = SubmitField(_l("Post reply"))


class ReplyForm(PostForm):
    """A reply, which may also be previewed or kept as a draft instead of being posted."""

    preview = SubmitField(_l("Preview"))
    save_draft = SubmitField(_l("Save as draft"))


class ThreadForm(PostForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    kind = SelectField(
        _l("Kind of thread"), choices=[SelectChoice(kind.value, kind.label) for kind in ThreadKind]
    )
    submit = SubmitField(_l("Start thread"))


class EditPostForm(FlaskForm):
    body = TextAreaField(_l("Your message"), validators=[DataRequired()])
    submit = SubmitField(_l("Save changes"))


class TopicForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])
    cycle = IntegerField(
        _l("CSP cycle (number of the Conference)"),
        validators=[Optional(), NumberRange(min=1, max=99)],
    )
    questions = TextAreaField(
        _l("Guiding questions, one per line"), validators=[Optional(), Length(max=10000)]
    )
    submit = SubmitField(_l("Save topic"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Confirm"))


class MoveForm(FlaskForm):
    topic = SelectField(_l("Move to topic"), coerce=database_id)
    submit = SubmitField(_l("Move thread"))


class AccessForm(FlaskForm):
    level = SelectField(_l("Who may read it"))
    group = SelectField(_l("Group (for a closed space)"), validators=[Optional()])
    submit = SubmitField(_l("Save access"))


class ModeratorForm(FlaskForm):
    email = StringField(
        _l("Email address of the chair or facilitator"),
        validators=[DataRequired(), Length(max=254)],
    )
    submit = SubmitField(_l("Add moderator"))
