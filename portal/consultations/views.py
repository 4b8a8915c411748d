"""Pages of informal consultations: the list, requesting and convening one, its page (who is
in it, its threads, documents and sessions, the outcome note) and every action on it.

Every page loads the consultation through the access policy (`visible()`; one the person may
not read answers 404, before, during and after it) and every action `require()`s its rule.
Writes go through portal.consultations.services; a refused change shows the page again with
status 400 (a form) or a flash message (a one-button action), and nothing is written.

The advisory group's pages are in `advisory_views`, the national reports' in `report_views`;
they share this blueprint.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from portal.access import can, principals, require, visible
from portal.accounts.models import Delegation, DelegationKind, User, UserStatus
from portal.consultations import services
from portal.consultations.forms import (
    ConsultationForm,
    DecisionForm,
    InviteForm,
    OutcomeForm,
    ParticipantForm,
    PostForm,
    SessionForm,
    ShareDocumentForm,
    ThreadForm,
)
from portal.consultations.models import (
    Consultation,
    ConsultationDocument,
    ConsultationParticipant,
    ConsultationStatus,
    ConsultationThread,
    Format,
    Role,
    Support,
)
from portal.core.i18n import language_label
from portal.core.models import now_utc
from portal.core.views import refused, show_error
from portal.extensions import db
from portal.forum.models import WorkingGroup
from portal.library import reference
from portal.library.models import LANGUAGES
from portal.meetings import services as meeting_services
from portal.meetings.models import Meeting

bp = Blueprint("consultations", __name__)


def me():
    return current_user._get_current_object()


def load_consultation(consultation_id):
    """The consultation if the current person may read it, else 404."""
    consultation = db.session.scalar(
        visible(
            select(Consultation).where(Consultation.id == consultation_id),
            Consultation,
            current_user,
        ).options(selectinload(Consultation.delegations))
    )
    if consultation is None:
        abort(404)
    return consultation


def load_thread(thread_id):
    thread = db.session.get(ConsultationThread, thread_id)
    if thread is None or not can(current_user, "consultation_view", thread.consultation):
        abort(404)
    return thread


def find_document(symbol_or_number, field="document"):
    """A library document the current person reads, by its symbol or number; None when none
    is given."""
    if not (symbol_or_number or "").strip():
        return None
    try:
        document = meeting_services.find_document(symbol_or_number)
    except meeting_services.MeetingError:
        document = None
    if document is None or not can(current_user, "document_view", document):
        raise services.ConsultationError(_l("No document has this symbol or number."), field)
    return document


def delegation_choices():
    return [
        SelectChoice(str(delegation.id), delegation.display_name)
        for delegation in db.session.scalars(
            select(Delegation)
            .where(Delegation.kind != DelegationKind.SECRETARIAT.value)
            .order_by(Delegation.name)
        )
    ]


def fill_choices(form):
    form.working_group.choices = [SelectChoice("", _l("None"))] + [
        SelectChoice(str(space.id), space.display_name)
        for space in db.session.scalars(
            visible(select(WorkingGroup), WorkingGroup, current_user).order_by(
                WorkingGroup.position, WorkingGroup.id
            )
        )
    ]
    form.format.choices = [SelectChoice(f.value, f.label) for f in Format]
    form.support.choices = [SelectChoice(s.value, s.label) for s in Support]
    form.languages.choices = [
        SelectChoice(code, language_label(code)) for code in LANGUAGES if code != "en"
    ]
    form.invited.choices = delegation_choices()
    form.requesters.choices = [
        choice
        for choice in delegation_choices()
        if int(choice.value) != current_user.delegation_id
    ]
    return form


def consultation_values(form):
    document = find_document(form.document.data)
    return {
        "title": form.title.data,
        "purpose": form.purpose.data,
        "working_group_id": form.working_group.data,
        "document_id": document.id if document else None,
        "requesters": form.requesters.data,
        "invited": form.invited.data,
        "is_open_to_others": form.is_open_to_others.data,
        "open_day": form.open_day.data,
        "open_time": form.open_time.data,
        "close_day": form.close_day.data,
        "close_time": form.close_time.data,
        "format": form.format.data,
        "support": form.support.data,
        "languages": form.languages.data,
    }


def save_form(form, template, save, message, **context):
    problem = None
    if form.validate_on_submit():
        try:
            saved = save()
        except services.ConsultationError as error:
            db.session.rollback()
            problem = show_error(form, error)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("consultations.consultation_detail",
                                    consultation_id=saved.id))
    status = 400 if form.errors or problem else 200
    return render_template(template, form=form, problem=problem, **context), status


# The list ----------------------------------------------------------------------------------


@bp.route("/")
def index():
    require("consultation_list")
    now = now_utc()
    mine = db.session.scalars(
        visible(select(Consultation), Consultation, current_user)
        .options(selectinload(Consultation.delegations))
        .order_by(Consultation.opens_at.desc())
    ).all()
    joinable = []
    if can(current_user, "consultation_request"):
        joinable = [
            consultation
            for consultation in db.session.scalars(
                select(Consultation)
                .where(
                    Consultation.is_open_to_others.is_(True),
                    Consultation.status == ConsultationStatus.AGREED.value,
                    Consultation.closes_at > now,
                    Consultation.acl.not_in(principals(current_user)),
                )
                .order_by(Consultation.opens_at)
            )
        ]
    outcomes = db.session.scalars(
        select(Consultation)
        .where(
            Consultation.outcome_published_at.is_not(None),
            Consultation.acl.not_in(principals(current_user)),
            Consultation.working_group_id.in_(
                visible(select(WorkingGroup.id), WorkingGroup, current_user)
            ),
        )
        .order_by(Consultation.outcome_published_at.desc())
    ).all()
    return render_template(
        "consultations/consultation_list.html",
        outcomes=outcomes,
        waiting=[c for c in mine if c.status == ConsultationStatus.REQUESTED.value],
        current=[c for c in mine if c.is_agreed and not c.is_closed(now)],
        past=[c for c in mine if c.is_agreed and c.is_closed(now)],
        declined=[c for c in mine if c.status == ConsultationStatus.DECLINED.value],
        joinable=joinable,
        decision_form=DecisionForm(),
        now=now,
    )


@bp.route("/request", methods=["GET", "POST"])
def consultation_request():
    require("consultation_request")
    form = fill_choices(ConsultationForm(data=None if request.method == "POST" else {
        "format": Format.ONLINE.value, "support": Support.LOGISTICS.value,
    }))
    return save_form(
        form,
        "consultations/consultation_form.html",
        lambda: services.request_consultation(me(), consultation_values(form)),
        _l("Your request is sent to the Secretariat."),
        requesting=True,
    )


@bp.route("/convene", methods=["GET", "POST"])
def consultation_convene():
    require("consultation_convene")
    form = fill_choices(ConsultationForm(data=None if request.method == "POST" else {
        "format": Format.ONLINE.value, "support": Support.LOGISTICS.value,
    }))
    return save_form(
        form,
        "consultations/consultation_form.html",
        lambda: services.convene_consultation(me(), consultation_values(form)),
        _l("The consultation is convened and its delegations are invited."),
        requesting=False,
    )


@bp.route("/<int:consultation_id>/edit", methods=["GET", "POST"])
def consultation_edit(consultation_id):
    consultation = load_consultation(consultation_id)
    require("consultation_edit", consultation)
    form = fill_choices(ConsultationForm(data=None if request.method == "POST" else {
        "title": consultation.title,
        "purpose": consultation.purpose,
        "working_group": consultation.working_group_id,
        "document": (consultation.document.symbol or str(consultation.document.id))
        if consultation.document else "",
        "is_open_to_others": consultation.is_open_to_others,
        "open_day": consultation.opens_at.date(),
        "open_time": consultation.opens_at.time(),
        "close_day": consultation.closes_at.date(),
        "close_time": consultation.closes_at.time(),
        "format": consultation.format,
        "support": consultation.support,
        "languages": consultation.languages,
    }))
    form.submit.label.text = _l("Save changes")
    return save_form(
        form,
        "consultations/consultation_form.html",
        lambda: services.edit_consultation(consultation, me(), consultation_values(form)),
        _l("The consultation is changed."),
        requesting=False,
        consultation=consultation,
    )


# A consultation's page ---------------------------------------------------------------------


@bp.route("/<int:consultation_id>")
def consultation_detail(consultation_id):
    consultation = load_consultation(consultation_id)
    require("consultation_view", consultation)
    participants = db.session.scalars(
        select(ConsultationParticipant)
        .where(ConsultationParticipant.consultation_id == consultation.id)
        .options(selectinload(ConsultationParticipant.user).selectinload(User.delegation))
        .order_by(ConsultationParticipant.id)
    ).all()
    threads = db.session.scalars(
        select(ConsultationThread)
        .where(ConsultationThread.consultation_id == consultation.id)
        .options(selectinload(ConsultationThread.posts))
        .order_by(ConsultationThread.id.desc())
    ).all()
    documents = db.session.scalars(
        select(ConsultationDocument)
        .where(ConsultationDocument.consultation_id == consultation.id)
        .order_by(ConsultationDocument.id)
    ).all()
    sessions = db.session.scalars(
        select(Meeting).where(Meeting.consultation_id == consultation.id)
        .order_by(Meeting.starts_at)
    ).all()
    participant_form = None
    if can(current_user, "consultation_participants_name", consultation):
        participant_form = ParticipantForm()
        named = {p.user_id for p in participants}
        participant_form.person.choices = [
            SelectChoice(str(person.id), person.name)
            for person in db.session.scalars(
                select(User)
                .where(
                    User.delegation_id == current_user.delegation_id,
                    User.status == UserStatus.ACTIVE.value,
                )
                .order_by(User.name)
            )
            if person.id not in named
        ]
    invite_form = None
    if can(current_user, "consultation_invite", consultation):
        invite_form = InviteForm()
        linked = {link.delegation_id for link in consultation.delegations}
        invite_form.invited.choices = [
            choice for choice in delegation_choices() if int(choice.value) not in linked
        ]
    return render_template(
        "consultations/consultation_detail.html",
        consultation=consultation,
        requesters=consultation.delegations_in(Role.REQUESTER),
        invited=consultation.delegations_in(Role.INVITED),
        joined=consultation.delegations_in(Role.JOINED),
        participants=participants,
        threads=threads,
        documents=documents,
        sessions=sessions,
        decision_form=DecisionForm(),
        participant_form=participant_form,
        invite_form=invite_form,
        thread_form=ThreadForm(),
        document_form=ShareDocumentForm(),
        outcome_form=OutcomeForm(),
        language_label=language_label,
    )


def back_to(consultation):
    return url_for("consultations.consultation_detail", consultation_id=consultation.id)


@bp.route("/<int:consultation_id>/decide", methods=["POST"])
def consultation_decide(consultation_id):
    consultation = load_consultation(consultation_id)
    require("consultation_decide", consultation)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    services.decide(consultation, me(), agree=bool(form.agree.data))
    db.session.commit()
    flash(_l("The consultation is agreed; its delegations are invited.") if consultation.is_agreed
          else _l("The request is declined."), "success")
    return redirect(back_to(consultation))


@bp.route("/<int:consultation_id>/invite", methods=["POST"])
def consultation_invite(consultation_id):
    consultation = load_consultation(consultation_id)
    require("consultation_invite", consultation)
    form = InviteForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.invite(consultation, me(), form.invited.data)
    except services.ConsultationError as error:
        return refused(error, back_to(consultation))
    db.session.commit()
    flash(_l("The delegations are invited."), "success")
    return redirect(back_to(consultation))


@bp.route("/<int:consultation_id>/join", methods=["POST"])
def consultation_join(consultation_id):
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None or not (
        can(current_user, "consultation_view", consultation)
        or can(current_user, "consultation_join", consultation)
    ):
        abort(404)
    require("consultation_join", consultation)
    if not DecisionForm().validate_on_submit():
        abort(400)
    services.join(consultation, me())
    db.session.commit()
    flash(_l("Your delegation joined the consultation."), "success")
    return redirect(back_to(consultation))


@bp.route("/<int:consultation_id>/participants", methods=["POST"])
def participant_name(consultation_id):
    consultation = load_consultation(consultation_id)
    require("consultation_participants_name", consultation)
    form = ParticipantForm()
    form.person.choices = []
    if not form.validate_on_submit():
        abort(400)
    try:
        services.name_participant(consultation, me(), form.person.data)
    except services.ConsultationError as error:
        return refused(error, back_to(consultation))
    db.session.commit()
    flash(_l("The person takes part in the consultation."), "success")
    return redirect(back_to(consultation))


@bp.route("/<int:consultation_id>/threads", methods=["POST"])
def thread_create(consultation_id):
    consultation = load_consultation(consultation_id)
    require("consultation_thread_create", consultation)
    form = ThreadForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        document = find_document(form.document.data)
        thread = services.start_thread(
            consultation, me(), form.title.data, form.body.data,
            document.id if document else None,
        )
    except services.ConsultationError as error:
        return refused(error, back_to(consultation))
    db.session.commit()
    flash(_l("The thread is started."), "success")
    return redirect(url_for("consultations.thread_detail", thread_id=thread.id))


@bp.route("/threads/<int:thread_id>", methods=["GET", "POST"])
def thread_detail(thread_id):
    thread = load_thread(thread_id)
    form = PostForm()
    problem = None
    if request.method == "POST":
        require("consultation_post", thread)
        if form.validate_on_submit():
            try:
                services.add_post(thread, me(), form.body.data)
            except services.ConsultationError as error:
                db.session.rollback()
                problem = show_error(form, error)
            else:
                db.session.commit()
                flash(_l("Your reply is posted."), "success")
                return redirect(url_for("consultations.thread_detail", thread_id=thread.id))
    status = 400 if form.errors or problem else 200
    return render_template(
        "consultations/thread_detail.html", thread=thread,
        consultation=thread.consultation, form=form, problem=problem,
    ), status


@bp.route("/<int:consultation_id>/documents", methods=["POST"])
def document_share(consultation_id):
    consultation = load_consultation(consultation_id)
    require("consultation_document_add", consultation)
    form = ShareDocumentForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        document = find_document(form.document.data)
        services.share_document(consultation, me(), document)
    except services.ConsultationError as error:
        return refused(error, back_to(consultation))
    db.session.commit()
    flash(_l("The document is shared in the consultation."), "success")
    return redirect(back_to(consultation))


@bp.route("/<int:consultation_id>/sessions/new", methods=["GET", "POST"])
def session_create(consultation_id):
    consultation = load_consultation(consultation_id)
    require("consultation_session_add", consultation)
    form = SessionForm(data=None if request.method == "POST" else {
        "title": consultation.title, "time_zone": "Europe/Zurich",
        "start_day": consultation.opens_at.date(),
        "end_day": consultation.opens_at.date(),
    })
    form.cycle.choices = [
        SelectChoice(str(found.number), _l("CSP%(number)d", number=found.number))
        for found in reference.cycles()
    ]
    problem = None
    if form.validate_on_submit():
        try:
            session = services.add_session(consultation, me(), {
                "title": form.title.data,
                "cycle": form.cycle.data,
                "start_day": form.start_day.data,
                "start_time": form.start_time.data,
                "end_day": form.end_day.data,
                "end_time": form.end_time.data,
                "time_zone": form.time_zone.data,
                "venue": form.venue.data,
                "connection_details": form.connection_details.data,
            })
        except services.ConsultationError as error:
            db.session.rollback()
            problem = show_error(form, error)
        else:
            db.session.commit()
            flash(_l("The session is planned."), "success")
            return redirect(url_for("meetings.meeting_detail", meeting_id=session.id))
    status = 400 if form.errors or problem else 200
    return render_template(
        "consultations/session_form.html", consultation=consultation, form=form,
        problem=problem,
    ), status


@bp.route("/<int:consultation_id>/close", methods=["POST"])
def consultation_close(consultation_id):
    consultation = load_consultation(consultation_id)
    require("consultation_close", consultation)
    if not DecisionForm().validate_on_submit():
        abort(400)
    services.close(consultation, me())
    db.session.commit()
    flash(_l("The consultation is closed; its pages are now read-only."), "success")
    return redirect(back_to(consultation))


@bp.route("/<int:consultation_id>/outcome", methods=["GET", "POST"])
def outcome(consultation_id):
    consultation = db.session.get(Consultation, consultation_id)
    if request.method == "GET":
        if consultation is None or not can(current_user, "consultation_outcome_view",
                                           consultation):
            abort(404)
        return render_template("consultations/outcome.html", consultation=consultation)
    consultation = load_consultation(consultation_id)
    require("consultation_outcome_publish", consultation)
    form = OutcomeForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.publish_outcome(consultation, me(), form.note.data)
    except services.ConsultationError as error:
        return refused(error, back_to(consultation))
    db.session.commit()
    flash(_l("The outcome note is published to the working group."), "success")
    return redirect(url_for("consultations.outcome", consultation_id=consultation.id))


# The advisory group's and the national reports' pages share the blueprint.
from portal.consultations import advisory_views, report_views  # noqa: E402,F401
