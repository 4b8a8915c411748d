"""Integers from addresses, query strings and forms, bounded before they reach the database.

Every id column is a 32-bit INTEGER, while Python's integers have no limit: "2**63" in an
address would reach the driver and fail there (SQLite cannot bind it, PostgreSQL refuses it as
an OFFSET), and a page of 500 is no answer to a typing mistake. So every integer a request
carries goes through this module:

- `BoundedIntegerConverter` is registered as the app's `int` converter, so every `<int:...>`
  rule takes it: a number out of range matches no rule and answers 404, like any unknown
  address;
- `query_int()` reads a number from the query string (a year, a cycle): out of range or not
  a number answers 400;
- `page_number()` and `paginate()` read `?page=`: a page that cannot exist answers 404, as
  Flask-SQLAlchemy answers a page past the last one;
- `database_id()` turns a form's choice into an id, or refuses it as the field's error.
"""

from flask import abort, request
from werkzeug.routing import IntegerConverter

from portal.extensions import db

#: The largest value of an INTEGER column (ids, years, cycles, offsets).
INT_MAX = 2**31 - 1
#: Its number of digits: longer text is refused before it is converted at all.
INT_DIGITS = len(str(INT_MAX))


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` for numbers from 0 to INT_MAX; longer digit strings match no rule."""

    regex = r"\d{1,%d}" % INT_DIGITS

    def __init__(self, map, fixed_digits=0, min=0, max=INT_MAX, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def parse_int(text, minimum=0, maximum=INT_MAX):
    """The whole number `text` holds between `minimum` and `maximum`, or None.

    Only ASCII digits count ("²" and "٣" are digits to Python, not numbers to a database), and
    no more of them than INT_MAX has.
    """
    text = (text if isinstance(text, str) else "").strip()
    if not text or len(text) > INT_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None


def query_int(name, default=None, minimum=0, maximum=INT_MAX):
    """The number `?name=` holds, or `default` when it is absent or empty.

    Aborts with 400 when it is not a whole number between `minimum` and `maximum`.
    """
    text = request.args.get(name, "").strip()
    if not text:
        return default
    value = parse_int(text, minimum, maximum)
    if value is None:
        abort(400)
    return value


def page_number(per_page=1):
    """The page `?page=` asks for, 1 by default.

    Aborts with 404 when it is not a whole number from 1, or when the page would start beyond
    any list a database holds (such a page does not exist).
    """
    text = request.args.get("page", "").strip()
    if not text:
        return 1
    page = parse_int(text, minimum=1, maximum=INT_MAX // per_page + 1)
    if page is None:
        abort(404)
    return page


def paginate(query, per_page, count=True):
    """One page of `query`, the one `?page=` asks for; 404 for a page that does not exist."""
    return db.paginate(
        query,
        page=page_number(per_page),
        per_page=per_page,
        max_per_page=per_page,
        error_out=True,
        count=count,
    )


def database_id(value):
    """A form field's `coerce` for ids, in place of `int`.

    Raises ValueError (which the field reports as an invalid choice) for anything but a number
    an id column can hold (0 included: selects offer it as "choose…").
    """
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    number = parse_int(value)
    if number is None:
        raise ValueError(value)
    return number
