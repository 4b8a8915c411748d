"""The audit log: who did what, when, from which address. Rows are only ever added.

`record()` adds an event to the current transaction, so it commits with the change it
describes. The session refuses to flush an update or a delete of an audit row.
"""

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.core.models import CreatedMixin, IdMixin
from portal.extensions import db


class AuditEvent(IdMixin, CreatedMixin, db.Model):
    __tablename__ = "audit_events"

    #: Dotted name of what happened, for example `auth.sign_in` or `user.suspend`.
    action = db.Column(db.String(64), nullable=False, index=True)
    actor_id = db.Column(db.Integer, db.ForeignKey("users.id"), index=True)
    #: The actor's email at the time, or the address tried for a failed sign-in.
    actor_email = db.Column(db.String(254))
    target_type = db.Column(db.String(32))
    target_id = db.Column(db.Integer)
    ip_address = db.Column(db.String(45))
    detail = db.Column(db.JSON, nullable=False, default=dict)

    actor = db.relationship("User", foreign_keys=[actor_id], lazy="joined")


def client_address():
    return request.remote_addr if has_request_context() else None


def record(action, target=None, actor=None, actor_email=None, **detail):
    """Add an audit event; `actor` defaults to the signed-in user, if any."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    if target is not None and target.id is None:
        db.session.flush()
    entry = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else actor_email,
        target_type=target.__tablename__ if target is not None else None,
        target_id=target.id if target is not None else None,
        ip_address=client_address(),
        detail=detail,
    )
    db.session.add(entry)
    return entry


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or remove an audit event."""


@event.listens_for(Session, "before_flush")
def refuse_audit_changes(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly("audit events are never updated or deleted")


@event.listens_for(Session, "do_orm_execute")
def refuse_audit_bulk_changes(state):
    """The same rule for bulk UPDATE and DELETE statements, which bypass the flush."""
    if (state.is_update or state.is_delete) and (
        getattr(state.statement.table, "name", None) == AuditEvent.__tablename__
    ):
        raise AuditLogIsAppendOnly("audit events are never updated or deleted")
