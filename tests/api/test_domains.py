"""The API over meetings, notifications, search and reports: answers match the OpenAPI
document, and each caller sees only what the pages show them."""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.notifications.models import Notification
from portal.reporting import formats
from portal.reporting.models import ReportVersion
from tests.api.conftest import bearer
from tests.api.test_api import check
from tests.meetings.conftest import Meetings
from tests.reporting import builders


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def test_meetings_and_agendas(client, spec, make, forum):
    meetings = Meetings(forum, make)
    open_meeting = meetings.meeting(items=2, title="WG meeting")
    restricted = meetings.document(open_meeting.items[0], "States paper", level="state_parties")
    dief = meetings.meeting(title="DIEF session", kind="dief", level="states")
    observer = make.user(delegation=make.delegation(kind="international_organisation"))
    delegate = make.user()
    as_observer, as_delegate = bearer_of(observer), bearer_of(delegate)

    listed = client.get("/api/v1/meetings", headers=as_observer)
    check(spec, "/api/v1/meetings", "get", listed)
    assert [m["title"] for m in listed.get_json()["items"]] == ["WG meeting"]
    assert client.get(f"/api/v1/meetings/{dief.id}", headers=as_observer).status_code == 404

    detail = client.get(f"/api/v1/meetings/{open_meeting.id}", headers=as_observer)
    check(spec, "/api/v1/meetings/{meeting_id}", "get", detail)
    assert [i["title"] for i in detail.get_json()["agenda"]] == ["Agenda item 1", "Agenda item 2"]
    assert detail.get_json()["agenda"][0]["documents"] == []
    seen = client.get(f"/api/v1/meetings/{open_meeting.id}", headers=as_delegate).get_json()
    assert seen["agenda"][0]["documents"] == [restricted.id]


def test_notifications_list_and_mark_read(client, spec, make, forum):
    person = make.user()
    thread = forum.thread(forum.topic(forum.space()), title="Transit")
    hidden = forum.thread(forum.topic(forum.space(level="state_parties")), title="Secret")
    for subject in (thread, hidden):
        db.session.add(
            Notification(
                user_id=person.id, dedupe_key=f"t{subject.id}", reason="new_thread",
                delivery="in_app", subject_type="thread", subject_id=subject.id,
                coalesce_key=f"thread:{subject.id}",
            )
        )
    db.session.commit()
    person.delegation.kind = "international_organisation"
    db.session.commit()
    headers = bearer_of(person, scope="write")
    listed = client.get("/api/v1/notifications?unread=true", headers=headers)
    check(spec, "/api/v1/notifications", "get", listed)
    assert [n["title"] for n in listed.get_json()["items"]] == ["Transit"]
    number = listed.get_json()["items"][0]["id"]
    read = client.post(f"/api/v1/notifications/{number}/read", headers=headers)
    check(spec, "/api/v1/notifications/{notification_id}/read", "post", read)
    assert read.get_json()["read_at"]
    assert client.get("/api/v1/notifications?unread=true", headers=headers).get_json()["items"] == []
    other = db.session.scalar(select(Notification).where(Notification.subject_id == hidden.id))
    assert client.post(f"/api/v1/notifications/{other.id}/read", headers=headers).status_code == 404
    stranger = bearer_of(make.user(), scope="write")
    assert client.post(f"/api/v1/notifications/{number}/read", headers=stranger).status_code == 404


def test_search_finds_what_the_caller_may_read(client, spec, make, library):
    library.runs_jobs = True
    library.document("Brokering controls", level="users")
    library.document("Brokering secrets", level="state_parties")
    observer = make.user(delegation=make.delegation(kind="international_organisation"))
    found = client.get("/api/v1/search?q=brokering", headers=bearer_of(observer))
    check(spec, "/api/v1/search", "get", found)
    assert [h["title"] for h in found.get_json()["items"]] == ["Brokering controls"]
    assert found.get_json()["total"] == 1
    refused = client.get('/api/v1/search?q="unclosed', headers=bearer_of(observer))
    assert refused.status_code == 400 and refused.is_json


def test_reports_export_and_draft_import(client, spec, make):
    delegation, contact, member = builders.reporting_state(make)
    version = builders.submitted(delegation, contact)
    draft = builders.draft(delegation, contact, year=2024)
    headers = bearer_of(contact, scope="write")

    listed = client.get("/api/v1/reports", headers=headers)
    check(spec, "/api/v1/reports", "get", listed)
    assert {r["year"] for r in listed.get_json()["items"]} == {2024, 2025}

    exported = client.get(f"/api/v1/report-versions/{version.id}", headers=headers)
    assert exported.status_code == 200 and exported.get_json()["year"] == 2025

    content = builders.annual("FRA", 2024)
    body = formats.export(content, "json")
    imported = client.put(
        f"/api/v1/reports/{draft.report_id}/draft", data=body, headers=headers,
        content_type="application/json",
    )
    assert imported.status_code == 200, imported.get_data(as_text=True)
    check(spec, "/api/v1/reports/{report_id}/draft", "put", imported)
    assert db.session.get(ReportVersion, draft.id).source == "file"

    wrong_year = formats.export(builders.annual("FRA", 2023), "json")
    refused = client.put(
        f"/api/v1/reports/{draft.report_id}/draft", data=wrong_year, headers=headers,
        content_type="application/json",
    )
    assert refused.status_code == 422 and refused.get_json()["errors"]["problems"]

    _other, other_contact, _member = builders.reporting_state(make, iso3="DEU")
    stranger = bearer_of(other_contact, scope="write")
    assert client.put(
        f"/api/v1/reports/{draft.report_id}/draft", data=body, headers=stranger,
        content_type="application/json",
    ).status_code == 404
    assert client.get(f"/api/v1/report-versions/{draft.id}", headers=stranger).status_code == 404


def bearer_of(user, scope="read"):
    from portal.api import services

    secret = services.issue_api_token(user, "test", scope, 30)[1]
    db.session.commit()
    return bearer(secret)
