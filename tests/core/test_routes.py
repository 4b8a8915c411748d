"""Restricted by default: every route in the URL map is checked, anonymous and signed in;
and no number in an address or a query string, however large, answers 500."""

import html
import re
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
import pytest
from sqlalchemy import select
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import IntegerConverter

from config import TestingConfig
from portal import create_app
from portal.accounts.models import User
from portal.auth.passwords import hash_password
from portal.extensions import db
from portal.forum import services as forum_services
from portal.forum.models import Topic
from portal.library.models import Document
from tests.conftest import PASSWORD

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
    # National reports to cabinet or parliament: each list, page and file shows only what the
    # reader may see (a report its State made public to everyone, the others to their
    # audience; consultations/report_views.py).
    "consultations.national_reports",
    "consultations.national_reports_state",
    "consultations.national_reports_year",
    "consultations.national_report",
    "consultations.national_report_download",
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
            if isinstance(converter, IntegerConverter):
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


# Numbers out of range -----------------------------------------------------------------------

#: Beyond a 64-bit integer, and far beyond: neither fits any database column.
HUGE_NUMBERS = [2**63, 10**30]


def rules_with_numbers():
    """(endpoint, method, rule) of every rule with an `<int:...>` argument, read from the URL
    map of an app built for the purpose (the test parameters are chosen before any fixture)."""
    app = create_app(TestingConfig)
    found = []
    for rule in app.url_map.iter_rules():
        if any(isinstance(rule._converters[name], IntegerConverter) for name in rule.arguments):
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                found.append((rule.endpoint, method, rule.rule))
    return found


RULES_WITH_NUMBERS = rules_with_numbers()


def fill(rule, number):
    """`rule` with every number argument set to `number` and any other to a plausible value."""

    def value(match):
        converter, _, name = match.group(1).rpartition(":")
        if converter == "int":
            return str(number)
        if converter.startswith("any("):
            return converter[4:].split(",")[0].strip()
        return "json" if name == "fmt" else "x"

    return re.sub(r"<([^>]+)>", value, rule)


def assert_readable_refusal(response, *statuses):
    assert response.status_code in statuses, response.status_code
    assert response.mimetype == "text/html"
    assert re.search(r"<h1>[^<]+</h1>", response.get_data(as_text=True))


@pytest.fixture
def readers(app, make, sign_in):
    """Test clients signed in as the Secretariat and as a delegate of a State Party."""
    clients = {}
    for role, person in (("secretariat", make.secretariat()), ("delegate", make.user())):
        http = app.test_client()
        sign_in(person, http=http)
        clients[role] = http
    return clients


def test_the_number_rules_are_enumerated():
    endpoints = {endpoint for endpoint, _method, _rule in RULES_WITH_NUMBERS}
    assert {"forum.thread", "library.document_download", "channels.channel"} <= endpoints
    assert len(endpoints) >= 60


@pytest.mark.parametrize(
    "endpoint, method, rule",
    RULES_WITH_NUMBERS,
    ids=[f"{endpoint}-{method}" for endpoint, method, _rule in RULES_WITH_NUMBERS],
)
def test_a_huge_id_answers_404_on_every_route(readers, endpoint, method, rule):
    for role, http in readers.items():
        for number in HUGE_NUMBERS:
            response = http.open(fill(rule, number), method=method)
            if endpoint.startswith("api."):
                # The API answers in JSON, its refusals included.
                assert response.status_code == 404 and response.is_json, (role, number)
                continue
            assert_readable_refusal(response, 404)
            assert "Page not found" in response.get_data(as_text=True), (role, number)


@pytest.mark.parametrize(
    "endpoint", ["forum.thread", "library.document_detail", "channels.channel"]
)
def test_the_largest_id_a_column_holds_reaches_the_view_and_finds_nothing(
    app, readers, endpoint
):
    rule = next(rule for name, method, rule in RULES_WITH_NUMBERS if name == endpoint)
    for number in (2**31 - 1, 2**31):
        with app.test_request_context():
            adapter = app.url_map.bind("localhost")
            path = fill(rule, number)
            if number < 2**31:
                assert adapter.match(path)[0] == endpoint
            else:
                with pytest.raises(NotFound):
                    adapter.match(path)
        for http in readers.values():
            assert_readable_refusal(http.get(path), 404)


#: Views that read a number from the query string, with the answer to one out of range: a page
#: that cannot exist is not found; a year or cycle that is not one is a request not understood.
NUMBER_READERS = {
    ("accounts.request_list", "page"): 404,
    ("accounts.user_list", "page"): 404,
    ("admin.audit_log", "page"): 404,
    ("admin.job_list", "page"): 404,
    ("forum.unread", "page"): 404,
    ("forum.topic", "page"): 404,
    ("forum.thread", "page"): 404,
    ("library.index", "page"): 404,
    ("library.working_group", "page"): 404,
    ("library.working_group", "cycle"): 400,
    ("library.topic", "page"): 404,
    ("library.cycle", "page"): 404,
    ("library.document_type", "page"): 404,
    ("notifications.index", "page"): 404,
    ("channels.thread", "page"): 404,
    ("channels.access_record", "page"): 404,
    ("reporting.report_list", "page"): 404,
    ("reporting.report_list", "year"): 400,
    ("reporting.annual_template", "year"): 400,
    ("reporting.annual_new", "year"): 400,
    ("reporting.status", "year"): 400,
    ("reporting.status_secretariat", "year"): 400,
    ("reporting.status_secretariat_csv", "year"): 400,
    ("search.results", "page"): 400,
    ("meetings.index", "page"): 404,
    ("meetings.index", "cycle"): 400,
    ("consultations.national_reports", "year"): 400,
    ("consultations.national_reports_state", "year"): 400,
    ("consultations.national_reports_year", "year"): 400,
    # The API refuses a query it cannot validate with 422 and a JSON answer (flask-smorest).
    ("api.documents", "year"): 422,
    ("api.documents", "cycle"): 422,
    ("api.meetings", "cycle"): 422,
}
#: The demo accounts each test signs in as; the Mexican delegate and point of contact take part
#: in the demo channel.
DEMO_ACCOUNTS = {
    "secretariat": "secretariat@demo.att-portal.invalid",
    "delegate": "delegate.mexico@demo.att-portal.invalid",
    "point of contact": "contact.mexico@demo.att-portal.invalid",
}
#: What each of them cannot open: the Secretariat reads no channel it is not admitted to, only
#: a point of contact starts a report, only the Secretariat (and contacts) manage accounts.
NOT_REACHED = {
    "secretariat": {"channels.thread", "channels.access_record", "reporting.annual_new"},
    "delegate": {
        "reporting.status_secretariat",
        "reporting.status_secretariat_csv",
        "accounts.request_list",
        "accounts.user_list",
        "admin.audit_log",
        "admin.job_list",
        "reporting.annual_new",
    },
    "point of contact": {
        "reporting.status_secretariat",
        "reporting.status_secretariat_csv",
        "admin.audit_log",
        "admin.job_list",
    },
}
QUERY_NUMBERS = ("page", "year", "cycle", "quote")


def demo_reader(app, monkeypatch, sign_in, tmp_path, role):
    """A client signed in as a demo account, on a database holding the demo data, with a
    discussion in a demo topic and a demo document filed under it."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    result = app.test_cli_runner().invoke(args=["portal", "demo-data"])
    assert result.exit_code == 0, result.output
    person = db.session.scalar(select(User).where(User.email == DEMO_ACCOUNTS[role]))
    person.password_hash = hash_password(PASSWORD)  # the demo passwords are random
    if role == "secretariat":
        person.totp_secret = pyotp.random_base32()
    topic = db.session.scalar(select(Topic).where(Topic.acl == "user").order_by(Topic.id))
    thread, _post = forum_services.create_thread(
        topic, person, "discussion", "Marking of small arms", "The opening post."
    )
    forum_services.reply(thread, person, "A reply.")
    document = db.session.scalar(
        select(Document).where(Document.working_group_id == topic.working_group_id)
    )
    document.topic_id = topic.id
    db.session.commit()
    http = app.test_client()
    sign_in(person, http=http)
    return http


#: How many addresses of one endpoint the crawl opens to find links (the first space page may
#: have no topic, the next one has).
VISITS_PER_ENDPOINT = 4


def crawl(app, http):
    """{endpoint: path} of every page reachable by links from the home page and from every
    page without arguments: the first address of each endpoint that answered 200."""
    adapter = app.url_map.bind("localhost")
    queue = ["/"] + [
        rule.rule
        for rule in app.url_map.iter_rules()
        if not rule.arguments and "GET" in (rule.methods or ())
    ]
    found, visits, seen = {}, {}, set()
    while queue:
        path = queue.pop(0)
        try:
            endpoint = adapter.match(urlsplit(path).path, method="GET")[0]
        except (NotFound, MethodNotAllowed):
            continue
        if path in seen or endpoint in ("static", "auth.sign_in", "core.healthz"):
            continue
        if visits.get(endpoint, 0) >= VISITS_PER_ENDPOINT:
            continue
        seen.add(path)
        visits[endpoint] = visits.get(endpoint, 0) + 1
        response = http.get(path)
        if response.status_code != 200:
            continue
        found.setdefault(endpoint, path)
        if response.mimetype == "text/html":
            for link in re.findall(r'href="(/[^"#]*)"', response.get_data(as_text=True)):
                queue.append(html.unescape(link))
    return found


@pytest.mark.parametrize("number", HUGE_NUMBERS)
@pytest.mark.parametrize("role", list(DEMO_ACCOUNTS))
def test_a_huge_number_in_the_query_string_never_answers_500(
    app, monkeypatch, sign_in, tmp_path, role, number
):
    """Every page reached by links, asked for a huge page, year, cycle or quoted post: a view
    that reads it answers 404 or 400 with a readable page, any other ignores it."""
    http = demo_reader(app, monkeypatch, sign_in, tmp_path, role)
    pages = crawl(app, http)
    expected = {endpoint for endpoint, _name in NUMBER_READERS} - NOT_REACHED[role]
    assert sorted(expected - set(pages)) == [], "not reached by links"
    unexpected = []
    for endpoint, path in pages.items():
        plain = http.get(path).status_code
        for name in QUERY_NUMBERS:
            joiner = "&" if "?" in path else "?"
            response = http.get(f"{path}{joiner}{name}={number}")
            expected = NUMBER_READERS.get((endpoint, name), plain)
            if response.status_code != expected:
                unexpected.append((endpoint, name, response.status_code))
            elif expected >= 400 and endpoint.startswith("api."):
                assert response.is_json and response.get_json()["code"] == expected
            elif expected >= 400:
                assert_readable_refusal(response, expected)
    assert unexpected == []


def test_views_read_numbers_through_the_bounded_helpers():
    """No view reads a number from the request, or a page, without the bounds of
    portal.core.bounds (which the tests above prove)."""
    portal = Path(__file__).resolve().parents[2] / "portal"
    unbounded = re.compile(r"type=int|db\.paginate\(|\bint\(request\.|coerce=int\b")
    offenders = [
        f"{path.relative_to(portal)}:{number}"
        for path in portal.rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if unbounded.search(line) and path.name != "bounds.py"
    ]
    assert offenders == []


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
