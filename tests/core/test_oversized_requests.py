"""A body over PORTAL_MAX_UPLOAD_MB answers a readable 413 page, through real servers too.

A browser reads the answer only after sending its body; a server that answers and closes while
the body is still arriving resets the connection, and the person sees a network error. So the
page must reach a client that sends its whole oversized body, and one that stops short (a
Content-Length the body never reaches), on gunicorn (production) and on Werkzeug's server.
"""

import io
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.core.database_state import snapshot
from tests.core.test_error_pages import assert_error_page

ROOT = Path(__file__).resolve().parents[2]
LIMIT_MB = 1
DECLARED = 3 * LIMIT_MB * 1024 * 1024
#: How long a test waits for a server to start or answer; only a broken server takes this long.
PATIENCE_SECONDS = 60


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(port, process, log):
    deadline = time.monotonic() + PATIENCE_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(errors="replace")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail("the server did not start")


@pytest.fixture
def gunicorn(app, database_url, tmp_path):
    """The portal under gunicorn in a process of its own, limited to LIMIT_MB a request."""
    port = free_port()
    environment = {
        **os.environ,
        "PORTAL_CONFIG": "development",
        "PORTAL_INSTANCE_DIR": str(tmp_path),
        "DATABASE_URL": database_url,
        "PORTAL_MAX_UPLOAD_MB": str(LIMIT_MB),
        "PORTAL_RUN_JOBS_INLINE": "0",
        "MAIL_BACKEND": "files",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as errors:  # the child keeps its own copy of the file
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
            + ["wsgi:app"],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
    try:
        wait_until_serving(port, process, log)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=PATIENCE_SECONDS)


@pytest.fixture
def werkzeug_server(app):
    """The test app under Werkzeug's server in a thread, limited to LIMIT_MB a request."""
    app.config["MAX_CONTENT_LENGTH"] = LIMIT_MB * 1024 * 1024
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join()
    server.server_close()


def post_raw(port, sent):
    """POST a sign-in form declaring DECLARED bytes, send `sent` of them, then read the whole
    answer until the server closes the connection. Returns (status line, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=PATIENCE_SECONDS) as connection:
        connection.sendall(
            b"POST /auth/sign-in HTTP/1.1\r\n"
            b"Host: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            + f"Content-Length: {DECLARED}\r\n\r\n".encode()
        )
        connection.sendall(b"email=" + b"x" * (sent - 6))
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    return status, {name.lower(): value for name, value in headers.items()}, body


@pytest.mark.parametrize("server", ["gunicorn", "werkzeug_server"])
@pytest.mark.parametrize("sent", [DECLARED, 64 * 1024], ids=["whole-body", "cut-off-body"])
def test_an_oversized_body_gets_the_413_page_from_a_real_server(request, server, sent):
    port = request.getfixturevalue(server)
    before = snapshot()
    status, headers, body = post_raw(port, sent)
    assert status.split()[1] == "413", status
    assert headers["connection"] == "close"
    assert headers["content-type"].startswith("text/html")
    text = body.decode()
    assert len(body) == int(headers["content-length"])
    assert "<h1>What you sent is too large</h1>" in text
    assert "Reduce its size and try again." in text
    assert snapshot() == before


def test_an_oversized_upload_gets_the_413_page_in_the_persons_language(app, client, make, sign_in):
    sign_in(make.user())
    client.post("/auth/account/language", data={"language-language": "fr"})
    app.config["MAX_CONTENT_LENGTH"] = 1024
    before = snapshot()
    response = client.post(
        "/library/upload",
        data={"title": "Too large", "file_en": (io.BytesIO(b"%PDF" + b"x" * 4096), "big.pdf")},
    )
    assert response.status_code == 413
    assert response.headers["Connection"] == "close"
    assert "envoi est trop volumineux" in response.get_data(as_text=True)
    assert snapshot() == before


def test_a_body_within_the_limit_is_read_as_usual(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    response = client.post("/auth/sign-in", data={"email": "x" * 2048, "password": "y"})
    assert response.status_code in (200, 400)
    assert "Connection" not in response.headers


def test_the_english_413_page_through_the_test_client(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/auth/sign-in", data={"email": "x" * 4096, "password": "y"})
    assert_error_page(response, 413, "What you sent is too large")
