"""The rules for meetings: part of the access policy.

A meeting is read by whoever holds its acl (a DIEF session is at the `state` level: observers
neither see it nor learn that it exists, and its addresses answer 404). Everything about a
meeting (agenda, speakers, registrations, connection details, report) needs the meeting first.
The Secretariat plans meetings; the meeting's chair and the Secretariat run its speakers lists
and its draft report. A delegation asks to speak through its point of contact, or through a
delegate whose registration for the meeting was approved (that approval designates them). The
points of contact approve their own delegation's registrations, the Secretariat everyone's.
"""

from datetime import date

from portal.access import SECRETARIAT, principals


def sees(user, meeting):
    return meeting.acl in principals(user)


def is_secretariat(user, target=None):
    return SECRETARIAT in principals(user)


def plans(user, meeting):
    """The Secretariat, on a meeting it reads."""
    return sees(user, meeting) and is_secretariat(user)


def chairs(user, meeting):
    """The meeting's chair or the Secretariat, on a meeting they read."""
    return sees(user, meeting) and (is_secretariat(user) or meeting.chair_id == user.id)


def registration_of(user, meeting):
    from portal.extensions import db
    from portal.meetings.models import Registration

    return db.session.query(Registration).filter_by(meeting_id=meeting.id, user_id=user.id).first()


def is_approved_registrant(user, meeting):
    registration = registration_of(user, meeting)
    return registration is not None and registration.is_approved


def speaks_for_delegation(user, meeting):
    """A delegation's point of contact, or a delegate it designated by approving their
    registration; the Secretariat does not ask to speak."""
    if is_secretariat(user):
        return False
    return user.is_point_of_contact or is_approved_registrant(user, meeting)


def asks_to_speak(user, meeting):
    return (
        sees(user, meeting)
        and not meeting.is_speakers_closed
        and not meeting.is_closed
        and speaks_for_delegation(user, meeting)
    )


def comments_open(meeting):
    return meeting.comments_close_on is not None and date.today() <= meeting.comments_close_on


MEETING_RULES = {
    # The calendar: each person sees the meetings whose acl they hold.
    "meeting_list": lambda user, target=None: True,
    "meeting_view": sees,
    "meeting_create": is_secretariat,
    "meeting_edit": plans,
    # Marking the item under discussion and changing the status: the Secretariat.
    "meeting_run": plans,
    "agenda_edit": plans,
    # Documents still due and the share distributed on time: the Secretariat's figures.
    "distribution_view": is_secretariat,
    # Speakers lists (target: the meeting, or a request).
    "speakers_view": lambda user, meeting: sees(user, meeting) and (
        meeting.is_speakers_published or chairs(user, meeting)
    ),
    "speakers_manage": chairs,
    "speaker_request": asks_to_speak,
    "speaker_withdraw": lambda user, request: (
        sees(user, request.meeting)
        and request.delegation_id == user.delegation_id
        and request.status != "withdrawn"
        and speaks_for_delegation(user, request.meeting)
    ),
    # Registration and remote participation (target: the meeting, or a registration).
    "registration_create": lambda user, meeting: (
        sees(user, meeting) and not meeting.is_closed and registration_of(user, meeting) is None
    ),
    "registration_cancel": lambda user, registration: (
        registration.user_id == user.id and sees(user, registration.meeting)
    ),
    "registration_decide": lambda user, registration: sees(user, registration.meeting) and (
        is_secretariat(user)
        or (user.is_point_of_contact and registration.delegation_id == user.delegation_id)
    ),
    "registration_list": plans,
    "connection_view": lambda user, meeting: (
        sees(user, meeting)
        and meeting.format_enum.is_remote
        and bool(meeting.connection_details)
        and is_approved_registrant(user, meeting)
    ),
    # A person's own calendar feed address.
    "calendar_feed_manage": lambda user, target=None: True,
    # The chair's draft report (target: the meeting, or a paragraph for comments).
    "report_view": sees,
    "report_edit": chairs,
    "report_comment": lambda user, meeting: (
        sees(user, meeting) and not is_secretariat(user) and comments_open(meeting)
    ),
    "report_comments_view": lambda user, meeting: chairs(user, meeting) or (
        sees(user, meeting) and meeting.comments_visibility == "all"
    ),
}
