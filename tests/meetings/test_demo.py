"""The demo meetings of `flask portal demo-data`: the CSP12 cycle as the seeds describe it,
with agenda items linked to the demo topics and documents, a published speakers list and a
DIEF session that observers do not see."""

from datetime import datetime

from sqlalchemy import select

from portal.accounts.models import User
from portal.auth.passwords import hash_password
from portal.extensions import db
from portal.meetings.models import Meeting
from tests.conftest import PASSWORD


def account(email):
    user = db.session.scalar(select(User).where(User.email == email))
    user.password_hash = hash_password(PASSWORD)  # the demo passwords are random
    db.session.commit()
    return user


def test_the_demo_holds_the_csp12_cycle(app, tmp_path, monkeypatch, signed_in):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    result = app.test_cli_runner().invoke(args=["portal", "demo-data"])
    assert result.exit_code == 0, result.output
    assert "4 meetings" in result.output
    by_kind = {m.kind: m for m in db.session.scalars(select(Meeting))}
    prep, csp = by_kind["preparatory"], by_kind["conference"]
    # Stored in UTC: 10:00 in Geneva is 08:00 UTC in summer time.
    assert (prep.starts_at, prep.ends_at) == (datetime(2026, 5, 27, 8), datetime(2026, 5, 28, 16))
    assert (csp.local_start.date().isoformat(), csp.local_end.date().isoformat()) == (
        "2026-08-24",
        "2026-08-28",
    )
    assert csp.venue.startswith("Geneva")
    working_groups = by_kind["working_groups"]
    assert working_groups.is_speakers_published
    assert all(item.topic_id for item in working_groups.items)
    assert by_kind["dief"].acl == "state"

    delegate = signed_in(account("delegate.mexico@demo.att-portal.invalid"))
    page = delegate.get(f"/meetings/{working_groups.id}").get_data(as_text=True)
    assert "ATT/CSP12.WGTR/2026/CHAIR/836/AnnAgenda" in page
    assert "Mexico&#39;s experience of the online reporting tool" in page
    # Mexico's paper reached delegations after the deadline: flagged.
    assert 'badge-late' in page
    assert "Connection details" in page
    observer = signed_in(account("observer.sipri@demo.att-portal.invalid"))
    assert observer.get(f"/meetings/{by_kind['dief'].id}").status_code == 404
    assert "DIEF" not in observer.get("/meetings/?when=past").get_data(as_text=True)
    assert "DIEF" in delegate.get("/meetings/?when=past").get_data(as_text=True)
