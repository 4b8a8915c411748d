"""Pages of the document library: browsing by working group, agenda item, CSP cycle and type; a
document's page; uploading and editing documents; new language versions and revisions;
downloads.

Every page loads what it shows through the access policy: lists are filtered with `visible()`,
single items answer 404 when they are not visible, and actions `require()` their rule. Writes go
through portal.library.services; a refused change shows its form again with status 400 and the
service's message at the field it names, and nothing is written.
"""

from itertools import groupby

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from portal.access import LEVEL_LABELS, AccessLevel, can, require, visible
from portal.accounts.models import Delegation, Group
from portal.core import bounds, submissions
from portal.core.files import send_stored
from portal.core.i18n import language_label
from portal.extensions import db
from portal.forum.models import Post, Thread, Topic, WorkingGroup
from portal.library import extraction, reference, services
from portal.library.forms import DocumentForm, UploadForm, VersionForm
from portal.library.models import (
    LANGUAGES,
    Document,
    DocumentFile,
    DocumentReference,
    DocumentType,
    TextStatus,
)

bp = Blueprint("library", __name__)

DOCUMENTS_PER_PAGE = 20


def cycle_label(number):
    """A cycle as people name it: "CSP12 (2026, Geneva)", or "CSP12" for an unknown number."""
    found = reference.cycle(number)
    if found is None:
        return _("CSP%(number)d", number=number)
    return _(
        "CSP%(number)d (%(year)d, %(venue)s)",
        number=found.number,
        year=found.year,
        venue=found.venue,
    )


def level_label(document):
    if document.access_level == AccessLevel.GROUP.value:
        return _("Members of %(group)s", group=document.group.name)
    return LEVEL_LABELS[document.access_level]


def text_note(document_file):
    """What a reader should know about the text of a file for search, or None when it was read."""
    status = document_file.text_status_enum
    if status is TextStatus.OK:
        return None
    if status is TextStatus.PENDING:
        return _("Text being read for search")
    return extraction.reason(document_file.text_status)


@bp.context_processor
def library_context():
    return {
        "cycle_label": cycle_label,
        "level_label": level_label,
        "text_note": text_note,
    }


def me():
    return current_user._get_current_object()


def load_visible(model, condition, *options):
    """The one item matching `condition` if the current user may read it, else 404."""
    item = db.session.scalar(
        visible(select(model).where(condition), model, current_user).options(*options)
    )
    if item is None:
        abort(404)
    return item


def load_document(document_id):
    return load_visible(
        Document,
        Document.id == document_id,
        joinedload(Document.delegation),
        joinedload(Document.working_group),
        joinedload(Document.topic),
        selectinload(Document.files),
    )


NEWEST_FIRST = (Document.published_on.desc(), Document.id.desc())


def documents(*conditions, order_by=NEWEST_FIRST):
    """The visible documents matching `conditions`, with what a list shows of them."""
    return (
        visible(select(Document), Document, current_user)
        .where(*conditions)
        .options(
            joinedload(Document.delegation),
            joinedload(Document.working_group),
            selectinload(Document.files),
        )
        .order_by(*order_by)
    )


def paginate(query):
    return bounds.paginate(query, DOCUMENTS_PER_PAGE)


def counts_by(column, *conditions):
    """How many visible documents there are for each value of `column`."""
    return dict(
        db.session.execute(
            visible(select(column, func.count(Document.id)), Document, current_user)
            .where(*conditions)
            .group_by(column)
        ).all()
    )


def visible_spaces():
    return db.session.scalars(
        visible(select(WorkingGroup), WorkingGroup, current_user).order_by(
            WorkingGroup.position, WorkingGroup.id
        )
    ).all()


def space_ids(space):
    """The working group and its sub-workstreams: a working group's documents include theirs."""
    children = db.session.scalars(select(WorkingGroup.id).where(WorkingGroup.parent_id == space.id))
    return [space.id, *children]


# Browsing -----------------------------------------------------------------------------------


@bp.route("/")
def index():
    by_cycle = counts_by(Document.cycle)
    by_type = counts_by(Document.doc_type)
    waiting = 0
    if can(current_user, "document_symbol_review"):
        waiting = db.session.scalar(
            select(func.count()).select_from(services.waiting_symbols(current_user).subquery())
        )
    return render_template(
        "library/library_home.html",
        page=paginate(documents()),
        spaces=space_tree(),
        cycles=[(c, by_cycle[c.number]) for c in reference.cycles() if c.number in by_cycle],
        types=[(kind, by_type[kind.value]) for kind in DocumentType if kind.value in by_type],
        waiting_symbols=waiting,
    )


@bp.route("/symbols")
def symbols():
    """For the Secretariat: the documents whose symbol another document already has, which
    their uploader could not see (see services.assign_symbol), to be given a symbol of their
    own or to take it over."""
    require("document_symbol_review")
    return render_template(
        "library/symbol_list.html", waiting=services.symbols_to_confirm(current_user)
    )


def space_tree():
    """The visible working groups that hold visible documents, each with how many (its
    sub-workstreams' included, as its page lists them) and its sub-workstreams that hold some:
    [(space, count, [(child, count)])]."""
    own = counts_by(Document.working_group_id)
    parents = dict(db.session.execute(select(WorkingGroup.id, WorkingGroup.parent_id)).all())
    total = {space_id: own.get(space_id, 0) for space_id in parents}
    for space_id, parent_id in parents.items():
        if parent_id is not None:
            total[parent_id] += own.get(space_id, 0)
    spaces = visible_spaces()
    shown = {space.id for space in spaces}
    return [
        (
            space,
            total[space.id],
            [
                (child, total[child.id])
                for child in spaces
                if child.parent_id == space.id and total[child.id]
            ],
        )
        for space in spaces
        if space.parent_id not in shown and total[space.id]
    ]


@bp.route("/wg/<code>")
def working_group(code):
    space = load_visible(WorkingGroup, WorkingGroup.code == code)
    ids = space_ids(space)
    in_space = Document.working_group_id.in_(ids)
    by_cycle = counts_by(Document.cycle, in_space)
    chosen = bounds.query_int("cycle")
    conditions = [in_space] if chosen is None else [in_space, Document.cycle == chosen]
    topics = db.session.execute(
        visible(
            visible(
                select(Topic, func.count(Document.id))
                .join(Document, Document.topic_id == Topic.id)
                .where(Topic.working_group_id.in_(ids))
                .group_by(Topic.id),
                Topic,
                current_user,
            ),
            Document,
            current_user,
        ).order_by(Topic.cycle.desc().nulls_last(), Topic.title)
    ).all()
    children = [child for child in visible_spaces() if child.parent_id == space.id]
    return render_template(
        "library/working_group_detail.html",
        space=space,
        children=children,
        page=paginate(documents(*conditions)),
        cycles=sorted(
            ((number, count) for number, count in by_cycle.items() if number is not None),
            reverse=True,
        ),
        chosen=chosen,
        topics=topics,
    )


@bp.route("/topic/<int:topic_id>")
def topic(topic_id):
    topic = load_visible(Topic, Topic.id == topic_id, joinedload(Topic.working_group))
    page = paginate(documents(Document.topic_id == topic.id))
    return render_template("library/topic_detail.html", topic=topic, page=page)


@bp.route("/cycle/<int:number>")
def cycle(number):
    found = reference.cycle(number)
    if found is None:
        abort(404)
    # Grouped by working group, in the order the forum lists them; documents without one last.
    query = documents(
        Document.cycle == number,
        order_by=(
            WorkingGroup.id.is_(None),
            WorkingGroup.position,
            WorkingGroup.id,
            *NEWEST_FIRST,
        ),
    ).outerjoin(WorkingGroup, WorkingGroup.id == Document.working_group_id)
    page = paginate(query)
    groups = [
        (space, list(items))
        for space, items in groupby(page.items, key=lambda document: document.working_group)
    ]
    return render_template("library/cycle_detail.html", cycle=found, page=page, groups=groups)


@bp.route("/type/<doc_type>")
def document_type(doc_type):
    try:
        kind = DocumentType(doc_type)
    except ValueError:
        abort(404)
    page = paginate(documents(Document.doc_type == kind.value))
    return render_template("library/type_detail.html", kind=kind, page=page)


# A document ---------------------------------------------------------------------------------


@bp.route("/documents/<int:document_id>")
def document_detail(document_id):
    document = load_document(document_id)
    current = document.current_files
    older = {}
    for document_file in document.files:
        if document_file not in current:
            older.setdefault(document_file.language, []).append(document_file)
    return render_template(
        "library/document_detail.html",
        document=document,
        current=current,
        older=[(language, older[language]) for language in LANGUAGES if language in older],
        cycle=reference.cycle(document.cycle) if document.cycle else None,
        threads=citing_threads(document),
    )


def citing_threads(document):
    """The threads the current user reads in which a post they read cites `document`."""
    citing = visible(
        select(Post.thread_id)
        .join(DocumentReference, DocumentReference.post_id == Post.id)
        .where(
            DocumentReference.document_id == document.id,
            Post.withdrawn_at.is_(None),
            Post.hidden_at.is_(None),
        ),
        Post,
        current_user,
    )
    return db.session.scalars(
        visible(select(Thread).where(Thread.id.in_(citing)), Thread, current_user)
        .options(joinedload(Thread.topic).joinedload(Topic.working_group))
        .order_by(Thread.last_post_at.desc())
    ).all()


@bp.route("/files/<int:file_id>")
def document_download(file_id):
    """Any revision of any language version, for whoever may read the document."""
    document_file = load_visible(
        DocumentFile, DocumentFile.id == file_id, joinedload(DocumentFile.document)
    )
    require("document_download", document_file, hide=True)
    services.record_download(document_file, me())
    db.session.commit()
    return send_stored(document_file.sha256, document_file.name, document_file.mime_type)


# Writing ------------------------------------------------------------------------------------


def fill_choices(form, document=None):
    """The options the current user may choose; the Secretariat alone chooses the author
    delegation and restricts a document to a group, so the others' forms lack those fields.

    An edited document's own values stay among the options even where the editor could not
    choose them, so that saving without touching a field never changes it silently (the first
    option would be taken instead); the services then say what the editor may not keep.
    """
    anyone = can(current_user, "document_publish_any")
    none = SelectChoice("", _l("None"))
    form.doc_type.choices = [
        SelectChoice(kind.value, kind.label)
        for kind in DocumentType
        if anyone or kind.is_national or (document and kind.value == document.doc_type)
    ]
    spaces = visible_spaces()
    topics = db.session.scalars(
        visible(select(Topic), Topic, current_user)
        .join(WorkingGroup, WorkingGroup.id == Topic.working_group_id)
        .options(joinedload(Topic.working_group))
        .order_by(WorkingGroup.position, WorkingGroup.id, Topic.title)
    ).all()
    if document is not None:
        # The document's page shows its place to whoever reads it, so the form may too.
        if document.working_group is not None and document.working_group not in spaces:
            spaces.append(document.working_group)
        if document.topic is not None and document.topic not in topics:
            topics.append(document.topic)
    form.working_group.choices = [none] + [
        SelectChoice(str(space.id), space.display_name) for space in spaces
    ]
    form.topic.choices = [none] + [
        SelectChoice(str(topic.id), topic.title, optgroup=topic.working_group.display_name)
        for topic in topics
    ]
    form.cycle.choices = [none] + [
        SelectChoice(str(cycle.number), cycle_label(cycle.number)) for cycle in reference.cycles()
    ]
    form.level.choices = [
        SelectChoice(level.value, LEVEL_LABELS[level.value])
        for level in AccessLevel
        if anyone
        or level is not AccessLevel.GROUP
        or (document and level.value == document.access_level)
    ]
    if anyone:
        delegations = sorted(
            db.session.scalars(select(Delegation)), key=lambda d: d.display_name.casefold()
        )
        form.delegation.choices = [SelectChoice(str(d.id), d.display_name) for d in delegations]
        groups = db.session.scalars(select(Group).order_by(Group.name))
        form.group.choices = [SelectChoice("", _l("No group"))] + [
            SelectChoice(str(group.id), group.name) for group in groups
        ]
    else:
        del form.delegation
        del form.group
    return form


def metadata_of(form):
    """The form's values as services.apply_metadata reads them."""
    delegation = None
    if "delegation" in form and form.delegation.data is not None:
        delegation = db.session.get(Delegation, form.delegation.data)
    return {
        "title": form.title.data,
        "symbol": form.symbol.data,
        "doc_type": form.doc_type.data,
        "working_group_id": form.working_group.data,
        "topic_id": form.topic.data,
        "cycle": form.cycle.data,
        "meeting": form.meeting.data,
        "delegation": delegation,
        "published_on": form.published_on.data,
        "distributed_on": form.distributed_on.data,
        "keywords": form.keywords.data,
        "summary": form.summary.data,
        "level": form.level.data,
        "group_id": form.group.data if "group" in form else None,
    }


def values_of(document):
    """A document's metadata as the form shows it."""
    return {
        "title": document.title,
        "symbol": document.symbol or "",
        "doc_type": document.doc_type,
        "working_group": document.working_group_id,
        "topic": document.topic_id,
        "cycle": document.cycle,
        "meeting": document.meeting,
        "delegation": document.delegation_id,
        "published_on": document.published_on,
        "distributed_on": document.distributed_on,
        "keywords": ", ".join(document.keywords),
        "summary": document.summary,
        "level": document.access_level,
        "group": document.group_id,
    }


def show_error(form, error):
    """Put a refusal of the services at the field it names. Returns the message when it belongs
    at the top of the form instead (it names no field, or one this form does not have)."""
    name = error.field
    if name and name.startswith("file_") and name not in form and "file" in form:
        # The services name a refused file by its language; the version form has one input.
        name = "file"
    if name and name in form:
        form[name].errors.append(error.message)
        return None
    return error.message


@bp.route("/upload", methods=["GET", "POST"])
def document_upload():
    require("document_upload")
    if resent := submissions.claim():
        return resent
    form = fill_choices(
        UploadForm(
            data=None
            if request.method == "POST"
            else {"level": AccessLevel.USERS.value, "delegation": current_user.delegation_id}
        )
    )
    return save_document_form(
        form,
        None,
        lambda: services.create_document(me(), metadata_of(form), form.uploads(), form.note.data),
        _l("The document is published."),
    )


@bp.route("/documents/<int:document_id>/edit", methods=["GET", "POST"])
def document_edit(document_id):
    document = load_document(document_id)
    require("document_edit", document)
    form = fill_choices(
        DocumentForm(data=None if request.method == "POST" else values_of(document)), document
    )
    return save_document_form(
        form,
        document,
        lambda: services.edit_document(document, me(), metadata_of(form)),
        _l("The document is updated."),
    )


def save_document_form(form, document, save, message):
    """Save a valid metadata form with `save()` (which returns the document), commit and go to
    the document; else show the form again, with status 400 and the refusal at its field."""
    problem = None
    if form.validate_on_submit():
        try:
            saved = save()
        except services.DocumentError as error:
            db.session.rollback()
            problem = show_error(form, error)
        else:
            try:
                response = submissions.finish(
                    url_for("library.document_detail", document_id=saved.id)
                )
            except IntegrityError:
                # Another request took the same symbol between the check and this commit. Sent
                # again, the form is checked against it like any document.
                db.session.rollback()
                problem = _l(
                    "Another change was saved at the same moment, so this one was not. "
                    "Send the form again."
                )
            else:
                flash(message, "success")
                return response
    status = 400 if form.errors or problem else 200
    return render_template(
        "library/document_form.html", form=form, document=document, problem=problem
    ), status


@bp.route("/documents/<int:document_id>/versions", methods=["GET", "POST"])
def version_add(document_id):
    document = load_document(document_id)
    require("document_edit", document)
    if resent := submissions.claim():
        return resent
    reader_language = str(get_locale() or "en")
    form = VersionForm(language=reader_language if reader_language in LANGUAGES else "en")
    problem = None
    if form.validate_on_submit():
        try:
            document_file = services.add_version(
                document, me(), form.language.data, form.file.data, form.note.data
            )
        except services.DocumentError as error:
            db.session.rollback()
            problem = show_error(form, error)
        else:
            language, revision = language_label(document_file.language), document_file.revision
            if revision == 1:
                flash(_l("%(language)s: version added.", language=language), "success")
            else:
                flash(
                    _l(
                        "%(language)s: revision %(revision)d added; the earlier ones stay listed.",
                        language=language,
                        revision=revision,
                    ),
                    "success",
                )
            return submissions.finish(url_for("library.document_detail", document_id=document.id))
    status = 400 if form.errors or problem else 200
    return render_template(
        "library/version_form.html", form=form, document=document, problem=problem
    ), status
