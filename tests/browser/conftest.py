"""Browser fixtures: the test app served over HTTP, and Debian's Chromium driven by Playwright.

`live_server` serves the very app object of the `app` fixture, so the browser and the test see
the same database (a file for SQLite, so the server's threads share it) and the same per-test
emptying. Chromium is the system one: `playwright install` is not used, and a missing browser
fails the tests rather than skipping them, because `make test` installs it.
"""

import re
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from tests.conftest import totp_now
from tests.factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Where the screenshots go for people to look at (git-ignored).
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"


@pytest.fixture
def live_server(app):
    """The base URL of the test `app` served by werkzeug on 127.0.0.1, in a daemon thread.

    Port 0 lets the system pick a free port, with no race between choosing and binding it.
    Threaded, so that a connection Chromium opens ahead of time cannot hold up the others.
    The server stops before the `app` fixture empties the database.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, for the whole run; each test opens its own context."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: the browser tests need Debian's "
            "`chromium` package (`make browser-deps` installs it).",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh tab with its own cookies, pointed at the live server, in British English."""
    context = browser.new_context(
        base_url=live_server, locale="en-GB", viewport={"width": 1280, "height": 800}
    )
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def browser_problems(page):
    """What went wrong in the browser, as text: console errors, CSP refusals, uncaught errors.

    A Content Security Policy refusal is reported on the console, as an error when enforced.
    Chromium's own request for /favicon.ico is left out: the page did not ask for it, and the
    portal has no icon yet, so it is a 404 on every page.
    """
    problems = []

    def on_console(message):
        if message.location.get("url", "").endswith("/favicon.ico"):
            return
        if message.type == "error" or "Content Security Policy" in message.text:
            problems.append(f"console {message.type}: {message.text} ({message.location})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    return problems


@pytest.fixture
def sign_in_through_pages(page):
    """Fill the sign-in page open in `page`, then the second-factor page when the account has one.

    Each page is checked on the way, so a flow that goes astray fails where it went astray.
    """

    def do_sign_in(user, password=PASSWORD):
        expect(page).to_have_url(re.compile(r"/auth/sign-in"))
        page.get_by_label("Email address", exact=True).fill(user.email)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Sign in").click()
        if user.totp_secret:
            expect(page).to_have_url(re.compile(r"/auth/two-factor$"))
            expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
            page.get_by_label("Code from your authenticator app").fill(totp_now(user))
            page.get_by_role("button", name="Continue").click()

    return do_sign_in


@pytest.fixture
def screenshot(page):
    """`screenshot(name)` saves the whole page as tests/screenshots/<name>.png."""

    def take(name):
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
