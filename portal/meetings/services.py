"""Writes of meetings: meetings and their agendas, documents linked to items, the rolling
agenda, speakers lists, registrations, views of the connection details, calendar feed tokens
and the chair's draft report with its comments.

Every function checks what the data must satisfy (not who may act: the view has asked the
access policy), changes rows, records audit entries and emits events in the same transaction,
and raises `MeetingError` naming the field and a message a person can read when the change is
not possible; nothing is written then. The view commits once. Followers hear of distributed
documents, published speakers lists and agenda changes through the events emitted here
(`meeting.documents`, `meeting.speakers`, `meeting.agenda`), which portal.notifications fans out;
a new intersessional briefing is announced to points of contact (`meeting.briefing`).
"""

import hashlib
import secrets
from datetime import datetime, time, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.access import AccessLevel
from portal.accounts.models import Group, User
from portal.core.audit import record
from portal.core.events import emit
from portal.core.models import now_utc
from portal.extensions import db
from portal.forum.models import Topic, WorkingGroup
from portal.library.models import LANGUAGES, Document
from portal.library.reference import cycle as find_cycle
from portal.meetings.models import (
    AgendaDocument,
    AgendaItem,
    Attendance,
    CalendarToken,
    CommentsVisibility,
    ConnectionView,
    Meeting,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    Registration,
    RegistrationStatus,
    ReportComment,
    ReportParagraph,
    SpeakerRequest,
    SpeakerStatus,
)

TITLE_MAX = 300
VENUE_MAX = 300
NAME_MAX = 200
SUBJECT_MAX = 300
NOTICES_MAX = 5000
CONNECTION_MAX = 2000
PARAGRAPH_MAX = 5000
COMMENT_MAX = 3000
#: Documents are due this many days before the meeting opens, unless the Secretariat says.
DISTRIBUTION_DAYS = 30
#: The speakers lists are published this many days before, unless the Secretariat says.
SPEAKERS_DAYS = 7
#: The longest meeting the portal accepts (a Conference lasts five days).
LONGEST = timedelta(days=31)
#: Levels a DIEF session may not have: only States Parties and signatory States attend it.
OPEN_LEVELS = frozenset({AccessLevel.PUBLIC.value, AccessLevel.USERS.value})


class MeetingError(Exception):
    """A change that cannot be made; `field` names the form field it concerns (or None)."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


# Checks of each field ---------------------------------------------------------------------


def clean_line(value, maximum, field, required=False):
    """One line of text, blanks folded. Raises MeetingError when missing or too long."""
    value = " ".join((value or "").split())
    if required and not value:
        raise MeetingError(_l("This field is required."), field)
    if len(value) > maximum:
        raise MeetingError(
            _l("This is too long: at most %(count)d characters.", count=maximum), field
        )
    return value


def clean_text(value, maximum, field, required=False):
    """Several lines of plain text. Raises MeetingError when missing or too long."""
    value = "\n".join(line.rstrip() for line in (value or "").strip().splitlines())
    if required and not value:
        raise MeetingError(_l("This field is required."), field)
    if len(value) > maximum:
        raise MeetingError(
            _l("This is too long: at most %(count)d characters.", count=maximum), field
        )
    return value


def check_choice(enum_class, value, field):
    """The value of one of `enum_class`'s members. Raises MeetingError otherwise."""
    try:
        return enum_class(value).value
    except ValueError:
        raise MeetingError(_l("Choose from the list."), field) from None


@cache
def zone_names():
    """The IANA time zone names known to this system (read from disk once)."""
    return frozenset(available_timezones())


def check_zone(name):
    """An IANA time zone name, as the venue's clock follows it."""
    name = (name or "").strip()
    if name not in zone_names():
        raise MeetingError(
            _l("Choose the time zone of the venue from the list, for example Europe/Zurich."),
            "time_zone",
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise MeetingError(_l("Choose the time zone of the venue from the list."), "time_zone")


def to_utc(day, clock, zone):
    """The naive UTC moment at which the clock of `zone` reads `day` `clock`."""
    local = datetime.combine(day, clock or time(0, 0)).replace(tzinfo=zone)
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def check_period(values, zone, prefix=""):
    """(starts_at, ends_at) in naive UTC from the local days and times of `values`; the end
    must come after the start."""
    start_day, end_day = values.get(prefix + "start_day"), values.get(prefix + "end_day")
    if start_day is None:
        raise MeetingError(_l("Give the day it starts."), prefix + "start_day")
    if end_day is None:
        raise MeetingError(_l("Give the day it ends."), prefix + "end_day")
    starts_at = to_utc(start_day, values.get(prefix + "start_time"), zone)
    ends_at = to_utc(end_day, values.get(prefix + "end_time") or time(23, 59), zone)
    if ends_at <= starts_at:
        raise MeetingError(_l("The end must come after the start."), prefix + "end_day")
    return starts_at, ends_at


def check_languages(codes):
    """Language codes of the Conference, each once, in its order. Raises MeetingError."""
    codes = list(dict.fromkeys(codes or []))
    if any(code not in LANGUAGES for code in codes):
        raise MeetingError(_l("Choose languages from the list."), "languages")
    return [code for code in LANGUAGES if code in codes]


def check_access(level, group_id):
    """The access level and, for the group level, an existing group. Raises MeetingError."""
    level = check_choice(AccessLevel, level, "level")
    if level == AccessLevel.GROUP.value:
        if db.session.get(Group, group_id or 0) is None:
            raise MeetingError(_l("Choose the group whose members may attend."), "group")
        return level, group_id
    return level, None


def check_translations(translations):
    """{language: {"title": ..., "notices": ...}} for the other five languages, empty ones
    left out."""
    kept = {}
    for language, fields in (translations or {}).items():
        if language not in LANGUAGES or language == "en":
            raise MeetingError(_l("Choose languages from the list."), "languages")
        title = clean_line(fields.get("title"), TITLE_MAX, f"title_{language}")
        notices = clean_text(fields.get("notices"), NOTICES_MAX, f"notices_{language}")
        if title or notices:
            kept[language] = {"title": title, "notices": notices}
    return kept


def check_chair(chair_id):
    """The id of an active account to chair, or None. Raises MeetingError."""
    if not chair_id:
        return None
    chair = db.session.get(User, chair_id)
    if chair is None or not chair.is_active:
        raise MeetingError(_l("Choose the chair from the list."), "chair")
    return chair.id


def check_working_group(working_group_id, field="working_group"):
    """The id of an existing working group, or None. Raises MeetingError."""
    if not working_group_id:
        return None
    if db.session.get(WorkingGroup, working_group_id) is None:
        raise MeetingError(_l("Choose a working group from the list."), field)
    return working_group_id


# Meetings ---------------------------------------------------------------------------------


def apply_meeting(meeting, values):
    """Check every value of the meeting form and set them on `meeting`."""
    meeting.kind = check_choice(MeetingKind, values.get("kind"), "kind")
    if find_cycle(values.get("cycle") or 0) is None:
        raise MeetingError(_l("Choose a CSP cycle from the list."), "cycle")
    meeting.cycle = values["cycle"]
    meeting.title = clean_line(values.get("title"), TITLE_MAX, "title", required=True)
    meeting.notices = clean_text(values.get("notices"), NOTICES_MAX, "notices")
    meeting.translations = check_translations(values.get("translations"))
    zone = check_zone(values.get("time_zone"))
    meeting.time_zone = zone.key
    meeting.starts_at, meeting.ends_at = check_period(values, zone)
    if meeting.ends_at - meeting.starts_at > LONGEST:
        raise MeetingError(_l("A meeting lasts at most 31 days."), "end_day")
    meeting.venue = clean_line(values.get("venue"), VENUE_MAX, "venue")
    meeting.format = check_choice(MeetingFormat, values.get("format"), "format")
    meeting.languages = check_languages(values.get("languages"))
    meeting.working_group_id = check_working_group(values.get("working_group_id"))
    meeting.access_level, meeting.group_id = check_access(
        values.get("level"), values.get("group_id")
    )
    if meeting.kind == MeetingKind.DIEF.value and meeting.access_level in OPEN_LEVELS:
        raise MeetingError(
            _l("A DIEF session is open to States Parties and signatory States only."), "level"
        )
    meeting.derive_acl()
    meeting.chair_id = check_chair(values.get("chair_id"))
    meeting.connection_details = clean_text(
        values.get("connection_details"), CONNECTION_MAX, "connection_details"
    )
    opening_day = meeting.local_start.date()
    meeting.distribution_deadline = values.get("distribution_deadline") or (
        opening_day - timedelta(days=DISTRIBUTION_DAYS)
    )
    meeting.speakers_due_on = values.get("speakers_due_on") or (
        opening_day - timedelta(days=SPEAKERS_DAYS)
    )
    if meeting.distribution_deadline > opening_day:
        raise MeetingError(
            _l("Documents are due before the meeting opens."), "distribution_deadline"
        )
    if meeting.speakers_due_on > opening_day:
        raise MeetingError(
            _l("The speakers lists are published before the meeting opens."), "speakers_due_on"
        )
    meeting.comments_close_on = values.get("comments_close_on")
    meeting.updated_at = now_utc()


def create_meeting(by, values):
    """A new meeting planned by `by`. Raises MeetingError for a refused value."""
    meeting = Meeting(created_by_id=by.id, status=MeetingStatus.PLANNED.value)
    apply_meeting(meeting, values)
    db.session.add(meeting)
    db.session.flush()
    record("meetings.create", target=meeting, actor=by, title=meeting.title)
    if meeting.kind == MeetingKind.BRIEFING.value:
        # An intersessional briefing is announced to the points of contact who may attend.
        emit("meeting.briefing", meeting, actor=by)
    return meeting


def edit_meeting(meeting, by, values):
    """Change a meeting; its followers hear of a change of its times or venue as an agenda
    change. Raises MeetingError for a refused value."""
    before = (meeting.starts_at, meeting.ends_at, meeting.venue)
    apply_meeting(meeting, values)
    record("meetings.edit", target=meeting, actor=by)
    if (meeting.starts_at, meeting.ends_at, meeting.venue) != before:
        emit("meeting.agenda", meeting, actor=by, change="times")
    return meeting


def set_status(meeting, by, status):
    """Move a meeting to `status`; the rolling agenda ends when the session does.

    Raises MeetingError for an unknown status."""
    meeting.status = check_choice(MeetingStatus, status, "status")
    if meeting.status != MeetingStatus.IN_SESSION.value:
        for item in meeting.items:
            item.is_current = False
    meeting.updated_at = now_utc()
    record("meetings.status", target=meeting, actor=by, status=meeting.status)


# The agenda -------------------------------------------------------------------------------


def item_of(meeting, item_id, field="item"):
    """The agenda item `item_id` of `meeting`; an item of another meeting is refused."""
    item = db.session.get(AgendaItem, item_id or 0)
    if item is None or item.meeting_id != meeting.id:
        raise MeetingError(_l("Choose an agenda item of this meeting."), field)
    return item


def apply_item(item, meeting, values):
    """Check every value of the agenda item form and set them on `item`; a time slot is read
    on the venue's clock and must fall within the meeting. Raises MeetingError."""
    item.title = clean_line(values.get("title"), TITLE_MAX, "title", required=True)
    item.chair_name = clean_line(values.get("chair_name"), NAME_MAX, "chair_name")
    item.working_group_id = check_working_group(values.get("working_group_id"))
    topic_id = values.get("topic_id")
    item.topic_id = None
    if topic_id:
        topic = db.session.get(Topic, topic_id)
        if topic is None:
            raise MeetingError(_l("Choose a topic from the list."), "topic")
        item.topic_id = topic.id
        if item.working_group_id is None:
            item.working_group_id = topic.working_group_id
    item.starts_at = item.ends_at = None
    if values.get("start_day") or values.get("end_day"):
        # A slot within one day gives its day once.
        values = {**values, "end_day": values.get("end_day") or values.get("start_day")}
        item.starts_at, item.ends_at = check_period(values, meeting.zone)
        if item.starts_at < meeting.starts_at or item.ends_at > meeting.ends_at:
            raise MeetingError(
                _l("The time slot must fall within the meeting's dates."), "start_day"
            )


def add_item(meeting, by, values):
    """A new item at the end of the agenda. Raises MeetingError for a refused value."""
    item = AgendaItem(position=len(meeting.items) + 1)
    apply_item(item, meeting, values)
    meeting.items.append(item)
    db.session.flush()
    agenda_changed(meeting, by, "item_added")
    return item


def edit_item(item, by, values):
    """Change an agenda item; followers hear of it as an agenda change. Raises MeetingError."""
    apply_item(item, item.meeting, values)
    agenda_changed(item.meeting, by, "item_edited")
    return item


def remove_item(item, by):
    """Take an item off the agenda, with its links and requests to speak; the others close up."""
    meeting = item.meeting
    db.session.execute(
        SpeakerRequest.__table__.delete().where(SpeakerRequest.item_id == item.id)
    )
    meeting.items.remove(item)
    db.session.flush()
    renumber(meeting.items)
    agenda_changed(meeting, by, "item_removed")


def renumber(items):
    """Number `items` 1, 2, 3... in the order given."""
    for position, item in enumerate(items, start=1):
        item.position = position


def move_item(item, by, step):
    """Move an item one place up (-1) or down (+1) the agenda; at an end nothing changes."""
    items = list(item.meeting.items)
    index = items.index(item)
    target = index + (1 if step > 0 else -1)
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
        renumber(items)
        agenda_changed(item.meeting, by, "item_moved")


def agenda_changed(meeting, by, change):
    """Record an agenda change and tell the meeting's followers."""
    meeting.updated_at = now_utc()
    record("meetings.agenda", target=meeting, actor=by, change=change)
    emit("meeting.agenda", meeting, actor=by, change=change)


def set_current_item(meeting, by, item_id):
    """Mark the item being discussed (the rolling agenda); None marks none. Only while the
    meeting is in session. Raises MeetingError otherwise, or for an item of another meeting."""
    if not meeting.is_in_session:
        raise MeetingError(_l("The meeting is not in session."), "item")
    chosen = item_of(meeting, item_id) if item_id else None
    for item in meeting.items:
        item.is_current = item is chosen
    meeting.updated_at = now_utc()


def find_document(reference):
    """A library document by its symbol (any case) or its number (the view then checks that
    the person may read it). Raises MeetingError when none matches."""
    reference = (reference or "").strip()
    if not reference:
        raise MeetingError(_l("Give the document's symbol or number."), "document")
    if reference.isdigit() and len(reference) < 10:
        found = db.session.get(Document, int(reference))
    else:
        found = db.session.scalar(select(Document).where(Document.symbol_key == reference.lower()))
    if found is None:
        raise MeetingError(_l("No document has this symbol or number."), "document")
    return found


def link_document(item, by, document):
    """Link a library document to an agenda item (the view has checked that the person reads
    it). Followers of the meeting hear that a document is distributed."""
    if any(link.document_id == document.id for link in item.documents):
        raise MeetingError(_l("This document is already linked to the item."), "document")
    link = AgendaDocument(item=item, document_id=document.id)
    db.session.add(link)
    db.session.flush()
    record("meetings.link_document", target=item.meeting, actor=by, document=document.id)
    emit("meeting.documents", item.meeting, actor=by, document=document.id)
    return link


def unlink_document(link, by):
    """Take a document off an agenda item (the document itself stays in the library)."""
    meeting = link.item.meeting
    link.item.documents.remove(link)
    record("meetings.unlink_document", target=meeting, actor=by, document=link.document_id)


def is_late(document, meeting):
    """Whether `document` reached delegations after the meeting's distribution deadline (a
    document not yet distributed is not late before the deadline)."""
    distributed = document.distributed_on or document.published_on
    return distributed > meeting.distribution_deadline


def distribution_figures(cycle_number):
    """The documents linked to the agendas of a cycle's meetings: (on time, late) counts, one
    statement. The share on time is what the usage figures report."""
    distributed = func.coalesce(Document.distributed_on, Document.published_on)
    on_time = func.sum(db.case((distributed <= Meeting.distribution_deadline, 1), else_=0))
    total = func.count(AgendaDocument.id)
    row = db.session.execute(
        select(on_time, total)
        .select_from(AgendaDocument)
        .join(AgendaItem, AgendaItem.id == AgendaDocument.item_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .join(Document, Document.id == AgendaDocument.document_id)
        .where(Meeting.cycle == cycle_number)
    ).one()
    on_time, total = int(row[0] or 0), int(row[1] or 0)
    return on_time, total - on_time


# Speakers lists ---------------------------------------------------------------------------


def request_to_speak(meeting, by, item_id, subject):
    """`by`'s delegation asks to speak on an item of `meeting`. Raises MeetingError when the
    list is closed, for an item of another meeting, or for a missing subject."""
    if meeting.is_speakers_closed:
        raise MeetingError(_l("The speakers list is closed: no more requests."), "item")
    item = item_of(meeting, item_id)
    subject = clean_line(subject, SUBJECT_MAX, "subject", required=True)
    taken = db.session.scalar(
        select(SpeakerRequest.id).where(
            SpeakerRequest.item_id == item.id,
            SpeakerRequest.delegation_id == by.delegation_id,
            SpeakerRequest.status != SpeakerStatus.WITHDRAWN.value,
        )
    )
    if taken is not None:
        raise MeetingError(
            _l("Your delegation has already asked to speak on this item."), "item"
        )
    request = SpeakerRequest(
        meeting_id=meeting.id,
        item_id=item.id,
        delegation_id=by.delegation_id,
        requested_by_id=by.id,
        subject=subject,
        status=SpeakerStatus.REQUESTED.value,
        position=next_position(item),
    )
    db.session.add(request)
    db.session.flush()
    record("meetings.speaker_request", target=meeting, actor=by, item=item.id)
    return request


def next_position(item):
    """The place after the last request on `item`'s list."""
    highest = db.session.scalar(
        select(func.max(SpeakerRequest.position)).where(SpeakerRequest.item_id == item.id)
    )
    return (highest or 0) + 1


def invite_speaker(meeting, by, item_id, delegation, subject):
    """The chair invites a delegation to speak on an item (it stands on the list at once)."""
    item = item_of(meeting, item_id)
    subject = clean_line(subject, SUBJECT_MAX, "subject", required=True)
    if delegation is None:
        raise MeetingError(_l("Choose a delegation from the list."), "delegation")
    request = SpeakerRequest(
        meeting_id=meeting.id,
        item_id=item.id,
        delegation_id=delegation.id,
        requested_by_id=by.id,
        subject=subject,
        status=SpeakerStatus.INVITED.value,
        position=next_position(item),
        decided_at=now_utc(),
    )
    db.session.add(request)
    db.session.flush()
    record("meetings.speaker_invite", target=meeting, actor=by, delegation=delegation.id)
    return request


def accept_speaker(request, by):
    """Put a request waiting for a decision on the speakers list. Raises MeetingError for a
    request already decided."""
    if request.status != SpeakerStatus.REQUESTED.value:
        raise MeetingError(_l("Only a request waiting for a decision can be accepted."))
    request.status = SpeakerStatus.ACCEPTED.value
    request.decided_at = now_utc()
    record("meetings.speaker_accept", target=request.meeting, actor=by, request=request.id)


def withdraw_speaker(request, by):
    """Withdraw a request (by its delegation) or take a speaker off the list (by the chair):
    it no longer shows anywhere."""
    request.status = SpeakerStatus.WITHDRAWN.value
    request.decided_at = now_utc()
    record("meetings.speaker_withdraw", target=request.meeting, actor=by, request=request.id)


def move_speaker(request, by, step):
    """Move a speaker one place up (-1) or down (+1) among the live requests of its item."""
    live = db.session.scalars(
        select(SpeakerRequest)
        .where(
            SpeakerRequest.item_id == request.item_id,
            SpeakerRequest.status != SpeakerStatus.WITHDRAWN.value,
        )
        .order_by(SpeakerRequest.position, SpeakerRequest.id)
    ).all()
    index = live.index(request)
    target = index + (1 if step > 0 else -1)
    if 0 <= target < len(live):
        live[index], live[target] = live[target], live[index]
        for position, each in enumerate(live, start=1):
            each.position = position


def publish_speakers(meeting, by):
    """Publish the speakers lists of every item (which closes them to new requests); followers
    of the meeting are told. Raises MeetingError when they are published already."""
    if meeting.is_speakers_published:
        raise MeetingError(_l("The speakers list is already published."))
    meeting.speakers_published_at = now_utc()
    meeting.speakers_closed_at = meeting.speakers_closed_at or meeting.speakers_published_at
    record("meetings.speakers_publish", target=meeting, actor=by)
    emit("meeting.speakers", meeting, actor=by)


def close_speakers(meeting, by):
    """Close the lists to new requests without publishing them yet."""
    if meeting.is_speakers_closed:
        raise MeetingError(_l("The speakers list is closed: no more requests."))
    meeting.speakers_closed_at = now_utc()
    record("meetings.speakers_close", target=meeting, actor=by)


# Registration and remote participation ----------------------------------------------------


def register(meeting, by, attendance):
    """Register `by` with their delegation. Raises MeetingError for an attendance the meeting's
    format does not offer, or a second registration."""
    attendance = check_choice(Attendance, attendance, "attendance")
    meeting_format = meeting.format_enum
    if attendance == Attendance.REMOTE.value and not meeting_format.is_remote:
        raise MeetingError(_l("This meeting is held in person only."), "attendance")
    if attendance == Attendance.IN_PERSON.value and meeting_format is MeetingFormat.ONLINE:
        raise MeetingError(_l("This meeting is held online only."), "attendance")
    if db.session.scalar(
        select(Registration.id).where(
            Registration.meeting_id == meeting.id, Registration.user_id == by.id
        )
    ):
        raise MeetingError(_l("You are already registered for this meeting."), "attendance")
    registration = Registration(
        meeting_id=meeting.id,
        user_id=by.id,
        delegation_id=by.delegation_id,
        attendance=attendance,
        status=RegistrationStatus.PENDING.value,
    )
    db.session.add(registration)
    db.session.flush()
    record("meetings.register", target=meeting, actor=by, attendance=attendance)
    return registration


def decide_registration(registration, by, approve):
    """Approve or refuse a registration; approving designates the person for their
    delegation at this meeting (asking to speak, the connection details)."""
    registration.status = (
        RegistrationStatus.APPROVED.value if approve else RegistrationStatus.REFUSED.value
    )
    registration.decided_at = now_utc()
    registration.decided_by_id = by.id
    record(
        "meetings.registration_decide",
        target=registration.meeting,
        actor=by,
        registration=registration.id,
        status=registration.status,
    )


def cancel_registration(registration, by):
    """The person withdraws their registration; their openings of the details stay recorded."""
    record("meetings.registration_cancel", target=registration.meeting, actor=by)
    db.session.delete(registration)


def record_connection_view(meeting, by):
    """Keep that `by` opened the connection details now."""
    view = ConnectionView(meeting_id=meeting.id, user_id=by.id, delegation_id=by.delegation_id)
    db.session.add(view)
    return view


# Calendar feeds ---------------------------------------------------------------------------


def token_digest(token):
    """What is stored of a calendar token: its SHA-256, so a copy of the database opens no
    feed."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_calendar_token(user):
    """A new secret for `user`'s calendar feed, revoking the ones before: returns the secret,
    shown once (only its digest is kept)."""
    revoke_calendar_tokens(user)
    token = secrets.token_urlsafe(32)
    db.session.add(CalendarToken(user_id=user.id, token_hash=token_digest(token)))
    record("meetings.calendar_token", target=user, actor=user)
    return token


def revoke_calendar_tokens(user):
    """Stop every live feed address of `user`; returns how many were stopped."""
    live = db.session.scalars(
        select(CalendarToken).where(
            CalendarToken.user_id == user.id, CalendarToken.revoked_at.is_(None)
        )
    ).all()
    for token in live:
        token.revoked_at = now_utc()
    return len(live)


def owner_of_token(token):
    """The active person whose live calendar token `token` is, or None."""
    if not token or len(token) > 100:
        return None
    found = db.session.scalar(
        select(CalendarToken).where(
            CalendarToken.token_hash == token_digest(token), CalendarToken.revoked_at.is_(None)
        )
    )
    if found is None or not found.user.is_active:
        return None
    found.last_used_at = now_utc()
    return found.user


# The chair's draft report -----------------------------------------------------------------


def add_paragraph(meeting, by, text, is_recommendation):
    """A paragraph (or recommendation) at the end of the chair's draft report. Raises
    MeetingError for an empty or long text."""
    text = clean_text(text, PARAGRAPH_MAX, "text", required=True)
    count = db.session.scalar(
        select(func.count(ReportParagraph.id)).where(ReportParagraph.meeting_id == meeting.id)
    )
    paragraph = ReportParagraph(
        meeting_id=meeting.id,
        position=count + 1,
        text=text,
        is_recommendation=bool(is_recommendation),
    )
    db.session.add(paragraph)
    db.session.flush()
    record("meetings.report_paragraph", target=meeting, actor=by, paragraph=paragraph.id)
    return paragraph


def edit_paragraph(paragraph, by, text, is_recommendation):
    """Rewrite a paragraph of the draft report; its comments stay. Raises MeetingError for an
    empty or long text."""
    paragraph.text = clean_text(text, PARAGRAPH_MAX, "text", required=True)
    paragraph.is_recommendation = bool(is_recommendation)
    paragraph.updated_at = now_utc()
    record("meetings.report_paragraph", target=paragraph.meeting, actor=by, paragraph=paragraph.id)


def set_report_settings(meeting, by, comments_close_on, visibility):
    """The day comments close (None: not open) and who sees them. Raises MeetingError for an
    unknown visibility."""
    meeting.comments_visibility = check_choice(CommentsVisibility, visibility, "visibility")
    meeting.comments_close_on = comments_close_on
    record("meetings.report_settings", target=meeting, actor=by)


def paragraph_of(meeting, paragraph_id):
    """The paragraph `paragraph_id` of `meeting`'s report; one of another report is refused
    with MeetingError."""
    paragraph = db.session.get(ReportParagraph, paragraph_id or 0)
    if paragraph is None or paragraph.meeting_id != meeting.id:
        raise MeetingError(_l("Choose a paragraph of this report."), "paragraph")
    return paragraph


def comment(paragraph, by, body):
    """A comment of `by`'s delegation on a paragraph (the view has checked that comments are
    open). Raises MeetingError for an empty or long comment."""
    body = clean_text(body, COMMENT_MAX, "body", required=True)
    found = ReportComment(
        paragraph_id=paragraph.id, author_id=by.id, delegation_id=by.delegation_id, body=body
    )
    db.session.add(found)
    db.session.flush()
    record("meetings.report_comment", target=paragraph.meeting, actor=by, comment=found.id)
    return found
