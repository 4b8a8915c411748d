"""The life of a report through the services: starting (empty, nil, from the previous year),
drafts, submission with a receipt, immutability of submitted versions, amendments,
acknowledgement and reporting officers, each with the audit entry it leaves."""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.core.audit import AuditEvent
from portal.extensions import db
from portal.reporting import services
from portal.reporting.models import Report, ReportVersion, content_digest
from portal.reporting.services import ReportingError, SubmittedVersionIsImmutable
from tests.reporting.builders import TODAY, annual, draft, line, reporting_state, submitted


def actions():
    return [
        event.action for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
    ]


def test_submission_numbers_the_version_and_gives_a_receipt(make):
    france, contact, _ = reporting_state(make)
    version = submitted(france, contact)
    assert version.number == 1
    assert version.receipt == "ATT-AR-2025-FRA-1"
    assert version.digest == content_digest(version.content)
    assert len(version.digest) == 64
    assert version.submitted_by_id == contact.id
    assert version.acl == "public"
    assert "report.submit" in actions()


def test_a_restricted_report_is_for_states_parties_and_a_draft_for_its_delegation(make):
    france, contact, _ = reporting_state(make)
    version = draft(france, contact, annual(public=False))
    assert version.acl == f"delegation:{france.id}"
    services.submit(version, contact, TODAY)
    db.session.commit()
    assert version.acl == "state_party"
    assert version.is_public is False


def test_initial_report_receipt(make):
    france, contact, _ = reporting_state(make)
    version = submitted(france, contact, year=None)
    assert version.receipt == "ATT-IR-FRA-1"


def test_errors_block_submission_and_change_nothing(make):
    france, contact, _ = reporting_state(make)
    version = draft(france, contact, annual(exports=[line(partner="FRA")]))
    with pytest.raises(ReportingError) as raised:
        services.submit(version, contact, TODAY)
    assert [(p.table, p.index, p.field) for p in raised.value.problems] == [
        ("exports", 0, "partner")
    ]
    db.session.rollback()
    stored = db.session.get(ReportVersion, version.id)
    assert stored.is_draft and stored.number is None and stored.receipt is None


def test_warnings_do_not_block_submission(make):
    france, contact, _ = reporting_state(make)
    version = submitted(france, contact, annual(exports=[line(items=5_000_000)]))
    assert version.number == 1


def test_a_submitted_version_never_changes(make):
    france, contact, _ = reporting_state(make)
    version = submitted(france, contact)
    with pytest.raises(ReportingError):
        services.save_draft(version, annual(exports=[line(items=99)]), contact)
    with pytest.raises(ReportingError):
        services.submit(version, contact, TODAY)
    with pytest.raises(ReportingError):
        services.discard_draft(version)
    # Even code that bypasses the services cannot write the change.
    version.content = annual(exports=[line(items=99)])
    with pytest.raises(SubmittedVersionIsImmutable):
        db.session.flush()
    db.session.rollback()
    version.is_public = False
    with pytest.raises(SubmittedVersionIsImmutable):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(ReportVersion, version.id))
    with pytest.raises(SubmittedVersionIsImmutable):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(ReportVersion, version.id).content["exports"]["lines"][0]["items"] == 4


def test_an_amendment_is_a_new_version_and_the_first_stays(make):
    france, contact, _ = reporting_state(make)
    first = submitted(france, contact)
    report = first.report
    amendment = services.amend(report, contact)
    db.session.commit()
    assert amendment.is_draft and amendment.content == first.content
    with pytest.raises(ReportingError):
        services.amend(report, contact)  # one draft at a time
    content = annual(exports=[line(items=5)])
    services.save_draft(amendment, content, contact)
    services.submit(amendment, contact, TODAY)
    db.session.commit()
    assert amendment.number == 2
    assert amendment.receipt == "ATT-AR-2025-FRA-2"
    assert report.latest == amendment
    assert db.session.get(ReportVersion, first.id).content["exports"]["lines"][0]["items"] == 4
    assert actions().count("report.amend") == 1
    assert actions().count("report.submit") == 2


def test_nothing_to_amend_before_a_submission(make):
    france, contact, _ = reporting_state(make)
    version = draft(france, contact)
    with pytest.raises(ReportingError):
        services.amend(version.report, contact)


def test_one_report_per_state_and_year(make):
    france, contact, _ = reporting_state(make)
    draft(france, contact)
    with pytest.raises(ReportingError, match="already being prepared"):
        services.start_annual(france, 2025, "empty", contact, TODAY)
    db.session.rollback()
    germany, other, _ = reporting_state(make, iso3="DEU")
    draft(germany, other)  # another State, the same year
    first = submitted(france, contact, year=2024)
    with pytest.raises(ReportingError, match="amend it"):
        services.start_annual(france, 2024, "empty", contact, TODAY)
    assert first.report.year == 2024
    assert db.session.query(Report).count() == 3


def test_one_initial_report_per_state(make):
    france, contact, _ = reporting_state(make)
    services.start_initial(france, contact)
    db.session.commit()
    with pytest.raises(ReportingError):
        services.start_initial(france, contact)


@pytest.mark.parametrize("year", [2026, 2013])
def test_a_year_not_ended_or_before_the_treaty_cannot_be_started(make, year):
    france, contact, _ = reporting_state(make)
    with pytest.raises(ReportingError) as raised:
        services.start_annual(france, year, "empty", contact, TODAY)
    assert raised.value.field == "year"
    assert db.session.query(Report).count() == 0


def test_prefill_from_the_previous_year(make):
    france, contact, _ = reporting_state(make)
    lines = [line(), line(category="VIII.SA", subcategory="SA.4", partner="BEL")]
    submitted(
        france,
        contact,
        annual(year=2024, exports=lines, national_definitions="As the UN Register.", public=False),
        year=2024,
    )
    version = services.start_annual(france, 2025, "previous", contact, TODAY)
    db.session.commit()
    assert version.content["year"] == 2025
    assert version.content["exports"]["lines"] == lines
    assert version.content["imports"] == {"nil": True, "lines": []}
    assert version.content["national_definitions"] == "As the UN Register."
    assert version.content["public"] is False
    assert version.acl == f"delegation:{france.id}"


def test_prefill_takes_the_latest_version_of_the_previous_year(make):
    france, contact, _ = reporting_state(make)
    first = submitted(france, contact, year=2024, content=annual(year=2024))
    amendment = services.amend(first.report, contact)
    services.save_draft(amendment, annual(year=2024, exports=[line(items=77)]), contact)
    services.submit(amendment, contact, TODAY)
    db.session.commit()
    version = services.start_annual(france, 2025, "previous", contact, TODAY)
    assert version.content["exports"]["lines"][0]["items"] == 77


def test_prefill_needs_a_previous_report(make):
    france, contact, _ = reporting_state(make)
    draft(france, contact, year=2024)  # a draft is not a report to start from
    with pytest.raises(ReportingError, match="no submitted report of an earlier year"):
        services.start_annual(france, 2025, "previous", contact, TODAY)


def test_a_nil_start(make):
    france, contact, _ = reporting_state(make)
    version = services.start_annual(france, 2025, "nil", contact, TODAY)
    assert version.content["exports"] == {"nil": True, "lines": []}
    assert version.content["imports"] == {"nil": True, "lines": []}
    services.submit(version, contact, TODAY)
    assert version.number == 1


def test_acknowledgement_once(make):
    france, contact, _ = reporting_state(make)
    officer = make.secretariat()
    version = submitted(france, contact)
    services.acknowledge(version, officer)
    db.session.commit()
    assert version.acknowledged_by_id == officer.id
    with pytest.raises(ReportingError):
        services.acknowledge(version, officer)
    assert "report.acknowledge" in actions()


def test_reporting_officers(make):
    france, contact, member = reporting_state(make)
    stranger = make.user()
    with pytest.raises(ReportingError):
        services.designate_officer(france, stranger, contact)
    with pytest.raises(ReportingError):
        services.designate_officer(france, contact, contact)
    suspended = make.user(delegation=france, status="suspended")
    with pytest.raises(ReportingError):
        services.designate_officer(france, suspended, contact)
    officer = services.designate_officer(france, member, contact)
    db.session.commit()
    with pytest.raises(ReportingError):
        services.designate_officer(france, member, contact)
    services.remove_officer(officer)
    db.session.commit()
    assert actions() == ["report.officer_designate", "report.officer_remove"]


def test_a_discarded_draft_takes_its_empty_report_along(make):
    france, contact, _ = reporting_state(make)
    version = draft(france, contact)
    services.discard_draft(version)
    db.session.commit()
    assert db.session.query(Report).count() == 0
    first = submitted(france, contact)
    amendment = services.amend(first.report, contact)
    db.session.commit()
    services.discard_draft(amendment)
    db.session.commit()
    assert db.session.query(ReportVersion).count() == 1


def test_content_for_another_year_is_refused_on_submission(make):
    france, contact, _ = reporting_state(make)
    version = draft(france, contact, annual(year=2024))
    with pytest.raises(ReportingError) as raised:
        services.submit(version, contact, TODAY)
    assert [(p.table, p.field) for p in raised.value.problems] == [("report", "year")]


def test_an_oversized_draft_is_refused(make):
    france, contact, _ = reporting_state(make)
    version = draft(france, contact)
    with pytest.raises(ReportingError, match="too large"):
        services.save_draft(version, annual(national_definitions="x" * 5_000_001), contact)
    with pytest.raises(ReportingError, match="at most 2000 lines"):
        services.save_draft(version, annual(exports=[line()] * 2001), contact)


def test_the_database_holds_one_report_per_state_and_year_and_one_draft_per_report(make):
    """The unique indexes behind the services' checks, on SQLite and PostgreSQL alike."""
    france, contact, _ = reporting_state(make)
    for kind, year in (("initial", None), ("annual", 2024)):
        db.session.add(Report(delegation=france, kind=kind, year=year))
        db.session.commit()
        db.session.add(Report(delegation=france, kind=kind, year=year))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
    version = draft(france, contact)
    second = ReportVersion(
        report_id=version.report_id,
        content=version.content,
        created_by_id=contact.id,
        acl=version.acl,
    )
    db.session.add(second)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(Report(delegation=france, kind="annual", year=None))
    with pytest.raises(IntegrityError):
        db.session.commit()
