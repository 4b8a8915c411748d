"""Start-up rules: production refuses to run without its secrets and a shared throttling store;
development makes its own secret and counts in memory when Redis is not there."""

import logging

import pytest

import config
from portal import create_app
from portal.extensions import db
from tests.conftest import free_port


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    production_settings(monkeypatch)
    monkeypatch.setattr(config.ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config.ProductionConfig)


def test_production_refuses_to_start_without_a_database(monkeypatch):
    production_settings(monkeypatch)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        create_app(config.ProductionConfig)


def production_settings(monkeypatch, throttling="redis://127.0.0.1:6379/0"):
    """What a production server sets, and the class attributes its start-up fills, restored."""
    monkeypatch.setattr(config.ProductionConfig, "SECRET_KEY", "x" * 64)
    monkeypatch.setattr(config.ProductionConfig, "RATELIMIT_STORAGE_URI", None)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    if throttling is None:
        monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    else:
        monkeypatch.setenv("RATELIMIT_STORAGE_URI", throttling)


def test_production_sends_cookies_over_https_only(monkeypatch):
    production_settings(monkeypatch)
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
    production_settings(monkeypatch)
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


@pytest.mark.parametrize("throttling", [None, "", "memory://"])
def test_production_refuses_to_start_without_a_shared_throttling_store(monkeypatch, throttling):
    production_settings(monkeypatch, throttling=throttling)
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI"):
        create_app(config.ProductionConfig)


def test_production_counts_attempts_in_the_store_it_names(monkeypatch):
    production_settings(monkeypatch, throttling="redis://cache.internal:6380/2")
    app = create_app(config.ProductionConfig)
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6380/2"


def test_development_counts_in_memory_with_a_warning_when_redis_does_not_answer(
    monkeypatch, tmp_path, caplog
):
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    monkeypatch.setattr(config, "LOCAL_REDIS", f"redis://127.0.0.1:{free_port()}/0")
    monkeypatch.setattr(config.Config, "RATELIMIT_STORAGE_URI", config.LOCAL_REDIS)
    monkeypatch.setattr(config.Config, "SECRET_KEY", None)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    with caplog.at_level(logging.WARNING, logger="portal"):
        app = create_app(config.Config)
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert "does not answer" in caplog.text and "RATELIMIT_STORAGE_URI" in caplog.text


def test_development_keeps_a_store_named_in_the_environment(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    monkeypatch.setattr(config.Config, "RATELIMIT_STORAGE_URI", "redis://cache.internal:6380/2")
    monkeypatch.setattr(config.Config, "SECRET_KEY", None)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://cache.internal:6380/2")
    app = create_app(config.Config)
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6380/2"


def test_development_uses_local_redis_when_it_answers(monkeypatch, tmp_path):
    if config.throttling_store(config.LOCAL_REDIS) != config.LOCAL_REDIS:
        pytest.skip(f"Redis does not answer at {config.LOCAL_REDIS}")
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    monkeypatch.setattr(config.Config, "RATELIMIT_STORAGE_URI", config.LOCAL_REDIS)
    monkeypatch.setattr(config.Config, "SECRET_KEY", None)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    app = create_app(config.Config)
    assert app.config["RATELIMIT_STORAGE_URI"] == config.LOCAL_REDIS
