"""Checks of the content of initial and annual reports, shared by the online forms and imports.

`validate_annual` and `validate_initial` return a list of `Problem`s; errors block submission,
warnings do not. They accept any JSON value where the content has one: a draft keeps what a
person typed even when it is not a number (see `normalise_items`, `normalise_value`), and an
imported file may hold anything; every such value is reported, never raised on.

A problem is placed where the person can fix it:
- `table` "exports" or "imports" with `index` the 0-based line and `field` a line key; or
  `index` None and `field` "nil" / "lines" for the table as a whole;
- `table` "report" with `index` None and `field` a top-level key ("year", "state"...);
- `table` "answers" (initial reports) with `index` None and `field` the question id.

Duplicate lines: two lines of one table are the same when they agree on category,
sub-category, basis, partner, origin, intermediate location and description (the description
compared without case and surrounding or repeated spaces). Items, value and comments are not
part of the key: two lines that differ only in numbers are the same transfer entered twice.
The later line gets the error.
"""

from collections import namedtuple
from decimal import Decimal, InvalidOperation

import pycountry
from flask_babel import lazy_gettext as _l

from portal.reporting import categories
from portal.reporting.models import (
    ANNUAL_FORMAT,
    BASES,
    CHOICES,
    FIRST_REPORTING_YEAR,
    FORMAT_VERSION,
    INITIAL_FORMAT,
    TABLES,
)
from portal.reporting.questions import QUESTIONS

Problem = namedtuple("Problem", "severity table index field message")

ERROR = "error"
WARNING = "warning"

#: ISO 3166-1 alpha-3 codes accepted as States (partner, origin, intermediate location).
STATE_CODES = frozenset(country.alpha_3 for country in pycountry.countries)
#: ISO 4217 currency codes.
CURRENCY_CODES = frozenset(currency.alpha_3 for currency in pycountry.currencies)

#: Above these a value or a number of items is probably a typing error: a warning.
LARGE_VALUE = Decimal("1e10")
LARGE_ITEMS = 1_000_000

MAX_DESCRIPTION = 1000
MAX_COMMENTS = 2000
MAX_DEFINITIONS = 20000
MAX_ANSWER = 10000


def is_error(problem):
    return problem.severity == ERROR


def has_errors(problems):
    return any(is_error(problem) for problem in problems)


def normalise_items(text):
    """A number of items as typed: None when empty, an int when it is one, else the text
    (kept so that the person sees it again; validation reports it)."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return text


def normalise_value(text):
    """A value as typed: None when empty, a decimal string with two decimals when it has at
    most two, else the text (kept for the person to see; validation reports it)."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return text
    if not amount.is_finite() or amount.as_tuple().exponent < -2:
        return text
    return f"{amount.quantize(Decimal('0.01')):f}"


def _amount(value):
    """The Decimal of a stored value, or None when it is not a plain decimal string."""
    if not isinstance(value, str):
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount.as_tuple().exponent < -2:
        return None
    return amount


def _text(value):
    return value if isinstance(value, str) else ""


def _duplicate_key(line):
    return (
        _text(line.get("category")),
        _text(line.get("subcategory")),
        _text(line.get("basis")),
        _text(line.get("partner")),
        _text(line.get("origin")),
        _text(line.get("intermediate")),
        " ".join(_text(line.get("description")).split()).casefold(),
    )


def _check_line(table, index, line, own_state):
    problems = []

    def error(field, message):
        problems.append(Problem(ERROR, table, index, field, message))

    def warning(field, message):
        problems.append(Problem(WARNING, table, index, field, message))

    category_code = line.get("category")
    subcategory_code = line.get("subcategory") or ""
    if not category_code:
        error("category", _l("Choose a category."))
    elif not isinstance(category_code, str) or categories.category(category_code) is None:
        error("category", _l("Unknown category: %(code)s.", code=category_code))
    elif subcategory_code and (
        not isinstance(subcategory_code, str)
        or not categories.is_valid(category_code, subcategory_code)
    ):
        error(
            "subcategory",
            _l(
                "%(code)s is not a sub-category of category %(category)s.",
                code=subcategory_code,
                category=category_code,
            ),
        )

    if line.get("basis") not in BASES:
        error(
            "basis",
            _l("Choose whether the line reports authorised or actual transfers."),
        )

    items = line.get("items")
    value = line.get("value")
    if items is not None:
        if not isinstance(items, int) or isinstance(items, bool):
            error("items", _l("The number of items must be a whole number."))
        elif items < 0:
            error("items", _l("The number of items cannot be negative."))
        elif items > LARGE_ITEMS:
            warning(
                "items",
                _l("This is an unusually large number of items: please check it."),
            )
    if value is not None:
        amount = _amount(value)
        if amount is None:
            error("value", _l("Enter the value as a number with at most two decimals."))
        elif amount < 0:
            error("value", _l("The value cannot be negative."))
        elif amount > LARGE_VALUE:
            warning("value", _l("This is an unusually large value: please check it."))
    if items is None and value is None:
        error("items", _l("Give the number of items, the value, or both."))

    currency = line.get("currency") or ""
    if value is not None and not currency:
        error("currency", _l("Choose the currency of the value."))
    elif currency and currency not in CURRENCY_CODES:
        error("currency", _l("Unknown currency: %(code)s.", code=currency))
    elif currency and value is None:
        error("currency", _l("A currency is given without a value: enter the value."))

    partner = line.get("partner") or ""
    partner_label = (
        _l("Choose the final importing State.")
        if table == "exports"
        else _l("Choose the exporting State.")
    )
    if not partner:
        error("partner", partner_label)
    elif partner not in STATE_CODES:
        error("partner", _l("%(code)s is not the ISO code of a State.", code=partner))
    elif partner == own_state:
        error("partner", _l("Your own State cannot be the partner of a transfer."))
    for field in ("origin", "intermediate"):
        code = line.get(field) or ""
        if code and code not in STATE_CODES:
            error(field, _l("%(code)s is not the ISO code of a State.", code=code))

    for field, limit in (("description", MAX_DESCRIPTION), ("comments", MAX_COMMENTS)):
        text = line.get(field)
        if text is not None and not isinstance(text, str):
            error(field, _l("Enter text."))
        elif text and len(text) > limit:
            error(field, _l("At most %(limit)s characters.", limit=limit))
    return problems


def _check_table(content, table, own_state):
    problems = []
    section = content.get(table)
    if not isinstance(section, dict):
        return [Problem(ERROR, table, None, "lines", _l("The table is missing."))]
    lines = section.get("lines")
    if not isinstance(lines, list):
        return [Problem(ERROR, table, None, "lines", _l("The table is missing."))]
    nil = section.get("nil")
    if not isinstance(nil, bool):
        problems.append(Problem(ERROR, table, None, "nil", _l("Say whether this is a nil report.")))
    elif nil and lines:
        problems.append(
            Problem(
                ERROR,
                table,
                None,
                "nil",
                _l("A nil report has no lines: remove the lines or untick the nil report."),
            )
        )
    elif not nil and not lines:
        problems.append(
            Problem(ERROR, table, None, "lines", _l("Add a line or declare a nil report."))
        )
    seen = {}
    for index, line in enumerate(lines):
        if not isinstance(line, dict):
            problems.append(
                Problem(ERROR, table, index, "category", _l("This line is unreadable."))
            )
            continue
        problems.extend(_check_line(table, index, line, own_state))
        key = _duplicate_key(line)
        if key in seen:
            problems.append(
                Problem(
                    ERROR,
                    table,
                    index,
                    "description",
                    _l(
                        "This line repeats line %(number)s: merge them, or tell them apart in "
                        "the description.",
                        number=seen[key] + 1,
                    ),
                )
            )
        else:
            seen[key] = index
    return problems


def _check_report_fields(content, delegation, expected_format):
    problems = []

    def error(field, message):
        problems.append(Problem(ERROR, "report", None, field, message))

    if content.get("format") != expected_format or content.get("format_version") != FORMAT_VERSION:
        error("format", _l("This is not a report in the format the portal reads."))
    if content.get("state") != delegation.iso3:
        error(
            "state",
            _l(
                "The report is for %(state)s, not for %(own)s.",
                state=content.get("state") or "?",
                own=delegation.iso3 or "?",
            ),
        )
    if not isinstance(content.get("public"), bool):
        error("public", _l("Choose who may read the report."))
    return problems


def validate_annual(content, delegation, today):
    """The problems of the content of an annual report by `delegation`, checked on `today`."""
    if not isinstance(content, dict):
        return [Problem(ERROR, "report", None, "format", _l("The report is unreadable."))]
    problems = _check_report_fields(content, delegation, ANNUAL_FORMAT)

    def error(field, message):
        problems.append(Problem(ERROR, "report", None, field, message))

    year = content.get("year")
    if not isinstance(year, int) or isinstance(year, bool):
        error("year", _l("Give the calendar year the report covers."))
    elif year < FIRST_REPORTING_YEAR:
        error(
            "year",
            _l(
                "The Treaty entered into force in %(first)s: there are no reports for %(year)s.",
                first=FIRST_REPORTING_YEAR,
                year=year,
            ),
        )
    elif year >= today.year:
        error(
            "year",
            _l(
                "The year %(year)s has not ended yet: it can be reported from 1 January.",
                year=year,
            ),
        )
    for field in ("withheld", "forward_to_un_register"):
        if not isinstance(content.get(field), bool):
            error(field, _l("Answer yes or no."))
    definitions = content.get("national_definitions")
    if not isinstance(definitions, str):
        error("national_definitions", _l("Enter text."))
    elif len(definitions) > MAX_DEFINITIONS:
        error(
            "national_definitions",
            _l("At most %(limit)s characters.", limit=MAX_DEFINITIONS),
        )
    for table in TABLES:
        problems.extend(_check_table(content, table, delegation.iso3))
    return problems


def validate_initial(content, delegation):
    """The problems of the content of an initial report by `delegation`. Unanswered
    questions are warnings: a State may submit what it has and update the report later."""
    if not isinstance(content, dict):
        return [Problem(ERROR, "report", None, "format", _l("The report is unreadable."))]
    problems = _check_report_fields(content, delegation, INITIAL_FORMAT)
    answers = content.get("answers")
    if not isinstance(answers, dict):
        problems.append(Problem(ERROR, "report", None, "answers", _l("The answers are missing.")))
        return problems
    for question_id in answers:
        if question_id not in QUESTIONS:
            problems.append(
                Problem(
                    ERROR,
                    "answers",
                    None,
                    question_id,
                    _l("Unknown question: %(id)s.", id=question_id),
                )
            )
    for question_id, question in QUESTIONS.items():
        answer = answers.get(question_id) or {}

        def error(message, question_id=question_id):
            problems.append(Problem(ERROR, "answers", None, question_id, message))

        if not isinstance(answer, dict):
            error(_l("This answer is unreadable."))
            continue
        choice = answer.get("choice") or ""
        text = answer.get("text") or ""
        if not isinstance(text, str):
            error(_l("Enter text."))
            continue
        if question.is_choice and choice and choice not in CHOICES:
            error(_l("Answer yes, no or partly."))
        elif not question.is_choice and choice:
            error(_l("This question is answered in words only."))
        elif len(text) > MAX_ANSWER:
            error(_l("At most %(limit)s characters.", limit=MAX_ANSWER))
        if not choice and not text.strip():
            problems.append(Problem(WARNING, "answers", None, question_id, _l("Not answered yet.")))
    return problems
