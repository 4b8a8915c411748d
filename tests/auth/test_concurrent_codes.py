"""One TOTP code, one sign-in: the same code sent from several browsers at the same moment
opens at most one session, and an authenticator is set up once however many forms race."""

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from portal.auth.models import UserSession
from portal.extensions import db
from tests.auth.conftest import (
    current_step,
    fresh,
    is_signed_in,
    page_text,
    sign_in_with_password,
    totp_code,
    unused_totp_code,
)

BROWSERS = 6


def at_once(app, calls):
    """Run `calls` in threads released together by one barrier; their results, in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        with app.app_context():  # each thread has its own context and database session
            barrier.wait(timeout=30)
            return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        return [future.result(timeout=120) for future in futures]


def sessions_of(user):
    return db.session.scalar(
        select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id)
    )


def test_the_same_code_from_several_browsers_signs_in_once(app, make, new_client):
    officer = make.secretariat()
    browsers = [new_client() for _ in range(BROWSERS)]
    for browser in browsers:
        assert sign_in_with_password(browser, officer).headers["Location"].endswith(
            "/auth/two-factor"
        )
    code = unused_totp_code(officer)

    answers = at_once(
        app,
        [lambda b=browser: b.post("/auth/two-factor", data={"code": code}) for browser in browsers],
    )

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] * (BROWSERS - 1) + [302], statuses
    assert sessions_of(officer) == 1
    assert sum(is_signed_in(browser) for browser in browsers) == 1
    refused = [answer for answer in answers if answer.status_code == 200]
    assert all("This code is not valid." in page_text(answer) for answer in refused)


def test_racing_set_up_forms_enrol_one_authenticator(app, make, new_client):
    officer = make.secretariat(totp_secret=None)
    browsers = [new_client() for _ in range(BROWSERS)]
    secrets = []
    for browser in browsers:
        assert sign_in_with_password(browser, officer).headers["Location"].endswith(
            "/auth/two-factor/setup"
        )
        page = page_text(browser.get("/auth/two-factor/setup"))
        secrets.append(page.split("Key: ")[1].split()[0])

    answers = at_once(
        app,
        [
            lambda b=browser, s=secret: b.post(
                "/auth/two-factor/setup", data={"code": totp_code(s, current_step(s))}
            )
            for browser, secret in zip(browsers, secrets)
        ],
    )

    enrolled = [i for i, answer in enumerate(answers) if "Your recovery codes" in page_text(answer)]
    assert len(enrolled) == 1, [page_text(answer)[:200] for answer in answers]
    assert fresh(officer).totp_secret == secrets[enrolled[0]]
    assert sessions_of(officer) == 1
    assert sum(is_signed_in(browser) for browser in browsers) == 1
