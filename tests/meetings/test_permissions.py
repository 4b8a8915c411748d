"""Who may do what with meetings: every meetings action x role x access level through `can()`,
the SQL filter of the calendar agreeing with it, and every meeting route answering each role
as the policy says (a DIEF session is "not found" for an observer, everywhere)."""

import re
from datetime import date, timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from portal.access import can, visible
from portal.extensions import db
from portal.meetings import services
from portal.meetings.models import Meeting
from tests.core.test_routes import concrete_urls

ROLES = ("anonymous", "observer", "signatory", "contact", "delegate", "secretariat", "chair",
         "suspended")
SIGNED_IN = frozenset(ROLES) - {"anonymous", "suspended"}
STATES = SIGNED_IN - {"observer"}
#: Who reads a meeting at each level (the chair here is a State Party's delegate).
READERS = {"users": SIGNED_IN, "states": STATES, "state_parties": STATES - {"signatory"}}


def of(roles):
    return {level: frozenset(roles) & readers for level, readers in READERS.items()}


def everywhere(roles):
    """For actions without a meeting: the same roles whatever the level."""
    return dict.fromkeys(READERS, frozenset(roles))


SECRETARIAT = of({"secretariat"})
CHAIRS = of({"secretariat", "chair"})
#: Points of contact ask to speak for their delegation; the delegate is registered and
#: approved in these tests, which designates them; the chair is not registered.
SPEAKERS = of({"observer", "signatory", "contact", "delegate"})

#: action -> (target, {level: roles allowed}); tests/core/test_access_policy.py checks that every
#: meetings action of RULES is here.
MEETING_MATRIX = {
    "meeting_list": (None, everywhere(SIGNED_IN)),
    "meeting_view": ("meeting", READERS),
    "meeting_create": (None, everywhere({"secretariat"})),
    "meeting_edit": ("meeting", SECRETARIAT),
    "meeting_run": ("meeting", SECRETARIAT),
    "agenda_edit": ("meeting", SECRETARIAT),
    "distribution_view": ("meeting", SECRETARIAT),
    "speakers_view": ("meeting", CHAIRS),
    "speakers_manage": ("meeting", CHAIRS),
    "speaker_request": ("meeting", SPEAKERS),
    "speaker_withdraw": ("request", of({"contact", "delegate"})),
    # Everyone but the delegate, who is registered already.
    "registration_create": ("meeting", of(SIGNED_IN - {"delegate"})),
    "registration_cancel": ("registration", of({"delegate"})),
    "registration_decide": ("registration", of({"secretariat", "contact"})),
    "registration_list": ("meeting", SECRETARIAT),
    "connection_view": ("meeting", of({"delegate"})),
    "calendar_feed_manage": (None, everywhere(SIGNED_IN)),
    "report_view": ("meeting", READERS),
    "report_edit": ("meeting", CHAIRS),
    # Comments are open; the Secretariat does not comment.
    "report_comment": ("meeting", of(SIGNED_IN - {"secretariat"})),
    # Comments seen by the chair and the Secretariat (the default).
    "report_comments_view": ("meeting", CHAIRS),
}


def people(make, forum):
    home = make.delegation(kind="state_party")
    return {
        "anonymous": AnonymousUserMixin(),
        "observer": make.user(
            delegation=make.delegation(kind="international_organisation"),
            role="point_of_contact",
        ),
        "signatory": make.user(
            delegation=make.delegation(kind="signatory"), role="point_of_contact"
        ),
        "contact": make.user(delegation=home, role="point_of_contact"),
        "delegate": make.user(delegation=home),
        "secretariat": forum.officer,
        "chair": make.user(delegation=make.delegation(kind="state_party")),
        "suspended": make.user(delegation=home, status="suspended", role="point_of_contact"),
    }


def meeting_at(meetings, level, actors):
    meeting = meetings.meeting(
        items=1,
        level=level,
        chair_id=actors["chair"].id,
        comments_close_on=date.today() + timedelta(days=10),
    )
    registration = meetings.register(meeting, actors["delegate"])
    request = meetings.ask(meeting, actors["contact"], meeting.items[0])
    return meeting, {"meeting": meeting, "request": request, "registration": registration,
                     None: None}


@pytest.mark.parametrize("level", sorted(READERS))
def test_meetings_permission_matrix(make, forum, meetings, level):
    actors = people(make, forum)
    _meeting, targets = meeting_at(meetings, level, actors)
    wrong = []
    for action, (target, allowed) in MEETING_MATRIX.items():
        for role, actor in actors.items():
            expected = role in allowed[level]
            if can(actor, action, targets[target]) != expected:
                wrong.append(f"{action} by {role}: expected {'allow' if expected else 'deny'}")
    assert not wrong, f"at {level}: " + "; ".join(wrong)


@pytest.mark.parametrize("level", sorted(READERS))
def test_the_calendar_lists_exactly_what_can_allows(make, forum, meetings, level):
    actors = people(make, forum)
    meeting, _targets = meeting_at(meetings, level, actors)
    for role, actor in actors.items():
        if role in ("anonymous", "suspended"):
            continue  # they reach no page at all (see tests/core/test_routes.py)
        listed = db.session.scalars(visible(select(Meeting.id), Meeting, actor)).all()
        assert (meeting.id in listed) == can(actor, "meeting_view", meeting) == (
            role in READERS[level]
        ), role


def meeting_urls(app, meeting, item, request, registration, paragraph):
    """Every meetings route but the token feed, with this meeting's ids filled in."""
    ids = {
        "meeting_id": meeting.id,
        "item_id": item.id,
        "request_id": request.id,
        "registration_id": registration.id,
        "paragraph_id": paragraph.id,
        "link_id": item.documents[0].id,
    }
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("meetings.") or rule.endpoint == "meetings.feed":
            continue
        values = {name: ids.get(name) for name in rule.arguments}
        if "direction" in rule.arguments:
            values["direction"] = "up"
        if "decision" in rule.arguments:
            values["decision"] = "approve"
        path = rule.build(values)[1]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, path, method


#: The routes that concern no meeting in particular: the calendar, one's own feed address,
#: planning a new meeting and the figures of every cycle.
GENERAL = {
    "meetings.index",
    "meetings.feed_settings",
    "meetings.feed_revoke",
    "meetings.meeting_create",
    "meetings.distribution",
}


def test_a_dief_session_is_not_found_for_an_observer_on_every_route(
    app, make, forum, meetings, signed_in
):
    actors = people(make, forum)
    dief = meetings.meeting(items=1, kind="dief", level="states", title="DIEF session")
    item = dief.items[0]
    meetings.document(item, title="DIEF agenda")
    request = meetings.ask(dief, actors["contact"], item)
    registration = meetings.register(dief, actors["delegate"])
    paragraph = services.add_paragraph(dief, forum.officer, "The Forum met.", False)
    db.session.commit()
    observer = signed_in(actors["observer"])
    checked = 0
    for endpoint, path, method in meeting_urls(app, dief, item, request, registration,
                                               paragraph):
        if endpoint in GENERAL:
            continue
        response = observer.open(path, method=method)
        assert response.status_code == 404, (endpoint, method, response.status_code)
        checked += 1
    assert checked >= 30
    calendar = observer.get("/meetings/").get_data(as_text=True)
    assert "DIEF session" not in calendar
    # The State Party's delegate reads it.
    assert signed_in(actors["contact"]).get(f"/meetings/{dief.id}").status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in_on_every_meeting_route(
    app, client, make, forum, meetings
):
    actors = people(make, forum)
    meeting = meetings.meeting(items=1)
    item = meeting.items[0]
    meetings.document(item)
    request = meetings.ask(meeting, actors["contact"], item)
    registration = meetings.register(meeting, actors["delegate"])
    paragraph = services.add_paragraph(meeting, forum.officer, "The meeting met.", False)
    db.session.commit()
    for endpoint, path, method in meeting_urls(app, meeting, item, request, registration,
                                               paragraph):
        response = client.open(path, method=method)
        assert response.status_code == 302, (endpoint, method)
        assert re.search(r"/auth/sign-in", response.headers["Location"]), endpoint


def test_delegations_get_403_or_404_on_every_secretariat_route(
    app, make, forum, meetings, signed_in
):
    actors = people(make, forum)
    meeting = meetings.meeting(items=2)
    item = meeting.items[0]
    meetings.document(item)
    request = meetings.ask(meeting, actors["contact"], item)
    registration = meetings.register(meeting, actors["delegate"])
    paragraph = services.add_paragraph(meeting, forum.officer, "The meeting met.", False)
    db.session.commit()
    secretariat_only = {
        "meetings.meeting_create", "meetings.meeting_edit", "meetings.meeting_status",
        "meetings.current_item", "meetings.item_create", "meetings.item_edit",
        "meetings.item_move", "meetings.item_delete", "meetings.document_link",
        "meetings.document_unlink", "meetings.documents_due", "meetings.distribution",
        "meetings.registrations", "meetings.speaker_invite", "meetings.speaker_accept",
        "meetings.speaker_move", "meetings.speakers_publish", "meetings.speakers_close",
        "meetings.paragraph_add", "meetings.paragraph_edit", "meetings.report_settings",
    }
    for role in ("observer", "signatory", "delegate"):
        http = signed_in(actors[role])
        for endpoint, path, method in meeting_urls(app, meeting, item, request, registration,
                                                   paragraph):
            if endpoint in secretariat_only:
                response = http.open(path, method=method)
                assert response.status_code in (403, 404), (role, endpoint, method)
    # Nothing was changed by all those attempts.
    db.session.refresh(meeting)
    assert [i.title for i in meeting.items] == ["Agenda item 1", "Agenda item 2"]
    assert not meeting.is_speakers_published


def test_every_meetings_route_is_checked_here(app):
    endpoints = {endpoint for endpoint, _path, _method in concrete_urls(app)
                 if endpoint.startswith("meetings.")}
    assert len(endpoints) >= 35
