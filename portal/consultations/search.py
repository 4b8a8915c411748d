"""How national reports to cabinet or parliament reach the search index: one item per report,
with the text of each language's file in that language's field, the State as its delegation
and the audience's acl."""

from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.consultations.models import NationalReport
from portal.extensions import db
from portal.library.search import delegation_code
from portal.search.engine import Adapter, key


def report_item(report_id):
    report = db.session.scalar(
        select(NationalReport)
        .where(NationalReport.id == report_id)
        .options(selectinload(NationalReport.files), selectinload(NationalReport.delegation))
    )
    if report is None:
        return None
    texts = {report_file.language: report_file.text or "" for report_file in report.files}
    texts["und"] = " ".join(report.contents)
    return {
        "key": key("national_report", report.id),
        "kind": "national_report",
        "id": report.id,
        "acl": report.acl,
        "title": report.title,
        "texts": texts,
        "symbol": "",
        "type": "national_report",
        "wg": [],
        "topic": None,
        "cycle": None,
        "langs": [report_file.language for report_file in report.files],
        "delegation": delegation_code(report.delegation),
        "date": datetime.combine(date(report.year, 1, 1), time()),
        "tags": list(report.contents),
    }


def report_ids():
    return db.session.scalars(select(NationalReport.id).order_by(NationalReport.id))


def report_rows(ids):
    reports = db.session.scalars(
        select(NationalReport).where(NationalReport.id.in_(ids))
        .options(selectinload(NationalReport.delegation))
    )
    return {report.id: report for report in reports}


ADAPTER = Adapter(kind="national_report", item=report_item, ids=report_ids, rows=report_rows)
