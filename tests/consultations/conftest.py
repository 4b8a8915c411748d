"""Consultations fixtures: `consultations`, the builder of consultations, requests for inputs
and national reports through portal.consultations.services (as the pages make them), the
people of each role (`people`), what the tables hold (`consultation_rows`), and the forum's,
library's and meetings' fixtures."""

from datetime import date, timedelta

import io

import pytest
from sqlalchemy import func, select

from portal.consultations import services
from portal.consultations.models import (
    AdvisoryDocument,
    AdvisoryInput,
    AdvisoryMember,
    Consultation,
    ConsultationDelegation,
    ConsultationDocument,
    ConsultationParticipant,
    ConsultationPost,
    ConsultationThread,
    InputRequest,
    NationalReport,
    NationalReportFile,
)
from portal.core.events import Event
from portal.core.models import now_utc
from portal.extensions import db
from portal.meetings.models import Meeting
from werkzeug.datastructures import FileStorage
from tests.forum import conftest as forum_fixtures
from tests.library.builders import Library

forum = forum_fixtures.forum
signed_in = forum_fixtures.signed_in
errors_are_shown = forum_fixtures.errors_are_shown

COUNTED = (
    Consultation,
    ConsultationDelegation,
    ConsultationParticipant,
    ConsultationThread,
    ConsultationPost,
    ConsultationDocument,
    AdvisoryMember,
    InputRequest,
    AdvisoryInput,
    AdvisoryDocument,
    NationalReport,
    NationalReportFile,
    Meeting,
    Event,
)


def consultation_rows():
    """How many rows each table of intersessional work holds, with meetings and events."""
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in COUNTED
    }


def consultation_values(opens=None, closes=None, **overrides):
    """The values of the consultation form: open from an hour ago for ten days by default."""
    opens = opens or now_utc() - timedelta(hours=1)
    closes = closes or opens + timedelta(days=10)
    values = {
        "title": "Informal consultation on the draft report template",
        "purpose": "Gather comments on the chair's draft report before the preparatory meeting.",
        "open_day": opens.date(),
        "open_time": opens.time().replace(second=0, microsecond=0),
        "close_day": closes.date(),
        "close_time": closes.time().replace(second=0, microsecond=0),
        "format": "online",
        "support": "logistics",
        "languages": [],
        "invited": [],
    }
    values.update(overrides)
    return values


def moment_values(prefix, moment):
    return {f"{prefix}_day": moment.date().isoformat(), f"{prefix}_time": moment.strftime("%H:%M")}


class Consultations:
    """Builds intersessional work for a test; every method commits."""

    def __init__(self, forum, make):
        self.forum = forum
        self.make = make
        self.library = Library(forum)

    @property
    def officer(self):
        return self.forum.officer

    def convened(self, invited=(), by=None, **overrides):
        consultation = services.convene_consultation(
            by or self.officer,
            consultation_values(invited=[d.id for d in invited], **overrides),
        )
        db.session.commit()
        return consultation

    def requested(self, by, invited=(), **overrides):
        consultation = services.request_consultation(
            by, consultation_values(invited=[d.id for d in invited], **overrides)
        )
        db.session.commit()
        return consultation

    def close_in_the_past(self, consultation):
        """Move a consultation's times back so that it closed a minute ago."""
        consultation.opens_at = now_utc() - timedelta(days=2)
        consultation.closes_at = now_utc() - timedelta(minutes=1)
        db.session.commit()

    def thread(self, consultation, by, title="Comments on paragraph 12", body="We agree."):
        thread = services.start_thread(consultation, by, title, body)
        db.session.commit()
        return thread

    def member(self, user, register=True):
        member = services.apply_to_group(user, "Export licensing data and national reporting.")
        if register:
            services.register_member(member, self.officer, True)
        db.session.commit()
        return member

    def input_request(self, restricted=False, cycle=12, deadline=None, **values):
        deadline = deadline or now_utc() + timedelta(days=14)
        request = services.request_inputs(self.officer, {
            "cycle": cycle,
            "title": "Draft report template",
            "description": "Comment on the draft template for annual reports.",
            "deadline_day": deadline.date(),
            "deadline_time": deadline.time().replace(second=0, microsecond=0),
            "is_restricted": restricted,
            **values,
        })
        db.session.commit()
        return request

    def national_report(self, by, audience="public", year=2025, text=b"Annual report on licences",
                        contents=("licences",), language="en", title=None):
        report = services.share_national_report(
            by,
            {
                "title": title or f"Report to parliament on arms exports {year}",
                "year": year,
                "period_start": date(year, 1, 1),
                "period_end": date(year, 12, 31),
                "contents": list(contents),
                "audience": audience,
            },
            {language: FileStorage(io.BytesIO(text), filename="report.txt")},
        )
        db.session.commit()
        return report


@pytest.fixture
def consultations(forum, make):
    return Consultations(forum, make)


@pytest.fixture
def people(make, forum):
    """One person per role: two States Parties (Mexico: its point of contact and a delegate;
    Ghana: its point of contact), a signatory's point of contact, an observer organisation's
    point of contact, a chair (a State Party's delegate who moderates a working group) and the
    Secretariat."""
    mexico = make.delegation(kind="state_party", name="Mexico", short_name="MEX",
                             regional_group="latin_american_caribbean")
    ghana = make.delegation(kind="state_party", name="Ghana", short_name="GHA",
                            regional_group="african")
    chair = make.user(delegation=make.delegation(kind="state_party", name="Sweden",
                                                 short_name="SWE", regional_group="weog"),
                      name="Chair Person")
    forum.chair(forum.space(), chair)
    return {
        "contact": make.user(delegation=mexico, role="point_of_contact", name="Mexico Contact"),
        "delegate": make.user(delegation=mexico, name="Mexico Delegate"),
        "ghana": make.user(delegation=ghana, role="point_of_contact", name="Ghana Contact"),
        "signatory": make.user(
            delegation=make.delegation(kind="signatory", name="Colombia",
                                       short_name="COL"),
            role="point_of_contact", name="Signatory Contact",
        ),
        "observer": make.user(
            delegation=make.delegation(kind="civil_society", name="Control Arms",
                                       short_name="CA"),
            role="point_of_contact", name="Observer Contact",
        ),
        "chair": chair,
        "secretariat": forum.officer,
    }

