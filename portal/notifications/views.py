"""Pages of the notifications: the notification centre, preferences, subscribing, unsubscribing.

A person reads and manages only their own notifications and subscriptions: another person's id
answers 404. A notification is shown, counted and opened only while its subject still exists
and the person may see it *now* (`subject_visible`, the access policy's `visible()` applied to
each kind of subject), so that losing access to a space also removes what was said about it.

The unsubscribe pages are public: the link in an email works without signing in, and mail
clients send the one-click unsubscribe (RFC 8058) as a POST without a CSRF token.
"""

from collections import defaultdict
from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from portal.access import is_visible, principals, public, require, visible
from portal.channels.models import CaseRecord, Channel, ChannelMessage, ChannelThread
from portal.core.bounds import paginate, parse_int
from portal.core.errors import render_error
from portal.core.views import safe_next
from portal.extensions import csrf, db
from portal.forum.models import Post, Thread, Topic, WorkingGroup
from portal.library.models import Document, DocumentType
from portal.consultations.models import Consultation, InputRequest, NationalReport
from portal.meetings.models import Meeting
from portal.notifications import delivery, services
from portal.notifications.delivery import CHANNEL_WORDING
from portal.notifications.forms import (
    ROW_PREFIX,
    SavedSearchForm,
    SavedSearchRow,
    SettingsForm,
    SubscribeForm,
    SubscriptionRow,
    delivery_choices,
    level_choices,
)
from portal.notifications.models import (
    Notification,
    Reason,
    Subscription,
    TargetType,
    values,
)
from portal.search.engine import get_index
from search_index import FACETS, QueryError

bp = Blueprint("notifications", __name__)

PER_PAGE = 30
#: The header counts unread notifications up to this many and shows "99+" beyond: the count
#: stays one short query however many a person has left unread.
UNREAD_COUNTED = 100
#: Facet filters taken from one saved search, as the search page takes them.
FILTERS_MAX = 50

#: The kinds of subject a notification can be about, by `Notification.subject_type`.
SUBJECT_MODELS = {
    "post": Post,
    "thread": Thread,
    "topic": Topic,
    "document": Document,
    "channel": Channel,
    "channel_message": ChannelMessage,
    "channel_case": CaseRecord,
    "meeting": Meeting,
    "consultation": Consultation,
    "advisory_input_request": InputRequest,
    "national_report": NationalReport,
}
#: The followed targets that are rows, by `Subscription.target_type`.
TARGET_MODELS = {
    TargetType.WORKING_GROUP.value: WorkingGroup,
    TargetType.TOPIC.value: Topic,
    TargetType.THREAD.value: Thread,
    TargetType.CHANNEL.value: Channel,
    TargetType.MEETING.value: Meeting,
}

REASON_LABELS = {
    Reason.WATCHING: _l("New post in a thread you follow"),
    Reason.NEW_THREAD: _l("New thread"),
    Reason.NEW_DOCUMENT: _l("New document"),
    Reason.MENTION: _l("You were mentioned"),
    Reason.REPLY: _l("Reply to you"),
    Reason.REPLY_MENTION: _l("Reply to you that mentions you"),
    Reason.SAVED_SEARCH: _l("New match for one of your saved searches"),
    Reason.MODERATION: _l("A moderator acted on your post"),
    Reason.MEETING: _l("News of a meeting you follow"),
    Reason.CONSULTATION_INVITED: _l("Your delegation is invited to an informal consultation"),
    Reason.CONSULTATION_OPENED: _l("An informal consultation of your delegation is open"),
    Reason.CONSULTATION_CLOSED: _l("An informal consultation of your delegation is closed"),
    Reason.CONSULTATION_OUTCOME: _l("The outcome of an informal consultation is published"),
    Reason.ADVISORY: _l("The informal advisory group asks for your inputs"),
    Reason.REPORTED: _l("A post was reported in a space you moderate"),
}
#: What a subscription follows, as the subscriptions table names it.
TARGET_LABELS = {
    TargetType.WORKING_GROUP.value: _l("Working group"),
    TargetType.TOPIC.value: _l("Topic"),
    TargetType.THREAD.value: _l("Thread"),
    TargetType.DOCUMENT_TYPE.value: _l("Document type"),
    TargetType.CHANNEL.value: _l("Channel"),
    TargetType.MEETING.value: _l("Meeting"),
    TargetType.SAVED_SEARCH.value: _l("Saved search"),
}
#: Following a document closely also brings its new language versions and revisions.
REVISED_DOCUMENT = _l("New version of a document you follow")


def me():
    return current_user._get_current_object()


# Which notifications a person sees ----------------------------------------------------------


def subject_visible(user):
    """A SQL condition on Notification: its subject still exists and `user` may see it now."""
    return or_(
        *(
            (Notification.subject_type == kind)
            & visible(
                select(model.id).where(model.id == Notification.subject_id), model, user
            ).exists()
            for kind, model in SUBJECT_MODELS.items()
        )
    )


def own_notifications():
    return select(Notification).where(
        Notification.user_id == current_user.id, subject_visible(current_user)
    )


def load_notification(notification_id):
    """The current person's notification, if they may still see its subject; else 404."""
    notification = db.session.scalar(
        select(Notification).where(
            Notification.id == notification_id, subject_visible(current_user)
        )
    )
    if notification is None:
        abort(404)
    require("notification_open", notification, hide=True)
    return notification


def unread_count():
    """How many unread notifications the current person may open, counted up to
    UNREAD_COUNTED; 0 for a visitor who is not signed in."""
    if not current_user.is_authenticated:
        return 0
    unread = (
        own_notifications()
        .with_only_columns(Notification.id)
        .where(Notification.read_at.is_(None))
        .limit(UNREAD_COUNTED)
    )
    return db.session.scalar(select(func.count()).select_from(unread.subquery()))


@bp.app_context_processor
def notifications_context():
    # A callable, so that a page pays for the count only where the header shows it.
    return {"unread_notifications": unread_count, "unread_notifications_max": UNREAD_COUNTED}


# Template globals rather than context: the macros of notifications/_subscribe.html use them,
# and macros imported into another page do not see that page's context.


@bp.app_template_global()
def subscription_for(target_type, target_id=0, target_code=""):
    """The current person's subscription to a target, or None."""
    if not current_user.is_authenticated:
        return None
    return services.subscription_of(current_user, target_type, target_id, target_code)


@bp.app_template_global()
def subscription_choices():
    """The levels and deliveries a person chooses from when following something."""
    return {
        "levels": level_choices(),
        "deliveries": delivery_choices(_l("As my default")),
    }


# The notification centre --------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """What a notification is about, as a list shows it."""

    title: str
    #: The working group it is in, if any.
    space: object = None
    #: A document's symbol, if it has one.
    symbol: str = None


@dataclass(frozen=True)
class Entry:
    notification: Notification
    what: str
    subject: Subject


def subject_rows(kind, ids):
    """A query of (id, title, working group[, symbol]) for the subjects of one kind: a post is
    shown by its thread's title, a document with its symbol. A channel message is shown by its
    thread's title and a case record by its reference, to the channel's readers only (the
    notifications listed are those whose subject the person may see); a channel by its name."""
    if kind == "channel":
        return select(Channel.id, Channel.name).where(Channel.id.in_(ids))
    if kind == "channel_message":
        return (
            select(ChannelMessage.id, ChannelThread.title)
            .join(ChannelThread, ChannelThread.id == ChannelMessage.thread_id)
            .where(ChannelMessage.id.in_(ids))
        )
    if kind == "channel_case":
        return select(CaseRecord.id, CaseRecord.reference).where(CaseRecord.id.in_(ids))
    if kind == "meeting":
        return (
            select(Meeting.id, Meeting.title, WorkingGroup)
            .outerjoin(WorkingGroup, WorkingGroup.id == Meeting.working_group_id)
            .where(Meeting.id.in_(ids))
        )
    if kind == "consultation":
        return (
            select(Consultation.id, Consultation.title, WorkingGroup)
            .outerjoin(WorkingGroup, WorkingGroup.id == Consultation.working_group_id)
            .where(Consultation.id.in_(ids))
        )
    if kind in ("advisory_input_request", "national_report"):
        model = SUBJECT_MODELS[kind]
        return select(model.id, model.title).where(model.id.in_(ids))
    if kind == "document":
        return (
            select(Document.id, Document.title, WorkingGroup, Document.symbol)
            .outerjoin(WorkingGroup, WorkingGroup.id == Document.working_group_id)
            .where(Document.id.in_(ids))
        )
    model = SUBJECT_MODELS[kind]
    title = Topic.title if kind == "topic" else Thread.title
    query = select(model.id, title, WorkingGroup).select_from(model)
    if kind == "post":
        query = query.join(Thread, Thread.id == Post.thread_id)
    if kind in ("post", "thread"):
        query = query.join(Topic, Topic.id == Thread.topic_id)
    return query.join(WorkingGroup, WorkingGroup.id == Topic.working_group_id).where(
        model.id.in_(ids)
    )


def subjects_of(notifications):
    """The subjects of `notifications`, one query per kind of subject: {(kind, id): Subject}.

    The notifications are those the person may see, so their subjects are visible too."""
    wanted = defaultdict(set)
    for notification in notifications:
        wanted[notification.subject_type].add(notification.subject_id)
    return {
        (kind, row[0]): Subject(*row[1:])
        for kind, ids in wanted.items()
        for row in db.session.execute(subject_rows(kind, ids))
    }


def what_happened(notification):
    reason = Reason(notification.reason)
    event = notification.event
    if reason is Reason.WATCHING and event is not None and event.kind in CHANNEL_WORDING:
        return CHANNEL_WORDING[event.kind][0]
    if reason is Reason.WATCHING and notification.subject_type == "document":
        return REVISED_DOCUMENT
    return REASON_LABELS[reason]


@bp.route("/")
def index():
    query = own_notifications().options(
        joinedload(Notification.actor), joinedload(Notification.event)
    )
    query = query.order_by(Notification.created_at.desc(), Notification.id.desc())
    page = paginate(query, PER_PAGE)
    subjects = subjects_of(page.items)
    entries = [
        Entry(n, what_happened(n), subjects[(n.subject_type, n.subject_id)])
        for n in page.items
        # A subject deleted between the two queries is left out rather than shown blank.
        if (n.subject_type, n.subject_id) in subjects
    ]
    return render_template(
        "notifications/notification_list.html",
        page=page,
        entries=entries,
    )


#: Where a notification leads, by its kind of subject: the endpoint and its argument. A post
#: leads to its lasting link, which finds its page of the thread and scrolls to it.
ITEM_ENDPOINTS = {
    "post": ("forum.post_link", "post_id"),
    "thread": ("forum.thread", "thread_id"),
    "topic": ("forum.topic", "topic_id"),
    "document": ("library.document_detail", "document_id"),
    "channel": ("channels.channel", "channel_id"),
    "channel_message": ("channels.message_link", "message_id"),
    "channel_case": ("channels.case_detail", "case_id"),
    "meeting": ("meetings.meeting_detail", "meeting_id"),
    "consultation": ("consultations.consultation_detail", "consultation_id"),
    "advisory_input_request": ("consultations.advisory_request", "request_id"),
    "national_report": ("consultations.national_report", "report_id"),
}


def item_url(notification):
    endpoint, argument = ITEM_ENDPOINTS[notification.subject_type]
    return url_for(endpoint, **{argument: notification.subject_id})


@bp.route("/<int:notification_id>/open", endpoint="open")
def open_notification(notification_id):
    notification = load_notification(notification_id)
    services.mark_read(notification)
    db.session.commit()
    return redirect(item_url(notification))


@bp.route("/<int:notification_id>/read", methods=["POST"])
def mark_read(notification_id):
    notification = load_notification(notification_id)
    services.mark_read(notification)
    db.session.commit()
    return redirect(safe_next(request.form.get("next"), "notifications.index"))


@bp.route("/read-all", methods=["POST"])
def mark_all_read():
    services.mark_all_read(me())
    db.session.commit()
    flash(_l("All your notifications are marked as read."), "success")
    return redirect(url_for("notifications.index"))


# Preferences and the subscriptions table ----------------------------------------------------


@dataclass(frozen=True)
class Followed:
    """A row of the subscriptions table: the subscription, what it follows and its fields."""

    subscription: Subscription
    #: The name of what it follows, or "" when the person may no longer see it.
    label: str
    url: str
    form: object

    @property
    def is_saved_search(self):
        return self.subscription.target_type == TargetType.SAVED_SEARCH.value


def search_tokens(filters):
    """A saved search's filters as the search page writes them: ["type:working_paper"]."""
    return [f"{name}:{value}" for name, found in (filters or {}).items() for value in found]


def search_url(text, tokens):
    return url_for("search.results", q=text or None, f=list(tokens))


def targets_of(subscriptions):
    """What each subscription follows, as {subscription id: (label, url)}: visible rows are
    loaded in one query per kind; what the person may no longer see is left out."""
    wanted = defaultdict(set)
    for subscription in subscriptions:
        wanted[subscription.target_type].add(subscription.target_id)
    rows = {}
    for kind, model in TARGET_MODELS.items():
        if wanted[kind]:
            query = visible(select(model).where(model.id.in_(wanted[kind])), model, current_user)
            rows.update({(kind, item.id): item for item in db.session.scalars(query)})
    found = {}
    for subscription in subscriptions:
        kind, target = subscription.target_type, subscription.target_id
        if kind == TargetType.SAVED_SEARCH.value:
            tokens = search_tokens(subscription.filters)
            found[subscription.id] = (subscription.name, search_url(subscription.query, tokens))
        elif kind == TargetType.DOCUMENT_TYPE.value:
            code = subscription.target_code
            if code in values(DocumentType):
                url = url_for("library.document_type", doc_type=code)
                found[subscription.id] = (DocumentType(code).label, url)
        elif (kind, target) in rows:
            found[subscription.id] = row_target(kind, rows[(kind, target)])
    return found


def row_target(kind, item):
    """The label and link of a followed working group, topic or thread."""
    if kind == TargetType.WORKING_GROUP.value:
        return item.display_name, url_for("forum.space", code=item.code)
    if kind == TargetType.TOPIC.value:
        return item.title, url_for("forum.topic", topic_id=item.id)
    if kind == TargetType.CHANNEL.value:
        return item.name, url_for("channels.channel", channel_id=item.id)
    if kind == TargetType.MEETING.value:
        return item.title, url_for("meetings.meeting_detail", meeting_id=item.id)
    return item.title, url_for("forum.thread", thread_id=item.id)


def followed_rows(subscriptions, formdata):
    """The rows of the subscriptions table, each with its form (filled from `formdata` when
    the table was sent, else from the subscription)."""
    targets = targets_of(subscriptions)
    followed = []
    for subscription in subscriptions:
        row_class = (
            SavedSearchRow
            if subscription.target_type == TargetType.SAVED_SEARCH.value
            else SubscriptionRow
        )
        form = row_class(
            formdata=formdata,
            prefix=ROW_PREFIX.format(subscription.id),
            data={"level": subscription.level, "delivery": subscription.delivery or ""},
        )
        label, url = targets.get(subscription.id, ("", ""))
        followed.append(Followed(subscription, label, url, form))
    return followed


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    preferences = services.settings_of(me())
    subscriptions = sorted(
        db.session.scalars(
            select(Subscription)
            .where(Subscription.user_id == current_user.id)
            .order_by(Subscription.created_at, Subscription.id)
        ),
        # From the widest to the narrowest, as TargetType lists them; saved searches last.
        key=lambda subscription: list(TARGET_LABELS).index(subscription.target_type),
    )
    sent = request.method == "POST"
    form = SettingsForm() if sent else SettingsForm(obj=preferences)
    followed = followed_rows(subscriptions, request.form if sent else None)
    if sent:
        # Every row is checked, so that the page shows every mistake at once.
        checked = [form.validate_on_submit()] + [row.form.validate() for row in followed]
        if all(checked):
            services.save_preferences(
                me(),
                form.default_delivery.data,
                form.is_watching_on_post.data,
                [
                    (
                        row.subscription,
                        None if row.is_saved_search else row.form.level.data,
                        row.form.delivery.data,
                    )
                    for row in followed
                ],
            )
            db.session.commit()
            flash(_l("Your notification preferences are saved."), "success")
            return redirect(url_for("notifications.settings"))
    row_errors = [(row, field) for row in followed for field in row.form if field.errors]
    status = 400 if form.errors or row_errors else 200
    return render_template(
        "notifications/settings_form.html",
        form=form,
        followed=followed,
        row_errors=row_errors,
        target_labels=TARGET_LABELS,
    ), status


@bp.route("/subscriptions/<int:subscription_id>/delete", methods=["POST"])
def subscription_delete(subscription_id):
    subscription = db.session.get(Subscription, subscription_id)
    if subscription is None:
        abort(404)
    require("subscription_manage", subscription, hide=True)
    services.remove_subscription(subscription)
    db.session.commit()
    flash(_l("You no longer follow this."), "success")
    return redirect(safe_next(request.form.get("next"), "notifications.settings"))


# Following and saved searches ---------------------------------------------------------------


def followed_target(form):
    """The target `form` names as (type, id, code), if it exists and the current person may
    see it; else 404 (whether it exists stays private). Any document type may be followed."""
    kind = form.target_type.data
    if kind == TargetType.DOCUMENT_TYPE.value:
        if form.target_code.data not in values(DocumentType):
            abort(404)
        return kind, 0, form.target_code.data
    text = form.target_id.data or ""
    target_id = parse_int(text, minimum=1)
    model = TARGET_MODELS.get(kind)
    item = db.session.get(model, target_id) if model and target_id is not None else None
    if item is None or not is_visible(item, current_user):
        abort(404)
    return kind, item.id, ""


@bp.route("/subscribe", methods=["POST"])
def subscribe():
    form = SubscribeForm()
    kind, target_id, target_code = followed_target(form)
    try:
        services.subscribe(
            me(), kind, target_id, target_code, form.level.data, form.delivery.data or None
        )
    except services.SubscriptionError as error:
        db.session.rollback()
        return render_error(400, str(error))
    db.session.commit()
    flash(_l("Subscription saved."), "success")
    return redirect(safe_next(form.next.data, "notifications.settings"))


SEARCH_REFUSED = _l(
    "This search cannot be saved as it is. Run it on the search page, correct what the page "
    "points out, then save it."
)


def search_filters(tokens):
    """Facet filters read as the search page reads them: {name: [values]}, unknown facets and
    empty values left out."""
    filters = {}
    for token in tokens[:FILTERS_MAX]:
        name, _sep, value = token.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name in FACETS and value and value not in filters.get(name, []):
            filters.setdefault(name, []).append(value)
    return filters


@bp.route("/saved-searches", methods=["POST"])
def saved_search_create():
    form = SavedSearchForm()
    text = (form.q.data or "").strip()
    filters = search_filters(request.form.getlist("f"))
    back = search_url(text, search_tokens(filters))
    if not form.validate_on_submit():
        return render_error(400, " ".join(e for errors in form.errors.values() for e in errors))
    try:
        # A search the index refuses would make every later check of new items fail for it.
        get_index().search(
            text, principals(current_user), filters=filters, per_page=1, facets=False
        )
    except (QueryError, ValueError):
        return render_error(400, str(SEARCH_REFUSED))
    try:
        services.save_search(me(), form.name.data, text, filters, form.delivery.data or None)
    except services.SubscriptionError as error:
        db.session.rollback()
        return render_error(400, str(error))
    db.session.commit()
    flash(_l("Search saved: you will be told of new documents it finds."), "success")
    return redirect(back)


# Unsubscribing from an email ----------------------------------------------------------------


@bp.route("/unsubscribe/<token>", methods=["GET"])
@public
def unsubscribe(token):
    """A confirmation page only: link scanners follow every link in an email, and must not
    unsubscribe anyone by doing so."""
    return render_template("notifications/unsubscribe.html", token=token, done=False)


@bp.route("/unsubscribe/<token>", methods=["POST"])
@public
@csrf.exempt
def unsubscribe_confirm(token):
    try:
        _user, what = delivery.apply_unsubscribe(token)
    except delivery.BadToken:
        db.session.rollback()
        return render_error(
            400,
            _l(
                "This unsubscribe link is not valid: it may be incomplete or out of date. "
                "Sign in to change your notification preferences."
            ),
        )
    db.session.commit()
    return render_template(
        "notifications/unsubscribe.html",
        token=token,
        done=True,
        all_email=what == delivery.ALL_EMAIL,
    )
