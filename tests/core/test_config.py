"""Start-up rules: production refuses to run without its secrets; development makes its own."""

import pytest

import config
from portal import create_app
from portal.extensions import db


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.setattr(config.ProductionConfig, "SECRET_KEY", None)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config.ProductionConfig)


def test_production_refuses_to_start_without_a_database(monkeypatch):
    monkeypatch.setattr(config.ProductionConfig, "SECRET_KEY", "x" * 64)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        create_app(config.ProductionConfig)


def test_production_sends_cookies_over_https_only(monkeypatch):
    monkeypatch.setattr(config.ProductionConfig, "SECRET_KEY", "x" * 64)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    app = create_app(config.ProductionConfig)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["PORTAL_RUN_JOBS_INLINE"] is False


@pytest.mark.parametrize(
    "url",
    ["postgresql+psycopg://portal@db.invalid/portal", "sqlite://"],
    ids=["postgresql", "sqlite"],
)
def test_production_checks_a_pooled_connection_before_using_it(monkeypatch, url):
    """So that a web request after a database restart gets a live connection, not an error."""
    monkeypatch.setattr(config.ProductionConfig, "SECRET_KEY", "x" * 64)
    monkeypatch.setattr(config.ProductionConfig, "SQLALCHEMY_DATABASE_URI", url)
    monkeypatch.setenv("DATABASE_URL", url)
    app = create_app(config.ProductionConfig)
    with app.app_context():
        assert db.engine.url.get_backend_name() == url.split("+")[0].split(":")[0]
        assert db.engine.pool._pre_ping is True  # noqa: SLF001 - SQLAlchemy offers no accessor


def test_the_test_app_checks_a_pooled_connection_before_using_it(app):
    assert db.engine.pool._pre_ping is True  # noqa: SLF001 - SQLAlchemy offers no accessor


def test_development_creates_one_secret_key_and_keeps_it(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    first = config.development_secret_key()
    second = config.development_secret_key()
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
