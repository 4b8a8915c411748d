"""Who may do what with intersessional work: every action of portal/access/consultations.py
x role through `can()`, and the pages answering each role as the policy says (an uninvited
delegation gets 404 for a consultation, open or closed; a member of the advisory group who does
not represent a State Party gets 404 for its States-Parties-only part)."""

import io

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.access import can, visible
from portal.consultations import services
from portal.consultations.models import Consultation
from portal.extensions import db

ROLES = ("contact", "delegate", "ghana", "signatory", "observer", "chair", "secretariat")
SIGNED_IN = frozenset(ROLES)
RUNNERS = frozenset({"chair", "secretariat"})
IN_IT = frozenset({"contact", "delegate", "chair", "secretariat"})


def open_consultation(consultations, people):
    """Convened by the chair, Mexico invited, open now."""
    return consultations.convened([people["contact"].delegation], by=people["chair"])


def closed_consultation(consultations, people):
    consultation = open_consultation(consultations, people)
    consultations.close_in_the_past(consultation)
    return consultation


def published(consultations, people):
    consultation = closed_consultation(consultations, people)
    consultation.working_group_id = consultations.forum.space().id
    services.publish_outcome(consultation, people["chair"], "Agreed changes to the template.")
    db.session.commit()
    return consultation


def open_to_others(consultations, people):
    return consultations.convened(
        [people["contact"].delegation], by=people["chair"], is_open_to_others=True
    )


def requested(consultations, people):
    return consultations.requested(people["contact"], [people["ghana"].delegation])


def thread(consultations, people):
    return consultations.thread(open_consultation(consultations, people), people["chair"])


def restricted_request(consultations, people):
    consultations.member(people["contact"])
    consultations.member(people["observer"])
    return consultations.input_request(restricted=True)


def members_only(consultations, people):
    consultations.member(people["contact"])
    consultations.member(people["observer"])


def restricted_document(consultations, people):
    """A document of the advisory group for its States Parties' representatives."""
    members_only(consultations, people)
    document = services.share_advisory_document(
        consultations.officer,
        "Draft reporting template",
        True,
        FileStorage(io.BytesIO(b"Draft reporting template."), filename="template.txt"),
    )
    db.session.commit()
    return document


def state_parties_report(consultations, people):
    return consultations.national_report(people["contact"], audience="state_parties")


def state_parties_file(consultations, people):
    return state_parties_report(consultations, people).files[0]


STATE_PARTIES = frozenset({"contact", "delegate", "ghana", "chair", "secretariat"})

#: action -> (target builder or None, roles allowed); tests/core/test_access_policy.py checks
#: that every action of portal/access/consultations.py is here.
CONSULTATION_MATRIX = {
    "consultation_list": (None, SIGNED_IN),
    "consultation_request": (None, {"contact", "delegate", "ghana", "signatory", "chair"}),
    "consultation_convene": (None, RUNNERS),
    "consultation_view": (open_consultation, IN_IT),
    "consultation_decide": (requested, {"secretariat"}),
    "consultation_invite": (open_consultation, RUNNERS),
    "consultation_session_add": (open_consultation, RUNNERS),
    "consultation_document_add": (open_consultation, RUNNERS),
    "consultation_close": (open_consultation, RUNNERS),
    # Its organiser (the chair who convened it) and the Secretariat, until it closes.
    "consultation_edit": (open_consultation, RUNNERS),
    "consultation_participants_name": (open_consultation, {"contact"}),
    "consultation_join": (open_to_others, {"ghana", "signatory"}),
    # The delegate of an invited delegation reads but takes part only once named.
    "consultation_thread_create": (open_consultation, {"contact", "chair", "secretariat"}),
    "consultation_post": (thread, {"contact", "chair", "secretariat"}),
    "consultation_outcome_publish": (closed_consultation, RUNNERS),
    # Published to a working group every approved user reads.
    "consultation_outcome_view": (published, SIGNED_IN),
    "advisory_apply": (None, SIGNED_IN - {"secretariat"}),
    "advisory_register": (None, {"secretariat"}),
    "advisory_view": (members_only, {"contact", "observer", "secretariat"}),
    "advisory_request_create": (None, {"secretariat"}),
    "advisory_request_view": (restricted_request, {"contact", "secretariat"}),
    "advisory_input": (restricted_request, {"contact"}),
    "advisory_report": (None, {"secretariat"}),
    "advisory_document_share": (None, {"secretariat"}),
    "advisory_document_download": (restricted_document, {"contact", "secretariat"}),
    "national_report_list": (None, SIGNED_IN),
    "national_report_share": (None, {"contact", "delegate", "ghana", "chair"}),
    "national_report_view": (state_parties_report, STATE_PARTIES),
    "national_report_download": (state_parties_file, STATE_PARTIES),
}


@pytest.mark.parametrize("action", sorted(CONSULTATION_MATRIX))
def test_permission_matrix(consultations, people, action):
    build, allowed = CONSULTATION_MATRIX[action]
    target = build(consultations, people) if build else None
    wrong = [
        f"{role}: expected {'allow' if role in allowed else 'deny'}"
        for role in ROLES
        if can(people[role], action, target) != (role in allowed)
    ]
    assert not wrong, f"{action}: " + "; ".join(wrong)


def test_a_closed_consultation_is_read_only_for_everyone(consultations, people):
    consultation = closed_consultation(consultations, people)
    for role in ROLES:
        for action in ("consultation_thread_create", "consultation_invite",
                       "consultation_participants_name", "consultation_document_add",
                       "consultation_session_add", "consultation_close"):
            assert not can(people[role], action, consultation), (role, action)
    assert can(people["contact"], "consultation_view", consultation)


def test_the_list_filter_agrees_with_the_view_rule(consultations, people):
    made = [open_consultation(consultations, people), closed_consultation(consultations, people),
            requested(consultations, people), open_to_others(consultations, people)]
    for role in ROLES:
        listed = set(db.session.scalars(
            visible(select(Consultation.id), Consultation, people[role])
        ))
        allowed = {c.id for c in made if can(people[role], "consultation_view", c)}
        assert listed == allowed, role


@pytest.mark.parametrize("when", ["open", "closed"])
def test_an_uninvited_delegation_gets_not_found_everywhere(consultations, people, signed_in,
                                                           when):
    consultation = (open_consultation if when == "open" else closed_consultation)(
        consultations, people
    )
    posted = consultations.thread(consultation, people["chair"]) if when == "open" else None
    client = signed_in(people["ghana"])
    base = f"/consultations/{consultation.id}"
    for path in (base, f"{base}/outcome"):
        assert client.get(path).status_code == 404, path
    for path in ("decide", "invite", "participants", "threads", "documents", "close",
                 "outcome", "join"):
        assert client.post(f"{base}/{path}", data={}).status_code == 404, path
    assert client.get(f"{base}/sessions/new").status_code == 404
    if posted is not None:
        assert client.get(f"/consultations/threads/{posted.id}").status_code == 404
    page = client.get("/consultations/").get_data(as_text=True)
    assert consultation.title not in page


def test_the_States_Parties_part_of_the_group_is_not_found_for_other_members(
    consultations, people, signed_in
):
    request = restricted_request(consultations, people)
    observer = signed_in(people["observer"])
    assert observer.get(f"/consultations/advisory/requests/{request.id}").status_code == 404
    assert observer.post(f"/consultations/advisory/requests/{request.id}",
                         data={"body": "Our view."}).status_code == 404
    assert request.title not in observer.get("/consultations/advisory").get_data(as_text=True)
    contact = signed_in(people["contact"])
    assert contact.get(f"/consultations/advisory/requests/{request.id}").status_code == 200


def test_the_report_on_inputs_is_the_Secretariats(consultations, people, signed_in):
    request = consultations.input_request()
    consultations.member(people["contact"])
    for role in ("contact", "chair"):
        client = signed_in(people[role])
        assert client.get(
            f"/consultations/advisory/requests/{request.id}/report"
        ).status_code in (403, 404)
        assert client.get(
            f"/consultations/advisory/requests/{request.id}/report.csv"
        ).status_code in (403, 404)


def test_national_reports_are_read_by_their_audience_only(consultations, people, signed_in,
                                                          client):
    restricted = consultations.national_report(people["contact"], audience="state_parties",
                                               title="Restricted report to parliament")
    public = consultations.national_report(people["contact"], audience="public",
                                           title="Public report to parliament")
    assert client.get(f"/consultations/national-reports/{public.id}").status_code == 200
    assert client.get(
        f"/consultations/national-reports/files/{public.files[0].id}"
    ).status_code == 200
    assert client.get(f"/consultations/national-reports/{restricted.id}").status_code == 404
    assert client.get(
        f"/consultations/national-reports/files/{restricted.files[0].id}"
    ).status_code == 404
    listed = client.get("/consultations/national-reports").get_data(as_text=True)
    assert "Public report to parliament" in listed
    assert "Restricted report to parliament" not in listed
    observer = signed_in(people["observer"])
    assert observer.get(f"/consultations/national-reports/{restricted.id}").status_code == 404
    ghana = signed_in(people["ghana"])
    assert ghana.get(f"/consultations/national-reports/{restricted.id}").status_code == 200
    assert observer.get("/consultations/national-reports/new").status_code == 403
