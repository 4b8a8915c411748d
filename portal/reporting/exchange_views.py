"""Reports in files: downloads of a version as Excel, CSV, JSON or XML, the blank Excel
template, the published XML schemas, and the import of a file into a draft.

Routes on the reporting blueprint (portal/reporting/views.py imports this module). A version
is loaded through the access policy as its page is (`load_version`, `load_draft`): a draft is
found by its own delegation only, a submitted version by those who may read it (everyone, or
the States Parties); anyone else gets 404. An import replaces the whole content of the draft
or, when the file has any problem, changes nothing and lists every problem where it is in the
file. The import form lives here with the one view that uses it.
"""

import io
from datetime import date
from pathlib import Path

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField

from portal.access import public, require
from portal.core import files
from portal.core.audit import record
from portal.core.bounds import query_int
from portal.extensions import db
from portal.reporting import formats, services
from portal.reporting.formats import xlsx
from portal.reporting.models import FIRST_REPORTING_YEAR, Source
from portal.reporting.views import bp, load_draft, load_version

SCHEMAS = ("annual_report", "initial_report")
SCHEMA_DIR = Path(__file__).parent / "data"


class ImportForm(FlaskForm):
    """The file to import into a draft."""

    file = FileField(
        _l("File to import"), validators=[FileRequired(_l("Choose a file to import."))]
    )
    submit = SubmitField(_l("Check and import"))


def me():
    return current_user._get_current_object()


def file_name(version, fmt):
    """ATT-AR-2025-FRA-2.xlsx for a submitted version (its receipt), ATT-AR-2025-FRA-draft.xlsx
    for a draft."""
    if version.receipt:
        stem = version.receipt
    else:
        report = version.report
        code = report.delegation.iso3 or "STATE"
        stem = f"ATT-AR-{report.year}-{code}" if report.is_annual else f"ATT-IR-{code}"
        stem += "-draft"
    return f"{stem}.{formats.FORMATS[fmt].module.EXTENSION}"


def download(data, name, mime_type):
    """A file download: an attachment (RFC 6266 name), never sniffed, never cached."""
    response = send_file(
        io.BytesIO(data),
        mimetype=mime_type,
        as_attachment=True,
        download_name=name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def kind_of(report):
    return "annual" if report.is_annual else "initial"


@bp.route("/versions/<int:version_id>/download.<fmt>")
@public
def version_export(version_id, fmt):
    """A version of a report as a file, for whoever may read it as a page: a draft for its
    delegation, a submitted version by its acl (public ones for every visitor, as their page
    is)."""
    version = load_version(version_id)
    if fmt not in formats.KIND_FORMATS[kind_of(version.report)]:
        abort(404)
    module = formats.FORMATS[fmt].module
    data = formats.export(version.content, fmt)
    return download(data, file_name(version, fmt), module.MIME_TYPE)


@bp.route("/annual/template.xlsx")
def annual_template():
    """A blank Excel workbook for an annual report: for the reader's State, and the year asked
    for (by default the last year that has ended)."""
    require("report_template")
    last_year = date.today().year - 1
    year = query_int("year") or last_year
    if not FIRST_REPORTING_YEAR <= year <= last_year:
        year = last_year
    state = current_user.delegation.iso3 or ""
    name = f"ATT-AR-{year}-{state or 'template'}.xlsx"
    return download(xlsx.template(state, year), name, xlsx.MIME_TYPE)


@bp.route("/formats/<name>.xsd")
def schema(name):
    """The published XML schema of a kind of report."""
    require("report_template")
    if name not in SCHEMAS:
        abort(404)
    response = send_file(SCHEMA_DIR / f"{name}.xsd", mimetype="application/xml", max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/reports/<int:report_id>/draft/import", methods=["GET", "POST"])
def draft_import(report_id):
    """Replace the content of a report's draft by an uploaded file, or change nothing and list
    every problem of the file."""
    version = load_draft(report_id)
    require("draft_import", version, hide=True)
    report = version.report
    form = ImportForm()
    problems, status = [], 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            data = files.read_limited(upload.stream, formats.MAX_IMPORT_SIZE)
        except files.FileRejected as error:
            form.file.errors.append(error.message)
            status = 413
        else:
            name = files.clean_name(upload.filename, "report")
            try:
                fmt, content = formats.load(data, name, report, date.today())
                services.save_draft(version, content, me(), Source.FILE, name)
            except formats.ImportProblems as error:
                db.session.rollback()
                problems = error.problems
            except services.ReportingError as error:
                db.session.rollback()
                form.file.errors.append(error.message)
            else:
                record(
                    "report.import",
                    report,
                    version_id=version.id,
                    format=fmt,
                    file=name,
                )
                db.session.commit()
                flash(
                    _l("The file is imported: the draft now holds its content."),
                    "success",
                )
                return redirect(url_for("reporting.draft_edit", report_id=report.id))
    if request.method == "POST" and status == 200 and (form.errors or problems):
        status = 400
    return render_template(
        "reporting/exchange_import.html",
        form=form,
        version=version,
        report=report,
        problems=problems,
        formats=exchange_formats(version),
    ), status


@bp.context_processor
def exchange_context():
    return {"exchange_formats": exchange_formats}


def exchange_formats(version):
    """The formats a version can be downloaded in."""
    return [formats.FORMATS[fmt] for fmt in formats.KIND_FORMATS[kind_of(version.report)]]
