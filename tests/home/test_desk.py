"""The Secretariat's desk: only the Secretariat reaches it; its counts equal what was made by
hand; reports are acknowledged together (all or none); messages reach the points of contact
chosen in their language and are logged; a reported post is counted in the navigation and
emailed to the moderators of its space."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.core.audit import AuditEvent
from portal.core.jobs import FAILED, Job, run_due_jobs
from portal.extensions import db
from portal.reporting.models import ReportVersion
from tests.conftest import html_of, text_of
from tests.reporting.builders import reporting_state, submitted


def desk_count(text, label):
    """The number the desk shows beside `label`."""
    found = re.search(rf">{re.escape(label)}</a>\s*<span class=\"desk-count\"[^>]*>(\d+)<", text)
    assert found, label
    return int(found.group(1))


#: The count of reported posts in the navigation.
BADGE = r"Reported posts <span class=\"count-badge\" aria-hidden=\"true\">%d</span>"


def audit(action):
    db.session.expire_all()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


@pytest.fixture
def officer(make):
    return make.secretariat(name="Desk Officer")


@pytest.fixture
def others(make, forum):
    """Everyone but the Secretariat, a space's chair included."""
    state = make.delegation(kind="state_party")
    return {
        "point of contact": make.user(delegation=state, role="point_of_contact"),
        "delegate": make.user(delegation=state),
        "signatory": make.user(delegation=make.delegation(kind="signatory")),
        "observer": make.user(delegation=make.delegation(kind="international_organisation")),
        "chair": forum.chair(forum.space("users")),
    }


DESK_PAGES = [("get", "/desk"), ("get", "/desk/message"), ("post", "/desk/message")]


@pytest.mark.parametrize("role", ["point of contact", "delegate", "signatory", "observer", "chair"])
def test_only_the_secretariat_reaches_the_desk(role, others, signed_in, app):
    http = signed_in(others[role])
    for method, path in DESK_PAGES:
        assert getattr(http, method)(path).status_code == 403, (role, path)
    assert http.post("/desk/acknowledge", data={"version": "1"}).status_code == 403
    assert "/desk" not in http.get("/").get_data(as_text=True)


def test_the_secretariat_finds_the_desk_in_the_navigation(officer, signed_in):
    text = signed_in(officer).get("/").get_data(as_text=True)
    assert 'href="/desk"' in text
    assert signed_in(officer).get("/desk").status_code == 200


def test_the_counts_equal_what_waits(make, forum, meetings, world_of_waiting, officer, signed_in):
    text = signed_in(officer).get("/desk").get_data(as_text=True)
    assert desk_count(text, "Access requests") == 2
    assert desk_count(text, "Channel proposals") == 1
    assert desk_count(text, "Reported posts") == 2
    assert desk_count(text, "Reports to acknowledge") == 2
    assert desk_count(text, "Failed jobs") == 1
    assert desk_count(text, "Requests to speak") == 1
    assert "Late meeting" in text
    assert "1 agenda item without a document" in text
    assert "On-time meeting" not in text


@pytest.fixture
def world_of_waiting(make, forum, meetings):
    """Two access requests waiting (and one decided), a channel proposed (and one refused),
    three reports of two posts open (and one resolved), two report versions to acknowledge
    (and one acknowledged), a failed job (and a finished one), a request to speak (and an
    accepted one), and a meeting whose deadline passed with one agenda item of two without a
    document."""
    from portal.channels import services as channels
    from portal.reporting import services as reporting

    make.access_request()
    make.access_request()
    make.access_request(status="approved")
    proposer_state = make.delegation(kind="state_party")
    proposer = make.user(delegation=proposer_state, role="point_of_contact")
    partner = make.delegation(kind="state_party")
    channels.propose_channel(proposer, "bilateral", "Case one", "", [partner.id], False)
    refused = channels.propose_channel(proposer, "bilateral", "Case two", "", [partner.id], False)
    channels.refuse_channel(refused, forum.officer)
    db.session.commit()
    topic = forum.topic(forum.space("users"))
    first, second = forum.thread(topic), forum.thread(topic)
    forum.flag(forum.opening(first))
    forum.flag(forum.opening(first))
    forum.flag(forum.opening(second))
    third = forum.thread(topic)
    forum.flag(forum.opening(third))
    from portal.forum import services as forum_services

    forum_services.resolve_flags(forum.opening(third), forum.officer, hide=False)
    db.session.commit()
    for iso3 in ("FRA", "ESP"):
        state, contact, _member = reporting_state(make, iso3=iso3)
        submitted(state, contact)
    state, contact, _member = reporting_state(make, iso3="ITA")
    reporting.acknowledge(submitted(state, contact), forum.officer)
    db.session.add_all(
        [Job(kind="send_email", status=FAILED), Job(kind="send_email", status="done")]
    )
    db.session.commit()
    ahead = meetings.meeting(title="On-time meeting", items=2)
    delegate = make.user(delegation=make.delegation(kind="state_party"))
    meetings.register(ahead, delegate)
    meetings.ask(ahead, delegate, ahead.items[0])
    accepted = meetings.ask(ahead, delegate, ahead.items[1], subject="Another subject")
    from portal.meetings import services as meeting_services

    meeting_services.accept_speaker(accepted, forum.officer)
    late = meetings.meeting(
        title="Late meeting",
        items=2,
        start_day=date.today() + timedelta(days=10),
        end_day=date.today() + timedelta(days=11),
    )
    meetings.document(late.items[0])
    db.session.commit()
    return late


# Acknowledging reports together ---------------------------------------------------------------


@pytest.fixture
def versions(make):
    found = []
    for iso3 in ("FRA", "ESP", "PRT"):
        state, contact, _member = reporting_state(make, iso3=iso3)
        found.append(submitted(state, contact))
    return found


def acknowledged():
    db.session.expire_all()
    return db.session.scalar(
        select(func.count()).where(ReportVersion.acknowledged_at.is_not(None))
    )


def test_reports_are_acknowledged_together(versions, officer, signed_in, app):
    http = signed_in(officer)
    page = http.get("/desk").get_data(as_text=True)
    for version in versions:
        assert f'name="version" value="{version.id}"' in page
    response = http.post(
        "/desk/acknowledge", data={"version": [versions[0].id, versions[2].id]}
    )
    assert response.status_code == 302
    assert acknowledged() == 2
    assert db.session.get(ReportVersion, versions[1].id).acknowledged_at is None
    assert len(audit("report.acknowledge")) == 2
    page = http.get("/desk").get_data(as_text=True)
    assert "2 reports acknowledged." in page
    assert f'value="{versions[0].id}"' not in page


@pytest.mark.parametrize(
    "choice",
    ["none", "unknown", "already acknowledged", "not a number"],
)
def test_a_bad_acknowledgement_changes_nothing(choice, versions, officer, signed_in, app):
    from portal.reporting import services as reporting

    reporting.acknowledge(versions[1], officer)
    db.session.commit()
    ids = {
        "none": [],
        "unknown": [versions[0].id, 999999],
        "already acknowledged": [versions[0].id, versions[1].id],
        "not a number": [versions[0].id, "x"],
    }[choice]
    http = signed_in(officer)
    response = http.post("/desk/acknowledge", data={"version": ids})
    assert response.status_code == 302
    assert acknowledged() == 1
    assert db.session.get(ReportVersion, versions[0].id).acknowledged_at is None
    text = http.get("/desk").get_data(as_text=True)
    assert "nothing was changed" in text or "Tick the reports to acknowledge." in text


def test_acknowledging_needs_the_form_token(versions, officer, signed_in, app):
    http = signed_in(officer)
    app.config["WTF_CSRF_ENABLED"] = True
    response = http.post("/desk/acknowledge", data={"version": [versions[0].id]})
    assert response.status_code == 400
    assert acknowledged() == 0


# Messages to the points of contact -------------------------------------------------------------


@pytest.fixture
def contacts(make, mailbox):
    """Points of contact in several regions and languages, and people who are not one; the
    receipts of the reports submitted here are left out of the mailbox."""
    weog_party = make.delegation(
        kind="state_party", iso3="FRA", regional_group="weog", entry_into_force=date(2014, 12, 24)
    )
    african_party = make.delegation(
        kind="state_party",
        iso3="SEN",
        regional_group="african",
        entry_into_force=date(2014, 12, 24),
    )
    signatory = make.delegation(kind="signatory", iso3="USA", regional_group="weog")
    observer = make.delegation(kind="international_organisation")
    people = {
        "weog_party": make.user(delegation=weog_party, role="point_of_contact", language="fr"),
        "african_party": make.user(
            delegation=african_party, role="point_of_contact", language="ru"
        ),
        "signatory": make.user(delegation=signatory, role="point_of_contact", language="es"),
        "observer": make.user(delegation=observer, role="point_of_contact"),
        "member": make.user(delegation=weog_party),
        "suspended": make.user(
            delegation=african_party, role="point_of_contact", status="suspended"
        ),
    }
    # France's reports are up to date; Senegal's are not.
    for year in range(2015, date.today().year):
        submitted(weog_party, people["weog_party"], year=year, today=date.today())
    submitted(weog_party, people["weog_party"], year=None, today=date.today())
    run_due_jobs()
    mailbox.messages.clear()
    return people


MESSAGE = {
    "audience": "all",
    "subject_en": "Working group meetings: 50% of documents are out",
    "body_en": "Dear colleagues,\n\nThe documents are online.\nSee the portal.",
    "subject_fr": "Réunions des groupes de travail",
    "body_fr": "Chers collègues,\n\nLes documents sont en ligne.",
}


def sent_to(mailbox, people):
    run_due_jobs()
    return {name for name, person in people.items() if mailbox.to(person.email)}


def test_a_message_reaches_every_point_of_contact_in_their_language(
    contacts, officer, signed_in, mailbox, app
):
    http = signed_in(officer)
    response = http.post("/desk/message", data=MESSAGE)
    assert response.status_code == 302
    assert sent_to(mailbox, contacts) == {"weog_party", "african_party", "signatory", "observer"}
    french = mailbox.last_to(contacts["weog_party"].email)
    assert french["Subject"] == "Réunions des groupes de travail"
    assert "Les documents sont en ligne." in text_of(french)
    assert french["Content-Language"] == "fr"
    russian = mailbox.last_to(contacts["african_party"].email)
    assert russian["Subject"] == MESSAGE["subject_en"]
    assert "The documents are online.<br>See the portal." in html_of(russian)
    [entry] = audit("desk.contact_message")
    assert entry.actor_id == officer.id
    assert sorted(entry.detail["recipients"]) == sorted(
        contacts[name].id for name in ("weog_party", "african_party", "signatory", "observer")
    )
    assert entry.detail["languages"] == ["en", "fr"]


@pytest.mark.parametrize(
    "audience, expected",
    [
        ({"audience": "region", "region": "weog"}, {"weog_party", "signatory"}),
        ({"audience": "region", "region": "african"}, {"african_party"}),
        ({"audience": "reports_due"}, {"african_party"}),
    ],
)
def test_a_message_reaches_the_points_of_contact_chosen(
    audience, expected, contacts, officer, signed_in, mailbox, app
):
    response = signed_in(officer).post("/desk/message", data=MESSAGE | audience)
    assert response.status_code == 302
    assert sent_to(mailbox, contacts) == expected


@pytest.mark.parametrize(
    "change, message",
    [
        ({"audience": "region", "region": ""}, "Choose the regional group to write to."),
        ({"subject_en": ""}, "This field is required."),
        ({"body_fr": ""}, "Give both the subject and the message in this language, or neither."),
        ({"audience": "everyone"}, "Not a valid choice"),
        ({"subject_en": "x" * 201}, "Field cannot be longer than 200 characters."),
    ],
)
def test_a_bad_message_sends_nothing(change, message, contacts, officer, signed_in, mailbox, app):
    response = signed_in(officer).post("/desk/message", data=MESSAGE | change)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert sent_to(mailbox, contacts) == set()
    assert audit("desk.contact_message") == []


def test_a_message_to_nobody_sends_nothing(contacts, officer, signed_in, mailbox, app):
    response = signed_in(officer).post(
        "/desk/message", data=MESSAGE | {"audience": "region", "region": "asia_pacific"}
    )
    assert response.status_code == 400
    assert "No point of contact matches this choice" in response.get_data(as_text=True)
    assert sent_to(mailbox, contacts) == set()
    assert audit("desk.contact_message") == []


# Reported posts ----------------------------------------------------------------------------------


def test_a_reported_post_is_emailed_to_the_moderators_of_its_space(
    forum, make, officer, signed_in, mailbox
):
    space = forum.space("users")
    chair = forum.chair(space)
    thread = forum.thread(forum.topic(space), title="A heated thread")
    reporter = make.user()
    bystander = make.user()
    forum.flag(forum.opening(thread), by=reporter)
    run_due_jobs()
    email = mailbox.last_to(chair.email)
    assert "A post was reported" in email["Subject"]
    assert "A heated thread" in email["Subject"]
    for person in (reporter, bystander, officer):
        assert mailbox.to(person.email) == []
    text = signed_in(chair).get("/").get_data(as_text=True)
    assert re.search(BADGE % 1, text)
    assert "Reported posts" not in signed_in(bystander).get("/").get_data(as_text=True)


def test_a_reported_post_in_a_space_without_moderators_goes_to_the_secretariat(
    forum, make, officer, signed_in, mailbox
):
    thread = forum.thread(forum.topic(forum.space("users")), title="Unchaired thread")
    forum.flag(forum.opening(thread))
    run_due_jobs()
    assert "Unchaired thread" in mailbox.last_to(officer.email)["Subject"]


def test_a_moderator_who_cannot_read_the_post_is_not_told(forum, make, mailbox):
    space = forum.space("state_parties")
    chair = forum.chair(space, make.user(delegation=make.delegation(kind="signatory")))
    thread = forum.thread(forum.topic(space), title="Restricted thread")
    forum.flag(forum.opening(thread), by=make.user())
    run_due_jobs()
    assert mailbox.to(chair.email) == []


def test_reported_posts_are_counted_at_the_levels_the_reader_may_read(
    forum, make, officer, signed_in
):
    """A report at every access level: the Secretariat's desk and navigation count those of
    the spaces it reads (not a closed group's), as its review queue lists them."""
    closed = make.group()
    for level in ("public", "users", "states", "state_parties", "group"):
        space = forum.space(level, group=closed if level == "group" else None)
        thread = forum.thread(forum.topic(space), title=f"Reported at level {level}")
        forum.flag(forum.opening(thread))
    http = signed_in(officer)
    desk = http.get("/desk").get_data(as_text=True)
    assert desk_count(desk, "Reported posts") == 4
    assert re.search(BADGE % 4, desk)
    queue = http.get("/forum/flags").get_data(as_text=True)
    for level in ("public", "users", "states", "state_parties"):
        assert f"Reported at level {level}" in queue
    assert "Reported at level group" not in queue
