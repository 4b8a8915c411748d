"""Restricted by default: every route in the URL map is checked, anonymous and signed in."""

import re

import pytest

#: The only endpoints reachable without signing in. Adding one here is a security decision.
PUBLIC_ENDPOINTS = {
    "static",
    "core.healthz",
    "core.set_language",
    "auth.sign_in",
    "auth.two_factor",
    "auth.two_factor_setup",
    "auth.request_access",
    "auth.request_sent",
    "auth.confirm_email",
    "auth.resend_confirmation",
    "auth.set_password",
    "auth.reset_request",
    "notifications.unsubscribe",
    "notifications.unsubscribe_confirm",
    # Aggregate reporting figures and which States reported: public on the treaty's website.
    "reporting.status",
    "reporting.status_csv",
    # Submitted reports: each page and the list show only what the reader may see (public
    # reports to everyone, restricted ones to States Parties).
    "reporting.report_list",
    "reporting.version_detail",
    # A version as a file, for whoever may read its page (reporting/exchange_views.py).
    "reporting.version_export",
    # A person's calendar feed, for calendar programs that cannot sign in: the secret token in
    # the address stands for the person, what they may see is worked out at each fetch, and a
    # revoked or unknown token answers 404 (meetings/views.py).
    "meetings.feed",
    # The API's OpenAPI document and its readable page describe the API, not its data.
    "api_docs.openapi_json",
    "api_docs.openapi_page",
    # Atom feeds: public items to anyone; with a person's feed key, what that person may read
    # now, restricted items by title and link only; a revoked key answers 404 (api/feeds.py).
    "feeds.working_group",
    "feeds.topic",
    "feeds.document_type",
}


def concrete_urls(app):
    """Every rule with its arguments filled in, with the methods it accepts."""
    for rule in app.url_map.iter_rules():
        values = {}
        for argument in rule.arguments:
            converter = rule._converters[argument]
            if converter.__class__.__name__ == "IntegerConverter":
                values[argument] = 1
            elif converter.__class__.__name__ == "AnyConverter":
                values[argument] = sorted(converter.items)[0]
            else:
                values[argument] = "x"
        path = rule.build(values)[1] if values or rule.arguments else rule.rule
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, path, method


def test_public_endpoints_are_exactly_the_listed_ones(app):
    marked = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if getattr(view, "is_public", False)
    } | {"static"}
    assert marked == PUBLIC_ENDPOINTS


def test_anonymous_visitors_are_sent_to_sign_in_everywhere_else(app, client):
    checked = 0
    for endpoint, path, method in concrete_urls(app):
        if endpoint in PUBLIC_ENDPOINTS or endpoint.startswith("api."):
            continue
        response = client.open(path, method=method)
        checked += 1
        assert response.status_code in (302, 404), (endpoint, method, response.status_code)
        if response.status_code == 302:
            assert re.search(r"/auth/sign-in", response.headers["Location"]), endpoint
    assert checked >= 15


def test_no_route_answers_500_to_anonymous_visitors(app, client):
    for endpoint, path, method in concrete_urls(app):
        response = client.open(path, method=method)
        assert response.status_code < 500, (endpoint, method, response.status_code)


@pytest.mark.parametrize("kind", ["state_party", "signatory", "international_organisation"])
def test_non_secretariat_users_get_403_or_404_on_every_secretariat_route(
    app, client, make, sign_in, kind
):
    member = make.user(delegation=make.delegation(kind=kind))
    contact = make.user(delegation=member.delegation, role="point_of_contact")
    for person in (member, contact):
        http = app.test_client()
        sign_in(person, http=http)
        for endpoint, path, method in concrete_urls(app):
            if endpoint.startswith("admin."):
                response = http.open(path, method=method)
                assert response.status_code in (403, 404), (person.role, endpoint, method)


def test_members_cannot_reach_account_management(app, client, make, sign_in):
    member = make.user()
    sign_in(member)
    for endpoint, path, method in concrete_urls(app):
        if endpoint.startswith("accounts.") and endpoint != "accounts.user_detail":
            response = client.open(path, method=method)
            assert response.status_code in (403, 404), (endpoint, method)


def test_secretariat_reaches_every_secretariat_page(app, client, make, sign_in):
    officer = make.secretariat()
    sign_in(officer)
    for path in [
        "/admin/audit",
        "/admin/audit.csv",
        "/admin/jobs",
        "/accounts/requests",
        "/accounts/users",
    ]:
        assert client.get(path).status_code == 200, path


def api_urls(app):
    return [(e, p, m) for e, p, m in concrete_urls(app) if e.startswith("api.")]


def test_every_api_endpoint_refuses_without_a_valid_token_or_session(app, client, make):
    from portal.api import services
    from portal.core.models import now_utc
    from portal.extensions import db

    person = make.user()
    revoked = services.issue_api_token(person, "revoked", "write", 30)
    services.revoke(revoked[0], person)
    expired = services.issue_api_token(person, "expired", "write", 30)
    expired[0].expires_at = now_utc()
    db.session.commit()
    attempts = {
        "none": {},
        "unknown": {"Authorization": "Bearer att_" + "x" * 43},
        "revoked": {"Authorization": f"Bearer {revoked[1]}"},
        "expired": {"Authorization": f"Bearer {expired[1]}"},
        "other scheme": {"Authorization": "Basic dXNlcjpwYXNz"},
    }
    urls = api_urls(app)
    assert len(urls) >= 15
    for endpoint, path, method in urls:
        for name, headers in attempts.items():
            response = client.open(path, method=method, headers=headers, json={})
            assert response.status_code == 401, (endpoint, method, name, response.status_code)
            assert response.is_json and response.get_json()["code"] == 401


def test_a_read_only_token_is_refused_every_api_write(app, client, make):
    from portal.api import services
    from portal.extensions import db

    secret = services.issue_api_token(make.user(), "reader", "read", 30)[1]
    db.session.commit()
    writes = [(e, p, m) for e, p, m in api_urls(app) if m not in ("GET", "HEAD")]
    assert writes
    for endpoint, path, method in writes:
        response = client.open(
            path, method=method, headers={"Authorization": f"Bearer {secret}"}, json={}
        )
        assert response.status_code == 403, (endpoint, method, response.status_code)
