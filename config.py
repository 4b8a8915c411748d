"""Configuration classes, read from the environment.

`Config` is the development default (SQLite in `instance/`, jobs run in-process after each
request, cookies allowed over plain HTTP on 127.0.0.1). `ProductionConfig` is chosen with
`PORTAL_CONFIG=production` and refuses to start without the settings a real server needs.
`TestingConfig` is used by the test suite.
"""

import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("PORTAL_INSTANCE_DIR", BASE_DIR / "instance"))
#: Where throttling counts live unless RATELIMIT_STORAGE_URI says otherwise: a store that every
#: process of the portal sees, so that a limit holds however many processes serve it.
LOCAL_REDIS = "redis://127.0.0.1:6379/0"


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def throttling_store(uri):
    """`uri` if the throttling store there answers within a second; otherwise `memory://`, with
    a warning: each process then counts for itself, which holds for one process only."""
    from limits.storage import storage_from_string

    if storage_from_string(uri, socket_connect_timeout=1, socket_timeout=1).check():
        return uri
    logging.getLogger("portal").warning(
        "Throttling store %s does not answer: counting sign-in attempts in this process's "
        "memory. That is enough for one process (flask run); start Redis, or set "
        "RATELIMIT_STORAGE_URI, before running several.",
        uri,
    )
    return "memory://"


def shares_throttling(uri):
    """Whether a throttling store at `uri` is seen by every process (not `memory://`)."""
    scheme = (uri or "").partition("://")[0]
    return bool(scheme) and scheme != "memory"


def development_secret_key():
    """Create the development secret key once in `instance/`, so every worker shares it."""
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'portal.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    #: Where uploaded files live; outside `static/`, served only through access-checked views.
    PORTAL_FILES_DIR = os.environ.get("PORTAL_FILES_DIR", str(INSTANCE_DIR / "files"))
    PORTAL_INDEX_DIR = os.environ.get("PORTAL_INDEX_DIR", str(INSTANCE_DIR / "index"))
    #: Absolute base URL used in emails (links must work outside a request).
    PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000")

    # Languages: English is the source; Arabic is written right to left.
    LANGUAGES = ["en", "ar", "es", "fr", "ru", "zh"]
    RTL_LANGUAGES = {"ar"}
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")

    # Sessions: a signed cookie carries only a random session id; the session lives in the
    # database so that sign-out and password change end it on the server.
    SESSION_COOKIE_NAME = "portal_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
    PORTAL_SESSION_IDLE_MINUTES = env_int("PORTAL_SESSION_IDLE_MINUTES", 30)
    PORTAL_SESSION_ABSOLUTE_HOURS = env_int("PORTAL_SESSION_ABSOLUTE_HOURS", 12)
    #: Require a second factor from every account, not only from the Secretariat.
    PORTAL_REQUIRE_TOTP_FOR_ALL = env_bool("PORTAL_REQUIRE_TOTP_FOR_ALL", False)
    #: Require a second factor from whoever reads a diversion channel or has a reporting role
    #: (point of contact, reporting officer), after a grace period of this many days from the
    #: first sign-in that needed it (0: at once).
    PORTAL_REQUIRE_TOTP_FOR_SENSITIVE = env_bool("PORTAL_REQUIRE_TOTP_FOR_SENSITIVE", True)
    PORTAL_TOTP_GRACE_DAYS = env_int("PORTAL_TOTP_GRACE_DAYS", 14)
    PORTAL_PASSWORD_MIN_LENGTH = 12
    #: Hours a set-password or reset link stays valid.
    PORTAL_LINK_HOURS = env_int("PORTAL_LINK_HOURS", 24)

    #: How many reverse proxies in front of the app set X-Forwarded-For/-Proto (0: none).
    PORTAL_TRUSTED_PROXIES = env_int("PORTAL_TRUSTED_PROXIES", 0)

    #: The longest forum post, in characters.
    PORTAL_POST_MAX_CHARS = env_int("PORTAL_POST_MAX_CHARS", 20000)
    #: Text extraction of library files runs in a child process with these limits.
    PORTAL_EXTRACT_TIMEOUT_SECONDS = env_int("PORTAL_EXTRACT_TIMEOUT_SECONDS", 60)
    PORTAL_EXTRACT_MAX_CHARS = env_int("PORTAL_EXTRACT_MAX_CHARS", 1_000_000)
    #: How long an index change waits for another process's writer before it is retried.
    PORTAL_INDEX_WRITER_TIMEOUT_SECONDS = env_int("PORTAL_INDEX_WRITER_TIMEOUT_SECONDS", 10)

    WTF_CSRF_TIME_LIMIT = None  # the session's own lifetime bounds the token
    MAX_CONTENT_LENGTH = env_int("PORTAL_MAX_UPLOAD_MB", 50) * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 1024 * 1024

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", LOCAL_REDIS)
    #: The start of every throttling key in the store: one per portal sharing a Redis server.
    RATELIMIT_STORAGE_OPTIONS = {"key_prefix": os.environ.get("PORTAL_RATELIMIT_PREFIX", "portal")}
    #: Should the store stop answering, each process counts in its memory until it is back,
    #: rather than refusing every sign-in.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    PORTAL_SIGN_IN_LIMIT_PER_ADDRESS = os.environ.get(
        "PORTAL_SIGN_IN_LIMIT_PER_ADDRESS", "20 per 10 minutes"
    )
    PORTAL_SIGN_IN_LIMIT_PER_ACCOUNT = os.environ.get(
        "PORTAL_SIGN_IN_LIMIT_PER_ACCOUNT", "5 per 15 minutes"
    )
    PORTAL_FORM_LIMIT = os.environ.get("PORTAL_FORM_LIMIT", "10 per hour")
    #: Requests to the JSON API per token (or signed-in person).
    PORTAL_API_LIMIT = os.environ.get("PORTAL_API_LIMIT", "300 per 5 minutes")
    #: Fetches of one feed address.
    PORTAL_FEED_LIMIT = os.environ.get("PORTAL_FEED_LIMIT", "60 per hour")

    #: The OpenAPI document of the JSON API (flask-smorest).
    API_TITLE = "ATT information exchange portal API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.1.0"
    API_SPEC_OPTIONS = {"security": [{"token": []}, {"session": []}]}

    #: `smtp` sends email; `files` (the development default) writes each message to
    #: `instance/mail/` as an .eml file and logs it, so the sign-up flow works without a server.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "files")
    MAIL_HOST = os.environ.get("MAIL_HOST", "127.0.0.1")
    MAIL_PORT = env_int("MAIL_PORT", 8025)
    MAIL_USE_TLS = env_bool("MAIL_USE_TLS", False)  # STARTTLS
    MAIL_USE_SSL = env_bool("MAIL_USE_SSL", False)  # implicit TLS
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "ATT portal <no-reply@att-portal.invalid>")
    MAIL_TIMEOUT = env_int("MAIL_TIMEOUT", 20)

    #: Run queued jobs in the web process right after the request that queued them.
    #: Production runs `flask portal worker` instead.
    PORTAL_RUN_JOBS_INLINE = env_bool("PORTAL_RUN_JOBS_INLINE", True)
    PORTAL_JOB_MAX_ATTEMPTS = env_int("PORTAL_JOB_MAX_ATTEMPTS", 8)
    PORTAL_JOB_BACKOFF_SECONDS = env_int("PORTAL_JOB_BACKOFF_SECONDS", 30)
    #: A running job renews its claim four times in this period; one not renewed for this long
    #: belongs to a worker that died, and is run again.
    PORTAL_JOB_STALE_SECONDS = env_int("PORTAL_JOB_STALE_SECONDS", 120)
    #: Instant notification emails about one thread or document: at most one per this period.
    PORTAL_NOTIFY_COALESCE_MINUTES = env_int("PORTAL_NOTIFY_COALESCE_MINUTES", 10)

    @classmethod
    def init(cls):
        """Fill in what can only be known at start-up (called by create_app)."""
        if not cls.SECRET_KEY:
            cls.SECRET_KEY = development_secret_key()
        if not os.environ.get("RATELIMIT_STORAGE_URI"):
            # `make run` on a fresh machine has no Redis: one process is served all the same.
            cls.RATELIMIT_STORAGE_URI = throttling_store(LOCAL_REDIS)


class ProductionConfig(Config):
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    PORTAL_RUN_JOBS_INLINE = env_bool("PORTAL_RUN_JOBS_INLINE", False)
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def init(cls):
        if not cls.SECRET_KEY:
            raise RuntimeError("SECRET_KEY must be set in production (PORTAL_CONFIG=production).")
        if not os.environ.get("DATABASE_URL"):
            raise RuntimeError("DATABASE_URL must be set in production.")
        storage = os.environ.get("RATELIMIT_STORAGE_URI")
        if not shares_throttling(storage):
            raise RuntimeError(
                "RATELIMIT_STORAGE_URI must name a store that every process shares in production "
                "(for example redis://127.0.0.1:6379/0): with memory:// each process counts "
                "sign-in attempts for itself, which multiplies every limit by their number."
            )
        cls.RATELIMIT_STORAGE_URI = storage


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key-not-for-production"
    SQLALCHEMY_DATABASE_URI = os.environ.get("PORTAL_TEST_DATABASE_URL", "sqlite://")
    #: Redis, as in development; its keys start with a prefix of this run's own, so that test
    #: runs side by side (SQLite and PostgreSQL in CI) never count each other's attempts, and
    #: resetting the limits between tests deletes this run's keys only.
    RATELIMIT_STORAGE_URI = os.environ.get("PORTAL_TEST_RATELIMIT_STORAGE_URI", LOCAL_REDIS)
    RATELIMIT_STORAGE_OPTIONS = {"key_prefix": f"portal-test-{secrets.token_hex(8)}"}
    PORTAL_BASE_URL = "http://localhost"
    MAIL_BACKEND = "smtp"
    #: Forms are posted without tokens in most tests; tests/core/test_security.py turns CSRF
    #: back on and proves that a form without its token is refused.
    WTF_CSRF_ENABLED = False
    PORTAL_JOB_BACKOFF_SECONDS = 1

    @classmethod
    def init(cls):
        cls.RATELIMIT_STORAGE_URI = throttling_store(cls.RATELIMIT_STORAGE_URI)


CONFIGS = {"development": Config, "production": ProductionConfig, "testing": TestingConfig}
