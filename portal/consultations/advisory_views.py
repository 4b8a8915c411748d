"""Pages of the informal advisory group of the transparency and reporting working group:
applying, the Secretariat's register, requests for written inputs and the inputs, and the
report on them.

Participants speak in their own capacity and are not identified in reports: the report page
and its CSV export give counts by kind of organisation and by region and the texts with every
participant's name, email and delegation taken out (`anonymised`), in an order that does not
follow the participants.
"""

import csv
import io
import re
from collections import Counter

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from portal.access import can, require, visible
from portal.accounts.models import DelegationKind, User
from portal.admin.views import csv_cell
from portal.consultations import services
from portal.consultations.forms import (
    AdvisoryDocumentForm,
    ApplicationForm,
    DecisionForm,
    InputForm,
    InputRequestForm,
)
from portal.consultations.models import (
    AdvisoryDocument,
    AdvisoryInput,
    AdvisoryMember,
    InputRequest,
)
from portal.consultations.views import bp, find_document, me, show_error
from portal.core.audit import record
from portal.core.files import send_stored
from portal.extensions import db
from portal.library import reference

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
#: What stands for a participant's name, email or delegation in a report.
WITHHELD = "[…]"


def load_request(request_id):
    """A request for inputs the person may read, else 404: a member who does not represent
    a State Party does not learn that the restricted ones exist."""
    found = db.session.scalar(
        visible(select(InputRequest).where(InputRequest.id == request_id), InputRequest,
                current_user)
    )
    if found is None:
        abort(404)
    return found


def member_of(user):
    return db.session.scalar(select(AdvisoryMember).where(AdvisoryMember.user_id == user.id))


@bp.route("/advisory", methods=["GET", "POST"])
def advisory():
    """The group's page: applying, the requests for inputs a member may read and, for the
    Secretariat, the applications to decide and a request for inputs to make."""
    membership = member_of(current_user)
    application = ApplicationForm()
    problem = None
    if request.method == "POST":
        require("advisory_apply")
        if application.validate_on_submit():
            try:
                services.apply_to_group(me(), application.expertise.data)
            except services.ConsultationError as error:
                db.session.rollback()
                problem = show_error(application, error)
            else:
                db.session.commit()
                flash(_l("Your application is sent to the Secretariat."), "success")
                return redirect(url_for("consultations.advisory"))
    requests, documents = [], []
    if can(current_user, "advisory_view"):
        requests = db.session.scalars(
            visible(select(InputRequest), InputRequest, current_user).order_by(
                InputRequest.deadline_at.desc()
            )
        ).all()
        documents = db.session.scalars(
            visible(select(AdvisoryDocument), AdvisoryDocument, current_user).order_by(
                AdvisoryDocument.id.desc()
            )
        ).all()
    applicants, request_form = [], None
    if can(current_user, "advisory_register"):
        applicants = db.session.scalars(
            select(AdvisoryMember)
            .options(selectinload(AdvisoryMember.user).selectinload(User.delegation))
            .order_by(AdvisoryMember.status, AdvisoryMember.id)
        ).all()
    if can(current_user, "advisory_request_create"):
        request_form = fill_request_form(InputRequestForm(formdata=None))
    document_form = None
    if can(current_user, "advisory_document_share"):
        document_form = AdvisoryDocumentForm(formdata=None)
    status = 400 if application.errors or problem else 200
    return render_template(
        "consultations/advisory.html",
        membership=membership,
        application=application,
        problem=problem,
        requests=requests,
        documents=documents,
        document_form=document_form,
        applicants=applicants,
        request_form=request_form,
        decision_form=DecisionForm(),
    ), status


@bp.route("/advisory/documents/new", methods=["GET", "POST"])
def advisory_document_share():
    require("advisory_document_share")
    form = AdvisoryDocumentForm()
    problem = None
    if form.validate_on_submit():
        try:
            services.share_advisory_document(
                me(), form.title.data, form.is_restricted.data, form.file.data
            )
        except services.ConsultationError as error:
            db.session.rollback()
            problem = show_error(form, error)
        else:
            db.session.commit()
            flash(_l("The document is shared with the group."), "success")
            return redirect(url_for("consultations.advisory"))
    status = 400 if form.errors or problem else 200
    return render_template("consultations/advisory_document_form.html", form=form,
                           problem=problem), status


@bp.route("/advisory/documents/<int:document_id>")
def advisory_document(document_id):
    """A document of the group, for whoever holds its level; 404 for anyone else, so that a
    member who does not represent a State Party does not learn that it exists."""
    document = db.session.scalar(
        visible(select(AdvisoryDocument).where(AdvisoryDocument.id == document_id),
                AdvisoryDocument, current_user)
    )
    if document is None:
        abort(404)
    require("advisory_document_download", document, hide=True)
    record("advisory.document_download", target=document, actor=me())
    db.session.commit()
    return send_stored(document.sha256, document.file_name, document.mime_type)


def fill_request_form(form):
    form.cycle.choices = [
        SelectChoice(str(found.number), _l("CSP%(number)d", number=found.number))
        for found in reference.cycles()
    ]
    return form


@bp.route("/advisory/members/<int:member_id>/decide", methods=["POST"])
def advisory_register(member_id):
    require("advisory_register")
    member = db.session.get(AdvisoryMember, member_id)
    if member is None:
        abort(404)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    services.register_member(member, me(), register=bool(form.agree.data))
    db.session.commit()
    flash(_l("The participant is registered.") if member.is_registered
          else _l("The application is not accepted."), "success")
    return redirect(url_for("consultations.advisory"))


@bp.route("/advisory/requests/new", methods=["GET", "POST"])
def advisory_request_create():
    require("advisory_request_create")
    form = fill_request_form(InputRequestForm())
    problem = None
    if form.validate_on_submit():
        try:
            document = find_document(form.document.data)
            created = services.request_inputs(me(), {
                "cycle": form.cycle.data,
                "title": form.title.data,
                "description": form.description.data,
                "document_id": document.id if document else None,
                "deadline_day": form.deadline_day.data,
                "deadline_time": form.deadline_time.data,
                "is_restricted": form.is_restricted.data,
            })
        except services.ConsultationError as error:
            db.session.rollback()
            problem = show_error(form, error)
        else:
            db.session.commit()
            flash(_l("The members are asked for their inputs."), "success")
            return redirect(url_for("consultations.advisory_request", request_id=created.id))
    status = 400 if form.errors or problem else 200
    return render_template("consultations/input_request_form.html", form=form,
                           problem=problem), status


@bp.route("/advisory/requests/<int:request_id>", methods=["GET", "POST"])
def advisory_request(request_id):
    found = load_request(request_id)
    require("advisory_request_view", found, hide=True)
    membership = member_of(current_user)
    given = None
    if membership is not None:
        given = db.session.scalar(
            select(AdvisoryInput).where(
                AdvisoryInput.request_id == found.id, AdvisoryInput.member_id == membership.id
            )
        )
    form = InputForm(data=None if request.method == "POST" or given is None
                     else {"body": given.body})
    problem = None
    if request.method == "POST":
        if not found.is_open():
            # The deadline passed: say so rather than refuse without a word.
            problem = _("The deadline for inputs has passed.")
        else:
            require("advisory_input", found)
            if form.validate_on_submit():
                try:
                    services.give_input(found, me(), form.body.data)
                except services.ConsultationError as error:
                    db.session.rollback()
                    problem = show_error(form, error)
                else:
                    db.session.commit()
                    flash(_l("Your input is recorded."), "success")
                    return redirect(url_for("consultations.advisory_request",
                                            request_id=found.id))
    status = 400 if form.errors or problem else 200
    return render_template(
        "consultations/input_request.html", found=found, form=form, given=given,
        problem=problem,
    ), status


# The report: aggregate only -----------------------------------------------------------------


def anonymised(text, people):
    """`text` with every email address and every participant's name, email and delegation
    (names and short names) taken out."""
    text = EMAIL.sub(WITHHELD, text)
    words = set()
    for person in people:
        words |= {person.name, person.email, person.delegation.name,
                  person.delegation.short_name}
    for word in sorted(filter(None, words), key=len, reverse=True):
        # Whole words only: a short name such as "CA" must not eat "capacity".
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", WITHHELD, text, flags=re.IGNORECASE)
    return text


def region_label(delegation):
    group = delegation.regional_group_enum
    return group.label if group is not None else _l("No regional group")


def report_of(found):
    """Counts of inputs by kind of organisation and by region, and the anonymised texts in
    alphabetical order (so that their order does not follow the participants)."""
    inputs = db.session.scalars(
        select(AdvisoryInput)
        .where(AdvisoryInput.request_id == found.id)
        .options(
            selectinload(AdvisoryInput.member)
            .selectinload(AdvisoryMember.user)
            .selectinload(User.delegation)
        )
    ).all()
    people = [member.user for member in db.session.scalars(
        select(AdvisoryMember).options(
            selectinload(AdvisoryMember.user).selectinload(User.delegation)
        )
    )]
    kinds = Counter(str(DelegationKind(given.member.user.delegation.kind).label)
                    for given in inputs)
    regions = Counter(str(region_label(given.member.user.delegation)) for given in inputs)
    texts = sorted(anonymised(given.body, people) for given in inputs)
    return {"count": len(inputs), "kinds": sorted(kinds.items()),
            "regions": sorted(regions.items()), "texts": texts}


@bp.route("/advisory/requests/<int:request_id>/report")
def advisory_report(request_id):
    found = load_request(request_id)
    require("advisory_report", found)
    return render_template("consultations/input_report.html", found=found,
                           report=report_of(found))


@bp.route("/advisory/requests/<int:request_id>/report.csv")
def advisory_report_csv(request_id):
    found = load_request(request_id)
    require("advisory_report", found)
    report = report_of(found)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Section"), _("Value"), _("Inputs")])
    writer.writerow([_("All inputs"), "", report["count"]])
    for label, count in report["kinds"]:
        writer.writerow([_("Kind of organisation"), csv_cell(label), count])
    for label, count in report["regions"]:
        writer.writerow([_("Region"), csv_cell(label), count])
    for text in report["texts"]:
        writer.writerow([_("Input (anonymised)"), csv_cell(text), ""])
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=advisory-inputs-{found.id}.csv"},
    )
