"""Cursor pagination: a page ends with `next_cursor`, an opaque string that holds the sort
values of its last item; the next page starts after them. Unlike page numbers, a cursor does
not skip or repeat items when new ones arrive, and its cost does not grow with depth."""

import base64
import json
from datetime import date, datetime

from flask import abort
from sqlalchemy import tuple_

from portal.extensions import db

BAD_CURSOR = "The cursor is not one this API gave: start again without it."


def encode(values):
    plain = [v.isoformat() if isinstance(v, (date, datetime)) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def decode(cursor, columns):
    """The sort values in `cursor`, typed as `columns`; 400 for a cursor this API did not make."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(columns):
            raise ValueError("wrong length")
        values = []
        for value, column in zip(raw, columns):
            kind = column.type.python_type
            if kind is datetime:
                value = datetime.fromisoformat(value)
            elif kind is date:
                value = date.fromisoformat(value)
            elif not isinstance(value, kind) or isinstance(value, bool):
                raise ValueError("wrong type")
            values.append(value)
        return values
    except (ValueError, TypeError, UnicodeDecodeError, json.JSONDecodeError):
        abort(400, description=BAD_CURSOR)


def page(query, columns, cursor, limit, descending=True):
    """(rows, next_cursor) of `query` ordered by `columns` (the last one unique), all in one
    direction, starting after `cursor`."""
    key = tuple_(*columns)
    if cursor:
        after = tuple_(*decode(cursor, columns))
        query = query.where(key < after if descending else key > after)
    order = [c.desc() if descending else c.asc() for c in columns]
    rows = db.session.scalars(query.order_by(*order).limit(limit + 1)).unique().all()
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode([getattr(last, column.key) for column in columns])
