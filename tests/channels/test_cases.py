"""Case records: the structured form, its refusals, editing by the providing delegation, the
summary published to the DIEF plenary channel, the access record, and who may reach each page
(members get the content; everyone else, the non-admitted Secretariat included, gets 404)."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.access import can
from portal.channels import cases, services
from portal.channels.models import (
    CaseRecord,
    ChannelAccessRecord,
    ChannelMessage,
    ChannelThread,
)
from portal.core.audit import AuditEvent
from portal.core.jobs import Job, run_due_jobs
from portal.core.models import now_utc
from portal.extensions import db
from tests.channels.test_permissions import CHANNEL_MATRIX, actors, channel_in

REFERENCE = "Rifles found in transit, March 2026"
#: What the confirmation page of an action posts.
CONFIRMED = {"confirmed": "yes"}


def case_form(**changes):
    """The fields of a complete case record as the page posts them; `changes` replace or, with
    None, remove fields."""
    data = {
        "reference": REFERENCE,
        "items-0-category": "VIII.SA",
        "items-0-subcategory": "SA.4",
        "items-0-quantity": "120",
        "items-0-description": "Assault rifles, serial numbers removed",
        "items-1-category": "",
        "route-0-iso3": "gha",
        "route-0-role": "export",
        "route-1-iso3": "TGO",
        "route-1-role": "transit",
        "route-2-iso3": "",
        "route-2-role": "",
        "stage": "transit",
        "detection": "Customs inspection at the port of Lomé.",
        "method": "Forged end-user certificate.\nRe-routed in transit.",
        "case_status": "confirmed",
        "lessons": "Verify end-user certificates with the issuing authority.",
        "shareable": ["stage", "method", "lessons"],
    }
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def values(**changes):
    """The same record as cases.clean_case reads it."""
    form = case_form(**changes)
    rows = lambda prefix, names: [
        {name: form.get(f"{prefix}-{n}-{name}", "") for name in names} for n in range(3)
    ]
    return {
        "reference": form["reference"],
        "items": rows("items", ["category", "subcategory", "quantity", "description"]),
        "route": rows("route", ["iso3", "role"]),
        **{k: form[k] for k in ("stage", "detection", "method", "case_status", "lessons")},
        "shareable": form["shareable"],
    }


def make_case(world, channel, author=None, **changes):
    case = cases.create_case(channel, author or world.member_a, values(**changes))
    db.session.commit()
    return case


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def error_at(response, field_id):
    """The error message shown at the field with this id."""
    match = re.search(
        rf'<p class="error-message" id="{re.escape(field_id)}-error">([^<]*)</p>',
        response.get_data(as_text=True),
    )
    assert match, f"no error at {field_id}"
    return match.group(1)


# Creating -----------------------------------------------------------------------------------


def test_a_participant_records_a_case_with_its_thread_and_a_first_message_linking_to_it(
    world, as_user
):
    channel = world.opened()
    abel = as_user(world.member_a)
    page = abel.get(f"/channels/{channel.id}/cases/new")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Small arms" in text and 'list="country-codes"' in text
    assert "Confidential" in text  # the handling notice

    response = abel.post(f"/channels/{channel.id}/cases/new", data=case_form())
    assert response.status_code == 302
    case = db.session.scalar(select(CaseRecord))
    assert response.headers["Location"].endswith(f"/channels/cases/{case.id}")
    assert case.reference == REFERENCE
    assert case.items == [
        {
            "category": "VIII.SA",
            "subcategory": "SA.4",
            "quantity": 120,
            "description": "Assault rifles, serial numbers removed",
        }
    ]
    assert case.route == [{"iso3": "GHA", "role": "export"}, {"iso3": "TGO", "role": "transit"}]
    assert case.stage == "transit" and case.case_status == "confirmed"
    assert case.method == "Forged end-user certificate.\nRe-routed in transit."
    assert case.shareable == ["stage", "method", "lessons"]
    assert case.provided_by_delegation_id == world.state_a.id
    assert case.acl == channel.acl
    thread = db.session.get(ChannelThread, case.thread_id)
    assert thread.channel_id == channel.id and REFERENCE in thread.title
    first = thread.messages.first()
    assert f'href="/channels/cases/{case.id}"' in first.body_html
    assert "channel.case_create" in [e.action for e in db.session.scalars(select(AuditEvent))]

    shown = abel.get(f"/channels/cases/{case.id}").get_data(as_text=True)
    for expected in ("Ghana", "Togo", "Transit or trans-shipment", "SA.4", "Forged end-user"):
        assert expected in shown
    thread_page = abel.get(f"/channels/threads/{thread.id}").get_data(as_text=True)
    assert f"/channels/cases/{case.id}" in thread_page


@pytest.mark.parametrize(
    "changes, field_id, message",
    [
        ({"route-1-iso3": "XYZ"}, "route-1-iso3", "“XYZ” is not a country code"),
        ({"route-0-iso3": "12"}, "route-0-iso3", "is not a country code"),
        (
            {"route-0-iso3": "", "route-0-role": "", "route-1-iso3": "", "route-1-role": ""},
            "route-0-iso3",
            "at least one State",
        ),
        ({"route-1-iso3": " "}, "route-1-iso3", "or leave the whole row empty"),
        ({"route-1-role": "smuggler"}, "route-1-role", "Choose the State's role"),
        ({"items-0-category": "IX"}, "items-0-category", "Choose a category"),
        ({"items-0-subcategory": "LW.2"}, "items-0-subcategory", "not one of category VIII.SA"),
        ({"items-0-quantity": "many"}, "items-0-quantity", "whole number"),
        ({"items-0-quantity": "-3"}, "items-0-quantity", "whole number"),
        (
            {"items-0-category": "", "items-0-subcategory": "", "items-0-quantity": ""}
            | {"items-0-description": ""},
            "items-0-category",
            "at least one item",
        ),
        ({"reference": "  "}, "reference", "This field is required"),
        ({"reference": "x" * 201}, "reference", "at most 200 characters"),
        ({"stage": "shipping"}, "stage", "Choose the stage"),
        ({"case_status": ""}, "case_status", "Choose the status"),
        ({"lessons": "x" * 5001}, "lessons", "at most 5000 characters"),
        ({"shareable": ["stage", "names"]}, "shareable", "Choose the parts"),
        ({"incident_on": "14/03/2026"}, "incident_on", "year-month-day"),
        ({"incident_on": "2026-02-30"}, "incident_on", "This day does not exist"),
        ({"incident_on": "1899-12-31"}, "incident_on", "in 1900 or later"),
        ({"incident_on": "2999-01-01"}, "incident_on", "cannot be in the future"),
    ],
)
def test_a_refused_case_record_is_shown_again_with_the_message_and_nothing_is_saved(
    world, as_user, changes, field_id, message
):
    channel = world.opened()
    jobs_before = db.session.scalar(select(func.count()).select_from(Job))
    response = as_user(world.member_a).post(
        f"/channels/{channel.id}/cases/new", data=case_form(**changes)
    )
    assert response.status_code == 400
    assert message in error_at(response, field_id)
    assert 'class="error-summary"' in response.get_data(as_text=True)
    assert count(CaseRecord) == 0 and count(ChannelThread) == 0 and count(ChannelMessage) == 0
    assert db.session.scalar(select(func.count()).select_from(Job)) == jobs_before


def test_every_missing_field_is_reported_at_once(world, as_user):
    channel = world.opened()
    response = as_user(world.member_a).post(f"/channels/{channel.id}/cases/new", data={})
    assert response.status_code == 400
    assert "required" in error_at(response, "reference")
    assert "at least one item" in error_at(response, "items-0-category")
    assert "at least one State" in error_at(response, "route-0-iso3")
    assert "Choose the stage" in error_at(response, "stage")
    assert "Choose the status" in error_at(response, "case_status")
    summary = response.get_data(as_text=True).split('id="error-summary"')[1].split("</div>")[0]
    assert summary.count("<li>") == 5
    assert count(CaseRecord) == 0 and count(ChannelThread) == 0


def test_every_refused_field_of_every_row_is_reported_at_once_with_its_row(world, as_user):
    channel = world.opened()
    tomorrow = (now_utc() + timedelta(days=2)).date().isoformat()
    response = as_user(world.member_a).post(
        f"/channels/{channel.id}/cases/new",
        data=case_form(
            incident_on=tomorrow,
            **{
                "items-0-subcategory": "LW.2",
                "items-1-category": "II",
                "items-1-quantity": "a dozen",
                "route-1-iso3": "XYZ",
                "route-1-role": "smuggler",
            },
        ),
    )
    assert response.status_code == 400
    assert "not one of category VIII.SA" in error_at(response, "items-0-subcategory")
    assert "whole number" in error_at(response, "items-1-quantity")
    assert "not a country code" in error_at(response, "route-1-iso3")
    assert "Choose the State's role" in error_at(response, "route-1-role")
    assert "cannot be in the future" in error_at(response, "incident_on")
    text = response.get_data(as_text=True)
    for label in (
        "Sub-category, item 1:",
        "Quantity, item 2:",
        "Country code, State 2:",
        "Role, State 2:",
        "Date of the incident:",
    ):
        assert label in text, label
    assert count(CaseRecord) == 0 and count(ChannelThread) == 0 and count(ChannelMessage) == 0


def test_the_sub_category_list_names_the_category_of_each_option_for_the_page_script(
    world, as_user, client
):
    channel = world.opened()
    page = as_user(world.member_a).get(f"/channels/{channel.id}/cases/new").get_data(as_text=True)
    assert '<option data-category="VIII.SA" value="SA.4">' in page
    assert 'src="/static/js/case_form.js"' in page
    script = client.get("/static/js/case_form.js")
    assert script.status_code == 200 and b"data-category" in script.data


def test_the_date_of_the_incident_is_kept_and_shown_everywhere_the_record_is(world, as_user):
    channel = world.opened()
    abel = as_user(world.member_a)
    response = abel.post(
        f"/channels/{channel.id}/cases/new", data=case_form(incident_on="2026-03-14")
    )
    assert response.status_code == 302
    case = db.session.scalar(select(CaseRecord))
    assert case.incident_on == date(2026, 3, 14)
    assert "14 Mar 2026" in abel.get(f"/channels/cases/{case.id}").get_data(as_text=True)
    edit = abel.get(f"/channels/cases/{case.id}/edit").get_data(as_text=True)
    assert 'type="date"' in edit and 'value="2026-03-14"' in edit
    exported = abel.get(f"/channels/{channel.id}/export.json").get_json()
    assert exported["case_records"][0]["incident_on"] == "2026-03-14"
    printable = abel.get(f"/channels/{channel.id}/export").get_data(as_text=True)
    assert "Date of the incident" in printable and "14 Mar 2026" in printable


@pytest.mark.parametrize("day", ["", "today"])
def test_the_date_of_the_incident_may_be_left_out_or_be_today(world, as_user, day):
    channel = world.opened()
    given = now_utc().date().isoformat() if day == "today" else ""
    response = as_user(world.member_a).post(
        f"/channels/{channel.id}/cases/new", data=case_form(incident_on=given)
    )
    assert response.status_code == 302
    case = db.session.scalar(select(CaseRecord))
    assert case.incident_on == (now_utc().date() if day else None)
    page = as_user(world.member_a).get(f"/channels/cases/{case.id}").get_data(as_text=True)
    assert ("Not known" in page) is (not day)


def test_the_form_keeps_what_was_typed_when_it_is_refused(world, as_user):
    channel = world.opened()
    response = as_user(world.member_a).post(
        f"/channels/{channel.id}/cases/new", data=case_form(**{"route-1-iso3": "XYZ"})
    )
    text = response.get_data(as_text=True)
    assert 'value="XYZ"' in text and REFERENCE in text


def test_no_case_record_is_added_to_a_closed_channel(world, as_user):
    channel = world.opened()
    services.close_channel(channel, world.contact_a)
    db.session.commit()
    response = as_user(world.member_a).post(f"/channels/{channel.id}/cases/new", data=case_form())
    assert response.status_code == 400
    assert "closed" in response.get_data(as_text=True)
    assert count(CaseRecord) == 0 and count(ChannelThread) == 0


# Editing ------------------------------------------------------------------------------------


def test_the_providing_delegation_edits_its_record_and_the_thread_is_told(world, as_user):
    channel = world.opened()
    case = make_case(world, channel)
    ana = as_user(world.contact_a)
    page = ana.get(f"/channels/cases/{case.id}/edit")
    assert page.status_code == 200 and 'value="TGO"' in page.get_data(as_text=True)
    response = ana.post(
        f"/channels/cases/{case.id}/edit",
        data=case_form(case_status="closed", **{"route-2-iso3": "NGA", "route-2-role": "import"}),
    )
    assert response.status_code == 302
    db.session.refresh(case)
    assert case.case_status == "closed"
    assert case.route[-1] == {"iso3": "NGA", "role": "import"}
    assert case.thread.messages.count() == 2
    edit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "channel.case_edit"))
    assert edit.detail["fields"] == ["case_status", "route"]


def test_a_refused_edit_changes_nothing(world, as_user):
    channel = world.opened()
    case = make_case(world, channel)
    response = as_user(world.member_a).post(
        f"/channels/cases/{case.id}/edit", data=case_form(**{"items-0-category": "XI"})
    )
    assert response.status_code == 400
    db.session.refresh(case)
    assert case.items[0]["category"] == "VIII.SA" and case.thread.messages.count() == 1


def test_the_other_member_delegation_reads_but_does_not_edit(world, as_user):
    channel = world.opened()
    case = make_case(world, channel)
    bo = as_user(world.member_b)
    assert bo.get(f"/channels/cases/{case.id}").status_code == 200
    assert bo.get(f"/channels/cases/{case.id}/edit").status_code == 404
    assert bo.post(f"/channels/cases/{case.id}/edit", data=case_form()).status_code == 404
    assert bo.get(f"/channels/cases/{case.id}/publish").status_code == 404
    assert "Edit the case record" not in bo.get(f"/channels/cases/{case.id}").get_data(as_text=True)


def test_a_closed_channel_keeps_its_case_records_read_only(world, as_user):
    channel = world.opened()
    case = make_case(world, channel)
    services.close_channel(channel, world.contact_a)
    db.session.commit()
    abel = as_user(world.member_a)
    assert abel.get(f"/channels/cases/{case.id}").status_code == 200
    response = abel.post(f"/channels/cases/{case.id}/edit", data=case_form(case_status="closed"))
    assert response.status_code == 400 and "closed" in response.get_data(as_text=True)
    db.session.refresh(case)
    assert case.case_status == "confirmed"


# The summary for the whole Forum ------------------------------------------------------------


def plenary(world, members):
    """An open DIEF plenary channel of `members` (delegations), A's contact taking part."""
    channel = services.propose_channel(
        world.secretariat, "plenary", "DIEF plenary", "", [d.id for d in members], True
    )
    services.approve_channel(channel, world.secretariat)
    for delegation in members:
        contact = {world.state_a.id: world.contact_a, world.state_c.id: world.contact_c}[
            delegation.id
        ]
        services.respond(channel, contact, True)
        services.designate(channel, contact, contact.id)
    db.session.commit()
    assert channel.status == "open"
    return channel


def test_the_providing_state_publishes_only_the_shareable_parts_to_the_plenary(world, as_user):
    channel = world.opened()
    case = make_case(world, channel)
    forum = plenary(world, [world.state_a, world.state_c])
    abel = as_user(world.member_a)
    preview = abel.get(f"/channels/cases/{case.id}/publish")
    assert preview.status_code == 200
    assert "Forged end-user certificate" in preview.get_data(as_text=True)
    assert abel.post(f"/channels/cases/{case.id}/publish").status_code == 302

    db.session.refresh(case)
    summary = db.session.get(ChannelMessage, case.summary_message_id)
    assert summary.channel_id == forum.id and summary.acl == forum.acl
    assert case.summary_published_at is not None
    text = summary.body_markdown
    for shared in ("Transit or trans-shipment", "Forged end-user certificate", "issuing authority"):
        assert shared in text
    # Neither the reference, the route (not shareable), the items, the detection nor the status.
    for private in (REFERENCE, "Ghana", "Togo", "GHA", "Assault rifles", "Lomé", "Confirmed"):
        assert private not in text and private not in summary.thread.title
    # A participant of the plenary reads it; a second publication is not offered.
    assert "Forged end-user" in as_user(world.contact_c).get(
        f"/channels/threads/{summary.thread_id}"
    ).get_data(as_text=True)
    assert abel.post(f"/channels/cases/{case.id}/publish").status_code == 404


def test_the_route_is_in_the_summary_only_when_it_is_shareable(world):
    channel = world.opened()
    case = make_case(world, channel, shareable=["route", "items"])
    text = cases.summary_text(case)
    assert "Ghana (GHA): Exporting State" in text and "Togo (TGO)" in text
    assert "Assault rifles" in text and "Forged" not in text


def test_without_an_open_plenary_channel_the_summary_is_refused_with_a_message(world, as_user):
    channel = world.opened()
    case = make_case(world, channel)
    response = as_user(world.member_a).post(f"/channels/cases/{case.id}/publish")
    assert response.status_code == 400
    assert "no open DIEF plenary channel" in response.get_data(as_text=True)
    db.session.refresh(case)
    assert case.summary_message_id is None and count(ChannelThread) == 1


def test_a_state_outside_the_plenary_cannot_publish_there(world, as_user):
    channel = world.opened()
    case = make_case(world, channel)
    plenary(world, [world.state_c])
    response = as_user(world.member_a).post(f"/channels/cases/{case.id}/publish")
    assert response.status_code == 400
    assert "not a member of the DIEF plenary channel" in response.get_data(as_text=True)
    db.session.refresh(case)
    assert case.summary_message_id is None


def test_a_record_with_nothing_shareable_offers_no_summary(world, as_user):
    channel = world.opened()
    case = make_case(world, channel, shareable=[])
    abel = as_user(world.member_a)
    assert "Preview and publish" not in abel.get(f"/channels/cases/{case.id}").get_data(
        as_text=True
    )
    assert abel.post(f"/channels/cases/{case.id}/publish").status_code == 404


# Who reaches what ---------------------------------------------------------------------------


def case_urls(channel, case):
    return [
        ("GET", f"/channels/{channel.id}/cases/new"),
        ("POST", f"/channels/{channel.id}/cases/new"),
        ("GET", f"/channels/cases/{case.id}"),
        ("GET", f"/channels/cases/{case.id}/edit"),
        ("POST", f"/channels/cases/{case.id}/edit"),
        ("GET", f"/channels/cases/{case.id}/publish"),
        ("POST", f"/channels/cases/{case.id}/publish"),
        ("GET", f"/channels/{channel.id}/export"),
        ("GET", f"/channels/{channel.id}/export.json"),
    ]


def test_every_case_url_answers_404_to_whoever_does_not_read_the_channel(world, as_user):
    channel = world.opened()
    case = make_case(world, channel)
    world.other_channel()
    for role, person in world.outsiders.items():
        http = as_user(person)
        for method, url in case_urls(channel, case):
            response = http.open(url, method=method, data=case_form())
            assert response.status_code == 404, (role, method, url)
            assert REFERENCE not in response.get_data(as_text=True)
    assert count(ChannelAccessRecord) == 0
    assert count(CaseRecord) == 1


def test_members_read_the_case_record_and_each_view_is_in_the_access_record(world, as_user):
    channel = world.opened()
    case = make_case(world, channel)
    for role, person in world.members.items():
        response = as_user(person).get(f"/channels/cases/{case.id}")
        assert response.status_code == 200, role
        assert REFERENCE in response.get_data(as_text=True)
    views = db.session.scalars(
        select(ChannelAccessRecord).where(ChannelAccessRecord.action == "view_case")
    ).all()
    assert sorted(v.user_id for v in views) == sorted(p.id for p in world.members.values())
    assert {(v.object_type, v.object_id, v.channel_id) for v in views} == {
        ("case", case.id, channel.id)
    }


def test_an_admitted_secretariat_reads_case_records_but_does_not_write_them(world, as_user):
    channel = world.opened(admitted=True)
    case = make_case(world, channel)
    sam = as_user(world.secretariat)
    assert sam.get(f"/channels/cases/{case.id}").status_code == 200
    assert sam.get(f"/channels/{channel.id}/export.json").status_code == 200
    assert sam.get(f"/channels/{channel.id}/cases/new").status_code == 404
    assert sam.post(f"/channels/cases/{case.id}/edit", data=case_form()).status_code == 404


def test_the_case_record_is_gone_for_a_participant_withdrawn_by_their_point_of_contact(
    world, as_user
):
    channel = world.opened()
    case = make_case(world, channel)
    bo = as_user(world.member_b)
    assert bo.get(f"/channels/cases/{case.id}").status_code == 200
    participant = next(p for p in channel.participants if p.user_id == world.member_b.id)
    services.remove_participant(channel, world.contact_b, participant)
    db.session.commit()
    assert bo.get(f"/channels/cases/{case.id}").status_code == 404


CASE_ACTIONS = (
    "case_view",
    "case_create",
    "case_edit",
    "case_publish",
    "case_retract",
    "channel_export",
)


@pytest.mark.parametrize("state", ["open", "closed", "admitted"])
def test_case_permission_matrix(world, state):
    """The case actions of CHANNEL_MATRIX, on a case record of A shared in part."""
    people = actors(world)
    channel, targets = channel_in(world, state)
    case = CaseRecord(
        channel_id=channel.id,
        thread_id=targets["thread"].id,
        provided_by_delegation_id=world.state_a.id,
        author_id=world.member_a.id,
        acl=channel.acl,
        **cases.clean_case(values()),
    )
    db.session.add(case)
    db.session.commit()
    targets["case"] = case
    wrong = []
    for action in CASE_ACTIONS:
        target, allowed = CHANNEL_MATRIX[action]
        for role, actor in people.items():
            expected = role in allowed[state]
            if can(actor, action, targets[target]) != expected:
                wrong.append(f"{action} by {role}: expected {'allow' if expected else 'deny'}")
    assert not wrong, f"{state}: " + "; ".join(wrong)


def test_choice_lists_match_the_stored_values():
    from portal.channels.models import CaseStage, CaseStatus

    assert {o.code for o in cases.STAGES} == {s.value for s in CaseStage}
    assert {o.code for o in cases.CASE_STATUSES} == {s.value for s in CaseStatus}
    assert [o.code for o in cases.SHAREABLE_PARTS] == [
        "items",
        "route",
        "stage",
        "detection",
        "method",
        "case_status",
        "lessons",
    ]


# Retracting ---------------------------------------------------------------------------------


def test_the_providing_delegation_retracts_a_record_and_a_tombstone_stays(world, as_user):
    channel = world.opened()
    case = make_case(world, channel)
    run_due_jobs()
    bo = as_user(world.member_b)
    assert bo.get(f"/channels/cases/{case.id}/retract").status_code == 404
    assert bo.post(f"/channels/cases/{case.id}/retract", data=CONFIRMED).status_code == 404
    abel = as_user(world.member_a)
    page = abel.get(f"/channels/cases/{case.id}").get_data(as_text=True)
    assert f'href="/channels/cases/{case.id}/retract"' in page
    # The button leads to a question; neither it nor a POST without the answer retracts.
    question = abel.get(f"/channels/cases/{case.id}/retract")
    assert question.status_code == 200
    text = question.get_data(as_text=True)
    assert "Retract the case record?" in text and 'name="confirmed" value="yes"' in text
    assert f'href="/channels/cases/{case.id}"' in text  # the way back
    assert abel.post(f"/channels/cases/{case.id}/retract").status_code == 200
    db.session.refresh(case)
    assert case.retracted_at is None and case.items
    assert abel.post(f"/channels/cases/{case.id}/retract", data=CONFIRMED).status_code == 302
    db.session.refresh(case)
    assert case.retracted_at is not None
    assert case.items == [] and case.route == [] and case.lessons == "" and case.method == ""
    assert "channel.case_retract" in [e.action for e in db.session.scalars(select(AuditEvent))]
    page = bo.get(f"/channels/cases/{case.id}").get_data(as_text=True)
    assert "retracted this case record" in page and "Forged" not in page
    assert abel.get(f"/channels/cases/{case.id}/edit").status_code == 404
    assert abel.post(f"/channels/cases/{case.id}/retract", data=CONFIRMED).status_code == 404
    # It leaves the index: the search finds the messages of its thread, not the record.
    run_due_jobs()
    found = bo.get("/search/?q=rifles").get_data(as_text=True)
    assert "/channels/messages/" in found and 'badge-kind">Case record</span>' not in found


def test_outsiders_cannot_retract_a_record(world, as_user):
    channel = world.opened()
    case = make_case(world, channel)
    world.other_channel()
    for role, person in world.outsiders.items():
        http = as_user(person)
        assert http.get(f"/channels/cases/{case.id}/retract").status_code == 404, role
        assert (
            http.post(f"/channels/cases/{case.id}/retract", data=CONFIRMED).status_code == 404
        ), role
    db.session.refresh(case)
    assert case.retracted_at is None
