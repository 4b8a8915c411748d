"""Pages of meetings: the calendar, a meeting's page with its rolling agenda, the Secretariat's
forms, speakers lists, registration and connection details, calendar feeds and the draft
report.

Every page loads the meeting through the access policy (`visible()`; a meeting the person may
not read answers 404, so a DIEF session does not exist for an observer) and every action
`require()`s its rule. Writes go through portal.meetings.services; a refused change shows the
page again with status 400 and the service's message, and nothing is written.

Times are shown in the venue's time zone and in the reader's. Accounts have no time zone
setting yet, so the reader's zone is the portal's default (UTC), and the pages say so.
"""

import csv
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from portal.access import LEVEL_LABELS, AccessLevel, can, principals, public, require, visible
from portal.accounts.models import Delegation, Group, User, UserStatus
from portal.admin.views import csv_cell
from portal.core.bounds import paginate, query_int
from portal.core.mail import external_url
from portal.core.models import now_utc
from portal.core.views import refused, show_error
from portal.extensions import csrf, db
from portal.forum.models import Topic, WorkingGroup
from portal.library import reference
from portal.library.models import LANGUAGES, Document
from portal.meetings import calendar, services
from portal.meetings.forms import (
    AgendaItemForm,
    CommentForm,
    CurrentItemForm,
    InviteSpeakerForm,
    LinkDocumentForm,
    MeetingForm,
    ParagraphForm,
    RegistrationForm,
    ReportSettingsForm,
    SpeakerRequestForm,
    StatusForm,
)
from portal.meetings.models import (
    LISTED,
    AgendaDocument,
    AgendaItem,
    Attendance,
    CalendarToken,
    CommentsVisibility,
    ConnectionView,
    Meeting,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    Registration,
    ReportComment,
    ReportParagraph,
    SpeakerRequest,
    SpeakerStatus,
    as_zone,
)

bp = Blueprint("meetings", __name__)

MEETINGS_PER_PAGE = 20
#: How often the page of a meeting in session reloads itself (the rolling agenda), in seconds.
REFRESH_SECONDS = 60
#: How far back a personal calendar feed reaches.
FEED_PAST = timedelta(days=400)
ENGLISH_MOMENT = "EEE d MMM y, HH:mm"


def me():
    return current_user._get_current_object()


def reader_zone():
    """The reader's time zone: their own setting when accounts have one, else the portal's
    default (UTC)."""
    return ZoneInfo(
        getattr(current_user, "time_zone", None) or current_app.config["BABEL_DEFAULT_TIMEZONE"]
    )


def moment_in(value, zone):
    """A stored moment as the clock of `zone` reads it, in the reader's language."""
    if value is None:
        return ""
    language = str(get_locale() or "en")
    local = as_zone(value, zone)
    if language == "en":
        return babel_dates.format_datetime(local, ENGLISH_MOMENT, tzinfo=zone, locale=language)
    # CLDR's medium style gives seconds, and numeric days in some languages: the day with its
    # weekday and the hours and minutes read better on an agenda.
    return _(
        "%(day)s, %(time)s",
        day=babel_dates.format_skeleton("yMMMEd", local, tzinfo=zone, locale=language),
        time=babel_dates.format_skeleton("Hm", local, tzinfo=zone, locale=language),
    )


@bp.context_processor
def meetings_context():
    return {
        "reader_zone": reader_zone(),
        "in_zone": moment_in,
        "cycle_label": cycle_label,
        "text_of": text_of,
        "level_label": lambda meeting: LEVEL_LABELS[meeting.access_level],
    }


def cycle_label(number):
    found = reference.cycle(number)
    if found is None:
        return _("CSP%(number)d", number=number)
    return _("CSP%(number)d (%(year)d, %(venue)s)", number=number, year=found.year,
             venue=found.venue)


def text_of(meeting, field):
    """(text, language) of a meeting's title or notices in the reader's language."""
    return meeting.text_in(field, str(get_locale() or "en"))


def load_meeting(meeting_id, *options):
    """The meeting if the current person may read it, else 404."""
    meeting = db.session.scalar(
        visible(select(Meeting).where(Meeting.id == meeting_id), Meeting, current_user).options(
            *options
        )
    )
    if meeting is None:
        abort(404)
    return meeting


def load_item(meeting, item_id):
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        abort(404)
    return item


# The calendar -----------------------------------------------------------------------------


@bp.route("/")
def index():
    require("meeting_list")
    past = request.args.get("when") == "past"
    now = now_utc()
    query = visible(select(Meeting), Meeting, current_user).options(
        joinedload(Meeting.working_group)
    )
    chosen = {
        "cycle": query_int("cycle"),
        "kind": request.args.get("kind") or None,
        "wg": query_int("wg"),
    }
    if chosen["cycle"]:
        query = query.where(Meeting.cycle == chosen["cycle"])
    if chosen["kind"] in {kind.value for kind in MeetingKind}:
        query = query.where(Meeting.kind == chosen["kind"])
    else:
        chosen["kind"] = None
    if chosen["wg"]:
        in_items = select(AgendaItem.meeting_id).where(
            AgendaItem.working_group_id == chosen["wg"]
        )
        query = query.where(
            (Meeting.working_group_id == chosen["wg"]) | Meeting.id.in_(in_items)
        )
    if past:
        query = query.where(Meeting.ends_at < now).order_by(Meeting.starts_at.desc())
    else:
        query = query.where(Meeting.ends_at >= now).order_by(Meeting.starts_at)
    page = paginate(query.order_by(Meeting.id), per_page=MEETINGS_PER_PAGE)
    spaces = db.session.scalars(
        visible(select(WorkingGroup), WorkingGroup, current_user).order_by(
            WorkingGroup.position, WorkingGroup.id
        )
    ).all()
    return render_template(
        "meetings/meeting_list.html",
        page=page,
        past=past,
        chosen=chosen,
        cycles=reference.cycles(),
        kinds=list(MeetingKind),
        spaces=spaces,
    )


# A meeting --------------------------------------------------------------------------------


def agenda_documents(meeting):
    """{item id: [(document, is late)]} of the documents the reader may read, one query."""
    rows = db.session.execute(
        visible(
            select(AgendaDocument.item_id, Document)
            .join(Document, Document.id == AgendaDocument.document_id)
            .join(AgendaItem, AgendaItem.id == AgendaDocument.item_id)
            .where(AgendaItem.meeting_id == meeting.id)
            .order_by(AgendaDocument.id),
            Document,
            current_user,
        )
    ).all()
    found = {}
    for item_id, document in rows:
        found.setdefault(item_id, []).append((document, services.is_late(document, meeting)))
    return found


def speakers_by_item(meeting, statuses):
    """{item id: [request]} for the live requests of `statuses`, in speaking order."""
    rows = db.session.scalars(
        select(SpeakerRequest)
        .where(SpeakerRequest.meeting_id == meeting.id, SpeakerRequest.status.in_(statuses))
        .options(joinedload(SpeakerRequest.delegation))
        .order_by(SpeakerRequest.item_id, SpeakerRequest.position, SpeakerRequest.id)
    ).all()
    found = {}
    for row in rows:
        found.setdefault(row.item_id, []).append(row)
    return found


def own_registration(meeting):
    return db.session.scalar(
        select(Registration).where(
            Registration.meeting_id == meeting.id, Registration.user_id == current_user.id
        )
    )


def delegation_registrations(meeting):
    """The registrations of the point of contact's delegation, which they approve."""
    if not current_user.is_point_of_contact or current_user.is_secretariat:
        return []
    return db.session.scalars(
        select(Registration)
        .where(
            Registration.meeting_id == meeting.id,
            Registration.delegation_id == current_user.delegation_id,
        )
        .options(joinedload(Registration.user))
        .order_by(Registration.created_at)
    ).all()


@bp.route("/<int:meeting_id>")
def meeting_detail(meeting_id):
    meeting = load_meeting(
        meeting_id,
        joinedload(Meeting.working_group),
        selectinload(Meeting.items).joinedload(AgendaItem.topic),
        selectinload(Meeting.items).joinedload(AgendaItem.working_group),
    )
    speakers = {}
    if can(current_user, "speakers_view", meeting) and meeting.is_speakers_published:
        speakers = speakers_by_item(meeting, LISTED)
    registration = own_registration(meeting)
    current_form = None
    if can(current_user, "meeting_run", meeting):
        current_form = CurrentItemForm(
            item=meeting.current_item.id if meeting.current_item else None
        )
        current_form.item.choices = [SelectChoice("", _l("None"))] + [
            SelectChoice(str(item.id), f"{item.position}. {item.title}") for item in meeting.items
        ]
    status_form = None
    if current_form is not None:
        status_form = StatusForm(status=meeting.status)
        status_form.status.choices = [SelectChoice(s.value, s.label) for s in MeetingStatus]
    registration_form = None
    if can(current_user, "registration_create", meeting):
        registration_form = RegistrationForm()
        registration_form.attendance.choices = attendance_choices(meeting)
    principals_held = principals(current_user)
    return render_template(
        "meetings/meeting_detail.html",
        meeting=meeting,
        documents=agenda_documents(meeting),
        speakers=speakers,
        registration=registration,
        registration_form=registration_form,
        delegation_registrations=delegation_registrations(meeting),
        current_form=current_form,
        status_form=status_form,
        refresh=REFRESH_SECONDS if meeting.is_in_session else None,
        readable_topic=lambda topic: topic is not None and topic.acl in principals_held,
        now=now_utc(),
    )


def attendance_choices(meeting):
    meeting_format = meeting.format_enum
    offered = []
    if meeting_format is not MeetingFormat.ONLINE:
        offered.append(Attendance.IN_PERSON)
    if meeting_format.is_remote:
        offered.append(Attendance.REMOTE)
    return [SelectChoice(choice.value, choice.label) for choice in offered]


@bp.route("/<int:meeting_id>/calendar.ics")
def meeting_ics(meeting_id):
    meeting = load_meeting(meeting_id, selectinload(Meeting.items))
    require("meeting_view", meeting)
    return ics_response(calendar.feed([meeting], meeting.title), f"meeting-{meeting.id}.ics")


def ics_response(body, name):
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# Planning: meetings and agenda items (the Secretariat) ------------------------------------


def fill_meeting_choices(form):
    form.kind.choices = [SelectChoice(kind.value, kind.label) for kind in MeetingKind]
    form.cycle.choices = [
        SelectChoice(str(found.number), cycle_label(found.number)) for found in reference.cycles()
    ]
    form.format.choices = [SelectChoice(f.value, f.label) for f in MeetingFormat]
    from portal.core.i18n import language_label

    form.languages.choices = [SelectChoice(code, language_label(code)) for code in LANGUAGES]
    none = SelectChoice("", _l("None"))
    form.working_group.choices = [none] + [
        SelectChoice(str(space.id), space.display_name)
        for space in db.session.scalars(
            visible(select(WorkingGroup), WorkingGroup, current_user).order_by(
                WorkingGroup.position, WorkingGroup.id
            )
        )
    ]
    form.level.choices = [SelectChoice(level.value, LEVEL_LABELS[level.value]) for level in
                          AccessLevel]
    form.group.choices = [SelectChoice("", _l("No group"))] + [
        SelectChoice(str(group.id), group.name)
        for group in db.session.scalars(select(Group).order_by(Group.name))
    ]
    form.chair.choices = [none] + [
        SelectChoice(str(user.id), f"{user.name} ({user.delegation.display_name})")
        for user in db.session.scalars(
            select(User)
            .where(User.status == UserStatus.ACTIVE.value)
            .options(joinedload(User.delegation))
            .order_by(User.name)
        )
    ]
    return form


def meeting_values(form):
    return {
        "title": form.title.data,
        "kind": form.kind.data,
        "cycle": form.cycle.data,
        "start_day": form.start_day.data,
        "start_time": form.start_time.data,
        "end_day": form.end_day.data,
        "end_time": form.end_time.data,
        "time_zone": form.time_zone.data,
        "venue": form.venue.data,
        "format": form.format.data,
        "languages": form.languages.data,
        "working_group_id": form.working_group.data,
        "level": form.level.data,
        "group_id": form.group.data,
        "chair_id": form.chair.data,
        "distribution_deadline": form.distribution_deadline.data,
        "speakers_due_on": form.speakers_due_on.data,
        "comments_close_on": form.comments_close_on.data,
        "connection_details": form.connection_details.data,
        "notices": form.notices.data,
        "translations": form.translations(),
    }


def form_values(meeting):
    start, end = meeting.local_start, meeting.local_end
    values = {
        "title": meeting.title,
        "kind": meeting.kind,
        "cycle": meeting.cycle,
        "start_day": start.date(),
        "start_time": start.time(),
        "end_day": end.date(),
        "end_time": end.time(),
        "time_zone": meeting.time_zone,
        "venue": meeting.venue,
        "format": meeting.format,
        "languages": meeting.languages,
        "working_group": meeting.working_group_id,
        "level": meeting.access_level,
        "group": meeting.group_id,
        "chair": meeting.chair_id,
        "distribution_deadline": meeting.distribution_deadline,
        "speakers_due_on": meeting.speakers_due_on,
        "comments_close_on": meeting.comments_close_on,
        "connection_details": meeting.connection_details,
        "notices": meeting.notices,
    }
    for language, fields in (meeting.translations or {}).items():
        values[f"title_{language}"] = fields.get("title", "")
        values[f"notices_{language}"] = fields.get("notices", "")
    return values


def save_form(form, template, save, message, endpoint_of, **context):
    """Save a valid form with `save()`, commit and go to `endpoint_of(saved)`; else show the
    form again with status 400 and the refusal at its field."""
    problem = None
    if form.validate_on_submit():
        try:
            saved = save()
        except services.MeetingError as error:
            db.session.rollback()
            problem = show_error(form, error)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(endpoint_of(saved))
    status = 400 if form.errors or problem else 200
    return render_template(template, form=form, problem=problem, **context), status


@bp.route("/new", methods=["GET", "POST"])
def meeting_create():
    require("meeting_create")
    form = fill_meeting_choices(
        MeetingForm(
            data=None
            if request.method == "POST"
            else {"level": AccessLevel.USERS.value, "time_zone": "Europe/Zurich",
                  "languages": list(LANGUAGES)}
        )
    )
    return save_form(
        form,
        "meetings/meeting_form.html",
        lambda: services.create_meeting(me(), meeting_values(form)),
        _l("The meeting is planned."),
        lambda saved: url_for("meetings.meeting_detail", meeting_id=saved.id),
        meeting=None,
    )


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
def meeting_edit(meeting_id):
    meeting = load_meeting(meeting_id)
    require("meeting_edit", meeting)
    form = fill_meeting_choices(
        MeetingForm(data=None if request.method == "POST" else form_values(meeting))
    )
    return save_form(
        form,
        "meetings/meeting_form.html",
        lambda: services.edit_meeting(meeting, me(), meeting_values(form)),
        _l("The meeting is updated."),
        lambda saved: url_for("meetings.meeting_detail", meeting_id=saved.id),
        meeting=meeting,
    )


@bp.route("/<int:meeting_id>/status", methods=["POST"])
def meeting_status(meeting_id):
    meeting = load_meeting(meeting_id)
    require("meeting_run", meeting)
    form = StatusForm()
    back = url_for("meetings.meeting_detail", meeting_id=meeting.id)
    if not form.validate_on_submit():
        abort(400)
    try:
        services.set_status(meeting, me(), form.status.data)
    except services.MeetingError as error:
        return refused(error, back)
    db.session.commit()
    flash(_l("The status of the meeting is changed."), "success")
    return redirect(back)


@bp.route("/<int:meeting_id>/current", methods=["POST"])
def current_item(meeting_id):
    meeting = load_meeting(meeting_id, selectinload(Meeting.items))
    require("meeting_run", meeting)
    form = CurrentItemForm()
    back = url_for("meetings.meeting_detail", meeting_id=meeting.id)
    if not form.validate_on_submit():
        flash(_l("Choose an agenda item of this meeting."), "error")
        return redirect(back)
    try:
        services.set_current_item(meeting, me(), form.item.data)
    except services.MeetingError as error:
        return refused(error, back)
    db.session.commit()
    flash(_l("The rolling agenda is updated."), "success")
    return redirect(back)


def fill_item_choices(form):
    none = SelectChoice("", _l("None"))
    form.topic.choices = [none] + [
        SelectChoice(str(topic.id), topic.title, optgroup=topic.working_group.display_name)
        for topic in db.session.scalars(
            visible(select(Topic), Topic, current_user)
            .join(WorkingGroup, WorkingGroup.id == Topic.working_group_id)
            .options(joinedload(Topic.working_group))
            .order_by(WorkingGroup.position, WorkingGroup.id, Topic.title)
        )
    ]
    form.working_group.choices = [none] + [
        SelectChoice(str(space.id), space.display_name)
        for space in db.session.scalars(
            visible(select(WorkingGroup), WorkingGroup, current_user).order_by(
                WorkingGroup.position, WorkingGroup.id
            )
        )
    ]
    return form


def item_values(form):
    return {
        "title": form.title.data,
        "topic_id": form.topic.data,
        "working_group_id": form.working_group.data,
        "chair_name": form.chair_name.data,
        "start_day": form.start_day.data,
        "start_time": form.start_time.data,
        "end_day": form.end_day.data,
        "end_time": form.end_time.data,
    }


def item_form_values(item):
    values = {
        "title": item.title,
        "topic": item.topic_id,
        "working_group": item.working_group_id,
        "chair_name": item.chair_name,
    }
    if item.starts_at is not None:
        zone = item.meeting.zone
        start, end = as_zone(item.starts_at, zone), as_zone(item.ends_at, zone)
        values.update(start_day=start.date(), start_time=start.time(), end_day=end.date(),
                      end_time=end.time())
    return values


def agenda_url(meeting):
    return url_for("meetings.meeting_detail", meeting_id=meeting.id, _anchor="agenda")


@bp.route("/<int:meeting_id>/items/new", methods=["GET", "POST"])
def item_create(meeting_id):
    meeting = load_meeting(meeting_id, selectinload(Meeting.items))
    require("agenda_edit", meeting)
    form = fill_item_choices(AgendaItemForm())
    return save_form(
        form,
        "meetings/agenda_item_form.html",
        lambda: services.add_item(meeting, me(), item_values(form)),
        _l("The item is added to the agenda."),
        lambda saved: agenda_url(meeting),
        meeting=meeting,
        item=None,
    )


@bp.route("/<int:meeting_id>/items/<int:item_id>/edit", methods=["GET", "POST"])
def item_edit(meeting_id, item_id):
    meeting = load_meeting(meeting_id)
    require("agenda_edit", meeting)
    item = load_item(meeting, item_id)
    form = fill_item_choices(
        AgendaItemForm(data=None if request.method == "POST" else item_form_values(item))
    )
    link_form = LinkDocumentForm()
    return save_form(
        form,
        "meetings/agenda_item_form.html",
        lambda: services.edit_item(item, me(), item_values(form)),
        _l("The agenda item is updated."),
        lambda saved: agenda_url(meeting),
        meeting=meeting,
        item=item,
        link_form=link_form,
        documents=agenda_documents(meeting).get(item.id, []),
    )


@bp.route("/<int:meeting_id>/items/<int:item_id>/move/<any(up, down):direction>",
          methods=["POST"])
def item_move(meeting_id, item_id, direction):
    meeting = load_meeting(meeting_id, selectinload(Meeting.items))
    require("agenda_edit", meeting)
    item = load_item(meeting, item_id)
    services.move_item(item, me(), 1 if direction == "down" else -1)
    db.session.commit()
    return redirect(agenda_url(meeting))


@bp.route("/<int:meeting_id>/items/<int:item_id>/delete", methods=["POST"])
def item_delete(meeting_id, item_id):
    meeting = load_meeting(meeting_id, selectinload(Meeting.items))
    require("agenda_edit", meeting)
    item = load_item(meeting, item_id)
    services.remove_item(item, me())
    db.session.commit()
    flash(_l("The item is taken off the agenda."), "success")
    return redirect(agenda_url(meeting))


@bp.route("/<int:meeting_id>/items/<int:item_id>/documents", methods=["POST"])
def document_link(meeting_id, item_id):
    meeting = load_meeting(meeting_id)
    require("agenda_edit", meeting)
    item = load_item(meeting, item_id)
    form = LinkDocumentForm()
    back = url_for("meetings.item_edit", meeting_id=meeting.id, item_id=item.id)
    if not form.validate_on_submit():
        abort(400)
    try:
        document = services.find_document(form.document.data)
        if not can(current_user, "document_view", document):
            raise services.MeetingError(_l("No document has this symbol or number."), "document")
        services.link_document(item, me(), document)
    except services.MeetingError as error:
        return refused(error, back)
    db.session.commit()
    flash(_l("The document is linked to the item."), "success")
    return redirect(back)


@bp.route("/<int:meeting_id>/items/<int:item_id>/documents/<int:link_id>/delete",
          methods=["POST"])
def document_unlink(meeting_id, item_id, link_id):
    meeting = load_meeting(meeting_id)
    require("agenda_edit", meeting)
    item = load_item(meeting, item_id)
    link = db.session.get(AgendaDocument, link_id)
    if link is None or link.item_id != item.id:
        abort(404)
    services.unlink_document(link, me())
    db.session.commit()
    flash(_l("The document is no longer linked to the item."), "success")
    return redirect(url_for("meetings.item_edit", meeting_id=meeting.id, item_id=item.id))


# Documents a month ahead (the Secretariat) ------------------------------------------------


@bp.route("/<int:meeting_id>/documents-due")
def documents_due(meeting_id):
    """The items still without documents, and the late ones, of one meeting."""
    meeting = load_meeting(meeting_id, selectinload(Meeting.items))
    require("distribution_view", meeting)
    documents = agenda_documents(meeting)
    return render_template(
        "meetings/documents_due.html",
        meeting=meeting,
        without=[item for item in meeting.items if not documents.get(item.id)],
        late=[
            (item, document)
            for item in meeting.items
            for document, is_late in documents.get(item.id, [])
            if is_late
        ],
        today=now_utc().date(),
    )


@bp.route("/distribution")
def distribution():
    """The share of agenda documents distributed on time, per CSP cycle."""
    require("distribution_view")
    figures = []
    for found in reference.cycles():
        on_time, late = services.distribution_figures(found.number)
        if on_time or late:
            figures.append((found, on_time, late, round(100 * on_time / (on_time + late))))
    return render_template("meetings/distribution.html", figures=figures)


# Speakers lists ---------------------------------------------------------------------------


def speakers_url(meeting):
    return url_for("meetings.speakers", meeting_id=meeting.id)


@bp.route("/<int:meeting_id>/speakers")
def speakers(meeting_id):
    """For the chair and the Secretariat, every live request to decide and order; for a
    delegation, its own requests and, once published, the lists."""
    meeting = load_meeting(meeting_id, selectinload(Meeting.items))
    require("meeting_view", meeting)
    manages = can(current_user, "speakers_manage", meeting)
    live = (SpeakerStatus.REQUESTED.value, *LISTED)
    shown = speakers_by_item(meeting, live if manages else LISTED) if (
        manages or meeting.is_speakers_published
    ) else {}
    own = db.session.scalars(
        select(SpeakerRequest)
        .where(
            SpeakerRequest.meeting_id == meeting.id,
            SpeakerRequest.delegation_id == current_user.delegation_id,
            SpeakerRequest.status != SpeakerStatus.WITHDRAWN.value,
        )
        .options(joinedload(SpeakerRequest.item))
        .order_by(SpeakerRequest.created_at)
    ).all()
    request_form = invite_form = None
    item_choices = [SelectChoice(str(i.id), f"{i.position}. {i.title}") for i in meeting.items]
    if can(current_user, "speaker_request", meeting):
        request_form = SpeakerRequestForm()
        request_form.item.choices = item_choices
    if manages:
        invite_form = InviteSpeakerForm()
        invite_form.item.choices = item_choices
        invite_form.delegation.choices = delegation_choices()
    return render_template(
        "meetings/speakers.html",
        meeting=meeting,
        manages=manages,
        shown=shown,
        own=own,
        request_form=request_form,
        invite_form=invite_form,
    )


def delegation_choices():
    delegations = db.session.scalars(
        select(Delegation).where(Delegation.kind != "secretariat")
    ).all()
    return [
        SelectChoice(str(d.id), d.display_name)
        for d in sorted(delegations, key=lambda d: d.display_name.casefold())
    ]


@bp.route("/<int:meeting_id>/speakers/request", methods=["POST"])
def speaker_request(meeting_id):
    meeting = load_meeting(meeting_id)
    if meeting.is_speakers_closed:
        return refused(
            services.MeetingError(_l("The speakers list is closed: no more requests.")),
            speakers_url(meeting),
        )
    require("speaker_request", meeting)
    form = SpeakerRequestForm()
    if not form.validate_on_submit():
        flash(_l("Choose an agenda item of this meeting."), "error")
        return redirect(speakers_url(meeting))
    try:
        services.request_to_speak(meeting, me(), form.item.data, form.subject.data)
    except services.MeetingError as error:
        return refused(error, speakers_url(meeting))
    db.session.commit()
    flash(_l("Your delegation's request to speak is sent to the chair."), "success")
    return redirect(speakers_url(meeting))


@bp.route("/<int:meeting_id>/speakers/invite", methods=["POST"])
def speaker_invite(meeting_id):
    meeting = load_meeting(meeting_id)
    require("speakers_manage", meeting)
    form = InviteSpeakerForm()
    if not form.validate_on_submit():
        abort(400)
    delegation = db.session.get(Delegation, form.delegation.data or 0)
    try:
        services.invite_speaker(meeting, me(), form.item.data, delegation, form.subject.data)
    except services.MeetingError as error:
        return refused(error, speakers_url(meeting))
    db.session.commit()
    flash(_l("The delegation is on the speakers list."), "success")
    return redirect(speakers_url(meeting))


def load_request(request_id):
    found = db.session.get(SpeakerRequest, request_id)
    if found is None or not can(current_user, "meeting_view", found.meeting):
        abort(404)
    if found.status == SpeakerStatus.WITHDRAWN.value:
        abort(404)
    return found


@bp.route("/speakers/<int:request_id>/accept", methods=["POST"])
def speaker_accept(request_id):
    found = load_request(request_id)
    require("speakers_manage", found.meeting)
    try:
        services.accept_speaker(found, me())
    except services.MeetingError as error:
        return refused(error, speakers_url(found.meeting))
    db.session.commit()
    return redirect(speakers_url(found.meeting))


@bp.route("/speakers/<int:request_id>/withdraw", methods=["POST"])
def speaker_withdraw(request_id):
    found = load_request(request_id)
    if not can(current_user, "speakers_manage", found.meeting):
        require("speaker_withdraw", found)
    services.withdraw_speaker(found, me())
    db.session.commit()
    flash(_l("The request to speak is withdrawn."), "success")
    return redirect(speakers_url(found.meeting))


@bp.route("/speakers/<int:request_id>/move/<any(up, down):direction>", methods=["POST"])
def speaker_move(request_id, direction):
    found = load_request(request_id)
    require("speakers_manage", found.meeting)
    services.move_speaker(found, me(), 1 if direction == "down" else -1)
    db.session.commit()
    return redirect(speakers_url(found.meeting))


@bp.route("/<int:meeting_id>/speakers/publish", methods=["POST"])
def speakers_publish(meeting_id):
    meeting = load_meeting(meeting_id)
    require("speakers_manage", meeting)
    try:
        services.publish_speakers(meeting, me())
    except services.MeetingError as error:
        return refused(error, speakers_url(meeting))
    db.session.commit()
    flash(_l("The speakers list is published."), "success")
    return redirect(speakers_url(meeting))


@bp.route("/<int:meeting_id>/speakers/close", methods=["POST"])
def speakers_close(meeting_id):
    meeting = load_meeting(meeting_id)
    require("speakers_manage", meeting)
    try:
        services.close_speakers(meeting, me())
    except services.MeetingError as error:
        return refused(error, speakers_url(meeting))
    db.session.commit()
    flash(_l("The speakers list is closed to new requests."), "success")
    return redirect(speakers_url(meeting))


@bp.route("/<int:meeting_id>/speakers.csv")
def speakers_csv(meeting_id):
    """The published speakers list as a spreadsheet (item, order, delegation, subject)."""
    meeting = load_meeting(meeting_id, selectinload(Meeting.items))
    require("speakers_view", meeting)
    listed = speakers_by_item(meeting, LISTED)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Agenda item"), _("Order"), _("Delegation"), _("Subject")])
    for item in meeting.items:
        for order, speaker in enumerate(listed.get(item.id, []), start=1):
            # Subjects are typed by delegations: kept from running as spreadsheet formulas.
            cells = [f"{item.position}. {item.title}", order, speaker.delegation.display_name,
                     speaker.subject]
            writer.writerow([csv_cell(cell) for cell in cells])
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="speakers-meeting-{meeting.id}.csv"'
        },
    )


# Registration and remote participation ----------------------------------------------------


def meeting_url(meeting):
    return url_for("meetings.meeting_detail", meeting_id=meeting.id)


@bp.route("/<int:meeting_id>/register", methods=["POST"])
def register(meeting_id):
    meeting = load_meeting(meeting_id)
    require("registration_create", meeting)
    form = RegistrationForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.register(meeting, me(), form.attendance.data)
    except services.MeetingError as error:
        return refused(error, meeting_url(meeting))
    db.session.commit()
    flash(
        _l("You are registered; your point of contact or the Secretariat approves it."),
        "success",
    )
    return redirect(meeting_url(meeting))


def load_registration(registration_id):
    found = db.session.get(Registration, registration_id)
    if found is None or not can(current_user, "meeting_view", found.meeting):
        abort(404)
    return found


@bp.route("/registrations/<int:registration_id>/cancel", methods=["POST"])
def registration_cancel(registration_id):
    found = load_registration(registration_id)
    require("registration_cancel", found)
    meeting = found.meeting
    services.cancel_registration(found, me())
    db.session.commit()
    flash(_l("Your registration is cancelled."), "success")
    return redirect(meeting_url(meeting))


@bp.route("/registrations/<int:registration_id>/<any(approve, refuse):decision>",
          methods=["POST"])
def registration_decide(registration_id, decision):
    found = load_registration(registration_id)
    require("registration_decide", found)
    services.decide_registration(found, me(), decision == "approve")
    db.session.commit()
    flash(_l("The registration is decided."), "success")
    back = request.form.get("next")
    if back == "registrations" and can(current_user, "registration_list", found.meeting):
        return redirect(url_for("meetings.registrations", meeting_id=found.meeting_id))
    return redirect(meeting_url(found.meeting))


@bp.route("/<int:meeting_id>/registrations")
def registrations(meeting_id):
    """Who registered and who opened the connection details, per delegation."""
    meeting = load_meeting(meeting_id)
    require("registration_list", meeting)
    rows = db.session.scalars(
        select(Registration)
        .where(Registration.meeting_id == meeting.id)
        .options(joinedload(Registration.user), joinedload(Registration.delegation))
    ).all()
    views = {
        user_id: (count, last)
        for user_id, count, last in db.session.execute(
            select(ConnectionView.user_id, func.count(ConnectionView.id),
                   func.max(ConnectionView.viewed_at))
            .where(ConnectionView.meeting_id == meeting.id)
            .group_by(ConnectionView.user_id)
        )
    }
    by_delegation = {}
    for row in rows:
        by_delegation.setdefault(row.delegation, []).append(row)
    groups = sorted(by_delegation.items(), key=lambda pair: pair[0].display_name.casefold())
    return render_template(
        "meetings/registrations.html",
        meeting=meeting,
        groups=groups,
        views=views,
        totals={
            "registered": len(rows),
            "approved": sum(1 for row in rows if row.is_approved),
            "remote": sum(1 for row in rows if row.attendance == Attendance.REMOTE.value),
            "opened": len(views),
        },
    )


@bp.route("/<int:meeting_id>/connection")
def connection(meeting_id):
    """The connection details, to approved registrants only; each opening is kept."""
    meeting = load_meeting(meeting_id)
    require("connection_view", meeting)
    services.record_connection_view(meeting, me())
    db.session.commit()
    response = Response(render_template("meetings/connection.html", meeting=meeting))
    response.headers["Cache-Control"] = "no-store"
    return response


# Calendar feeds ---------------------------------------------------------------------------


@bp.route("/calendar-feed", methods=["GET", "POST"])
def feed_settings():
    """The person's calendar feed address: made (replacing the one before) on request, shown
    once, revocable."""
    require("calendar_feed_manage")
    token = None
    if request.method == "POST":
        token = services.issue_calendar_token(me())
        db.session.commit()
    live = db.session.scalar(
        select(CalendarToken).where(
            CalendarToken.user_id == current_user.id, CalendarToken.revoked_at.is_(None)
        )
    )
    return render_template(
        "meetings/feed_settings.html",
        # Built from PORTAL_BASE_URL, as links in emails are, never from the request's Host.
        feed_url=external_url("meetings.feed", token=token) if token else None,
        live=live,
    )


@bp.route("/calendar-feed/revoke", methods=["POST"])
def feed_revoke():
    require("calendar_feed_manage")
    services.revoke_calendar_tokens(me())
    db.session.commit()
    flash(_l("Your calendar feed address no longer works."), "success")
    return redirect(url_for("meetings.feed_settings"))


@bp.route("/feed/<token>.ics")
@public
@csrf.exempt
def feed(token):
    """A person's meetings for calendar programs, which cannot sign in: the secret token in
    the address stands for the person. What they may see is worked out now, at each fetch; a
    revoked or unknown token, or a suspended account, answers 404."""
    owner = services.owner_of_token(token)
    if owner is None:
        abort(404)
    meetings = db.session.scalars(
        visible(select(Meeting), Meeting, owner)
        .where(Meeting.ends_at >= now_utc() - FEED_PAST)
        .options(selectinload(Meeting.items))
        .order_by(Meeting.starts_at)
    ).all()
    body = calendar.feed(meetings, _("ATT meetings"))
    db.session.commit()
    response = ics_response(body, "att-meetings.ics")
    response.headers["Cache-Control"] = "private, no-store"
    return response


# The chair's draft report -----------------------------------------------------------------


def report_url(meeting):
    return url_for("meetings.report", meeting_id=meeting.id)


@bp.route("/<int:meeting_id>/report")
def report(meeting_id):
    meeting = load_meeting(meeting_id)
    require("report_view", meeting)
    paragraphs = db.session.scalars(
        select(ReportParagraph)
        .where(ReportParagraph.meeting_id == meeting.id)
        .order_by(ReportParagraph.position)
    ).all()
    sees_all = can(current_user, "report_comments_view", meeting)
    comments = select(ReportComment).where(
        ReportComment.paragraph_id.in_([p.id for p in paragraphs])
    ).options(joinedload(ReportComment.delegation), joinedload(ReportComment.author))
    if not sees_all:
        comments = comments.where(ReportComment.delegation_id == current_user.delegation_id)
    by_paragraph = {}
    for found in db.session.scalars(comments.order_by(ReportComment.id)):
        by_paragraph.setdefault(found.paragraph_id, []).append(found)
    edits = can(current_user, "report_edit", meeting)
    settings_form = None
    if edits:
        settings_form = ReportSettingsForm(
            comments_close_on=meeting.comments_close_on, visibility=meeting.comments_visibility
        )
        settings_form.visibility.choices = [
            SelectChoice(choice.value, choice.label) for choice in CommentsVisibility
        ]
    return render_template(
        "meetings/report.html",
        meeting=meeting,
        paragraphs=paragraphs,
        comments=by_paragraph,
        sees_all=sees_all,
        edits=edits,
        paragraph_form=ParagraphForm() if edits else None,
        settings_form=settings_form,
        comment_form=CommentForm() if can(current_user, "report_comment", meeting) else None,
    )


@bp.route("/<int:meeting_id>/report/paragraphs", methods=["POST"])
def paragraph_add(meeting_id):
    meeting = load_meeting(meeting_id)
    require("report_edit", meeting)
    form = ParagraphForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.add_paragraph(meeting, me(), form.text.data, form.is_recommendation.data)
    except services.MeetingError as error:
        return refused(error, report_url(meeting))
    db.session.commit()
    flash(_l("The paragraph is added to the draft report."), "success")
    return redirect(report_url(meeting))


@bp.route("/<int:meeting_id>/report/paragraphs/<int:paragraph_id>", methods=["POST"])
def paragraph_edit(meeting_id, paragraph_id):
    meeting = load_meeting(meeting_id)
    require("report_edit", meeting)
    form = ParagraphForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        paragraph = services.paragraph_of(meeting, paragraph_id)
        services.edit_paragraph(paragraph, me(), form.text.data, form.is_recommendation.data)
    except services.MeetingError as error:
        return refused(error, report_url(meeting))
    db.session.commit()
    flash(_l("The paragraph is updated."), "success")
    return redirect(report_url(meeting) + f"#paragraph-{paragraph_id}")


@bp.route("/<int:meeting_id>/report/settings", methods=["POST"])
def report_settings(meeting_id):
    meeting = load_meeting(meeting_id)
    require("report_edit", meeting)
    form = ReportSettingsForm()
    if not form.validate_on_submit():
        flash(_l("Give the closing date as a date."), "error")
        return redirect(report_url(meeting))
    try:
        services.set_report_settings(
            meeting, me(), form.comments_close_on.data, form.visibility.data
        )
    except services.MeetingError as error:
        return refused(error, report_url(meeting))
    db.session.commit()
    flash(_l("The settings of the draft report are saved."), "success")
    return redirect(report_url(meeting))


@bp.route("/<int:meeting_id>/report/paragraphs/<int:paragraph_id>/comments", methods=["POST"])
def comment_add(meeting_id, paragraph_id):
    meeting = load_meeting(meeting_id)
    require("report_comment", meeting)
    form = CommentForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        paragraph = services.paragraph_of(meeting, paragraph_id)
        services.comment(paragraph, me(), form.body.data)
    except services.MeetingError as error:
        return refused(error, report_url(meeting))
    db.session.commit()
    flash(_l("Your delegation's comment is sent."), "success")
    return redirect(report_url(meeting) + f"#paragraph-{paragraph_id}")
