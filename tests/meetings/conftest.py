"""Meetings fixtures: `meetings`, the builder of meetings through portal.meetings.services (as
the Secretariat's pages make them), the people of each role, what the meetings tables hold
(`meeting_rows`), and the forum's and library's fixtures (spaces, topics, documents, one
signed-in client per person)."""

from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from portal.core.events import Event
from portal.extensions import db
from portal.meetings import services
from portal.meetings.models import (
    AgendaDocument,
    AgendaItem,
    CalendarToken,
    ConnectionView,
    Meeting,
    Registration,
    ReportComment,
    ReportParagraph,
    SpeakerRequest,
)
from tests.forum import conftest as forum_fixtures
from tests.library.builders import Library

forum = forum_fixtures.forum
signed_in = forum_fixtures.signed_in
errors_are_shown = forum_fixtures.errors_are_shown

COUNTED = (
    Meeting,
    AgendaItem,
    AgendaDocument,
    SpeakerRequest,
    Registration,
    ConnectionView,
    CalendarToken,
    ReportParagraph,
    ReportComment,
    Event,
)


def meeting_rows():
    """How many rows each meetings table holds, and the events."""
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in COUNTED
    }


def meeting_values(**overrides):
    """The values of the meeting form: a hybrid working groups' meeting in Geneva, 60 days
    from now, for every approved user."""
    start = date.today() + timedelta(days=60)
    values = {
        "title": "Working groups' meeting",
        "kind": "working_groups",
        "cycle": 12,
        "start_day": start,
        "start_time": time(10, 0),
        "end_day": start + timedelta(days=3),
        "end_time": time(18, 0),
        "time_zone": "Europe/Zurich",
        "venue": "Geneva International Conference Centre",
        "format": "hybrid",
        "languages": ["en", "fr", "es"],
        "level": "users",
        "connection_details": "https://meet.example.org/att-wg — passcode 4242",
        "notices": "Badges are collected at the Pregny gate.",
    }
    values.update(overrides)
    return values


class Meetings:
    """Builds meetings for a test on behalf of the Secretariat; every method commits."""

    def __init__(self, forum, make):
        self.forum = forum
        self.make = make
        self.library = Library(forum)

    @property
    def officer(self):
        return self.forum.officer

    def meeting(self, items=0, **overrides):
        meeting = services.create_meeting(self.officer, meeting_values(**overrides))
        for number in range(1, items + 1):
            services.add_item(meeting, self.officer, {"title": f"Agenda item {number}"})
        db.session.commit()
        return meeting

    def item(self, meeting, title="An agenda item", **values):
        item = services.add_item(meeting, self.officer, {"title": title, **values})
        db.session.commit()
        return item

    def document(self, item, title=None, **metadata):
        document = self.library.document(title, **metadata)
        services.link_document(item, self.officer, document)
        db.session.commit()
        return document

    def register(self, meeting, user, attendance="remote", approve=True):
        registration = services.register(meeting, user, attendance)
        if approve:
            services.decide_registration(registration, self.officer, True)
        db.session.commit()
        return registration

    def ask(self, meeting, user, item, subject="National practice on end-use controls"):
        request = services.request_to_speak(meeting, user, item.id, subject)
        db.session.commit()
        return request


@pytest.fixture
def meetings(forum, make):
    return Meetings(forum, make)


@pytest.fixture
def people(make, forum):
    """One person per role: anonymous is left to the client; a State Party's point of contact
    and delegate, a signatory's delegate, an observer, the Secretariat."""
    home = make.delegation(kind="state_party", name="Mexico", short_name="MEX")
    return {
        "contact": make.user(delegation=home, role="point_of_contact", name="Mexico Contact"),
        "delegate": make.user(delegation=home, name="Mexico Delegate"),
        "signatory": make.user(
            delegation=make.delegation(kind="signatory"), role="point_of_contact"
        ),
        "observer": make.user(
            delegation=make.delegation(kind="international_organisation"),
            role="point_of_contact",
        ),
        "secretariat": forum.officer,
    }
