"""The reporting status pages: the public figures (no sign-in: how many States reported, and which
ones, is public on the treaty's website), and the Secretariat's view with every State's reports,
receipts and acknowledgements. Both export CSV.

The public part shows aggregate figures and the names of the States that submitted, never the
content, receipt or access level of a single report. Figures come from
portal.reporting.status, computed from the database on each request.
"""

import csv
import io

from flask import Response, render_template, request
from flask_babel import format_percent, get_locale
from flask_babel import gettext as _

from portal.access import public, require
from portal.admin.views import csv_cell
from portal.core.bounds import parse_int
from portal.core.errors import render_error
from portal.core.i18n import text_direction
from portal.reporting.models import ReportKind
from portal.reporting.status import ReportingStatus
from portal.reporting.views import bp

#: The size of the chart's drawing, in SVG user units (it scales to the page's width).
CHART_WIDTH = 720
CHART_HEIGHT = 280
CHART_MARGIN = {"start": 48, "end": 12, "top": 12, "bottom": 32}
#: The three bars of each year, in order: (key of YearFigures, CSS class).
CHART_SERIES = (
    ("due", "chart-due"),
    ("to_date", "chart-to-date"),
    ("by_deadline", "chart-by-deadline"),
)


def chart(figures, direction):
    """The bars, axis ticks and year labels of the chart of `figures` (oldest year first along
    the reading direction: from the right in a right-to-left page)."""
    years = list(reversed(figures))
    plot_width = CHART_WIDTH - CHART_MARGIN["start"] - CHART_MARGIN["end"]
    plot_height = CHART_HEIGHT - CHART_MARGIN["top"] - CHART_MARGIN["bottom"]
    top = max([figure.due for figure in years] + [figure.to_date for figure in years] + [1])
    step = nice_step(top)
    top = -(-top // step) * step
    slot = plot_width / max(len(years), 1)
    bar = slot * 0.8 / len(CHART_SERIES)
    rtl = direction == "rtl"

    def x_of(position):
        """x of a point `position` units from the start of the plot, in the page's direction."""
        return (
            CHART_WIDTH - CHART_MARGIN["start"] - position
            if rtl
            else CHART_MARGIN["start"] + position
        )

    def y_of(value):
        return CHART_MARGIN["top"] + plot_height * (1 - value / top)

    groups = []
    for index, figure in enumerate(years):
        bars = []
        for number, (key, css) in enumerate(CHART_SERIES):
            value = getattr(figure, key)
            start = index * slot + slot * 0.1 + number * bar
            x = x_of(start + bar) if rtl else x_of(start)
            bars.append(
                {
                    "x": round(x, 1),
                    "y": round(y_of(value), 1),
                    "width": round(bar, 1),
                    "height": round(plot_height * value / top, 1),
                    "css": css,
                    "key": key,
                    "value": value,
                }
            )
        groups.append(
            {
                "year": figure.year,
                "label_x": round(x_of(index * slot + slot / 2), 1),
                "bars": bars,
            }
        )
    ticks = [{"value": value, "y": round(y_of(value), 1)} for value in range(0, top + 1, step)]
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "groups": groups,
        "ticks": ticks,
        "axis_x": x_of(0),
        "axis_end": x_of(plot_width),
        "tick_x": x_of(-6),
        "tick_anchor": "start" if rtl else "end",
        "baseline": CHART_MARGIN["top"] + plot_height,
        "label_y": CHART_HEIGHT - 10,
    }


def nice_step(top):
    """A round step between axis ticks that gives at most about six ticks up to `top`."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500):
        if top / step <= 6:
            return step
    return 1000


def chosen_year(status):
    """The reporting year asked for with ?year=, the latest by default; None when the value is
    not one of the years shown."""
    asked = request.args.get("year")
    if asked is None:
        return status.years[0]
    year = parse_int(asked)
    return year if year in status.years else None


def bad_year():
    return render_error(400, _("There are no figures for that year. Choose a year from the list."))


def series_labels():
    return {
        "due": _("States Parties due"),
        "to_date": _("Submitted to date"),
        "by_deadline": _("Submitted by the deadline"),
    }


@bp.route("/status")
@public
def status():
    """The public reporting status: figures per year, a chart, the initial reports, the
    full-compliance rate, and the States that submitted the reports of one year."""
    state = ReportingStatus()
    year = chosen_year(state)
    if year is None:
        return bad_year()
    figures = state.figures()
    return render_template(
        "reporting/status.html",
        status=state,
        figures=figures,
        year=year,
        chart=chart(figures, text_direction(str(get_locale() or "en"))),
        series=series_labels(),
        initial=state.initial_figures(),
        compliance=state.compliance(),
        cohort=state.cohort(),
        annual_submitters=state.submitters(ReportKind.ANNUAL, year),
        initial_submitters=state.submitters(ReportKind.INITIAL),
        percent=format_percent,
    )


@bp.route("/status.csv")
@public
def status_csv():
    """The figures per year as CSV: the counts of `ReportingStatus.summary`, as the status page
    and the API give them."""
    state = ReportingStatus()
    header = [
        "year",
        "deadline",
        "deadline_passed",
        "states_due",
        "submitted_by_deadline",
        "submitted_to_date",
        "public",
        "restricted",
        "entered_online",
        "imported_from_file",
        "submitted_at_same_stage",
        "forwarded_to_un_register",
    ]

    def value(item):
        if isinstance(item, bool):
            return "yes" if item else "no"
        return "" if item is None else item

    rows = [[value(year[key]) for key in header] for year in state.summary()["years"]]
    return csv_response(f"att-reporting-status-{state.today.isoformat()}.csv", header, rows)


@bp.route("/status/secretariat")
def status_secretariat():
    """Every State Party (and any other State that reported) with where its annual report on one
    year and its initial report stand: dates, receipts, versions, acknowledgement."""
    require("reporting_status_view")
    state = ReportingStatus()
    year = chosen_year(state)
    if year is None:
        return bad_year()
    return render_template(
        "reporting/status_secretariat.html",
        status=state,
        year=year,
        figures=state.year_figures(year),
        rows=state.state_rows(year),
        percent=format_percent,
    )


@bp.route("/status/secretariat.csv")
def status_secretariat_csv():
    """The Secretariat's list of one year as CSV."""
    require("reporting_status_view")
    state = ReportingStatus()
    year = chosen_year(state)
    if year is None:
        return bad_year()
    header = ["state", "iso3", "kind", "entry_into_force", "fully_compliant"]
    for prefix in ("annual", "initial"):
        header += [
            f"{prefix}_state",
            f"{prefix}_due_on",
            f"{prefix}_first_submitted_at",
            f"{prefix}_last_submitted_at",
            f"{prefix}_versions",
            f"{prefix}_receipt",
            f"{prefix}_public",
            f"{prefix}_source",
            f"{prefix}_acknowledged_at",
        ]
    rows = []
    for row in state.state_rows(year):
        delegation = row.delegation
        cells = [
            delegation.name,
            delegation.iso3,
            delegation.kind,
            delegation.entry_into_force.isoformat() if delegation.entry_into_force else "",
            "" if row.is_compliant is None else ("yes" if row.is_compliant else "no"),
        ]
        for report in (row.annual, row.initial):
            sent = report.submitted
            cells += [
                report.state,
                report.due_on.isoformat() if report.due_on and report.is_owed else "",
                timestamp(sent and sent.first_submitted_at),
                timestamp(sent and sent.last_submitted_at),
                sent.versions if sent else "",
                sent.receipt if sent else "",
                ("yes" if sent.is_public else "no") if sent else "",
                sent.source if sent else "",
                timestamp(sent and sent.acknowledged_at),
            ]
        rows.append(cells)
    return csv_response(f"att-reporting-status-{year}-by-state.csv", header, rows)


def timestamp(value):
    return value.isoformat(timespec="seconds") if value else ""


def csv_response(filename, header, rows):
    """A CSV download whose every cell a spreadsheet shows as text (see `csv_cell`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for cells in [header, *rows]:
        writer.writerow([csv_cell(cell) for cell in cells])
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
