"""Pages of the diversion information exchange channels (DIEF): the list, proposing a channel,
its page (overview, invitations, participants, threads), threads and messages, attachments,
the access record, the Secretariat's presence, closing and archiving.

Confidentiality first: a channel is loaded only for someone who knows of it (`channel_view`),
its content only for someone who holds its principal (`visible()` on the acl of threads,
messages and attachments), and every refused action answers 404, the same page as an unknown
address. Every view of the channel page or a thread and every download is written to the
channel's access record. Writes go through portal.channels.services; a refused change shows its
form again with status 400 and the message at its field, and nothing is written.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from portal.access import can, require, visible
from portal.access.channels import known_channels
from portal.accounts.models import Delegation, User, UserStatus
from portal.channels import services
from portal.channels.forms import (
    MARKDOWN_HINT,
    DesignateForm,
    InviteForm,
    MessageForm,
    PresenceForm,
    ProposeForm,
    ThreadForm,
)
from portal.channels.models import (
    AccessAction,
    Channel,
    ChannelAccessRecord,
    ChannelAttachment,
    ChannelMessage,
    ChannelParticipant,
    ChannelStatus,
    ChannelThread,
    MemberStatus,
    PresenceChange,
)
from portal.core import submissions
from portal.core.bounds import paginate
from portal.core.files import send_stored
from portal.core.views import confirmation, confirmed
from portal.extensions import db

bp = Blueprint("channels", __name__)

THREADS_PER_PAGE = 50
MESSAGES_PER_PAGE = 50
RECORDS_PER_PAGE = 100


@bp.context_processor
def channels_context():
    return {
        "markdown_hint": MARKDOWN_HINT,
        "channel_title": channel_title,
        "opening_wait": opening_wait,
    }


def me():
    return current_user._get_current_object()


def channel_title(channel):
    """The channel's name for those who may see it; a neutral label for the Secretariat when it
    is not admitted."""
    if can(current_user, "channel_details_view", channel):
        return channel.name
    return _(
        "%(kind)s channel no. %(number)d",
        kind=channel.kind_enum.label,
        number=channel.id,
    )


def load_channel(channel_id):
    """The channel if the current user knows of it, else 404 (its existence stays private)."""
    channel = db.session.get(
        Channel,
        channel_id,
        options=[selectinload(Channel.members), selectinload(Channel.participants)],
    )
    if channel is None or not can(current_user, "channel_view", channel):
        abort(404)
    return channel


def load_visible(model, item_id, *options):
    """A thread, message or attachment if the current user reads its channel, else 404."""
    item = db.session.scalar(
        visible(select(model).where(model.id == item_id), model, current_user).options(*options)
    )
    if item is None:
        abort(404)
    return item


def refused(error, form):
    """Put a service's refusal at its field (or above the form when it names none)."""
    db.session.rollback()
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error)]
        return None
    return str(error)


# The list and proposals -----------------------------------------------------------------------


@bp.route("/")
def index():
    require("channel_list", hide=True)
    channels = db.session.scalars(
        select(Channel)
        .where(known_channels(me()))
        .options(selectinload(Channel.members), selectinload(Channel.participants))
        .order_by(Channel.last_activity_at.desc(), Channel.id.desc())
    ).all()
    waiting = [c for c in channels if can(current_user, "channel_respond", c)]
    current = [
        c
        for c in channels
        if c not in waiting and c.status in (ChannelStatus.PROPOSED.value, ChannelStatus.OPEN.value)
    ]
    past = [
        c
        for c in channels
        if c.status in (ChannelStatus.CLOSED.value, ChannelStatus.ARCHIVED.value)
    ]
    refused_channels = [c for c in channels if c.status == ChannelStatus.REFUSED.value]
    return render_template(
        "channels/channel_list.html",
        waiting=waiting,
        current=current,
        past=past,
        refused=refused_channels,
    )


def member_choices(exclude_id=None):
    """The delegations a channel may invite: States Parties and signatory States."""
    delegations = db.session.scalars(
        select(Delegation).where(Delegation.kind.in_(services.MEMBER_KINDS))
    ).all()
    delegations = [d for d in delegations if d.id != exclude_id]
    delegations.sort(key=lambda d: d.display_name.casefold())
    return [(d.id, d.display_name) for d in delegations]


@bp.route("/new", methods=["GET", "POST"])
def channel_propose():
    require("channel_propose", hide=True)
    form = ProposeForm()
    form.invited.choices = member_choices(exclude_id=current_user.delegation_id)
    problem = None
    if form.validate_on_submit():
        try:
            channel = services.propose_channel(
                me(),
                form.kind.data,
                form.name.data,
                form.purpose.data,
                form.invited.data or [],
                form.secretariat.data == "yes",
            )
        except services.ChannelError as error:
            problem = refused(error, form)
        else:
            db.session.commit()
            flash(
                _l(
                    "The channel is proposed. It opens when the Secretariat approves it and the "
                    "invited delegations accept."
                ),
                "success",
            )
            return redirect(url_for("channels.channel", channel_id=channel.id))
    status = 400 if form.errors or problem else 200
    return render_template("channels/channel_form.html", form=form, problem=problem), status


# A channel ------------------------------------------------------------------------------------


@bp.route("/<int:channel_id>")
def channel(channel_id):
    channel = load_channel(channel_id)
    threads = []
    if can(current_user, "channel_read", channel):
        threads = db.session.execute(
            visible(
                select(ChannelThread, func.count(ChannelMessage.id))
                .outerjoin(ChannelMessage, ChannelMessage.thread_id == ChannelThread.id)
                .where(ChannelThread.channel_id == channel.id)
                .group_by(ChannelThread.id)
                .order_by(ChannelThread.last_activity_at.desc(), ChannelThread.id.desc()),
                ChannelThread,
                current_user,
            ).options(joinedload(ChannelThread.created_by))
        ).all()
    pending_change = db.session.scalar(
        select(PresenceChange).where(
            PresenceChange.channel_id == channel.id, PresenceChange.status == "pending"
        )
    )
    page = render_template(
        "channels/channel_detail.html",
        channel=channel,
        threads=threads,
        pending_change=pending_change,
        own_participants=[
            p for p in channel.participants if p.user.delegation_id == current_user.delegation_id
        ],
    )
    services.record_access(me(), channel, AccessAction.VIEW_CHANNEL.value, "channel", channel.id)
    db.session.commit()
    return page


def decide(channel_id, action, service, message, endpoint="channels.channel"):
    """A POST that changes the channel's state: checked, done, audited, committed. `message`
    is what to tell the person, or a function of the channel that says it from the state the
    channel is in now; `endpoint` is the channel's page to go to next."""
    channel = load_channel(channel_id)
    require(action, channel, hide=True)
    service(channel, me())
    db.session.commit()
    flash(message(channel) if callable(message) else message, "success")
    return redirect(url_for(endpoint, channel_id=channel.id))


def opening_wait(channel):
    """What a proposed channel waits for before it opens, said as it is now: the Secretariat's
    approval, the answers of invited delegations, or enough delegations that accept."""
    waiting = any(m.status == MemberStatus.INVITED.value for m in channel.members)
    if channel.approved_at is None and waiting:
        return _(
            "It opens once the Secretariat has approved it and every invited delegation has "
            "answered."
        )
    if channel.approved_at is None:
        return _("It opens once the Secretariat has approved it.")
    if waiting:
        return _("It opens once every invited delegation has answered.")
    return _(
        "Too few delegations have accepted for it to open: it opens once another delegation "
        "is invited and accepts."
    )


def approved_message(channel):
    if channel.is_open:
        return _("The channel is approved and now open to its participants.")
    return _("The channel is approved.") + " " + opening_wait(channel)


def accepted_message(channel):
    """Tells the point of contact who accepted what happened and what comes next: designating
    who takes part, themselves included (nobody reads the channel until designated)."""
    if channel.is_open:
        done = _("Your delegation is a member, and the channel is now open.")
    else:
        done = _("Your delegation is a member.") + " " + opening_wait(channel)
    return done + " " + _(
        "Now designate who takes part for your delegation, yourself included if you take part: "
        "only the people designated read the channel."
    )


@bp.route("/<int:channel_id>/approve", methods=["POST"])
def channel_approve(channel_id):
    return decide(channel_id, "channel_approve", services.approve_channel, approved_message)


@bp.route("/<int:channel_id>/refuse", methods=["POST"])
def channel_refuse(channel_id):
    return decide(
        channel_id,
        "channel_refuse",
        services.refuse_channel,
        _l("The proposal is declined."),
    )


@bp.route("/<int:channel_id>/accept", methods=["POST"])
def channel_accept(channel_id):
    return decide(
        channel_id,
        "channel_respond",
        lambda channel, by: services.respond(channel, by, True),
        accepted_message,
        endpoint="channels.channel_participants",
    )


@bp.route("/<int:channel_id>/decline", methods=["POST"])
def channel_decline(channel_id):
    return decide(
        channel_id,
        "channel_respond",
        lambda channel, by: services.respond(channel, by, False),
        _l("Your delegation declined the invitation."),
    )


@bp.route("/<int:channel_id>/close", methods=["POST"])
def channel_close(channel_id):
    return decide(
        channel_id,
        "channel_close",
        services.close_channel,
        _l("The channel is closed: its members can read it, nobody can add to it."),
    )


@bp.route("/<int:channel_id>/archive", methods=["POST"])
def channel_archive(channel_id):
    return decide(
        channel_id,
        "channel_archive",
        services.archive_channel,
        _l("The channel is archived."),
    )


# Inviting delegations after the proposal ------------------------------------------------------


@bp.route("/<int:channel_id>/invite", methods=["GET", "POST"])
def channel_invite(channel_id):
    channel = load_channel(channel_id)
    require("channel_invite", channel, hide=True)
    form = InviteForm()
    taken = {m.delegation_id for m in channel.members if m.status in ("invited", "accepted")}
    form.invited.choices = [
        (value, label) for value, label in member_choices() if value not in taken
    ]
    problem = None
    if form.validate_on_submit():
        try:
            invitees = services.invite_delegations(channel, me(), form.invited.data or [])
        except services.ChannelError as error:
            problem = refused(error, form)
        else:
            db.session.commit()
            flash(
                ngettext(
                    "%(num)d delegation is invited. Its point of contact accepts or declines.",
                    "%(num)d delegations are invited. Each point of contact accepts or declines.",
                    len(invitees),
                ),
                "success",
            )
            return redirect(url_for("channels.channel", channel_id=channel.id))
    elif request.method == "GET" and channel.is_full:
        problem = _(
            "A bilateral channel never has more than two member delegations: no other "
            "delegation can be invited to it."
        )
    status = 400 if form.errors or (problem and request.method == "POST") else 200
    return render_template(
        "channels/invite_form.html",
        channel=channel,
        form=form,
        problem=problem,
        full=channel.is_full,
    ), status


# Participants ---------------------------------------------------------------------------------


def own_users(delegation_id):
    return db.session.scalars(
        select(User)
        .where(User.delegation_id == delegation_id, User.status == UserStatus.ACTIVE.value)
        .order_by(User.name)
    ).all()


@bp.route("/<int:channel_id>/participants", methods=["GET", "POST"])
def channel_participants(channel_id):
    channel = load_channel(channel_id)
    require("channel_designate", channel, hide=True)
    form = DesignateForm()
    taken = {p.user_id for p in channel.participants}
    form.user.choices = [
        (u.id, u.name) for u in own_users(current_user.delegation_id) if u.id not in taken
    ]
    problem = None
    if form.validate_on_submit():
        try:
            person = services.designate(channel, me(), form.user.data)
        except services.ChannelError as error:
            problem = refused(error, form)
        else:
            db.session.commit()
            flash(_l("%(name)s takes part in the channel.", name=person.name), "success")
            return redirect(url_for("channels.channel_participants", channel_id=channel.id))
    status = 400 if form.errors or problem else 200
    participants = [
        p for p in channel.participants if p.user.delegation_id == current_user.delegation_id
    ]
    return render_template(
        "channels/participant_list.html",
        channel=channel,
        form=form,
        problem=problem,
        participants=participants,
        is_participant=current_user.id in taken,
    ), status


@bp.route("/<int:channel_id>/participants/<int:participant_id>/remove", methods=["POST"])
def participant_remove(channel_id, participant_id):
    channel = load_channel(channel_id)
    require("channel_designate", channel, hide=True)
    participant = db.session.get(ChannelParticipant, participant_id)
    if participant is None or participant.channel_id != channel.id:
        abort(404)
    try:
        services.remove_participant(channel, me(), participant)
    except services.ChannelError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_l("The participant no longer takes part in the channel."), "success")
    return redirect(url_for("channels.channel_participants", channel_id=channel.id))


# Threads and messages -------------------------------------------------------------------------


def read_channel(channel_id):
    """The channel if the current user reads its content, else 404."""
    channel = load_channel(channel_id)
    require("channel_read", channel, hide=True)
    return channel


@bp.route("/<int:channel_id>/threads/new", methods=["GET", "POST"])
def thread_create(channel_id):
    channel = read_channel(channel_id)
    if resent := submissions.claim():
        return resent
    form = ThreadForm()
    problem = None
    if request.method == "POST" and form.validate_on_submit():
        try:
            thread, _message = services.create_thread(
                channel,
                me(),
                form.title.data,
                form.body.data,
                files=request.files.getlist(form.attachments.name),
            )
        except services.ChannelError as error:
            problem = refused(error, form)
        else:
            return submissions.finish(url_for("channels.thread", thread_id=thread.id))
    elif request.method == "GET" and not can(current_user, "channel_thread_create", channel):
        problem = _("This channel is closed: it can be read but not added to.")
    status = 400 if form.errors or (problem and request.method == "POST") else 200
    return render_template(
        "channels/thread_form.html", channel=channel, form=form, problem=problem
    ), status


def thread_page(thread, form=None, status=200):
    messages = paginate(
        visible(select(ChannelMessage), ChannelMessage, current_user)
        .where(ChannelMessage.thread_id == thread.id)
        .options(
            joinedload(ChannelMessage.author),
            joinedload(ChannelMessage.delegation),
            selectinload(ChannelMessage.attachments),
        )
        .order_by(ChannelMessage.id),
        MESSAGES_PER_PAGE,
    )
    page = render_template(
        "channels/thread_detail.html",
        channel=thread.channel,
        thread=thread,
        page=messages,
        form=form or MessageForm(),
    )
    services.record_access(
        me(), thread.channel, AccessAction.VIEW_THREAD.value, "thread", thread.id
    )
    db.session.commit()
    return page, status


@bp.route("/threads/<int:thread_id>")
def thread(thread_id):
    thread = load_visible(ChannelThread, thread_id, joinedload(ChannelThread.channel))
    require("channel_thread_view", thread, hide=True)
    return thread_page(thread)


@bp.route("/threads/<int:thread_id>/messages", methods=["POST"])
def message_create(thread_id):
    thread = load_visible(ChannelThread, thread_id, joinedload(ChannelThread.channel))
    require("channel_thread_view", thread, hide=True)
    if resent := submissions.claim():
        return resent
    form = MessageForm()
    if form.validate_on_submit():
        try:
            message = services.post_message(
                thread,
                me(),
                form.body.data,
                files=request.files.getlist(form.attachments.name),
            )
        except services.ChannelError as error:
            problem = refused(error, form)
            if problem:
                form.body.errors = [*form.body.errors, problem]
        else:
            return submissions.finish(url_for("channels.message_link", message_id=message.id))
    else:
        # A closed channel refuses the message even when the form itself is wrong.
        if not can(current_user, "channel_message_create", thread):
            form.body.errors = [
                *form.body.errors,
                _("This channel is closed: it can be read but not added to."),
            ]
    thread = db.session.get(ChannelThread, thread_id)
    return thread_page(thread, form, 400)


@bp.route("/messages/<int:message_id>")
def message_link(message_id):
    """A lasting link to one message: its page of the thread, scrolled to it."""
    message = load_visible(ChannelMessage, message_id)
    before = db.session.scalar(
        select(func.count(ChannelMessage.id)).where(
            ChannelMessage.thread_id == message.thread_id,
            ChannelMessage.id < message.id,
        )
    )
    page = before // MESSAGES_PER_PAGE + 1
    return redirect(
        url_for("channels.thread", thread_id=message.thread_id, page=page)
        + f"#message-{message.id}"
    )


@bp.route("/messages/<int:message_id>/retract", methods=["GET", "POST"])
def message_retract(message_id):
    """Asks first (see portal.core.views.confirmation), then retracts."""
    message = load_visible(ChannelMessage, message_id, joinedload(ChannelMessage.channel))
    require("channel_message_retract", message, hide=True)
    if not confirmed():
        return confirmation(
            _("Retract your message?"),
            _(
                "Its text and attachments will no longer be shown to anyone; a note that it was "
                "retracted stays in the thread. This cannot be undone."
            ),
            _("Retract the message"),
            url_for("channels.message_link", message_id=message.id),
        )
    services.retract_message(message, me())
    db.session.commit()
    flash(
        _l("Your message is retracted. A note that it was retracted stays in the thread."),
        "success",
    )
    return redirect(url_for("channels.message_link", message_id=message.id))


@bp.route("/attachments/<int:attachment_id>")
def attachment_download(attachment_id):
    attachment = load_visible(
        ChannelAttachment,
        attachment_id,
        joinedload(ChannelAttachment.message),
        joinedload(ChannelAttachment.channel),
    )
    require("channel_attachment_download", attachment, hide=True)
    services.record_access(
        me(),
        attachment.channel,
        AccessAction.DOWNLOAD.value,
        "attachment",
        attachment.id,
    )
    db.session.commit()
    return send_stored(attachment.sha256, attachment.name, attachment.mime_type)


# The access record ----------------------------------------------------------------------------


@bp.route("/<int:channel_id>/access-record")
def access_record(channel_id):
    channel = load_channel(channel_id)
    require("channel_access_record_view", channel, hide=True)
    page = paginate(
        select(ChannelAccessRecord)
        .where(ChannelAccessRecord.channel_id == channel.id)
        .options(joinedload(ChannelAccessRecord.user).joinedload(User.delegation))
        .order_by(ChannelAccessRecord.at.desc(), ChannelAccessRecord.id.desc()),
        RECORDS_PER_PAGE,
    )
    titles = dict(
        db.session.execute(
            select(ChannelThread.id, ChannelThread.title).where(
                ChannelThread.channel_id == channel.id
            )
        ).all()
    )
    names = dict(
        db.session.execute(
            select(ChannelAttachment.id, ChannelAttachment.name).where(
                ChannelAttachment.channel_id == channel.id
            )
        ).all()
    )
    return render_template(
        "channels/access_record.html",
        channel=channel,
        page=page,
        thread_titles=titles,
        attachment_names=names,
    )


# The Secretariat's presence -------------------------------------------------------------------


@bp.route("/<int:channel_id>/presence", methods=["GET", "POST"])
def presence(channel_id):
    channel = load_channel(channel_id)
    changes = db.session.scalars(
        select(PresenceChange)
        .where(PresenceChange.channel_id == channel.id)
        .options(selectinload(PresenceChange.consents))
        .order_by(PresenceChange.id.desc())
    ).all()
    form = PresenceForm(admitted="no" if channel.secretariat_admitted else "yes")
    problem = None
    if request.method == "POST":
        require("channel_presence_request", channel, hide=True)
        if form.validate_on_submit():
            try:
                services.request_presence_change(channel, me(), form.admitted.data == "yes")
            except services.ChannelError as error:
                problem = refused(error, form)
            else:
                db.session.commit()
                flash(
                    _l(
                        "Your request is recorded. Each member delegation's point of contact is "
                        "asked to consent."
                    ),
                    "success",
                )
                return redirect(url_for("channels.presence", channel_id=channel.id))
    status = 400 if form.errors or problem else 200
    return render_template(
        "channels/presence.html",
        channel=channel,
        changes=changes,
        form=form,
        problem=problem,
    ), status


def answer(change_id, consent):
    change = db.session.get(PresenceChange, change_id)
    if change is None:
        abort(404)
    channel = load_channel(change.channel_id)
    require("channel_presence_consent", change, hide=True)
    services.answer_presence_change(change, me(), consent)
    db.session.commit()
    flash(
        _l("Your delegation's consent is recorded.")
        if consent
        else _l("Your delegation's refusal is recorded: the change is refused."),
        "success",
    )
    return redirect(url_for("channels.presence", channel_id=channel.id))


@bp.route("/presence/<int:change_id>/consent", methods=["POST"])
def presence_consent(change_id):
    return answer(change_id, True)


@bp.route("/presence/<int:change_id>/refuse", methods=["POST"])
def presence_refuse(change_id):
    return answer(change_id, False)


from portal.channels import case_views  # noqa: F401  (routes on the same blueprint)
