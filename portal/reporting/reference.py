"""Demo reports, read from `data/demo_reports.json`: initial and annual reports of a few demo
States over several years, loaded by `flask portal demo-data` after the demo accounts.

They are written as they would stand after years of use: submitted versions carry their past
submission dates, receipts and digests, some are restricted to States Parties, one was imported
from a file, one initial report was updated, one annual report is still a draft. The versions
are written directly rather than through the services, which stamp the current time; the
content of each is checked by the same validation as a submission, so a demo report could have
been submitted.
"""

import json
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from portal.accounts.models import Delegation, User
from portal.core.models import now_utc
from portal.extensions import db
from portal.reporting.models import (
    Report,
    ReportKind,
    ReportVersion,
    Source,
    VersionStatus,
    annual_content,
    content_digest,
    initial_content,
)
from portal.reporting.services import receipt_for, validate
from portal.reporting.validation import is_error

DEMO_REPORTS_FILE = Path(__file__).parent / "data" / "demo_reports.json"

#: The demo accounts (portal/cli.py DEMO_ACCOUNTS) named by the `by` of a version.
DEMO_AUTHORS = {
    "mexico-contact": "contact.mexico@demo.att-portal.invalid",
    "mexico-delegate": "delegate.mexico@demo.att-portal.invalid",
    "secretariat": "secretariat@demo.att-portal.invalid",
}


def demo_content(entry, version, delegation):
    """The content of one demo version, with the keys in their fixed order."""
    if entry["kind"] == ReportKind.INITIAL.value:
        content = initial_content(delegation.iso3, version["answers"])
    else:
        content = annual_content(
            delegation.iso3,
            entry["year"],
            exports=version["exports"]["lines"],
            imports=version["imports"]["lines"],
            exports_nil=version["exports"]["nil"],
            imports_nil=version["imports"]["nil"],
        )
    content["public"] = version["public"]
    return content


def check(report, content, today):
    """Refuse demo data that a submission would refuse (a mistake in the data file)."""
    errors = [problem for problem in validate(report, content, today) if is_error(problem)]
    if errors:
        raise ValueError(f"demo report of {report.delegation.iso3} is not valid: {errors}")


def load_demo_reports(today=None):
    """Add the demo reports of the demo States; returns how many reports were added. Reports
    already present (same State, kind and year) are left alone."""
    today = today or now_utc().date()
    entries = json.loads(DEMO_REPORTS_FILE.read_text(encoding="utf-8"))["reports"]
    authors = {
        key: db.session.scalar(select(User).where(User.email == email))
        for key, email in DEMO_AUTHORS.items()
    }
    added = 0
    for entry in entries:
        delegation = db.session.scalar(select(Delegation).where(Delegation.iso3 == entry["state"]))
        kind = ReportKind(entry["kind"])
        year = entry.get("year")
        present = db.session.scalar(
            select(Report.id).where(
                Report.delegation_id == delegation.id,
                Report.kind == kind.value,
                Report.year.is_(None) if year is None else Report.year == year,
            )
        )
        if present is not None:
            continue
        report = Report(
            delegation_id=delegation.id,
            delegation=delegation,
            kind=kind.value,
            year=year,
        )
        db.session.add(report)
        for number, version in enumerate(entry["versions"], start=1):
            content = demo_content(entry, version, delegation)
            check(report, content, today)
            author = authors[version["by"]]
            row = ReportVersion(
                report=report,
                content=content,
                source=Source(version["source"]).value,
                source_name=version.get("source_name", ""),
                created_by_id=author.id,
            )
            if entry.get("draft"):
                row.status = VersionStatus.DRAFT.value
            else:
                submitted_at = datetime.fromisoformat(version["submitted_at"])
                row.status = VersionStatus.SUBMITTED.value
                row.number = number
                row.created_at = row.updated_at = row.submitted_at = submitted_at
                row.submitted_by_id = author.id
                row.receipt = receipt_for(report, number)
                row.digest = content_digest(content)
                if version.get("acknowledged_at"):
                    row.acknowledged_at = datetime.fromisoformat(version["acknowledged_at"])
                    row.acknowledged_by_id = authors["secretariat"].id
            row.derive_acl()
            db.session.add(row)
        added += 1
    db.session.flush()
    return added
