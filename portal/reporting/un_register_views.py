"""Downloads of annual reports in the UN Register's categories (see portal.reporting.un_register):
one report, for its delegation and the Secretariat, and all the reports of a year whose States
authorised forwarding, for the Secretariat. Routes on the reporting blueprint.

A report whose State did not authorise forwarding has no Register download: 404, as for a
report the reader may not see.
"""

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.access import require
from portal.extensions import db
from portal.reporting.models import FIRST_REPORTING_YEAR, Report, ReportKind, ReportVersion
from portal.reporting import status_views
from portal.reporting.un_register import COLUMNS, forwards, register_lines
from portal.reporting.views import bp, load_version


@bp.route("/versions/<int:version_id>/un-register.csv")
def version_un_register(version_id):
    """One submitted annual report in the Register's categories, its unmapped lines listed."""
    version = load_version(version_id)
    require("un_register_export", version, hide=not forwards(version))
    rows = [line.row() for line in register_lines(version.content)]
    return status_views.csv_response(f"{version.receipt}-un-register.csv", COLUMNS, rows)


def forwarded_versions(year):
    """The latest submitted version of each annual report on `year` whose State authorised
    forwarding to the UN Register, by State."""
    versions = db.session.scalars(
        select(ReportVersion)
        .join(Report, Report.id == ReportVersion.report_id)
        .where(
            Report.kind == ReportKind.ANNUAL.value,
            Report.year == year,
            ReportVersion.number.is_not(None),
        )
        .options(joinedload(ReportVersion.report).joinedload(Report.delegation))
        .order_by(Report.delegation_id, ReportVersion.number)
    ).all()
    latest = {version.report_id: version for version in versions}
    chosen = [version for version in latest.values() if forwards(version)]
    return sorted(chosen, key=lambda version: version.report.delegation.iso3 or "")


@bp.route("/un-register/<int:year>.csv")
def un_register_year(year):
    """Every report on `year` whose State authorised forwarding, in the Register's categories:
    the Secretariat's bulk file for the UN Office for Disarmament Affairs."""
    require("un_register_bulk_export")
    if year < FIRST_REPORTING_YEAR:
        abort(404)
    rows = [
        line.row()
        for version in forwarded_versions(year)
        for line in register_lines(version.content)
    ]
    return status_views.csv_response(f"att-un-register-{year}.csv", COLUMNS, rows)
