"""Pages of initial and annual reports: a State's reports and deadlines ("My reports"),
starting a report, the draft forms, submitted versions, the list of submitted reports, and the
designation of reporting officers.

Every page loads versions through the access policy: a draft is read by its delegation only
(404 to everyone else, the Secretariat included), a submitted version by everyone or the States
Parties, as its State chose. Writes go through portal.reporting.services; a draft is saved with
whatever problems it has (they are listed at their fields), a submission with errors is refused
with status 400 and the form shown again with each error at its field, and nothing is written.
"""

import json
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import pycountry
from babel import Locale
from babel.numbers import format_decimal
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from portal.access import can, public, require, visible
from portal.accounts.models import STATE_NAMES, DelegationKind, Role, User, UserStatus
from portal.core import submissions
from portal.core.bounds import paginate, parse_int, query_int
from portal.core.errors import render_error
from portal.core.views import confirmation, confirmed
from portal.extensions import db
from portal.reporting import categories, reminders, services
from portal.reporting.guidance import LINE_GUIDANCE, REPORT_GUIDANCE
from portal.reporting.forms import (
    BASIS_CHOICES,
    AnnualReportForm,
    OfficerForm,
    ReviewForm,
    StartAnnualForm,
    field_name,
    initial_report_form,
)
from portal.reporting.models import (
    TABLES,
    Report,
    ReportingOfficer,
    ReportKind,
    ReportVersion,
    VersionStatus,
    blank_line,
    canonical_json,
    content_digest,
    due_date,
    report_title,
)
from portal.reporting.questions import QUESTIONS, SECTIONS
from portal.reporting.status import annual_due_from, current_day
from portal.reporting.validation import ERROR, has_errors

bp = Blueprint("reporting", __name__)

VERSIONS_PER_PAGE = 30

def me():
    return current_user._get_current_object()


def language():
    return str(get_locale() or "en")


@lru_cache(maxsize=8)
def _state_names(lang):
    territories = Locale.parse(lang).territories
    names = {}
    for country in pycountry.countries:
        if country.alpha_3 in STATE_NAMES:
            names[country.alpha_3] = (
                STATE_NAMES[country.alpha_3].get(lang) or STATE_NAMES[country.alpha_3]["en"]
            )
        else:
            names[country.alpha_3] = territories.get(country.alpha_2, country.name)
    return names


def state_name(code):
    """A State's name in the reader's language, or the code itself when it is not a State."""
    return _state_names(language()).get(code, code)


@lru_cache(maxsize=8)
def _currency_names(lang):
    names = Locale.parse(lang).currencies
    return {
        currency.alpha_3: names.get(currency.alpha_3, currency.name)
        for currency in pycountry.currencies
    }


@lru_cache(maxsize=8)
def _state_options(lang):
    names = _state_names(lang)
    return sorted(names.items(), key=lambda item: item[1].casefold())


def state_choices(empty_label):
    """The States as select options, "ISO3 name" sorted by name in the reader's language."""
    return [SelectChoice("", empty_label)] + [
        SelectChoice(code, f"{name} ({code})") for code, name in _state_options(language())
    ]


def with_unknown(choices, value):
    """Keep a value sent by hand among the options, so that the form shows it back with its
    error instead of silently showing the first option."""
    if value and value not in {choice.value for choice in choices}:
        return [*choices, SelectChoice(value, value)]
    return choices


def dress_line(entry, table):
    """Fill the options of one line of the annual form."""
    entry = entry.form  # (a FormField has attributes of its own, such as `description`)
    none = _("Choose…")
    entry.category.choices = with_unknown(
        [SelectChoice("", none)]
        + [SelectChoice(c.code, f"{c.code} – {c.name}") for c in categories.CATEGORIES],
        entry.category.data,
    )
    entry.subcategory.choices = with_unknown(
        [SelectChoice("", _("None"))]
        + [
            SelectChoice(sub.code, f"{sub.code} – {sub.name}", optgroup=f"{c.code} – {c.name}")
            for c in categories.CATEGORIES
            for sub in c.subcategories
        ],
        entry.subcategory.data,
    )
    entry.basis.choices = with_unknown(
        [SelectChoice(value, label) for value, label in BASIS_CHOICES], entry.basis.data
    )
    currency_names = _currency_names(language())
    entry.currency.choices = with_unknown(
        [SelectChoice("", _("No value given"))]
        + [SelectChoice(code, f"{code} – {name}") for code, name in sorted(currency_names.items())],
        entry.currency.data,
    )
    partner_label = _("Final importing State") if table == "exports" else _("Exporting State")
    entry.partner.label.text = partner_label
    entry.partner.choices = with_unknown(state_choices(none), entry.partner.data)
    entry.origin.choices = with_unknown(state_choices(_("None")), entry.origin.data)
    entry.intermediate.choices = with_unknown(state_choices(_("None")), entry.intermediate.data)


class Problems:
    """The problems of a content, looked up where the page shows them."""

    def __init__(self, problems):
        self.all = list(problems)
        self.errors = [p for p in self.all if p.severity == ERROR]
        self.warnings = [p for p in self.all if p.severity != ERROR]

    def at(self, table, index, field):
        return [p for p in self.all if (p.table, p.index, p.field) == (table, index, field)]

    def of_line(self, table, index):
        return [p for p in self.all if p.table == table and p.index == index]

    def without_warnings(self):
        """The errors alone: the initial report lists its unanswered questions (warnings) by
        number, and each at its question."""
        return Problems(self.errors)

    def __bool__(self):
        return bool(self.all)


def problem_place(problem):
    """Where a problem is, as the summary at the top of a form names it."""
    if problem.table in TABLES and problem.index is not None:
        if problem.table == "exports":
            return _("Export line %(number)d", number=problem.index + 1)
        return _("Import line %(number)d", number=problem.index + 1)
    if problem.table == "exports":
        return _("Exports")
    if problem.table == "imports":
        return _("Imports")
    if problem.table == "answers" and problem.field in QUESTIONS:
        return QUESTIONS[problem.field].question
    return _("Report")


def problem_anchor(problem):
    if problem.table in TABLES and problem.index is not None:
        return f"{problem.table}-{problem.index}-{problem.field}"
    if problem.table in TABLES:
        return f"{problem.table}-table"
    if problem.table == "answers":
        return f"answer-{field_name(problem.field)}"
    return f"report-{problem.field}"


def amount(value, decimals=0):
    """A number of items, or a value (`decimals` 2), with the grouping and decimal signs of the
    reader's language: 1,250,000.00 in English, 1 250 000,00 in French. What is not a number
    (a draft holds what was typed) is shown as it is."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return value
    pattern = "#,##0." + "0" * decimals if decimals else "#,##0"
    return format_decimal(number, format=pattern, locale=language())


@bp.app_template_filter("amount")
def amount_filter(value, decimals=0):
    return amount(value, decimals)


@bp.context_processor
def reporting_context():
    return {
        "state_name": state_name,
        "problem_place": problem_place,
        "problem_anchor": problem_anchor,
        "line_guidance": LINE_GUIDANCE,
        "report_guidance": REPORT_GUIDANCE,
        "categories": categories.CATEGORIES,
        "category_of": categories.category,
        "subcategory_of": categories.subcategory,
        "sections": SECTIONS,
        "basis_label": dict(BASIS_CHOICES),
    }


def load_version(version_id):
    """The version if the current user may read it, else 404."""
    version = db.session.scalar(
        visible(
            select(ReportVersion).where(ReportVersion.id == version_id),
            ReportVersion,
            current_user,
        ).options(joinedload(ReportVersion.report).joinedload(Report.delegation))
    )
    if version is None:
        abort(404)
    return version


def load_draft(report_id):
    """The draft of a report of the current user's delegation, else 404."""
    report = db.session.get(Report, report_id)
    draft = report.draft if report is not None else None
    if draft is None:
        abort(404)
    require("draft_edit", draft, hide=True)
    return draft


# A State's reports ---------------------------------------------------------------------------


class Owed:
    """One report a State owes or has: its kind, year, deadline and where it stands."""

    def __init__(self, kind, year, due_on, report, today):
        self.kind = kind
        self.year = year
        self.due_on = due_on
        self.report = report
        self.latest = report.latest if report else None
        self.draft = report.draft if report else None
        self.is_overdue = self.latest is None and due_on is not None and due_on < today

    @property
    def title(self):
        return report_title(self.kind, self.year)


def owed_reports(delegation, today):
    """The initial report and the annual reports `delegation` owes or has, latest first."""
    reports = db.session.scalars(select(Report).where(Report.delegation_id == delegation.id)).all()
    annual = {r.year: r for r in reports if r.is_annual}
    initial = next((r for r in reports if not r.is_annual), None)
    years = set(annual)
    entry = delegation.entry_into_force
    if entry is not None and delegation.kind == DelegationKind.STATE_PARTY.value:
        years |= {y for y in range(entry.year, today.year) if annual_due_from(entry, y)}
    rows = [
        Owed(
            ReportKind.ANNUAL,
            year,
            due_date(ReportKind.ANNUAL, delegation, year),
            annual.get(year),
            today,
        )
        for year in sorted(years, reverse=True)
    ]
    rows.insert(
        0,
        Owed(ReportKind.INITIAL, None, due_date(ReportKind.INITIAL, delegation), initial, today),
    )
    return rows


@bp.route("/")
def index():
    """My reports: the delegation's reports with their deadlines. Those who do not report are
    sent to the list of submitted reports."""
    if not can(current_user, "report_list_own"):
        return redirect(url_for("reporting.report_list"))
    delegation = me().delegation
    today = current_day()
    return render_template(
        "reporting/report_index.html",
        delegation=delegation,
        rows=owed_reports(delegation, today),
        today=today,
        start_form=StartAnnualForm(year=today.year - 1),
        can_manage_officers=can(current_user, "officer_manage", delegation),
        can_set_reminders=can(current_user, "reminders_set", delegation),
        reminders_on=not reminders.is_opted_out(delegation),
    )


@bp.route("/annual/new", methods=["GET", "POST"])
def annual_new():
    delegation = me().delegation
    require("report_create", delegation)
    form = StartAnnualForm()
    if request.method == "GET":
        form.year.data = query_int("year") or current_day().year - 1
    if form.validate_on_submit():
        try:
            version = services.start_annual(
                delegation, form.year.data, form.start.data, me(), current_day()
            )
        except services.ReportingError as error:
            form[error.field].errors.append(error.message)
        else:
            db.session.commit()
            flash(_("The draft of the annual report has been created."), "success")
            if form.start.data == "previous":
                earlier = services.previous_report(delegation, form.year.data)
                flash(
                    _(
                        "It starts from your State's annual report for %(year)s (receipt "
                        "%(receipt)s), the latest submitted before %(own)s.",
                        year=earlier.year,
                        receipt=earlier.latest.receipt,
                        own=form.year.data,
                    ),
                    "info",
                )
            return redirect(url_for("reporting.draft_edit", report_id=version.report_id))
    status = 400 if form.errors else 200
    return render_template("reporting/annual_new.html", form=form), status


@bp.route("/initial/new", methods=["POST"])
def initial_new():
    """Start the initial report, or its update (an amendment) once it has been submitted."""
    delegation = me().delegation
    require("report_create", delegation)
    report = services.find_report(delegation, ReportKind.INITIAL)
    if report is not None and report.draft is not None:
        return redirect(url_for("reporting.draft_edit", report_id=report.id))
    try:
        if report is None:
            version = services.start_initial(delegation, me())
        else:
            require("report_amend", report)
            version = services.amend(report, me())
    except services.ReportingError as error:
        return render_error(400, error.message)
    db.session.commit()
    return redirect(url_for("reporting.draft_edit", report_id=version.report_id))


# Drafts ------------------------------------------------------------------------------------


def render_draft(draft, content, problems, status=200):
    """The form of a draft showing `content` (stored, or as sent) with its `problems` at their
    fields; an amendment or update also shows what it started from (`base`)."""
    report = draft.report
    base = report.latest
    context = {
        "draft": draft,
        "report": report,
        "content": content,
        "problems": Problems(problems),
        "base": base,
        "may_submit": can(current_user, "draft_submit", draft),
        "is_overdue": is_overdue(report, current_day()),
    }
    if report.is_annual:
        form = AnnualReportForm(formdata=None)
        form.fill(content)
        for table in TABLES:
            for entry in form[table]:
                dress_line(entry, table)
        changes = line_changes(content, base.content if base else None)
        return (
            render_template("reporting/annual_form.html", form=form, changes=changes, **context),
            status,
        )
    form = initial_report_form(content)
    return (
        render_template(
            "reporting/initial_form.html",
            form=form,
            changed=changed_answers(content, base.content if base else None),
            base_answers=(base.content.get("answers", {}) if base else {}),
            **context,
        ),
        status,
    )


def is_overdue(report, today):
    """Whether nothing of `report` has been submitted and its deadline has passed."""
    due_on = report.due_on
    return report.latest is None and due_on is not None and due_on < today


def changed_answers(content, previous):
    """The ids of the questions whose answer differs from `previous` (none without one)."""
    if previous is None:
        return frozenset()
    old = previous.get("answers") or {}
    new = content.get("answers") or {}
    empty = {"choice": "", "text": ""}
    return frozenset(
        question_id
        for question_id in QUESTIONS
        if (new.get(question_id) or empty) != (old.get(question_id) or empty)
    )


class LineChanges:
    """How the lines of a table differ from those of an earlier version: the indexes of the
    lines that are new or changed, and the earlier lines no longer there. A line counts as
    unchanged when an identical line (every field) was in the earlier table."""

    def __init__(self, lines, earlier):
        remaining = [canonical_json(line) for line in earlier]
        self.changed = set()
        for index, line in enumerate(lines):
            key = canonical_json(line)
            if key in remaining:
                remaining.remove(key)
            else:
                self.changed.add(index)
        self.removed = [json.loads(key) for key in remaining]

    def __bool__(self):
        return bool(self.changed or self.removed)


def line_changes(content, previous):
    """{table: LineChanges} of an annual report's content against `previous` (None without)."""
    if previous is None:
        return None

    def lines(of, table):
        section = of.get(table) if isinstance(of, dict) else None
        found = section.get("lines") if isinstance(section, dict) else None
        return found if isinstance(found, list) else []

    return {table: LineChanges(lines(content, table), lines(previous, table)) for table in TABLES}


@bp.route("/reports/<int:report_id>/draft", methods=["GET", "POST"])
def draft_edit(report_id):
    draft = load_draft(report_id)
    report = draft.report
    today = current_day()
    if request.method == "GET":
        return render_draft(draft, draft.content, services.validate(report, draft.content, today))
    if report.is_annual:
        form = AnnualReportForm()
    else:
        form = initial_report_form()
    if not form.validate():
        # The CSRF token is checked before the view; what remains is a form that is not ours.
        return render_error(400)
    content = (
        form.content(report.delegation.iso3, report.year)
        if report.is_annual
        else form.content(report.delegation.iso3)
    )
    if form.submit.data:
        require("draft_submit", draft)
        problems = services.validate(report, content, today)
        if has_errors(problems):
            return render_draft(draft, content, problems, status=400)
        try:
            services.save_draft(draft, content, me())
        except services.ReportingError as error:
            db.session.rollback()
            return render_error(400, error.message)
        db.session.commit()
        return redirect(url_for("reporting.draft_review", report_id=report.id))
    anchor = None
    for table in TABLES:
        if report.is_annual and form[f"add_{table}"].data:
            content[table]["lines"].append(blank_line())
            content[table]["nil"] = False
            anchor = f"{table}-{len(content[table]['lines']) - 1}"
    try:
        services.save_draft(draft, content, me())
    except services.ReportingError as error:
        db.session.rollback()
        return render_error(400, error.message)
    db.session.commit()
    if anchor is None:
        flash(_("The draft has been saved."), "success")
    return redirect(url_for("reporting.draft_edit", report_id=report.id, _anchor=anchor))


@bp.route("/reports/<int:report_id>/draft/review", methods=["GET", "POST"])
def draft_review(report_id):
    """What will be submitted, its readers and UN Register authorisation, and the confirmation
    that submits it. The confirmation carries the digest of the content shown: a draft changed
    in the meantime is shown again, not submitted; a confirmation sent twice submits once."""
    if request.method == "POST" and (resent := submissions.claim()):
        # Recognised before the draft is looked up: a submitted draft is no longer there.
        return resent
    draft = load_draft(report_id)
    require("draft_submit", draft)
    report = draft.report
    today = current_day()
    problems = services.validate(report, draft.content, today)
    if has_errors(problems):
        flash(_("The report has errors: correct them before submitting."), "error")
        return redirect(url_for("reporting.draft_edit", report_id=report.id))
    digest = content_digest(draft.content)
    form = ReviewForm()
    status = 200
    if form.validate_on_submit():
        if form.digest.data != digest:
            flash(
                _("The draft has changed since this page was shown: review it again."), "error"
            )
            return redirect(url_for("reporting.draft_review", report_id=report.id))
        version = services.submit(draft, me(), today)
        flash(
            _(
                "Your report has been submitted. Receipt number: %(receipt)s.",
                receipt=version.receipt,
            ),
            "success",
        )
        return submissions.finish(url_for("reporting.version_detail", version_id=version.id))
    if form.errors:
        status = 400
    form.digest.data = digest
    base = report.latest
    return (
        render_template(
            "reporting/draft_review.html",
            form=form,
            draft=draft,
            report=report,
            content=draft.content,
            problems=Problems(problems),
            base=base,
            is_overdue=is_overdue(report, today),
            changes=(
                line_changes(draft.content, base.content if base else None)
                if report.is_annual
                else None
            ),
            changed=changed_answers(draft.content, base.content if base else None),
            base_answers=(base.content.get("answers", {}) if base else {}),
        ),
        status,
    )


@bp.route("/reports/<int:report_id>/draft/discard", methods=["GET", "POST"])
def draft_discard(report_id):
    """Asks first (see portal.core.views.confirmation), then deletes the draft."""
    draft = load_draft(report_id)
    require("draft_discard", draft, hide=True)
    if not confirmed():
        return confirmation(
            _("Delete this draft?"),
            _(
                "The draft and everything entered in it will be deleted. Versions already "
                "submitted are not affected. This cannot be undone."
            ),
            _("Delete the draft"),
            url_for("reporting.draft_edit", report_id=report_id),
        )
    services.discard_draft(draft)
    db.session.commit()
    flash(_("The draft has been deleted."), "success")
    return redirect(url_for("reporting.index"))


@bp.route("/reports/<int:report_id>/amend", methods=["POST"])
def report_amend(report_id):
    report = db.session.get(Report, report_id)
    if (
        report is None
        or report.latest is None
        or not can(current_user, "version_view", report.latest)
    ):
        abort(404)
    require("report_amend", report)
    services.amend(report, me())
    db.session.commit()
    flash(_("An amendment has been started from the last submitted version."), "success")
    return redirect(url_for("reporting.draft_edit", report_id=report.id))


# Submitted versions --------------------------------------------------------------------------


@bp.route("/versions/<int:version_id>")
@public
def version_detail(version_id):
    version = load_version(version_id)
    if version.is_draft:
        return redirect(url_for("reporting.draft_edit", report_id=version.report_id))
    report = version.report
    versions = db.session.scalars(
        visible(
            select(ReportVersion).where(
                ReportVersion.report_id == report.id,
                ReportVersion.status == VersionStatus.SUBMITTED.value,
            ),
            ReportVersion,
            current_user,
        ).order_by(ReportVersion.number)
    ).all()
    previous = next((v for v in reversed(versions) if v.number < version.number), None)
    return render_template(
        "reporting/version_detail.html",
        version=version,
        report=report,
        content=version.content,
        versions=versions,
        previous=previous,
        changed=changed_answers(version.content, previous.content if previous else None),
        previous_answers=(previous.content.get("answers", {}) if previous else {}),
        changes=(
            line_changes(version.content, previous.content if previous else None)
            if report.is_annual
            else None
        ),
    )


@bp.route("/versions/<int:version_id>/acknowledge", methods=["POST"])
def version_acknowledge(version_id):
    version = load_version(version_id)
    require("version_acknowledge", version)
    services.acknowledge(version, me())
    db.session.commit()
    flash(
        _("The receipt of %(receipt)s has been acknowledged.", receipt=version.receipt), "success"
    )
    return redirect(url_for("reporting.version_detail", version_id=version.id))


@bp.route("/submitted")
@public
def report_list():
    """The submitted versions the reader may see, newest reporting year first."""
    kind = request.args.get("kind", "")
    year = query_int("year")
    query = (
        visible(select(ReportVersion), ReportVersion, current_user)
        .join(Report, Report.id == ReportVersion.report_id)
        .where(ReportVersion.status == VersionStatus.SUBMITTED.value)
        .options(joinedload(ReportVersion.report).joinedload(Report.delegation))
    )
    if kind in {k.value for k in ReportKind}:
        query = query.where(Report.kind == kind)
    else:
        kind = ""
    if year is not None:
        query = query.where(Report.year == year)
    query = query.order_by(
        Report.kind, Report.year.desc(), Report.delegation_id, ReportVersion.number.desc()
    )
    page = paginate(query, VERSIONS_PER_PAGE)
    return render_template("reporting/report_list.html", page=page, kind=kind, year=year)


# Reporting officers --------------------------------------------------------------------------


def officer_candidates(delegation):
    officers = select(ReportingOfficer.user_id)
    return db.session.scalars(
        select(User)
        .where(
            User.delegation_id == delegation.id,
            User.status == UserStatus.ACTIVE.value,
            User.role != Role.POINT_OF_CONTACT.value,
            User.id.not_in(officers),
        )
        .order_by(User.name)
    ).all()


@bp.route("/officers", methods=["GET", "POST"])
def officer_list():
    delegation = me().delegation
    require("officer_manage", delegation)
    form = OfficerForm()
    form.user.choices = [SelectChoice("", _("Choose…"))] + [
        SelectChoice(str(person.id), f"{person.name} ({person.email})")
        for person in officer_candidates(delegation)
    ]
    status = 200
    if form.validate_on_submit():
        chosen = form.user.data or ""
        number = parse_int(chosen, minimum=1)
        person = db.session.get(User, number) if number is not None else None
        try:
            services.designate_officer(delegation, person, me())
        except services.ReportingError as error:
            form.user.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("%(name)s may now submit your State's reports.", name=person.name), "success")
            return redirect(url_for("reporting.officer_list"))
    if form.errors:
        status = 400
    officers = db.session.scalars(
        select(ReportingOfficer)
        .where(ReportingOfficer.delegation_id == delegation.id)
        .options(joinedload(ReportingOfficer.user))
    ).all()
    return render_template("reporting/officer_list.html", form=form, officers=officers), status


@bp.route("/officers/<int:officer_id>/remove", methods=["POST"])
def officer_remove(officer_id):
    officer = db.session.get(ReportingOfficer, officer_id)
    delegation = me().delegation
    require("officer_manage", delegation)
    if officer is None or officer.delegation_id != delegation.id:
        abort(404)
    name = officer.user.name
    services.remove_officer(officer)
    db.session.commit()
    flash(_("%(name)s is no longer a reporting officer.", name=name), "success")
    return redirect(url_for("reporting.officer_list"))


from portal.reporting import (  # noqa: F401  (routes on the same blueprint)
    exchange_views,
    reminder_views,
    status_views,
    un_register_views,
)
