"""Writes of intersessional work: informal consultations (requests, agreement, invitations,
participants, threads, documents, sessions, closing and the outcome note), the informal
advisory group (applications, registration, requests for inputs, inputs) and national reports
to cabinet or parliament.

Every function checks what the data must satisfy (not who may act: the view has asked the
access policy), changes rows, records audit entries and emits events in the same transaction,
and raises `ConsultationError` naming the field and a message a person can read when the change
is not possible; nothing is written then. The view commits once.

Events (fanned out by portal.notifications to the people they concern):
`consultation.invited` (the members of the delegations just invited), `consultation.opened`,
`consultation.closed` (everyone in the consultation; written by `announce_times`, which the
worker runs about once a minute), `advisory.input_requested` (the members who may answer) and
`national_report.shared` (the followers of national reports who may read it).
"""

from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.accounts.models import Delegation, DelegationKind, User
from portal.core.audit import record
from portal.core.events import emit
from portal.core.jobs import PERIODIC, enqueue, handler
from portal.core.models import now_utc
from portal.extensions import db
from portal.forum.models import WorkingGroup
from portal.library.models import LANGUAGES, Document
from portal.library.reference import cycle as find_cycle
from portal.consultations.models import (
    AdvisoryDocument,
    AdvisoryInput,
    AdvisoryMember,
    Audience,
    Consultation,
    ConsultationDelegation,
    ConsultationDocument,
    ConsultationParticipant,
    ConsultationPost,
    ConsultationStatus,
    ConsultationThread,
    Content,
    Format,
    InputRequest,
    MemberStatus,
    NationalReport,
    NationalReportFile,
    Origin,
    Role,
    Support,
)
from portal.meetings import services as meeting_services
from portal.meetings.models import Meeting, MeetingKind, MeetingStatus
from portal.search.engine import queue_index

TITLE_MAX = 300
TEXT_MAX = 10000
#: The longest a consultation may stay open.
LONGEST = timedelta(days=366)
#: At most this many consultations of the advisory group (requests for inputs) per cycle.
INPUT_REQUESTS_PER_CYCLE = 2


class ConsultationError(Exception):
    """A change that cannot be made; `field` names the form field it concerns (or None)."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


def clean_line(value, field, required=True, maximum=TITLE_MAX):
    value = " ".join((value or "").split())
    if required and not value:
        raise ConsultationError(_l("This field is required."), field)
    if len(value) > maximum:
        raise ConsultationError(
            _l("This is too long: at most %(count)d characters.", count=maximum), field
        )
    return value


def clean_text(value, field, required=True, maximum=TEXT_MAX):
    value = "\n".join(line.rstrip() for line in (value or "").strip().splitlines())
    if required and not value:
        raise ConsultationError(_l("This field is required."), field)
    if len(value) > maximum:
        raise ConsultationError(
            _l("This is too long: at most %(count)d characters.", count=maximum), field
        )
    return value


def check_choice(enum_class, value, field):
    try:
        return enum_class(value).value
    except ValueError:
        raise ConsultationError(_l("Choose from the list."), field) from None


def moment(day, clock, field):
    if day is None:
        raise ConsultationError(_l("Give the day."), field)
    return datetime.combine(day, clock or time(0, 0))


def check_document(document_id, field="document"):
    if not document_id:
        return None
    if db.session.get(Document, document_id) is None:
        raise ConsultationError(_l("Choose a document of the library."), field)
    return document_id


def check_delegations(ids, field="invited"):
    """The delegations of `ids`; an unknown one, or the Secretariat, is refused."""
    ids = list(dict.fromkeys(int(i) for i in ids or []))
    found = db.session.scalars(select(Delegation).where(Delegation.id.in_(ids))).all()
    if len(found) != len(ids) or any(
        d.kind == DelegationKind.SECRETARIAT.value for d in found
    ):
        raise ConsultationError(_l("Choose delegations from the list."), field)
    return sorted(found, key=lambda d: ids.index(d.id))


# Informal consultations --------------------------------------------------------------------


def apply_consultation(consultation, values):
    """Check every value of the consultation form and set them on `consultation`."""
    consultation.title = clean_line(values.get("title"), "title")
    consultation.purpose = clean_text(values.get("purpose"), "purpose")
    working_group_id = values.get("working_group_id")
    if working_group_id and db.session.get(WorkingGroup, working_group_id) is None:
        raise ConsultationError(_l("Choose a working group from the list."), "working_group")
    consultation.working_group_id = working_group_id or None
    consultation.document_id = check_document(values.get("document_id"))
    consultation.is_open_to_others = bool(values.get("is_open_to_others"))
    opens_at = moment(values.get("open_day"), values.get("open_time"), "open_day")
    closes_at = moment(values.get("close_day"), values.get("close_time"), "close_day")
    if closes_at <= opens_at:
        raise ConsultationError(_l("It must close after it opens."), "close_day")
    if closes_at - opens_at > LONGEST:
        raise ConsultationError(_l("A consultation stays open at most a year."), "close_day")
    consultation.opens_at, consultation.closes_at = opens_at, closes_at
    consultation.format = check_choice(Format, values.get("format"), "format")
    consultation.support = check_choice(Support, values.get("support"), "support")
    languages = list(dict.fromkeys(values.get("languages") or []))
    if any(code not in LANGUAGES or code == "en" for code in languages):
        raise ConsultationError(_l("Choose languages from the list."), "languages")
    consultation.languages = [code for code in LANGUAGES if code in languages]


def link_delegations(consultation, delegations, role):
    """Add the delegations not linked yet in `role`; returns those added."""
    present = {link.delegation_id for link in consultation.delegations}
    added = [d for d in delegations if d.id not in present]
    for delegation in added:
        consultation.delegations.append(
            ConsultationDelegation(delegation_id=delegation.id, role=role.value)
        )
    return added


def start(by, values, origin, status):
    invited = check_delegations(values.get("invited"))
    requesters = check_delegations(values.get("requesters"), "requesters")
    consultation = Consultation(organiser_id=by.id, origin=origin.value, status=status.value)
    apply_consultation(consultation, values)
    db.session.add(consultation)
    db.session.flush()
    consultation.derive_acl()
    return consultation, invited, requesters


def request_consultation(by, values):
    """A consultation asked for by `by`'s State (with the other requesting States named),
    waiting for the Secretariat's agreement. Raises ConsultationError for a refused value."""
    consultation, invited, requesters = start(
        by, values, Origin.REQUESTED, ConsultationStatus.REQUESTED
    )
    link_delegations(consultation, [by.delegation, *requesters], Role.REQUESTER)
    link_delegations(consultation, invited, Role.INVITED)
    db.session.flush()
    record("consultations.request", target=consultation, actor=by, title=consultation.title)
    return consultation


def convene_consultation(by, values):
    """A consultation convened by a chair, facilitator or the Secretariat: agreed at once, its
    invited delegations told. Raises ConsultationError for a refused value."""
    consultation, invited, requesters = start(
        by, values, Origin.CONVENED, ConsultationStatus.AGREED
    )
    consultation.decided_by_id, consultation.decided_at = by.id, now_utc()
    link_delegations(consultation, invited, Role.INVITED)
    db.session.flush()
    record("consultations.convene", target=consultation, actor=by, title=consultation.title)
    announce_invitation(consultation, by, invited)
    return consultation


def announce_invitation(consultation, by, delegations):
    if delegations and consultation.is_agreed:
        emit("consultation.invited", consultation, actor=by,
             delegations=[d.id for d in delegations])


def decide(consultation, by, agree):
    """The Secretariat agrees to a requested consultation (its delegations are told) or
    declines it."""
    status = ConsultationStatus.AGREED if agree else ConsultationStatus.DECLINED
    consultation.status = status.value
    consultation.decided_by_id, consultation.decided_at = by.id, now_utc()
    record("consultations.decide", target=consultation, actor=by, status=consultation.status)
    if agree:
        announce_invitation(
            consultation, by, [link.delegation for link in consultation.delegations]
        )


#: What the consultation form changes, as recorded in the audit log.
EDITED = ("title", "purpose", "working_group_id", "document_id", "is_open_to_others",
          "opens_at", "closes_at", "format", "support", "languages")


def edit_consultation(consultation, by, values):
    """Change what the consultation is, with the checks of its creation; the new closing time
    cannot be already past (closing now is its own action). Raises ConsultationError for a
    refused value; nothing is written then."""
    before = {name: getattr(consultation, name) for name in EDITED}
    apply_consultation(consultation, values)
    if consultation.closes_at <= now_utc():
        raise ConsultationError(
            _l("This closing time is already past; to close the consultation now, use the "
               "button on its page."),
            "close_day",
        )
    changed = [name for name in EDITED if getattr(consultation, name) != before[name]]
    if changed:
        record("consultations.edit", target=consultation, actor=by, changed=changed)
    return consultation


def invite(consultation, by, delegation_ids):
    """Invite whole delegations; each point of contact then names who takes part. Raises
    ConsultationError for an unknown delegation (nothing is written then)."""
    delegations = check_delegations(delegation_ids)
    if not delegations:
        raise ConsultationError(_l("Choose at least one delegation."), "invited")
    added = link_delegations(consultation, delegations, Role.INVITED)
    db.session.flush()
    record("consultations.invite", target=consultation, actor=by,
           delegations=[d.id for d in added])
    announce_invitation(consultation, by, added)
    return added


def join(consultation, by):
    """`by`'s delegation joins a consultation open to other delegations."""
    link_delegations(consultation, [by.delegation], Role.JOINED)
    db.session.flush()
    record("consultations.join", target=consultation, actor=by)


def name_participant(consultation, by, user_id):
    """A point of contact names a person of their delegation to take part."""
    person = db.session.get(User, user_id or 0)
    if person is None or not person.is_active or person.delegation_id != by.delegation_id:
        raise ConsultationError(_l("Choose a person of your delegation."), "person")
    exists = db.session.scalar(
        select(ConsultationParticipant.id).where(
            ConsultationParticipant.consultation_id == consultation.id,
            ConsultationParticipant.user_id == person.id,
        )
    )
    if exists:
        raise ConsultationError(_l("This person already takes part."), "person")
    db.session.add(ConsultationParticipant(
        consultation_id=consultation.id, user_id=person.id, named_by_id=by.id
    ))
    db.session.flush()
    record("consultations.name", target=consultation, actor=by, person=person.id)
    return person


def start_thread(consultation, by, title, body, document_id=None):
    """A new thread with its first post; with a document, it gathers comments on it."""
    thread = ConsultationThread(
        consultation_id=consultation.id,
        title=clean_line(title, "title"),
        document_id=check_document(document_id),
        author_id=by.id,
    )
    thread.posts.append(ConsultationPost(
        author_id=by.id, delegation_id=by.delegation_id, body=clean_text(body, "body")
    ))
    db.session.add(thread)
    db.session.flush()
    return thread


def add_post(thread, by, body):
    post = ConsultationPost(
        thread_id=thread.id, author_id=by.id, delegation_id=by.delegation_id,
        body=clean_text(body, "body"),
    )
    db.session.add(post)
    db.session.flush()
    return post


def share_document(consultation, by, document):
    if document is None:
        raise ConsultationError(_l("Choose a document of the library."), "document")
    linked = db.session.scalar(
        select(ConsultationDocument.id).where(
            ConsultationDocument.consultation_id == consultation.id,
            ConsultationDocument.document_id == document.id,
        )
    )
    if linked:
        raise ConsultationError(_l("This document is already shared here."), "document")
    db.session.add(ConsultationDocument(consultation_id=consultation.id, document_id=document.id))
    db.session.flush()
    record("consultations.document", target=consultation, actor=by, document=document.id)


def add_session(consultation, by, values):
    """A session of the consultation: a meeting of the kind "informal consultation", read by
    whoever reads the consultation. Raises ConsultationError for a refused value."""
    session = Meeting(
        created_by_id=by.id,
        status=MeetingStatus.PLANNED.value,
        consultation_id=consultation.id,
    )
    values = {
        **values,
        "kind": MeetingKind.CONSULTATION.value,
        "cycle": values.get("cycle"),
        "level": "users",
        "working_group_id": consultation.working_group_id,
        "languages": ["en", *consultation.languages],
        "format": "online" if consultation.format == Format.ONLINE.value else "in_person",
    }
    try:
        meeting_services.apply_meeting(session, values)
    except meeting_services.MeetingError as error:
        raise ConsultationError(error.message, error.field) from None
    if session.starts_at < consultation.opens_at or session.ends_at > consultation.closes_at:
        raise ConsultationError(
            _l("A session takes place while the consultation is open."), "start_day"
        )
    db.session.add(session)
    db.session.flush()
    record("consultations.session", target=consultation, actor=by, meeting=session.id)
    return session


def close(consultation, by):
    """Close a consultation before its time: from now on it is read-only."""
    now = now_utc()
    consultation.closed_early_at = now
    consultation.closes_at = max(now, consultation.opens_at + timedelta(seconds=1))
    record("consultations.close", target=consultation, actor=by)
    announce_closing(consultation, by)


def announce_closing(consultation, by=None):
    if consultation.closing_announced_at is None:
        consultation.closing_announced_at = now_utc()
        emit("consultation.closed", consultation, actor=by)


def publish_outcome(consultation, by, note):
    """The organiser publishes the outcome note to the working group the consultation
    serves."""
    consultation.outcome_note = clean_text(note, "note")
    consultation.outcome_published_at = now_utc()
    record("consultations.outcome", target=consultation, actor=by)
    emit("consultation.outcome", consultation, actor=by)


def announce_times():
    """Tell the delegations of agreed consultations that opened or closed since the last run.
    Run by the worker about once a minute; commits."""
    now = now_utc()
    agreed = Consultation.status == ConsultationStatus.AGREED.value
    for consultation in db.session.scalars(
        select(Consultation).where(
            agreed, Consultation.opening_announced_at.is_(None), Consultation.opens_at <= now,
            Consultation.closes_at > now,
        )
    ):
        consultation.opening_announced_at = now
        emit("consultation.opened", consultation)
    for consultation in db.session.scalars(
        select(Consultation).where(
            agreed, Consultation.closing_announced_at.is_(None), Consultation.closes_at <= now
        )
    ):
        announce_closing(consultation)
    db.session.commit()


if announce_times not in PERIODIC:
    PERIODIC.append(announce_times)


# The informal advisory group ---------------------------------------------------------------


def apply_to_group(by, expertise):
    """`by` applies to the advisory group with their expertise."""
    expertise = clean_text(expertise, "expertise", maximum=3000)
    member = db.session.scalar(select(AdvisoryMember).where(AdvisoryMember.user_id == by.id))
    if member is not None:
        raise ConsultationError(_l("You have already applied."), "expertise")
    member = AdvisoryMember(user_id=by.id, expertise=expertise,
                            status=MemberStatus.APPLIED.value)
    db.session.add(member)
    db.session.flush()
    record("advisory.apply", target=member, actor=by)
    return member


def register_member(member, by, register):
    """The Secretariat registers an applicant, or does not."""
    status = MemberStatus.REGISTERED if register else MemberStatus.REFUSED
    member.status = status.value
    member.decided_by_id, member.decided_at = by.id, now_utc()
    record("advisory.register", target=member, actor=by, status=member.status)


def request_inputs(by, values):
    """The Secretariat asks the group for written inputs on a tool under development, with a
    deadline; at most two such consultations per cycle."""
    from portal.access.consultations import ADVISORY, ADVISORY_STATES

    cycle = values.get("cycle")
    if find_cycle(cycle or 0) is None:
        raise ConsultationError(_l("Choose a CSP cycle from the list."), "cycle")
    planned = db.session.scalar(
        select(func.count()).select_from(InputRequest).where(InputRequest.cycle == cycle)
    )
    if planned >= INPUT_REQUESTS_PER_CYCLE:
        raise ConsultationError(
            _l("At most two consultations of the group are planned per cycle."), "cycle"
        )
    deadline = moment(values.get("deadline_day"), values.get("deadline_time"), "deadline_day")
    if deadline <= now_utc():
        raise ConsultationError(_l("The deadline must be in the future."), "deadline_day")
    is_restricted = bool(values.get("is_restricted"))
    request = InputRequest(
        cycle=cycle,
        title=clean_line(values.get("title"), "title"),
        description=clean_text(values.get("description"), "description"),
        document_id=check_document(values.get("document_id")),
        deadline_at=deadline,
        is_restricted=is_restricted,
        acl=ADVISORY_STATES if is_restricted else ADVISORY,
        created_by_id=by.id,
    )
    db.session.add(request)
    db.session.flush()
    record("advisory.request", target=request, actor=by, title=request.title)
    emit("advisory.input_requested", request, actor=by)
    return request


def give_input(request, by, body):
    """A member's written input (replacing their earlier one) before the deadline."""
    if not request.is_open():
        raise ConsultationError(_l("The deadline for inputs has passed."), "body")
    body = clean_text(body, "body")
    member = db.session.scalar(select(AdvisoryMember).where(AdvisoryMember.user_id == by.id))
    if member is None or not member.is_registered:
        raise ConsultationError(_l("Only registered participants give inputs."), "body")
    given = db.session.scalar(
        select(AdvisoryInput).where(
            AdvisoryInput.request_id == request.id, AdvisoryInput.member_id == member.id
        )
    )
    if given is None:
        given = AdvisoryInput(request_id=request.id, member_id=member.id, body=body)
        db.session.add(given)
    else:
        given.body, given.updated_at = body, now_utc()
    db.session.flush()
    return given


def share_advisory_document(by, title, restricted, upload):
    """The Secretariat shares a document with the advisory group: with every registered
    participant, or (`restricted`) with States Parties' representatives only. The file is
    checked before anything is written. Raises ConsultationError for a refused value or
    file."""
    from portal.access.consultations import ADVISORY, ADVISORY_STATES
    from portal.core.files import FileRejected, check

    title = clean_line(title, "title")
    if upload is None or not getattr(upload, "filename", ""):
        raise ConsultationError(_l("Attach the document."), "file")
    try:
        checked = check(upload, upload.filename)
    except FileRejected as error:
        raise ConsultationError(error.message, "file") from None
    stored = checked.save()
    document = AdvisoryDocument(
        title=title,
        acl=ADVISORY_STATES if restricted else ADVISORY,
        sha256=stored.sha256,
        size=stored.size,
        mime_type=stored.kind.mime_type,
        file_name=stored.download_name,
        shared_by_id=by.id,
    )
    db.session.add(document)
    db.session.flush()
    record("advisory.document_share", target=document, actor=by, title=document.title,
           level=document.acl)
    return document


# National reports to cabinet or parliament ---------------------------------------------------


def share_national_report(by, values, uploads):
    """`by`'s State shares a report to its cabinet or parliament: a file in one or more of the
    six languages (`uploads`: {language: FileStorage}), the year, the period covered, what it
    contains and its audience. Every file is checked before any is written. Raises
    ConsultationError for a refused value or file."""
    from portal.core.files import FileRejected, check

    year = values.get("year")
    this_year = now_utc().year
    if not year or not 1990 <= year <= this_year + 1:
        raise ConsultationError(_l("Give the year of the report."), "year")
    start, end = values.get("period_start"), values.get("period_end")
    if start is None:
        raise ConsultationError(_l("Give the day the period starts."), "period_start")
    if end is None:
        raise ConsultationError(_l("Give the day the period ends."), "period_end")
    if end < start:
        raise ConsultationError(_l("The period must end after it starts."), "period_end")
    contents = list(dict.fromkeys(values.get("contents") or []))
    if not contents:
        raise ConsultationError(_l("Say what the report contains."), "contents")
    contents = [check_choice(Content, code, "contents") for code in contents]
    report = NationalReport(
        delegation_id=by.delegation_id,
        year=year,
        title=clean_line(values.get("title"), "title"),
        period_start=start,
        period_end=end,
        contents=[code for code in values_of(Content) if code in contents],
        audience=check_choice(Audience, values.get("audience"), "audience"),
        shared_by_id=by.id,
    )
    report.derive_acl()
    checked = {}
    for language, upload in (uploads or {}).items():
        if language not in LANGUAGES:
            raise ConsultationError(_l("Choose languages from the list."), f"file_{language}")
        if upload is None or not getattr(upload, "filename", ""):
            continue
        try:
            checked[language] = check(upload, upload.filename)
        except FileRejected as error:
            raise ConsultationError(error.message, f"file_{language}") from None
    if not checked:
        raise ConsultationError(_l("Attach the report in at least one language."), "file_en")
    db.session.add(report)
    db.session.flush()
    for language, file in checked.items():
        stored = file.save()
        report_file = NationalReportFile(
            report_id=report.id, language=language, sha256=stored.sha256, size=stored.size,
            mime_type=stored.kind.mime_type, file_name=stored.download_name,
        )
        db.session.add(report_file)
        db.session.flush()
        enqueue("consultations.extract_text", file_id=report_file.id, file_kind=stored.kind.name)
    queue_index("national_report", report.id)
    record("national_reports.share", target=report, actor=by, title=report.title)
    emit("national_report.shared", report, actor=by)
    return report


def values_of(enum_class):
    return [member.value for member in enum_class]


@handler("consultations.extract_text")
def extract_text(payload):
    """Read the text of a national report's file for search, then re-index the report. Runs
    again harmlessly."""
    from flask import current_app

    from portal.core.files import stored_path
    from portal.library import extraction

    report_file = db.session.get(NationalReportFile, payload["file_id"])
    if report_file is None or payload["file_kind"] not in extraction.READERS:
        return
    result = extraction.extract(
        stored_path(report_file.sha256),
        payload["file_kind"],
        timeout_seconds=current_app.config["PORTAL_EXTRACT_TIMEOUT_SECONDS"],
        max_chars=current_app.config["PORTAL_EXTRACT_MAX_CHARS"],
    )
    report_file.text = result.text or ""
    queue_index("national_report", report_file.report_id)
    db.session.commit()
