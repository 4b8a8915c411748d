"""The rules for intersessional work: part of the access policy.

Informal consultations: a consultation is read by the holders of `consultation:<id>`: its
organiser, every member of a delegation that requested it, was invited to it or joined it, and
the Secretariat. To anyone else its addresses answer 404, before, during and after it. Inside,
the organiser, the Secretariat, the points of contact of its delegations and the people those
points of contact named take part, between its opening and its closing time; after that it is
read-only. A State asks for a consultation; a chair or facilitator (a moderator of a working
group) or the Secretariat convenes one; the Secretariat agrees to a request.

The informal advisory group: registered members hold `advisory`; members who represent a State
Party (and the Secretariat) also hold `advisory_states`, the level of the group's activities
that touch restricted information.

National reports to cabinet or parliament: each carries the acl of the audience its State chose;
a State Party's point of contact or delegates share their own State's reports.
"""

from sqlalchemy import or_, select

from portal.access import SECRETARIAT, STATE, STATE_PARTY, principals
from portal.accounts.models import DelegationKind

ADVISORY = "advisory"
ADVISORY_STATES = "advisory_states"


def read_consultations(user):
    """Ids of the consultations `user` reads (all of them for the Secretariat)."""
    from portal.consultations.models import Consultation, ConsultationDelegation
    from portal.extensions import db

    query = select(Consultation.id)
    if not user.is_secretariat:
        query = query.where(
            or_(
                Consultation.organiser_id == user.id,
                Consultation.id.in_(
                    select(ConsultationDelegation.consultation_id).where(
                        ConsultationDelegation.delegation_id == user.delegation_id
                    )
                ),
            )
        )
    return db.session.scalars(query).all()


def consultation_holders(consultation_id):
    """A SQL condition on `User`: who reads consultation `consultation_id` (see
    `read_consultations`)."""
    from portal.accounts.models import Delegation, User
    from portal.consultations.models import Consultation, ConsultationDelegation

    return or_(
        User.id.in_(select(Consultation.organiser_id).where(Consultation.id == consultation_id)),
        User.delegation_id.in_(
            select(ConsultationDelegation.delegation_id).where(
                ConsultationDelegation.consultation_id == consultation_id
            )
        ),
        User.delegation_id.in_(
            select(Delegation.id).where(Delegation.kind == DelegationKind.SECRETARIAT.value)
        ),
    )


def advisory_principals(user):
    """`advisory` for a registered member of the advisory group, with `advisory_states` when
    they represent a State Party; both for the Secretariat, which runs the group."""
    if user.is_secretariat:
        return {ADVISORY, ADVISORY_STATES}
    from portal.consultations.models import AdvisoryMember
    from portal.extensions import db

    member = db.session.scalar(select(AdvisoryMember).where(AdvisoryMember.user_id == user.id))
    if member is None or not member.is_registered:
        return set()
    if user.delegation.kind == DelegationKind.STATE_PARTY.value:
        return {ADVISORY, ADVISORY_STATES}
    return {ADVISORY}


def advisory_holders(acl):
    """A SQL condition on `User`: who holds `advisory` or `advisory_states`."""
    from portal.accounts.models import Delegation, User
    from portal.consultations.models import AdvisoryMember, MemberStatus

    kinds = [DelegationKind.SECRETARIAT.value]
    registered = User.id.in_(
        select(AdvisoryMember.user_id).where(
            AdvisoryMember.status == MemberStatus.REGISTERED.value
        )
    )
    if acl == ADVISORY_STATES:
        registered = registered & User.delegation_id.in_(
            select(Delegation.id).where(Delegation.kind == DelegationKind.STATE_PARTY.value)
        )
    return or_(
        registered, User.delegation_id.in_(select(Delegation.id).where(Delegation.kind.in_(kinds)))
    )


def sees(user, item):
    return item.acl in principals(user)


def is_secretariat(user, target=None):
    return SECRETARIAT in principals(user)


def is_chair(user):
    """A chair or facilitator: the moderator of a working group."""
    return any(principal.startswith("moderator:") for principal in principals(user))


def runs(user, consultation):
    """The organiser or the Secretariat, on a consultation they read."""
    return sees(user, consultation) and (
        is_secretariat(user) or consultation.organiser_id == user.id
    )


def delegation_role(user, consultation):
    for link in consultation.delegations:
        if link.delegation_id == user.delegation_id:
            return link.role
    return None


def is_named(user, consultation):
    from portal.consultations.models import ConsultationParticipant
    from portal.extensions import db

    return (
        db.session.scalar(
            select(ConsultationParticipant.id).where(
                ConsultationParticipant.consultation_id == consultation.id,
                ConsultationParticipant.user_id == user.id,
            )
        )
        is not None
    )


def takes_part(user, consultation):
    """The organiser, the Secretariat, the point of contact of one of its delegations, or a
    person such a point of contact named."""
    if runs(user, consultation):
        return True
    if delegation_role(user, consultation) is None:
        return False
    return user.is_point_of_contact or is_named(user, consultation)


def posts_in(user, consultation):
    return sees(user, consultation) and consultation.is_open() and takes_part(user, consultation)


def manages(user, consultation):
    """Change a consultation, invite, plan sessions, share documents: until it closes."""
    return (
        runs(user, consultation)
        and consultation.is_agreed
        and not consultation.is_closed()
    )


def edits(user, consultation):
    """Change what a consultation is (its purpose, time box, format, support, languages):
    the organiser or the Secretariat, from the request until it closes; a declined request
    stays as it was."""
    return (
        runs(user, consultation)
        and consultation.status != "declined"
        and not consultation.is_closed()
    )


def names_participants(user, consultation):
    return (
        sees(user, consultation)
        and consultation.is_agreed
        and not consultation.is_closed()
        and user.is_point_of_contact
        and delegation_role(user, consultation) is not None
    )


def may_join(user, consultation):
    """A State's point of contact joins a consultation open to other delegations."""
    return (
        consultation.is_open_to_others
        and consultation.is_agreed
        and not consultation.is_closed()
        and STATE in principals(user)
        and not user.is_secretariat
        and user.is_point_of_contact
        and delegation_role(user, consultation) is None
    )


def reads_outcome(user, consultation):
    """A published outcome note is read by the working group it serves (and by whoever reads
    the consultation)."""
    if consultation.outcome_published_at is None:
        return False
    if sees(user, consultation):
        return True
    group = consultation.working_group
    return group is not None and group.acl in principals(user)


def is_advisory_member(user, target=None):
    return ADVISORY in principals(user)


def shares_national_reports(user, target=None):
    """A State Party's point of contact or delegate (not the Secretariat: it is the State's
    report)."""
    return STATE_PARTY in principals(user) and not user.is_secretariat


CONSULTATION_RULES = {
    # Informal consultations (portal/consultations)
    "consultation_list": lambda user, target=None: True,
    "consultation_request": lambda user, target=None: (
        STATE in principals(user) and not user.is_secretariat
    ),
    "consultation_convene": lambda user, target=None: is_secretariat(user) or is_chair(user),
    "consultation_view": sees,
    "consultation_decide": lambda user, consultation: (
        sees(user, consultation)
        and is_secretariat(user)
        and consultation.status == "requested"
    ),
    "consultation_edit": edits,
    "consultation_invite": manages,
    "consultation_session_add": manages,
    "consultation_document_add": manages,
    "consultation_close": manages,
    "consultation_participants_name": names_participants,
    "consultation_join": may_join,
    "consultation_thread_create": posts_in,
    "consultation_post": lambda user, thread: posts_in(user, thread.consultation),
    "consultation_outcome_publish": lambda user, consultation: (
        runs(user, consultation)
        and consultation.is_agreed
        and consultation.is_closed()
        and consultation.outcome_published_at is None
    ),
    "consultation_outcome_view": reads_outcome,
    # The informal advisory group
    "advisory_apply": lambda user, target=None: not user.is_secretariat,
    "advisory_register": is_secretariat,
    "advisory_view": is_advisory_member,
    "advisory_request_create": is_secretariat,
    "advisory_request_view": sees,
    "advisory_input": lambda user, request: (
        sees(user, request) and request.is_open() and not user.is_secretariat
    ),
    "advisory_report": is_secretariat,
    "advisory_document_share": is_secretariat,
    "advisory_document_download": sees,
    # National reports to cabinet or parliament
    "national_report_list": lambda user, target=None: True,
    "national_report_share": shares_national_reports,
    "national_report_view": sees,
    "national_report_download": lambda user, report_file: sees(user, report_file),
}
