"""Builders of reporting test data: reporting States with their people, report lines and
content, and reports taken through the services as a delegation would."""

from datetime import date

from portal.extensions import db
from portal.reporting import services
from portal.reporting.models import annual_content, blank_line, initial_content

#: The day the tests report on: annual reports up to 2025 can be submitted.
TODAY = date(2026, 3, 1)


def reporting_state(make, iso3="FRA", kind="state_party", entry_into_force=date(2014, 12, 24)):
    """A State delegation with its point of contact and a member."""
    delegation = make.delegation(kind=kind, iso3=iso3, entry_into_force=entry_into_force)
    contact = make.user(delegation=delegation, role="point_of_contact")
    member = make.user(delegation=delegation)
    return delegation, contact, member


def line(**values):
    """An export or import line that passes validation, with `values` changed."""
    return (
        blank_line()
        | {
            "category": "II",
            "basis": "actual",
            "items": 4,
            "value": "1250000.00",
            "currency": "EUR",
            "partner": "DEU",
        }
        | values
    )


def annual(state="FRA", year=2025, exports=None, imports=None, **values):
    """The content of an annual report: one export line and a nil import table by default."""
    content = annual_content(
        state,
        year,
        exports=[line()] if exports is None else exports,
        imports=imports or [],
        imports_nil=not imports,
    )
    return content | values


def initial(state="FRA", **answers):
    return initial_content(state, answers)


def submitted(delegation, by, content=None, year=2025, today=TODAY):
    """An annual (or, with `year` None, initial) report of `delegation` submitted by `by`,
    committed; returns the submitted version."""
    if year is None:
        version = services.start_initial(delegation, by)
        content = content or initial(delegation.iso3)
    else:
        version = services.start_annual(delegation, year, "empty", by, today)
        content = content or annual(delegation.iso3, year)
    services.save_draft(version, content, by)
    services.submit(version, by, today)
    db.session.commit()
    return version


def draft(delegation, by, content=None, year=2025, today=TODAY):
    """A saved draft of an annual report (initial with `year` None), committed."""
    if year is None:
        version = services.start_initial(delegation, by)
    else:
        version = services.start_annual(delegation, year, "empty", by, today)
    if content is not None:
        services.save_draft(version, content, by)
    db.session.commit()
    return version
