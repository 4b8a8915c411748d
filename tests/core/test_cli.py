"""The `flask` commands that set up an installation."""

from sqlalchemy import func, select

from portal.accounts.models import Delegation, User
from portal.extensions import db
from portal.forum.models import Post, Topic, WorkingGroup


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_data_loads_delegations_working_groups_accounts_and_topics(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    result = app.test_cli_runner().invoke(args=["portal", "demo-data", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert count(Delegation, Delegation.kind == "state_party") >= 110
    assert count(Delegation, Delegation.kind == "signatory") >= 20
    assert count(Delegation, Delegation.kind == "secretariat") == 1
    assert count(WorkingGroup) == 9
    assert count(WorkingGroup, WorkingGroup.parent_id.is_not(None)) == 3
    assert count(User, User.status == "active") == 5
    assert count(Topic) == 5 and count(Post) == 1
    accounts = (tmp_path / "demo-accounts.txt").read_text()
    assert "secretariat@demo.att-portal.invalid" in accounts
    assert (tmp_path / "demo-accounts.txt").stat().st_mode & 0o077 == 0

    again = app.test_cli_runner().invoke(args=["portal", "demo-data", "--if-empty"])
    assert "already has data" in again.output
    assert count(User) == 5


def test_demo_States_carry_treaty_facts(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    app.test_cli_runner().invoke(args=["portal", "demo-data"])
    mexico = db.session.scalar(select(Delegation).where(Delegation.iso3 == "MEX"))
    assert (mexico.kind, mexico.regional_group, mexico.is_demo) == (
        "state_party",
        "latin_american_caribbean",
        True,
    )
    assert mexico.entry_into_force is not None


def test_create_admin_refuses_a_weak_password_and_creates_a_secretariat_account(app):
    runner = app.test_cli_runner()
    weak = runner.invoke(
        args=["portal", "create-admin", "--email", "Chief@Example.org", "--name", "Chief"],
        input="password1234\npassword1234\n",
    )
    assert weak.exit_code != 0 and count(User) == 0
    strong = runner.invoke(
        args=["portal", "create-admin", "--email", "Chief@Example.org", "--name", "Chief"],
        input="velvet compass under marble skies\nvelvet compass under marble skies\n",
    )
    assert strong.exit_code == 0, strong.output
    chief = db.session.scalar(select(User))
    assert chief.email == "chief@example.org" and chief.is_secretariat and chief.is_active
