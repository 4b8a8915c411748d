"""Pages of national reports to cabinet or parliament (para 34, recommendation 38(f)) and of
intersessional briefings for Geneva-based points of contact (recommendation 64(b)).

National reports: the list with filters (State, year, contents), a page per State and per year,
a page per report and its files, each read through the access policy (a public report is read
without signing in); sharing is for a State Party's people. Their full text is searched through
the search page (portal.consultations.search).

Briefings are meetings of the kind "intersessional briefing" (portal.meetings): this page lists
the coming ones a person may read; registering is the meetings' registration.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from portal.access import is_visible, public, require, visible
from portal.accounts.models import Delegation
from portal.consultations import services
from portal.consultations.forms import NationalReportForm
from portal.consultations.models import Audience, Content, NationalReport, NationalReportFile
from portal.consultations.views import bp, me, show_error
from portal.core.bounds import query_int
from portal.core.files import send_stored
from portal.core.i18n import language_label
from portal.core.models import now_utc
from portal.extensions import db
from portal.library.models import LANGUAGES
from portal.meetings.models import Meeting, MeetingKind, Registration

REPORTS_PER_PAGE = 50


def visible_reports():
    return visible(select(NationalReport), NationalReport, current_user).options(
        selectinload(NationalReport.delegation), selectinload(NationalReport.files)
    )


def report_filters():
    """The filters chosen in the address (unknown values are ignored)."""
    chosen = {
        "state": query_int("state"),
        "year": query_int("year"),
        "content": request.args.get("content") or None,
    }
    if chosen["content"] not in {content.value for content in Content}:
        chosen["content"] = None
    return chosen


def filtered(query, chosen):
    if chosen["state"]:
        query = query.where(NationalReport.delegation_id == chosen["state"])
    if chosen["year"]:
        query = query.where(NationalReport.year == chosen["year"])
    reports = db.session.scalars(
        query.order_by(NationalReport.year.desc(), NationalReport.id.desc())
    ).all()
    if chosen["content"]:
        # `contents` is a JSON list, queried alike on SQLite and PostgreSQL by reading it here.
        reports = [report for report in reports if chosen["content"] in report.contents]
    return reports


def render_reports(heading, chosen):
    reports = filtered(visible_reports(), chosen)
    states = db.session.execute(
        visible(
            select(Delegation.id, Delegation.name)
            .join(NationalReport, NationalReport.delegation_id == Delegation.id)
            .distinct(),
            NationalReport,
            current_user,
        ).order_by(Delegation.name)
    ).all()
    years = db.session.scalars(
        visible(select(NationalReport.year).distinct(), NationalReport, current_user)
        .order_by(NationalReport.year.desc())
    ).all()
    return render_template(
        "consultations/national_reports.html",
        heading=heading,
        reports=reports[:REPORTS_PER_PAGE],
        more=len(reports) > REPORTS_PER_PAGE,
        chosen=chosen,
        states=[(row.id, db.session.get(Delegation, row.id).display_name) for row in states],
        years=years,
        contents=list(Content),
        language_label=language_label,
    )


@bp.route("/national-reports")
@public
def national_reports():
    return render_reports(_l("National reports to cabinet or parliament"), report_filters())


@bp.route("/national-reports/states/<int:delegation_id>")
@public
def national_reports_state(delegation_id):
    delegation = db.session.get(Delegation, delegation_id)
    if delegation is None or not delegation.kind_enum.is_state:
        abort(404)
    chosen = {**report_filters(), "state": delegation.id}
    return render_reports(
        _l("National reports of %(state)s", state=delegation.display_name), chosen
    )


@bp.route("/national-reports/years/<int:year>")
@public
def national_reports_year(year):
    chosen = {**report_filters(), "year": year}
    return render_reports(_l("National reports of %(year)d", year=year), chosen)


@bp.route("/national-reports/<int:report_id>")
@public
def national_report(report_id):
    report = db.session.scalar(visible_reports().where(NationalReport.id == report_id))
    if report is None:
        abort(404)
    return render_template("consultations/national_report.html", report=report,
                           language_label=language_label)


@bp.route("/national-reports/files/<int:file_id>")
@public
def national_report_download(file_id):
    report_file = db.session.get(NationalReportFile, file_id)
    if report_file is None or not is_visible(report_file, current_user):
        abort(404)
    return send_stored(report_file.sha256, report_file.file_name, report_file.mime_type)


@bp.route("/national-reports/new", methods=["GET", "POST"])
def national_report_share():
    require("national_report_share")
    form = NationalReportForm(data=None if request.method == "POST" else {
        "audience": Audience.STATE_PARTIES.value, "year": now_utc().year,
    })
    form.contents.choices = [SelectChoice(c.value, c.label) for c in Content]
    form.audience.choices = [SelectChoice(a.value, a.label) for a in Audience]
    problem = None
    if form.validate_on_submit():
        try:
            report = services.share_national_report(
                me(),
                {
                    "title": form.title.data,
                    "year": form.year.data,
                    "period_start": form.period_start.data,
                    "period_end": form.period_end.data,
                    "contents": form.contents.data,
                    "audience": form.audience.data,
                },
                {language: form[f"file_{language}"].data for language in LANGUAGES},
            )
        except services.ConsultationError as error:
            db.session.rollback()
            problem = show_error(form, error)
        else:
            db.session.commit()
            flash(_l("The report is shared."), "success")
            return redirect(url_for("consultations.national_report", report_id=report.id))
    status = 400 if form.errors or problem else 200
    return render_template(
        "consultations/national_report_form.html", form=form, problem=problem,
        file_fields=[(language_label(code), form[f"file_{code}"]) for code in LANGUAGES],
    ), status


# Intersessional briefings ------------------------------------------------------------------


@bp.route("/briefings")
def briefings():
    require("meeting_list")
    coming = db.session.scalars(
        visible(select(Meeting), Meeting, current_user)
        .where(Meeting.kind == MeetingKind.BRIEFING.value, Meeting.ends_at >= now_utc())
        .order_by(Meeting.starts_at)
    ).all()
    registered = dict(db.session.execute(
        select(Registration.meeting_id, Registration.status).where(
            Registration.user_id == current_user.id,
            Registration.meeting_id.in_([meeting.id for meeting in coming]),
        )
    ).all())
    return render_template("consultations/briefings.html", coming=coming, registered=registered)

