"""The JSON API from the outside: what each caller sees, writes, errors, audit, throttling,
and every answer checked against the OpenAPI document."""

import jsonschema
import pytest
from openapi_spec_validator import validate as validate_spec
from sqlalchemy import func, select

from portal.core.audit import AuditEvent
from portal.extensions import db
from portal.forum.models import Post
from tests.api.conftest import bearer


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def check(spec, path, method, response):
    """The answer matches the schema the OpenAPI document gives for its status."""
    operation = spec["paths"][path][method]
    answer = operation["responses"][str(response.status_code)]
    schema = answer["content"]["application/json"]["schema"]
    jsonschema.validate(
        response.get_json(),
        {**schema, "components": spec["components"]},
        cls=jsonschema.Draft202012Validator,
    )


def test_the_openapi_document_is_valid_openapi_3_1(spec):
    assert spec["openapi"] == "3.1.0"
    validate_spec(spec)
    for path in ["/documents", "/search", "/working-groups", "/topics/{topic_id}/threads",
                 "/threads/{thread_id}/posts", "/meetings", "/notifications"]:
        assert "/api/v1" + path in spec["paths"], path


def test_the_readable_page_is_rendered_from_the_document(client, spec):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "GET /api/v1/documents" in page
    assert "POST /api/v1/threads/{thread_id}/posts" in page
    assert "<script src=\"http" not in page


def test_documents_list_detail_files_and_download_match_their_schemas(
    client, spec, make, library, token_for
):
    space = library.forum.space(code="WGTT")
    first = library.document("Transit control", working_group=space, cycle=11)
    second = library.document("Brokering", cycle=12)
    reader = make.user()
    headers = bearer(token_for(reader))

    listed = client.get("/api/v1/documents", headers=headers)
    assert listed.status_code == 200
    check(spec, "/api/v1/documents", "get", listed)
    assert [d["id"] for d in listed.get_json()["items"]] == [second.id, first.id]

    filtered = client.get("/api/v1/documents?wg=wgtt&cycle=11", headers=headers)
    assert [d["title"] for d in filtered.get_json()["items"]] == ["Transit control"]

    detail = client.get(f"/api/v1/documents/{first.id}", headers=headers)
    check(spec, "/api/v1/documents/{document_id}", "get", detail)
    file_id = detail.get_json()["files"][0]["id"]
    versions = client.get(f"/api/v1/documents/{first.id}/files", headers=headers)
    check(spec, "/api/v1/documents/{document_id}/files", "get", versions)

    download = client.get(f"/api/v1/files/{file_id}", headers=headers)
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]


def test_cursor_pages_neither_skip_nor_repeat(client, make, library, token_for):
    made = [library.document(f"Paper {n}") for n in range(5)]
    headers = bearer(token_for(make.user()))
    seen, cursor = [], None
    while True:
        url = "/api/v1/documents?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url, headers=headers).get_json()
        seen += [d["id"] for d in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(d.id for d in made) and len(seen) == 5
    bad = client.get("/api/v1/documents?cursor=not-ours", headers=headers)
    assert bad.status_code == 400 and "cursor" in bad.get_json()["message"]


def test_what_the_caller_may_not_read_is_absent_or_404(client, make, library, token_for):
    restricted = library.document("States only", level="state_parties")
    observer = make.user(delegation=make.delegation(kind="international_organisation"))
    headers = bearer(token_for(observer))
    listed = client.get("/api/v1/documents", headers=headers).get_json()["items"]
    assert restricted.id not in [d["id"] for d in listed]
    assert client.get(f"/api/v1/documents/{restricted.id}", headers=headers).status_code == 404
    file_id = restricted.files[0].id
    assert client.get(f"/api/v1/files/{file_id}", headers=headers).status_code == 404
    state = make.user()
    assert client.get(f"/api/v1/documents/{restricted.id}", headers=bearer(token_for(state))).status_code == 200


def test_forum_read_and_write_with_a_write_token(client, spec, make, forum, token_for):
    space = forum.space()
    topic = forum.topic(space, questions=["What works?"])
    thread = forum.thread(topic, title="Transit")
    author = make.user()
    headers = bearer(token_for(author, scope="write"))

    check(spec, "/api/v1/working-groups", "get", client.get("/api/v1/working-groups", headers=headers))
    check(spec, "/api/v1/topics", "get", client.get("/api/v1/topics", headers=headers))
    check(spec, "/api/v1/topics/{topic_id}", "get", client.get(f"/api/v1/topics/{topic.id}", headers=headers))
    threads = client.get(f"/api/v1/topics/{topic.id}/threads", headers=headers)
    check(spec, "/api/v1/topics/{topic_id}/threads", "get", threads)
    check(spec, "/api/v1/threads/{thread_id}", "get", client.get(f"/api/v1/threads/{thread.id}", headers=headers))

    reply = client.post(f"/api/v1/threads/{thread.id}/posts", json={"body": "Our **practice**."}, headers=headers)
    assert reply.status_code == 201, reply.get_data(as_text=True)
    check(spec, "/api/v1/threads/{thread_id}/posts", "post", reply)
    assert "<strong>practice</strong>" in reply.get_json()["body_html"]
    posts = client.get(f"/api/v1/threads/{thread.id}/posts", headers=headers)
    check(spec, "/api/v1/threads/{thread_id}/posts", "get", posts)
    assert [p["number"] for p in posts.get_json()["items"]] == [1, 2]

    started = client.post(
        f"/api/v1/topics/{topic.id}/threads",
        json={"title": "A new question", "body": "How do you check end users?"},
        headers=headers,
    )
    assert started.status_code == 201
    check(spec, "/api/v1/topics/{topic_id}/threads", "post", started)


def test_bad_input_is_a_json_error_and_writes_nothing(client, spec, make, forum, token_for):
    thread = forum.thread(forum.topic(forum.space()))
    headers = bearer(token_for(make.user(), scope="write"))
    before = db.session.scalar(select(func.count(Post.id)))
    for body in [{}, {"body": ""}, {"body": 5}]:
        answer = client.post(f"/api/v1/threads/{thread.id}/posts", json=body, headers=headers)
        assert answer.status_code == 422
        assert answer.get_json()["errors"]
    not_json = client.post(f"/api/v1/threads/{thread.id}/posts", data="body=x", headers=headers)
    assert not_json.status_code in (400, 415, 422) and not_json.is_json
    assert client.get("/api/v1/documents?limit=1000", headers=headers).status_code == 422
    assert db.session.scalar(select(func.count(Post.id))) == before


def test_errors_are_json_everywhere_under_the_api(client, make, token_for):
    headers = bearer(token_for(make.user()))
    for path, method, code in [
        ("/api/v1/no-such-thing", "get", 404),
        ("/api/v1/documents/999999", "get", 404),
        ("/api/v1/documents", "delete", 405),
    ]:
        answer = client.open(path, method=method, headers=headers)
        assert answer.status_code == code and answer.is_json
        assert answer.get_json()["code"] == code and answer.get_json()["message"]


def test_a_locked_or_invisible_thread_refuses_a_reply(client, make, forum, token_for):
    thread = forum.thread(forum.topic(forum.space()))
    forum.lock(thread)
    hidden = forum.thread(forum.topic(forum.space(level="state_parties")))
    observer = make.user(delegation=make.delegation(kind="international_organisation"))
    headers = bearer(token_for(observer, scope="write"))
    assert client.post(f"/api/v1/threads/{thread.id}/posts", json={"body": "x"}, headers=headers).status_code == 403
    assert client.post(f"/api/v1/threads/{hidden.id}/posts", json={"body": "x"}, headers=headers).status_code == 404


def test_session_writes_need_the_csrf_token_token_writes_do_not(app, client, make, forum, sign_in, token_for):
    thread = forum.thread(forum.topic(forum.space()))
    person = make.user()
    app.config["WTF_CSRF_ENABLED"] = True
    sign_in_client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    sign_in(person, http=sign_in_client)
    app.config["WTF_CSRF_ENABLED"] = True
    refused = sign_in_client.post(f"/api/v1/threads/{thread.id}/posts", json={"body": "From the browser."})
    assert refused.status_code == 400 and "CSRF" in refused.get_json()["message"]
    page = sign_in_client.get("/account/tokens/").get_data(as_text=True)
    csrf_token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    accepted = sign_in_client.post(
        f"/api/v1/threads/{thread.id}/posts", json={"body": "From the browser."},
        headers={"X-CSRFToken": csrf_token},
    )
    assert accepted.status_code == 201
    with_token = client.post(
        f"/api/v1/threads/{thread.id}/posts", json={"body": "From a program."},
        headers=bearer(token_for(person, scope="write")),
    )
    assert with_token.status_code == 201


def test_every_token_request_is_audited_once(client, make, token_for):
    person = make.user()
    headers = bearer(token_for(person))
    client.get("/api/v1/documents", headers=headers)
    client.get("/api/v1/documents/424242", headers=headers)
    entries = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "api.request").order_by(AuditEvent.id)
    ).all()
    assert [(e.actor_id, e.detail["path"], e.detail["status"]) for e in entries] == [
        (person.id, "/api/v1/documents", 200),
        (person.id, "/api/v1/documents/424242", 404),
    ]


def test_requests_are_throttled_per_token(app, client, make, token_for):
    app.config["PORTAL_API_LIMIT"] = "2 per minute"
    first, second = bearer(token_for(make.user())), bearer(token_for(make.user()))
    assert client.get("/api/v1/working-groups", headers=first).status_code == 200
    assert client.get("/api/v1/working-groups", headers=first).status_code == 200
    refused = client.get("/api/v1/working-groups", headers=first)
    assert refused.status_code == 429 and refused.is_json
    assert client.get("/api/v1/working-groups", headers=second).status_code == 200


def test_a_suspended_persons_token_stops_working(client, make, token_for):
    person = make.user()
    headers = bearer(token_for(person))
    person.status = "suspended"
    db.session.commit()
    assert client.get("/api/v1/documents", headers=headers).status_code == 401


def test_a_body_above_the_limit_is_a_json_413(app, client, make, forum, token_for):
    thread = forum.thread(forum.topic(forum.space()))
    app.config["MAX_CONTENT_LENGTH"] = 1000
    answer = client.post(
        f"/api/v1/threads/{thread.id}/posts",
        json={"body": "x" * 5000},
        headers=bearer(token_for(make.user(), scope="write")),
    )
    assert answer.status_code == 413 and answer.get_json()["code"] == 413
