"""What every benchmark of the portal starts from: a temporary folder, an empty database (a
SQLite file there, or a PostgreSQL database created and dropped here), the portal's
configuration for them, and keeping the run's figures in docs/benchmarks.md."""

import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import harness
from config import Config

#: The signing key of the portal under test, in gunicorn and in-process alike, so that a
#: session cookie from one works in the other.
SECRET_KEY = "benchmark-key-not-secret"


def add_run_arguments(parser):
    """The options every benchmark has: where its database is, and what it keeps."""
    parser.add_argument(
        "--database",
        help="a PostgreSQL URL whose database name starts with 'bench' (created and dropped "
        "here); default: a new SQLite file",
    )
    parser.add_argument(
        "--no-doc", action="store_true", help="print the figures without keeping them"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary folder and the PostgreSQL database"
    )


def run_in_fresh_folder(prefix, options, measure):
    """`measure(url, workdir)` in a new temporary folder with an empty database; both are
    removed afterwards unless `options.keep`. Returns what `measure` returns."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        with fresh_database(options.database, workdir, options.keep) as url:
            return measure(url, workdir)
    finally:
        if options.keep:
            print(f"Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def keep_run(name, run, same, order, render):
    """Add `run` to the runs of section `name` in docs/benchmarks.md, replacing the saved run
    that `same(saved, run)` says it repeats; returns every run, sorted by `order`."""
    runs = [saved for saved in harness.saved_runs(name) if not same(saved, run)] + [run]
    runs.sort(key=order)
    harness.write_section(name, render(runs), runs)
    print(f"\nWritten to {harness.DOC.relative_to(harness.ROOT)}")
    return runs


@contextmanager
def fresh_database(url, workdir, keep):
    """Yield the URL of an empty database, removed afterwards unless `keep`."""
    if url is None:
        yield f"sqlite:///{workdir / 'bench.sqlite'}"
        return
    url = make_url(url)
    if url.get_backend_name() != "postgresql":
        raise SystemExit("--database takes a PostgreSQL URL; SQLite is the default.")
    name = url.database or ""
    if not name.startswith("bench"):
        # The benchmark drops this database: never the test suite's (`test`) or anyone's data.
        raise SystemExit(f"Refusing database {name!r}: its name must start with 'bench'.")
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        if not keep:
            with server.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def bench_config(url, workdir):
    """The portal's configuration for a benchmark: its database and folders, jobs left to a
    worker, emails written to files, no second factor."""

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url
        PORTAL_FILES_DIR = str(workdir / "files")
        PORTAL_INDEX_DIR = str(workdir / "index")
        MAIL_BACKEND = "files"
        PORTAL_RUN_JOBS_INLINE = False
        RATELIMIT_STORAGE_URI = "memory://"
        PORTAL_REQUIRE_TOTP_FOR_ALL = False

    BenchConfig.SECRET_KEY = SECRET_KEY
    return BenchConfig


def server_env(url, workdir):
    """The environment of gunicorn serving the portal under test: the same database, key and
    folder as `bench_config`, jobs left to a worker, emails written to files."""
    return {
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET_KEY,
        "PORTAL_INSTANCE_DIR": str(workdir),
        "PORTAL_CONFIG": "development",
        "RATELIMIT_STORAGE_URI": "memory://",
        "PORTAL_RUN_JOBS_INLINE": "0",
        "PORTAL_REQUIRE_TOTP_FOR_ALL": "0",
        "MAIL_BACKEND": "files",
    }


def database_version(connection):
    if connection.dialect.name == "postgresql":
        version = connection.execute(text("SHOW server_version")).scalar().split()[0]
        return f"PostgreSQL {version}"
    return "SQLite " + connection.execute(text("SELECT sqlite_version()")).scalar()
