"""The demo intersessional work of `flask portal demo-data`."""

from sqlalchemy import select

from portal.consultations.models import (
    AdvisoryMember,
    Consultation,
    InputRequest,
    NationalReport,
)
from portal.extensions import db
from portal.meetings.models import Meeting


def test_the_demo_holds_consultations_the_group_a_report_and_a_briefing(app, tmp_path,
                                                                        monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    result = app.test_cli_runner().invoke(args=["portal", "demo-data"])
    assert result.exit_code == 0, result.output
    assert "2 informal consultations" in result.output
    by_status = {c.status: c for c in db.session.scalars(select(Consultation))}
    assert by_status["agreed"].is_open() and by_status["requested"]
    assert len(by_status["agreed"].delegations) == 2
    assert len(db.session.scalars(select(AdvisoryMember)).all()) == 2
    assert db.session.scalar(select(InputRequest)).is_open()
    report = db.session.scalar(select(NationalReport))
    assert report.acl == "public" and report.files[0].text.startswith("Informe anual")
    assert db.session.scalar(select(Meeting).where(Meeting.kind == "briefing"))
