"""The rules for initial and annual reports: part of the access policy.

Only States report: the delegations of States Parties and signatory States. Any member of
such a delegation prepares its drafts; its point of contact, or a reporting officer the point
of contact designated, submits them. A draft is read by its delegation alone (its acl is
`delegation:<id>`); a submitted version by everyone or by the States Parties, by its acl. The
Secretariat acknowledges submitted versions.
"""

from portal.access import SECRETARIAT, principals
from portal.accounts.models import DelegationKind, Role

#: The delegations that report.
REPORTING_KINDS = frozenset({DelegationKind.STATE_PARTY.value, DelegationKind.SIGNATORY.value})


def reports(user, target=None):
    """Whether the user's delegation is a State that reports."""
    return user.delegation.kind in REPORTING_KINDS and user.delegation.iso3 is not None


def own(user, report):
    return reports(user) and report.delegation_id == user.delegation_id


def is_reporting_officer(user):
    # Imported here: the reporting models import the access policy.
    from portal.extensions import db
    from portal.reporting.models import ReportingOfficer

    officer = db.session.query(ReportingOfficer).filter_by(user_id=user.id).one_or_none()
    return officer is not None and officer.delegation_id == user.delegation_id


def submits_for(user, report):
    """The point of contact of the report's State, or one of its reporting officers."""
    return own(user, report) and (
        user.role == Role.POINT_OF_CONTACT.value or is_reporting_officer(user)
    )


REPORTING_RULES = {
    "report_list_own": reports,
    # Target: the delegation the report would be for.
    "report_create": lambda user, delegation: reports(user) and delegation.id == user.delegation_id,
    # Target: a version; drafts by their acl (`delegation:<id>`), submitted ones likewise.
    "version_view": lambda user, version: version.acl in principals(user),
    "draft_edit": lambda user, version: version.is_draft and own(user, version.report),
    "draft_submit": lambda user, version: version.is_draft and submits_for(user, version.report),
    "draft_discard": lambda user, version: version.is_draft and own(user, version.report),
    # Target: a report; an amendment starts from its last submitted version.
    "report_amend": lambda user, report: (
        own(user, report) and report.latest is not None and report.draft is None
    ),
    "version_acknowledge": lambda user, version: (
        SECRETARIAT in principals(user)
        and not version.is_draft
        and version.acknowledged_at is None
        and version.acl in principals(user)
    ),
    # Target: a delegation.
    "officer_manage": lambda user, delegation: (
        reports(user)
        and delegation.id == user.delegation_id
        and user.role == Role.POINT_OF_CONTACT.value
    ),
    # Reporting status (portal/reporting/status_views.py): the list by State, with receipts and
    # acknowledgements, is the Secretariat's; the aggregate figures are public.
    "reporting_status_view": lambda user, target=None: SECRETARIAT in principals(user),
    # Target: a submitted annual report whose State authorised forwarding to the UN Register:
    # the Secretariat forwards it, its own delegation may check what will be forwarded.
    "un_register_export": lambda user, version: (
        not version.is_draft
        and version.report.is_annual
        and version.content.get("forward_to_un_register") is True
        and (SECRETARIAT in principals(user) or own(user, version.report))
    ),
    "un_register_bulk_export": lambda user, target=None: SECRETARIAT in principals(user),
    "reminder_dates_manage": lambda user, target=None: SECRETARIAT in principals(user),
    # Target: a delegation; its point of contact turns the reminders on or off.
    "reminders_set": lambda user, delegation: (
        reports(user)
        and delegation.id == user.delegation_id
        and user.role == Role.POINT_OF_CONTACT.value
    ),
    # Reports in files (portal/reporting/exchange_views.py): a version is downloaded by whoever
    # reads it (its acl, as its page), a file is imported into a draft by whoever edits it; the
    # blank Excel template and the XML schemas hold nothing confidential and serve every
    # signed-in user.
    "draft_import": lambda user, version: REPORTING_RULES["draft_edit"](user, version),
    "report_template": lambda user, target=None: True,
}
