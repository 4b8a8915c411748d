"""Steps of a page that the views of several domains share."""

from flask import flash, redirect

from portal.extensions import db


def add_by_email(form, add, refused, done, back):
    """Carry out a form that adds a person named by their email address (a group's member, a
    working group's moderator).

    `add(email)` writes and returns the person, or raises `refused` with a message for the
    field, after which nothing is written. On success the change is committed, `done` (a
    translated message with `%(name)s`, given as `_l(...)`) is flashed with the person's name
    and the redirect to `back` is returned; otherwise None, and the caller shows the page again
    with the form's errors.
    """
    if not form.validate_on_submit():
        return None
    try:
        person = add(form.email.data)
    except refused as error:
        db.session.rollback()
        form.email.errors.append(str(error))
        return None
    db.session.commit()
    flash(str(done) % {"name": person.name}, "success")
    return redirect(back)
