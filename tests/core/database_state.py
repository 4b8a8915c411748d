"""What the database holds, to compare before and after a request that must change nothing."""

from sqlalchemy import func, select

from portal.accounts.models import AccessRequest, User
from portal.auth.models import LinkToken
from portal.core.audit import AuditEvent
from portal.core.jobs import Job
from portal.extensions import db


def snapshot():
    """Accounts and requests as they stand, and how many audit events, jobs and links exist."""
    return {
        "users": db.session.execute(
            select(User.id, User.status, User.role, User.delegation_id, User.totp_secret).order_by(
                User.id
            )
        ).all(),
        "requests": db.session.execute(
            select(AccessRequest.id, AccessRequest.status, AccessRequest.user_id).order_by(
                AccessRequest.id
            )
        ).all(),
        "audit_events": count(AuditEvent),
        "jobs": count(Job),
        "links": count(LinkToken),
    }


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def audit_trail(**where):
    """(action, actor_id, target_type, target_id, detail) of the audit events matching `where`,
    oldest first."""
    query = select(AuditEvent).filter_by(**where).order_by(AuditEvent.id)
    return [
        (event.action, event.actor_id, event.target_type, event.target_id, event.detail)
        for event in db.session.scalars(query)
    ]
