"""Case records of diversion channels: checking what a State writes, saving it, and publishing
the parts it allows to share as a sanitised summary in the DIEF plenary channel.

A case record describes a detected or suspected diversion in fixed fields: the items (a treaty
category of conventional arms, with the UN Register's sub-category, a quantity and a
description), the States along the route (ISO 3166 alpha-3 codes, each with its role), the
stage of the transfer, how it was detected, the method, the status of the case, the lessons
learned, and which of these parts the providing State allows to be shared with the whole
Forum. It is discussed in a thread of its own, opened with a first message that links to it.

The functions check the data (not who may act: the view has asked the access policy), write
rows, record the audit entry and queue the index jobs in the same transaction, and raise
`CaseError` naming the field and a message a person can read when the record cannot be saved;
nothing is written then. The view commits once.
"""

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pycountry
from babel import Locale
from flask import current_app
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.models import STATE_NAMES
from portal.channels import services
from portal.channels.models import (
    CaseRecord,
    Channel,
    ChannelKind,
    ChannelMember,
    ChannelMessage,
    ChannelStatus,
    MemberStatus,
)
from portal.core.audit import record
from portal.core.events import emit
from portal.core.models import now_utc
from portal.core.text import render_markdown
from portal.extensions import db
from portal.reporting import categories
from portal.search.engine import queue_index, queue_index_many

_OPTIONS = json.loads(
    (Path(__file__).parent / "data" / "case_options.messages.json").read_text(encoding="utf-8")
)

REFERENCE_MAX = 200
TEXT_MAX = 5000
DESCRIPTION_MAX = 1000
QUANTITY_MAX = 10**9
#: The date of an incident as the browser's date field sends it, and the earliest one taken.
INCIDENT_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
INCIDENT_EARLIEST = date(1900, 1, 1)
#: The kinds of item the search index holds for channels (see portal.channels.search); the
#: services of the channels queue the index jobs of messages, these of case records.
MESSAGE_KIND = services.MESSAGE_INDEX_KIND
CASE_KIND = "channel_case"
#: Rows the form offers; a record holds at most this many items and States.
ITEMS_MAX = 10
ROUTE_MAX = 12


@dataclass(frozen=True)
class Option:
    code: str
    source_label: str

    @property
    def label(self):
        return gettext(self.source_label)


def options(name):
    return tuple(Option(entry["code"], entry["label"]) for entry in _OPTIONS[name])


STAGES = options("stages")
CASE_STATUSES = options("case_statuses")
ROUTE_ROLES = options("route_roles")
#: The parts of a record the providing State may allow to share, in the order a summary shows.
SHAREABLE_PARTS = options("shareable_parts")


def label_of(choices, code):
    """The label of `code` among `choices`, translated; the code itself when unknown."""
    for option in choices:
        if option.code == code:
            return option.label
    return code


def source_label(choices, code):
    """The English label of `code` among `choices` (what the index holds), or the code."""
    return next((option.source_label for option in choices if option.code == code), code)


#: What Markdown reads as markup anywhere in a line, and at the start of one.
INLINE_MARKS = re.compile(r"([\\`*_\[\]<>|~])")
BLOCK_MARKS = re.compile(r"^(\s*(?:\d+)?)([#+\-=>.)])")


class CaseError(Exception):
    """A case record that cannot be saved; `field` names the form field it concerns (a row's
    field as `items-2-category`), or None. `problems` lists every (field, message) refused when
    the record was checked as a whole, so that the form shows them all at once; the first is
    also `field` and `message`."""

    def __init__(self, message, field=None, problems=None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.problems = problems or [(field, message)]


class Checks:
    """Runs the checks of a record one after another and keeps every refusal instead of stopping
    at the first: `checks(clean_line, value, ...)` returns the cleaned value, or None when it was
    refused. `raise_any()` then raises one CaseError that lists them all."""

    def __init__(self):
        self.problems = []

    def __call__(self, check, *args):
        try:
            return check(*args)
        except CaseError as error:
            self.problems.extend(error.problems)
            return None

    def refuse(self, message, field):
        self.problems.append((field, message))

    def raise_any(self):
        if self.problems:
            field, message = self.problems[0]
            raise CaseError(message, field, self.problems)


# Countries ----------------------------------------------------------------------------------


def country(code):
    """The ISO 3166-1 country with alpha-3 `code` (any case), or None."""
    code = (code or "").strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        return None
    return pycountry.countries.get(alpha_3=code)


def country_name(iso3, language=None):
    """A State's name in the reader's language, from CLDR (or the United Nations' name where it
    differs, as for delegations); the code itself when unknown."""
    language = language or str(get_locale() or "en")
    if iso3 in STATE_NAMES:
        return STATE_NAMES[iso3].get(language) or STATE_NAMES[iso3]["en"]
    found = country(iso3)
    if found is None:
        return iso3
    return Locale.parse(language).territories.get(found.alpha_2) or found.name


def country_choices():
    """(code, name) of every country, sorted by name in the reader's language."""
    return sorted(
        ((c.alpha_3, country_name(c.alpha_3)) for c in pycountry.countries),
        key=lambda pair: pair[1].casefold(),
    )


# Checks -------------------------------------------------------------------------------------


def clean_line(value, maximum, field, required=False):
    value = " ".join((value or "").split())
    if required and not value:
        raise CaseError(_l("This field is required."), field)
    if len(value) > maximum:
        raise CaseError(_l("This is too long: at most %(count)d characters.", count=maximum), field)
    return value


def clean_text(value, field):
    """Several lines of plain text, trailing blanks removed."""
    value = "\n".join(line.rstrip() for line in (value or "").strip().splitlines())
    if len(value) > TEXT_MAX:
        raise CaseError(
            _l("This is too long: at most %(count)d characters.", count=TEXT_MAX), field
        )
    return value


def clean_choice(choices, value, field, message):
    if value not in {option.code for option in choices}:
        raise CaseError(message, field)
    return value


def clean_quantity(value, field):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    if not text.isascii() or not text.isdigit():
        raise CaseError(_l("Give the quantity as a whole number, or leave it empty."), field)
    quantity = int(text)
    if quantity > QUANTITY_MAX:
        raise CaseError(_l("This quantity is too large."), field)
    return quantity


def is_blank(row):
    return not any(str(value or "").strip() for value in row.values())


def clean_subcategory(code, sub, field):
    """The sub-category of an item: empty, or one of its category's own."""
    if sub and not categories.is_valid(code, sub):
        raise CaseError(
            _l(
                "This sub-category is not one of category %(category)s. Choose one of "
                "its own, or none.",
                category=code,
            ),
            field,
        )
    return sub


def clean_items(rows):
    """The items of a record from the rows of the form (blank rows left out).

    Raises CaseError listing every refused field of every row (an unknown category, a
    sub-category that is not one of the row's category, a quantity that is not a whole number,
    a description too long); at `items-0-category` when there is no item at all.
    """
    checks = Checks()
    items = []
    filled = 0
    for number, row in enumerate(rows):
        if is_blank(row):
            continue
        filled += 1
        prefix = f"items-{number}-"
        code = (row.get("category") or "").strip()
        sub = (row.get("subcategory") or "").strip()
        if categories.category(code) is None:
            checks.refuse(
                _l("Choose a category of conventional arms from the list."), prefix + "category"
            )
        else:
            checks(clean_subcategory, code, sub, prefix + "subcategory")
        item = {
            "category": code,
            "subcategory": sub,
            "quantity": checks(clean_quantity, row.get("quantity"), prefix + "quantity"),
            "description": checks(
                clean_line, row.get("description"), DESCRIPTION_MAX, prefix + "description"
            ),
        }
        items.append(item)
    if not filled:
        checks.refuse(
            _l("Describe at least one item: choose its category."), "items-0-category"
        )
    elif filled > ITEMS_MAX:
        checks.refuse(_l("At most %(count)d items.", count=ITEMS_MAX), "items-0-category")
    checks.raise_any()
    return items


def clean_stop(code, field):
    """The ISO 3166 alpha-3 code of a State along the route."""
    if not code:
        raise CaseError(
            _l("Give the State's three-letter ISO 3166 code, or leave the whole row empty."),
            field,
        )
    found = country(code)
    if found is None:
        raise CaseError(
            _l(
                "“%(code)s” is not a country code. Give the three-letter ISO 3166 code, "
                "for example GHA for Ghana.",
                code=code[:20],
            ),
            field,
        )
    return found.alpha_3


def clean_route(rows):
    """The States along the route, in order, from the rows of the form (blank rows left out).

    Raises CaseError listing every refused field of every row (a code that is not an ISO 3166
    alpha-3 code, a role not in the list); at the first row when there is no State.
    """
    checks = Checks()
    route = []
    for number, row in enumerate(rows):
        if is_blank(row):
            continue
        prefix = f"route-{number}-"
        code = checks(clean_stop, (row.get("iso3") or "").strip(), prefix + "iso3")
        role = checks(
            clean_choice,
            ROUTE_ROLES,
            row.get("role"),
            prefix + "role",
            _l("Choose the State's role."),
        )
        route.append({"iso3": code, "role": role})
    if not route:
        checks.refuse(_l("Name at least one State along the route."), "route-0-iso3")
    elif len(route) > ROUTE_MAX:
        checks.refuse(_l("At most %(count)d States.", count=ROUTE_MAX), "route-0-iso3")
    checks.raise_any()
    return route


def latest_incident_day():
    """The last day an incident may have happened on: today where the day is furthest ahead
    (UTC+14), so that a date that is already today somewhere is never refused."""
    return (now_utc() + timedelta(hours=14)).date()


def clean_incident_date(value, field="incident_on"):
    """The day of the incident (optional): a date as the browser's date field sends it
    (YYYY-MM-DD), not in the future nor before 1900; None when left empty."""
    if isinstance(value, date):
        day = value
    else:
        text = (value or "").strip()
        if not text:
            return None
        if not INCIDENT_DATE.fullmatch(text):
            raise CaseError(
                _l("Give the date as year-month-day, for example 2026-03-14, or leave it empty."),
                field,
            )
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise CaseError(
                _l("This day does not exist. Give the date as year-month-day."), field
            ) from None
    if day > latest_incident_day():
        raise CaseError(_l("The date of the incident cannot be in the future."), field)
    if day < INCIDENT_EARLIEST:
        raise CaseError(_l("Give a date in 1900 or later."), field)
    return day


def clean_shareable(parts):
    codes = {option.code for option in SHAREABLE_PARTS}
    parts = list(parts or [])
    if any(part not in codes for part in parts):
        raise CaseError(_l("Choose the parts to share from the list."), "shareable")
    # Kept in the order of SHAREABLE_PARTS whatever the order sent.
    return [option.code for option in SHAREABLE_PARTS if option.code in parts]


def clean_case(values):
    """The checked values of a case record from the form's `values` (a dict with `reference`,
    `items` and `route` as lists of row dicts, `incident_on`, `stage`, `detection`, `method`,
    `case_status`, `lessons` and `shareable`). Raises CaseError listing every field refused."""
    checks = Checks()
    clean = {
        "reference": checks(
            clean_line, values.get("reference"), REFERENCE_MAX, "reference", True
        ),
        "items": checks(clean_items, values.get("items") or []),
        "route": checks(clean_route, values.get("route") or []),
        "incident_on": checks(clean_incident_date, values.get("incident_on")),
        "stage": checks(
            clean_choice,
            STAGES,
            values.get("stage"),
            "stage",
            _l("Choose the stage of the transfer."),
        ),
        "detection": checks(clean_text, values.get("detection"), "detection"),
        "method": checks(clean_text, values.get("method"), "method"),
        "case_status": checks(
            clean_choice,
            CASE_STATUSES,
            values.get("case_status"),
            "case_status",
            _l("Choose the status of the case."),
        ),
        "lessons": checks(clean_text, values.get("lessons"), "lessons"),
        "shareable": checks(clean_shareable, values.get("shareable")),
    }
    checks.raise_any()
    return clean


# Saving -------------------------------------------------------------------------------------


def case_url(case):
    """The path of a case record's page, inside a request or not (a message stores it)."""
    adapter = current_app.url_map.bind(
        "localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/"
    )
    return adapter.build("channels.case_detail", {"case_id": case.id})


def opening_text(case):
    """The first message of a case record's thread: who provided it, and a link to it."""
    return gettext(
        "%(delegation)s added a case record: [%(reference)s](%(link)s). Discuss it in this thread.",
        delegation=case.provided_by_delegation.name,
        reference=escape_markdown(case.reference),
        link=case_url(case),
    )


def escape_markdown(text):
    """Text shown as it is inside Markdown (a reference may hold brackets or asterisks): the
    characters that mark up text are escaped, and those that start a heading, a list or a
    quotation at the start of a line."""
    lines = []
    for line in text.split("\n"):
        line = INLINE_MARKS.sub(r"\\\1", line)
        line = BLOCK_MARKS.sub(r"\1\\\2", line)
        lines.append(line)
    return "\n".join(lines)


def thread_title(reference):
    return gettext("Case record: %(reference)s", reference=reference)[: services.TITLE_MAX]


def create_case(channel, author, values):
    """Add a case record to an open channel, with its thread and a first message that links to
    it; the author's delegation provides it. Returns the record.

    Raises CaseError for a value refused (see `clean_case`) or a channel that is not open.
    """
    if channel.status != ChannelStatus.OPEN.value:
        raise CaseError(_l("This channel is closed: it can be read but not added to."))
    clean = clean_case(values)
    try:
        thread, message = services.create_thread(
            channel, author, thread_title(clean["reference"]), clean["reference"], announce=False
        )
    except services.ChannelError as error:
        raise CaseError(str(error)) from error
    now = now_utc()
    case = CaseRecord(
        channel_id=channel.id,
        thread_id=thread.id,
        provided_by_delegation_id=author.delegation_id,
        author_id=author.id,
        created_at=now,
        updated_at=now,
        acl=channel.acl,
        **clean,
    )
    db.session.add(case)
    db.session.flush()
    # The first message links to the record, whose id is known only now; both are written in
    # this one transaction.
    message.body_markdown = opening_text(case)
    message.body_html = render_markdown(message.body_markdown)
    record("channel.case_create", target=case, actor=author, channel_id=channel.id)
    emit("channel.case", case, actor=author, subject_type=CASE_KIND)
    queue_index(CASE_KIND, case.id)
    return case


def edit_case(case, by, values):
    """Save new values of a case record and say so in its thread. Raises CaseError for a value
    refused or a channel that is not open; nothing is changed then."""
    clean = clean_case(values)
    changed = sorted(name for name, value in clean.items() if getattr(case, name) != value)
    if not changed:
        return case
    for name, value in clean.items():
        setattr(case, name, value)
    if "reference" in changed:
        # The thread is named after the record; its messages are found under that name.
        case.thread.title = thread_title(case.reference)
        queue_index_many(
            MESSAGE_KIND,
            db.session.scalars(
                select(ChannelMessage.id).where(ChannelMessage.thread_id == case.thread_id)
            ),
        )
    text = gettext(
        "The case record was updated: [%(reference)s](%(link)s).",
        reference=escape_markdown(case.reference),
        link=case_url(case),
    )
    try:
        services.post_message(case.thread, by, text)
    except services.ChannelError as error:
        raise CaseError(str(error)) from error
    case.updated_at = now_utc()
    record("channel.case_edit", target=case, actor=by, channel_id=case.channel_id, fields=changed)
    queue_index(CASE_KIND, case.id)
    return case


# The sanitised summary for the whole Forum --------------------------------------------------


def plenary_channel():
    """The open DIEF plenary channel, or None."""
    return db.session.scalar(
        select(Channel)
        .where(
            Channel.kind == ChannelKind.PLENARY.value,
            Channel.status == ChannelStatus.OPEN.value,
        )
        .order_by(Channel.opened_at.desc(), Channel.id.desc())
        .limit(1)
    )


def summary_text(case):
    """The summary of a case record for the whole Forum, in Markdown, in the current language:
    only the parts its providing State allows to share (the States along the route only when
    the route is shared), never its reference, thread or channel."""
    shared = set(case.shareable)
    lines = [
        gettext(
            "%(delegation)s shares what it learned from a case of diversion.",
            delegation=escape_markdown(case.provided_by_delegation.name),
        ),
        "",
    ]

    def section(heading, body):
        lines.extend([f"**{escape_markdown(heading)}**", "", body, ""])

    if "items" in shared:
        rows = []
        for item in case.items:
            found = categories.category(item["category"])
            words = [f"{item['category']} {found.name if found else ''}".strip()]
            if item.get("subcategory"):
                sub = categories.subcategory(item["subcategory"])
                words.append(f"{item['subcategory']} {sub[1].name if sub else ''}".strip())
            if item.get("quantity") is not None:
                words.append(gettext("quantity: %(count)d", count=item["quantity"]))
            if item.get("description"):
                words.append(item["description"])
            rows.append("- " + escape_markdown(" · ".join(words)))
        section(gettext("Items"), "\n".join(rows))
    if "route" in shared:
        rows = [
            "- "
            + escape_markdown(
                f"{country_name(stop['iso3'])} ({stop['iso3']}): "
                f"{label_of(ROUTE_ROLES, stop['role'])}"
            )
            for stop in case.route
        ]
        section(gettext("States along the route"), "\n".join(rows))
    if "stage" in shared:
        section(gettext("Stage of the transfer"), escape_markdown(label_of(STAGES, case.stage)))
    if "detection" in shared and case.detection:
        section(gettext("How it was detected"), escape_markdown(case.detection))
    if "method" in shared and case.method:
        section(gettext("Method of diversion"), escape_markdown(case.method))
    if "case_status" in shared:
        section(
            gettext("Status of the case"),
            escape_markdown(label_of(CASE_STATUSES, case.case_status)),
        )
    if "lessons" in shared and case.lessons:
        section(gettext("Lessons learned"), escape_markdown(case.lessons))
    return "\n".join(lines).strip()


def publish_summary(case, by):
    """Publish the shareable parts of a case record as a new thread of the DIEF plenary
    channel, written by `by`, and keep the link on the record. Returns the message.

    Raises CaseError when nothing may be shared, when there is no open plenary channel, or when
    the person's delegation is not a member of it.
    """
    if not case.shareable:
        raise CaseError(
            _l(
                "Nothing in this case record may be shared with the whole Forum. Edit the "
                "record and choose the parts that may be shared first."
            )
        )
    plenary = plenary_channel()
    if plenary is None:
        raise CaseError(_l("There is no open DIEF plenary channel to publish the summary in."))
    member = db.session.scalar(
        select(ChannelMember).where(
            ChannelMember.channel_id == plenary.id,
            ChannelMember.delegation_id == by.delegation_id,
            ChannelMember.status == MemberStatus.ACCEPTED.value,
        )
    )
    if member is None:
        raise CaseError(
            _l(
                "Your delegation is not a member of the DIEF plenary channel, so it cannot "
                "publish there. Its point of contact can ask to join it."
            )
        )
    title = gettext(
        "Lessons from a diversion case shared by %(delegation)s",
        delegation=case.provided_by_delegation.name,
    )
    try:
        _thread, message = services.create_thread(plenary, by, title, summary_text(case))
    except services.ChannelError as error:
        raise CaseError(str(error)) from error
    case.summary_message_id = message.id
    case.summary_published_at = now_utc()
    record(
        "channel.case_publish",
        target=case,
        actor=by,
        channel_id=case.channel_id,
        plenary_id=plenary.id,
        message_id=message.id,
        parts=list(case.shareable),
    )
    return message


def summary_html(case):
    """The summary as it will read in the plenary channel (cleaned HTML), for the preview."""
    return render_markdown(summary_text(case))


def retract_case(case, by):
    """The providing delegation takes a case record back: a tombstone stays (its reference, who
    provided it and when), its content is emptied (the audit log keeps the fact, not the
    content), it leaves the index, and the followers who were told of it are told of the
    retraction. A summary already published in the plenary stays there:
    the providing State retracts that message itself."""
    case.retracted_at = now_utc()
    case.items, case.route, case.shareable = [], [], []
    case.incident_on = None
    case.detection = case.method = case.lessons = ""
    record("channel.case_retract", target=case, actor=by, channel_id=case.channel_id)
    emit("channel.case_retracted", case, actor=by, subject_type=CASE_KIND)
    queue_index(CASE_KIND, case.id)
