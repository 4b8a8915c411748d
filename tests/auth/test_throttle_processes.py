"""The sign-in limit holds across processes: two gunicorn servers, sharing the database and the
throttling store, refuse the sixth wrong password to an account limited to five, whichever
server receives it."""

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

import config
from tests.conftest import PASSWORD, free_port

ROOT = Path(__file__).resolve().parents[2]
#: Start-up of a server on a busy machine is given this long; a test never waits longer.
START_SECONDS = 90


def redis_answers():
    return config.throttling_store(config.LOCAL_REDIS) == config.LOCAL_REDIS


class Browser:
    """One browser's cookies and requests against one server; redirects are not followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), self.NoRedirect
        )

    def request(self, path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def sign_in(self, email, password):
        status, page = self.request("/auth/sign-in")
        assert status == 200, page
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        return self.request(
            "/auth/sign-in", {"csrf_token": token, "email": email, "password": password}
        )


def start_server(port, environment, log):
    command = [
        sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}",
        "wsgi:app",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=log)


def wait_until_serving(server, port, log_path):
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server on port {port} stopped:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the server on port {port} did not answer in {START_SECONDS} s")


@pytest.fixture
def two_servers(app, database_url, tmp_path):
    """Two server processes on the test database and this run's throttling keys in Redis."""
    if not redis_answers():
        pytest.skip(f"Redis does not answer at {config.LOCAL_REDIS}: no store to share")
    environment = {
        **os.environ,
        "PORTAL_CONFIG": "development",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "shared-by-both-servers-" + "x" * 40,
        "PORTAL_INSTANCE_DIR": str(tmp_path),
        "RATELIMIT_STORAGE_URI": config.LOCAL_REDIS,
        "PORTAL_RATELIMIT_PREFIX": app.config["RATELIMIT_STORAGE_OPTIONS"]["key_prefix"],
        "PORTAL_SIGN_IN_LIMIT_PER_ACCOUNT": "5 per 15 minutes",
        "PORTAL_SIGN_IN_LIMIT_PER_ADDRESS": "100 per 10 minutes",
        "PORTAL_RUN_JOBS_INLINE": "0",
    }
    servers, ports = [], [free_port(), free_port()]
    log_path = tmp_path / "servers.log"
    with open(log_path, "wb") as log:
        try:
            for port in ports:
                servers.append(start_server(port, environment, log))
            for server, port in zip(servers, ports):
                wait_until_serving(server, port, log_path)
            yield [f"http://127.0.0.1:{port}" for port in ports]
        finally:
            for server in servers:
                server.terminate()
            for server in servers:
                try:
                    server.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()


def test_the_account_limit_holds_across_two_server_processes(two_servers, make):
    person = make.user()
    browsers = [Browser(base) for base in two_servers]

    for attempt in range(5):
        status, page = browsers[attempt % 2].sign_in(person.email, "not the password at all")
        assert status == 200 and "is not correct" in page, (attempt, status)

    for browser in browsers:  # the sixth attempt, on either server, and even the right password
        status, _ = browser.sign_in(person.email, "not the password at all")
        assert status == 429
        status, _ = browser.sign_in(person.email, PASSWORD)
        assert status == 429


def test_another_account_is_not_held_back(two_servers, make):
    blocked, other = make.user(), make.user()
    browsers = [Browser(base) for base in two_servers]
    for attempt in range(6):
        browsers[attempt % 2].sign_in(blocked.email, "not the password at all")
    status, _ = browsers[1].sign_in(other.email, PASSWORD)
    assert status == 302
