"""The one-time submission id of a form, read from its page as a browser sends it back."""

import re

from sqlalchemy import func, select

from portal.core.submissions import FormSubmission
from portal.extensions import db

_FIELD = re.compile(r'<input\b[^>]*\bname="submission_id"[^>]*>')
_VALUE = re.compile(r'\bvalue="([^"]*)"')


def submission_id(response):
    """The id in the one form of the page that carries one."""
    fields = _FIELD.findall(response.get_data(as_text=True))
    assert len(fields) == 1, f"expected one submission id on the page, found {len(fields)}"
    value = _VALUE.search(fields[0])
    assert value and value.group(1), fields[0]
    return value.group(1)


def recorded_ids():
    """How many submission ids the database remembers."""
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(FormSubmission))
