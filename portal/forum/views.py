"""Pages of the forum: working groups, topics, threads; posting, editing and moderating.

Every page loads what it shows through the access policy: lists are filtered with
`visible()`, single items answer 404 when they are not visible, and actions `require()`
their rule. The number of queries per page does not grow with the number of posts.
"""

import difflib

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from portal.access import LEVEL_LABELS, AccessLevel, can, principals, require, visible
from portal.accounts.forms import ActionForm
from portal.accounts.models import Delegation, Group, User
from portal.core import submissions
from portal.core.bounds import paginate, parse_int
from portal.core.files import send_stored
from portal.core.pages import add_by_email
from portal.extensions import db
from portal.forum import services
from portal.forum.forms import (
    MARKDOWN_HINT,
    AccessForm,
    EditPostForm,
    ModeratorForm,
    MoveForm,
    ReplyForm,
    ReasonForm,
    ThreadForm,
    TopicForm,
    question_choices,
)
from portal.forum.models import (
    Attachment,
    Flag,
    Post,
    PostRevision,
    Thread,
    ThreadRead,
    Topic,
    WorkingGroup,
    WorkingGroupModerator,
)
from portal.library.models import Document
from portal.meetings.models import AgendaItem, Meeting

bp = Blueprint("forum", __name__)


@bp.context_processor
def forum_context():
    return {"markdown_hint": MARKDOWN_HINT}


POSTS_PER_PAGE = 20
THREADS_PER_PAGE = 50
#: The newest documents of an agenda item shown on its topic; the library lists them all.
TOPIC_DOCUMENTS = 10


def me():
    return current_user._get_current_object()


def load_visible(model, item_id, *options):
    """The item if the current user may read it, else 404 (its existence stays private)."""
    item = db.session.scalar(
        visible(select(model).where(model.id == item_id), model, current_user).options(*options)
    )
    if item is None:
        abort(404)
    return item


def load_space(code):
    space = db.session.scalar(
        visible(select(WorkingGroup).where(WorkingGroup.code == code), WorkingGroup, current_user)
    )
    if space is None:
        abort(404)
    return space


def unread_condition():
    """Threads with posts the current user has not read (never-opened threads included)."""
    return Thread.post_count > func.coalesce(ThreadRead.last_read_number, 0)


def with_read_marker(query):
    return query.outerjoin(
        ThreadRead, and_(ThreadRead.thread_id == Thread.id, ThreadRead.user_id == current_user.id)
    )


# Reading ------------------------------------------------------------------------------------


@bp.route("/")
def index():
    spaces = db.session.scalars(
        visible(select(WorkingGroup), WorkingGroup, current_user).order_by(
            WorkingGroup.position, WorkingGroup.id
        )
    ).all()
    counts = dict(
        db.session.execute(
            visible(
                select(Topic.working_group_id, func.count(Topic.id)), Topic, current_user
            ).group_by(Topic.working_group_id)
        ).all()
    )
    unread = db.session.scalar(
        with_read_marker(visible(select(func.count(Thread.id)), Thread, current_user)).where(
            unread_condition()
        )
    )
    return render_template(
        "forum/space_list.html",
        spaces=[s for s in spaces if s.parent_id is None],
        children={s.id: [c for c in spaces if c.parent_id == s.id] for s in spaces},
        topic_counts=counts,
        unread=unread,
    )


@bp.route("/unread")
def unread():
    """Everything new since the person last read it, across all they may see."""
    query = (
        with_read_marker(visible(select(Thread), Thread, current_user))
        .where(unread_condition())
        .options(joinedload(Thread.topic).joinedload(Topic.working_group))
        .order_by(Thread.last_post_at.desc())
    )
    page = paginate(query, THREADS_PER_PAGE)
    return render_template("forum/unread_list.html", page=page)


@bp.route("/<code>")
def space(code):
    space = load_space(code)
    topics = db.session.execute(
        visible(
            select(Topic, func.count(Thread.id), func.max(Thread.last_post_at))
            .outerjoin(Thread, Thread.topic_id == Topic.id)
            .where(Topic.working_group_id == space.id)
            .group_by(Topic.id),
            Topic,
            current_user,
        ).order_by(Topic.is_closed, Topic.cycle.desc(), Topic.title)
    ).all()
    children = db.session.scalars(
        visible(select(WorkingGroup), WorkingGroup, current_user)
        .where(WorkingGroup.parent_id == space.id)
        .order_by(WorkingGroup.position)
    ).all()
    return render_template("forum/space_detail.html", space=space, topics=topics, children=children)


@bp.route("/topics/<int:topic_id>")
def topic(topic_id):
    topic = load_visible(Topic, topic_id, selectinload(Topic.questions))
    query = (
        with_read_marker(visible(select(Thread, ThreadRead.last_read_number), Thread, current_user))
        .where(Thread.topic_id == topic.id)
        .options(joinedload(Thread.author), joinedload(Thread.delegation))
        .order_by(Thread.is_pinned.desc(), Thread.last_post_at.desc())
    )
    page = paginate(query, THREADS_PER_PAGE)
    rows = db.session.execute(
        query.limit(THREADS_PER_PAGE).offset((page.page - 1) * THREADS_PER_PAGE)
    ).all()
    return render_template(
        "forum/topic_detail.html",
        topic=topic,
        page=page,
        threads=rows,
        answers=answers_by_question(topic),
        documents=db.session.scalars(
            visible(select(Document), Document, current_user)
            .where(Document.topic_id == topic.id)
            .order_by(Document.published_on.desc(), Document.id.desc())
            .limit(TOPIC_DOCUMENTS)
        ).all(),
        meetings=db.session.scalars(
            visible(select(Meeting), Meeting, current_user)
            .where(
                Meeting.id.in_(
                    select(AgendaItem.meeting_id).where(AgendaItem.topic_id == topic.id)
                )
            )
            .order_by(Meeting.starts_at.desc())
        ).all(),
    )


def answers_by_question(topic):
    """For each guiding question, the delegations that have answered it (visible posts only),
    each with its first answer: {question id: [(delegation, post id), ...]}.

    Posts are found through the index on their question, so the cost follows the answers of
    this topic, not the size of the forum (a moved thread's posts lose their answers).
    """
    question_ids = [question.id for question in topic.questions]
    if not question_ids:
        return {}
    rows = db.session.execute(
        visible(
            select(Post.question_id, Post.delegation_id, func.min(Post.id))
            .where(
                Post.question_id.in_(question_ids),
                Post.withdrawn_at.is_(None),
                Post.hidden_at.is_(None),
            )
            .group_by(Post.question_id, Post.delegation_id),
            Post,
            current_user,
        )
    ).all()
    delegations = {
        delegation.id: delegation
        for delegation in db.session.scalars(
            select(Delegation).where(Delegation.id.in_({row[1] for row in rows}))
        )
    }
    answers = {}
    for question_id, delegation_id, post_id in rows:
        answers.setdefault(question_id, []).append((delegations[delegation_id], post_id))
    for answered in answers.values():
        answered.sort(key=lambda pair: pair[0].display_name.casefold())
    return answers


@bp.route("/threads/<int:thread_id>")
def thread(thread_id):
    thread = load_visible(
        Thread, thread_id, joinedload(Thread.topic).joinedload(Topic.working_group)
    )
    query = (
        visible(select(Post), Post, current_user)
        .where(Post.thread_id == thread.id)
        .options(
            joinedload(Post.author),
            joinedload(Post.delegation),
            joinedload(Post.question),
            joinedload(Post.quoted_post).joinedload(Post.author),
            selectinload(Post.attachments),
        )
        .order_by(Post.number)
    )
    page = paginate(query, POSTS_PER_PAGE, count=False)
    page.total = thread.post_count
    marker = db.session.get(ThreadRead, (current_user.id, thread.id))
    first_unread = (marker.last_read_number if marker else 0) + 1
    draft = services.draft_of(me(), thread)
    form = reply_form(thread, draft=draft)
    page_html = render_template(
        "forum/thread_detail.html",
        thread=thread,
        page=page,
        pages=last_page(thread),
        first_unread=first_unread,
        form=form,
        quoted=quoted_in(form, thread),
        draft=draft,
        reason_form=ReasonForm(),
    )
    # Marked read once the page is made: a commit expires every loaded row, and the template
    # would then load each post again, one query at a time.
    if page.items:
        services.mark_read(me(), thread, page.items[-1].number)
        try:
            db.session.commit()
        except IntegrityError:
            # The same person's other request (a second tab) marked the thread first.
            db.session.rollback()
    return page_html


def last_page(thread):
    return max(1, -(-thread.post_count // POSTS_PER_PAGE))


def reply_form(thread, formdata=None, draft=None):
    """The reply form: as sent, or filled from the person's draft and the post they chose to
    quote (`?quote=<id>`, the way to quote a whole post without a script)."""
    form = ReplyForm(formdata=formdata) if formdata is not None else ReplyForm()
    form.question.choices = question_choices(thread.topic)
    if formdata is None and draft is not None:
        form.body.data = draft.body_source
        form.quoted_post.data = str(draft.quoted_post_id or "")
        form.question.data = str(draft.question_id or "")
    if formdata is None and parse_int(request.args.get("quote"), minimum=1) is not None:
        form.quoted_post.data = request.args["quote"].strip()
    return form


def quoted_in(form, thread):
    """The post the reply form quotes, when it is one of the thread's that the reader sees."""
    if not (form.quoted_post.data or "").isdigit():
        return None
    return db.session.scalar(
        visible(select(Post), Post, current_user)
        .where(
            Post.id == int(form.quoted_post.data),
            Post.thread_id == thread.id,
            Post.withdrawn_at.is_(None),
            Post.hidden_at.is_(None),
        )
        .options(joinedload(Post.author))
    )


@bp.route("/threads/<int:thread_id>/unread")
def thread_unread(thread_id):
    """Jump to the first post the person has not read."""
    thread = load_visible(Thread, thread_id)
    marker = db.session.get(ThreadRead, (current_user.id, thread.id))
    number = min((marker.last_read_number if marker else 0) + 1, thread.post_count)
    page = (number - 1) // POSTS_PER_PAGE + 1
    return redirect(url_for("forum.thread", thread_id=thread.id, page=page) + f"#post-{number}")


@bp.route("/posts/<int:post_id>")
def post_link(post_id):
    """A lasting link to one post: its page of the thread, scrolled to it."""
    post = load_visible(Post, post_id)
    page = (post.number - 1) // POSTS_PER_PAGE + 1
    return redirect(
        url_for("forum.thread", thread_id=post.thread_id, page=page) + f"#post-{post.number}"
    )


@bp.route("/posts/<int:post_id>/history")
def post_history(post_id):
    post = load_visible(Post, post_id)
    require("post_history_view", post)
    revisions = db.session.scalars(
        select(PostRevision).where(PostRevision.post_id == post.id).order_by(PostRevision.id)
    ).all()
    versions = [(r.written_at, r.body_source, r.body_html) for r in revisions]
    versions.append((post.edited_at or post.created_at, post.body_source, post.body_html))
    changes = [
        list(difflib.unified_diff(old[1].splitlines(), new[1].splitlines(), lineterm="", n=2))[2:]
        for old, new in zip(versions, versions[1:])
    ]
    return render_template("forum/post_history.html", post=post, versions=versions, changes=changes)


@bp.route("/attachments/<int:attachment_id>")
def attachment_download(attachment_id):
    attachment = load_visible(Attachment, attachment_id, joinedload(Attachment.post))
    require("attachment_download", attachment, hide=True)
    return send_stored(attachment.sha256, attachment.name, attachment.mime_type)


# Writing ------------------------------------------------------------------------------------


def closed_to_posts(form, thread=None):
    """Refuse a post to a thread locked or a topic closed, perhaps while the person was writing:
    for someone who can read it, these are the only refusals of `post_create` and
    `thread_create`, and the form comes back with their text and the reason."""
    form.validate()
    if thread is not None and thread.is_locked:
        form.body.errors.append(_l("This thread is locked: no new replies."))
    else:
        form.body.errors.append(_l("This topic is closed: it can be read but not added to."))


@bp.route("/topics/<int:topic_id>/new", methods=["GET", "POST"])
def thread_create(topic_id):
    topic = load_visible(Topic, topic_id, selectinload(Topic.questions))
    if request.method == "GET":
        require("thread_create", topic)
    elif resent := submissions.claim():
        return resent
    form = ThreadForm()
    form.question.choices = question_choices(topic)
    if not can(current_user, "thread_create", topic):
        closed_to_posts(form)
    elif form.validate_on_submit():
        try:
            thread, _post = services.create_thread(
                topic,
                me(),
                form.kind.data,
                form.title.data,
                form.body.data,
                question_id=int(form.question.data) if form.question.data else None,
                files=request.files.getlist(form.attachments.name),
            )
        except services.ForumError as error:
            db.session.rollback()
            form.body.errors.append(str(error))
        else:
            return submissions.finish(url_for("forum.thread", thread_id=thread.id))
    status = 400 if form.errors else 200
    return render_template("forum/thread_form.html", topic=topic, form=form), status


@bp.route("/threads/<int:thread_id>/reply", methods=["POST"])
def post_create(thread_id):
    thread = load_visible(Thread, thread_id)
    if resent := submissions.claim():
        return resent
    form = reply_form(thread, formdata=request.form)
    quoted_post_id = parse_int(form.quoted_post.data, minimum=1)
    if not can(current_user, "post_create", thread):
        closed_to_posts(form, thread)
    elif form.validate_on_submit():
        question_id = int(form.question.data) if form.question.data else None
        if form.preview.data or form.save_draft.data:
            return keep_draft(thread, form, quoted_post_id, question_id)
        try:
            post = services.reply(
                thread,
                me(),
                form.body.data,
                quoted_post_id=quoted_post_id,
                question_id=question_id,
                files=request.files.getlist(form.attachments.name),
            )
        except services.ForumError as error:
            db.session.rollback()
            form.body.errors.append(str(error))
        else:
            return submissions.finish(url_for("forum.post_link", post_id=post.id))
    return reply_page(thread, form), 400


def keep_draft(thread, form, quoted_post_id, question_id):
    """Keep the reply as the person's draft, then show its preview or go back to the thread.

    The draft is kept even when the preview refuses the text (a mention of someone who cannot
    read the thread): the person corrects it from there."""
    try:
        services.save_draft(thread, me(), form.body.data, quoted_post_id, question_id)
    except services.ForumError as error:
        db.session.rollback()
        form.body.errors.append(str(error))
        return reply_page(thread, form), 400
    db.session.commit()
    if form.save_draft.data:
        flash(_l("Your draft is saved: it will be here when you come back."), "success")
        return redirect(
            url_for("forum.thread", thread_id=thread.id, page=last_page(thread)) + "#reply"
        )
    try:
        preview = services.preview(thread, form.body.data, me())
    except services.ForumError as error:
        form.body.errors.append(str(error))
        return reply_page(thread, form), 400
    return reply_page(thread, form, preview)


def reply_page(thread, form, preview=None):
    """The reply form on a page of its own: refused, or with its preview."""
    return render_template(
        "forum/reply_form.html",
        thread=thread,
        form=form,
        quoted=quoted_in(form, thread),
        draft=services.draft_of(me(), thread),
        preview=preview,
    )


@bp.route("/threads/<int:thread_id>/draft/discard", methods=["POST"])
def draft_discard(thread_id):
    thread = load_visible(Thread, thread_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.discard_draft(me(), thread)
    db.session.commit()
    flash(_l("Your draft is discarded."), "success")
    return redirect(
        url_for("forum.thread", thread_id=thread.id, page=last_page(thread)) + "#reply"
    )


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
def post_edit(post_id):
    post = load_visible(Post, post_id)
    require("post_edit", post)
    form = EditPostForm(body=post.body_source)
    if form.validate_on_submit():
        try:
            services.edit_post(post, me(), form.body.data)
        except services.ForumError as error:
            db.session.rollback()
            form.body.errors.append(str(error))
        else:
            db.session.commit()
            flash(
                _l("Your post is updated. Earlier versions stay visible in its history."), "success"
            )
            return redirect(url_for("forum.post_link", post_id=post.id))
    status = 400 if form.errors else 200
    return render_template("forum/post_edit.html", post=post, form=form), status


@bp.route("/posts/<int:post_id>/withdraw", methods=["POST"])
def post_withdraw(post_id):
    post = load_visible(Post, post_id)
    require("post_withdraw", post)
    services.withdraw_post(post, me())
    db.session.commit()
    flash(_l("Your post is withdrawn."), "success")
    return redirect(url_for("forum.post_link", post_id=post.id))


@bp.route("/posts/<int:post_id>/flag", methods=["POST"])
def post_flag(post_id):
    post = load_visible(Post, post_id)
    require("post_flag", post)
    form = ReasonForm()
    try:
        if not form.validate_on_submit():
            raise services.ForumError(_l("Say what is wrong with this post."))
        services.flag_post(post, me(), form.reason.data)
    except services.ForumError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_l("Thank you. The moderators will review the post."), "success")
    return redirect(url_for("forum.post_link", post_id=post.id))


# Moderation ---------------------------------------------------------------------------------


@bp.route("/posts/<int:post_id>/hide", methods=["POST"])
def post_hide(post_id):
    post = load_visible(Post, post_id)
    require("post_hide", post)
    form = ReasonForm()
    try:
        if not form.validate_on_submit():
            raise services.ForumError(_l("Give the reason: the author will read it."))
        services.resolve_flags(post, me(), hide=True, reason=form.reason.data)
    except services.ForumError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_l("The post is hidden. Its author sees the reason."), "success")
    return redirect(
        request.form.get("back") == "flags"
        and url_for("forum.flag_list")
        or url_for("forum.post_link", post_id=post.id)
    )


@bp.route("/posts/<int:post_id>/unhide", methods=["POST"])
def post_unhide(post_id):
    post = load_visible(Post, post_id)
    require("post_unhide", post)
    services.unhide_post(post, me())
    db.session.commit()
    flash(_l("The post is shown again."), "success")
    return redirect(url_for("forum.post_link", post_id=post.id))


@bp.route("/posts/<int:post_id>/dismiss-flags", methods=["POST"])
def flags_dismiss(post_id):
    post = load_visible(Post, post_id)
    require("flag_review", post.thread.topic.working_group)
    services.resolve_flags(post, me(), hide=False)
    db.session.commit()
    flash(_l("The reports are dismissed."), "success")
    return redirect(url_for("forum.flag_list"))


THREAD_SWITCHES = {
    "lock": ("thread_lock", services.set_locked, True, _l("The thread is locked.")),
    "unlock": ("thread_unlock", services.set_locked, False, _l("The thread is open again.")),
    "pin": ("thread_pin", services.set_pinned, True, _l("The thread is pinned.")),
    "unpin": ("thread_unpin", services.set_pinned, False, _l("The thread is no longer pinned.")),
}


@bp.route("/threads/<int:thread_id>/<any(lock, unlock, pin, unpin):switch>", methods=["POST"])
def thread_switch(thread_id, switch):
    thread = load_visible(Thread, thread_id)
    action, change, value, message = THREAD_SWITCHES[switch]
    require(action, thread)
    change(thread, me(), value)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("forum.thread", thread_id=thread.id))


@bp.route("/threads/<int:thread_id>/move", methods=["GET", "POST"])
def thread_move(thread_id):
    thread = load_visible(Thread, thread_id)
    require("thread_move", thread)
    destinations = [
        topic
        for topic in db.session.scalars(
            visible(select(Topic), Topic, current_user).options(joinedload(Topic.working_group))
        )
        if can(current_user, "topic_edit", topic) and topic.id != thread.topic_id
    ]
    form = MoveForm()
    form.topic.choices = [(t.id, f"{t.working_group.code} — {t.title}") for t in destinations]
    if form.validate_on_submit():
        destination = next(t for t in destinations if t.id == form.topic.data)
        services.move_thread(thread, destination, me())
        db.session.commit()
        flash(_l("The thread is moved."), "success")
        return redirect(url_for("forum.thread", thread_id=thread.id))
    status = 400 if form.errors else 200
    return render_template("forum/thread_move.html", thread=thread, form=form), status


@bp.route("/topics/<int:topic_id>/<any(close, reopen):switch>", methods=["POST"])
def topic_switch(topic_id, switch):
    topic = load_visible(Topic, topic_id)
    require(f"topic_{switch}", topic)
    services.close_topic(topic, me(), closed=switch == "close")
    db.session.commit()
    flash(
        _l("The topic is closed.") if switch == "close" else _l("The topic is open again."),
        "success",
    )
    return redirect(url_for("forum.topic", topic_id=topic.id))


def open_flags(user):
    """A SELECT of the open reports of posts `user` moderates and may read: every space for
    the Secretariat, the spaces they chair for others. Withdrawn posts are left out: nobody
    reads them, moderators included, so nothing is left to review."""
    query = (
        select(Flag)
        .join(Post, Post.id == Flag.post_id)
        .join(Thread, Thread.id == Post.thread_id)
        .join(Topic, Topic.id == Thread.topic_id)
        .where(Flag.resolved_at.is_(None), Post.withdrawn_at.is_(None))
    )
    if not can(user, "admin_access"):
        moderated = [int(p.split(":")[1]) for p in principals(user) if p.startswith("moderator:")]
        query = query.where(Topic.working_group_id.in_(moderated))
    return visible(query, Post, user)


def reported_post_count():
    """How many posts wait in the current person's review queue (0 without one)."""
    if not can(current_user, "flag_review"):
        return 0
    posts = open_flags(current_user).with_only_columns(Flag.post_id).distinct().subquery()
    return db.session.scalar(select(func.count()).select_from(posts))


@bp.app_context_processor
def review_queue_context():
    # A callable, so that a page pays for the count only where the header shows it.
    return {"reported_post_count": reported_post_count}


@bp.route("/flags")
def flag_list():
    """The review queue: reported posts in the spaces the person moderates."""
    require("flag_review")
    flags = db.session.scalars(
        open_flags(current_user)
        .options(joinedload(Flag.post).joinedload(Post.thread), joinedload(Flag.reporter))
        .order_by(Flag.created_at)
    ).all()
    by_post = {}
    for flag in flags:
        by_post.setdefault(flag.post, []).append(flag)
    return render_template("forum/flag_list.html", reported=by_post, reason_form=ReasonForm())


# Topics and access --------------------------------------------------------------------------


def topic_form_values(form):
    return dict(
        title=form.title.data,
        description=form.description.data,
        cycle=form.cycle.data,
        questions=(form.questions.data or "").splitlines(),
    )


@bp.route("/<code>/topics/new", methods=["GET", "POST"])
def topic_create(code):
    space = load_space(code)
    require("topic_create", space)
    form = TopicForm()
    if form.validate_on_submit():
        try:
            topic = services.create_topic(space, me(), **topic_form_values(form))
        except services.ForumError as error:
            db.session.rollback()
            form.title.errors.append(str(error))
        else:
            db.session.commit()
            return redirect(url_for("forum.topic", topic_id=topic.id))
    status = 400 if form.errors else 200
    return render_template("forum/topic_form.html", space=space, topic=None, form=form), status


@bp.route("/topics/<int:topic_id>/edit", methods=["GET", "POST"])
def topic_edit(topic_id):
    topic = load_visible(Topic, topic_id, selectinload(Topic.questions))
    require("topic_edit", topic)
    form = TopicForm(
        data=None
        if request.method == "POST"
        else dict(
            title=topic.title,
            description=topic.description_source,
            cycle=topic.cycle,
            questions="\n".join(q.text for q in topic.questions),
        )
    )
    if form.validate_on_submit():
        try:
            services.edit_topic(topic, me(), **topic_form_values(form))
        except services.ForumError as error:
            db.session.rollback()
            form.questions.errors.append(str(error))
        else:
            db.session.commit()
            return redirect(url_for("forum.topic", topic_id=topic.id))
    status = 400 if form.errors else 200
    return render_template(
        "forum/topic_form.html", space=topic.working_group, topic=topic, form=form
    ), status


def access_form(current_level, current_group, inherit_label=None):
    form = AccessForm(
        data=None
        if request.method == "POST"
        else {"level": current_level or "", "group": str(current_group or "")}
    )
    choices = [(level.value, LEVEL_LABELS[level.value]) for level in AccessLevel]
    form.level.choices = ([("", inherit_label)] if inherit_label else []) + choices
    groups = db.session.scalars(select(Group).order_by(Group.name)).all()
    form.group.choices = [("", _l("No group"))] + [(str(g.id), g.name) for g in groups]
    return form


def access_page(item, title, change, done, back, inherit_label=None):
    """The access form of a working group or a topic: `change(level, group_id)` applies it,
    raising ForumError (shown under the level, nothing written); `done` is flashed on success
    before the redirect to `back`."""
    form = access_form(item.access_level, item.group_id, inherit_label)
    if form.validate_on_submit():
        try:
            change(form.level.data, int(form.group.data or 0) or None)
        except services.ForumError as error:
            db.session.rollback()
            form.level.errors.append(str(error))
        else:
            db.session.commit()
            flash(done, "success")
            return redirect(back)
    status = 400 if form.errors else 200
    return render_template(
        "forum/access_form.html", item=item, title=title, form=form
    ), status


@bp.route("/<code>/access", methods=["GET", "POST"])
def space_access(code):
    space = load_space(code)
    require("space_manage", space)
    return access_page(
        space,
        space.display_name,
        lambda level, group_id: services.set_space_access(space, level, group_id, me()),
        _l("Access is changed for the working group and everything in it."),
        url_for("forum.space", code=space.code),
    )


@bp.route("/topics/<int:topic_id>/access", methods=["GET", "POST"])
def topic_access(topic_id):
    topic = load_visible(Topic, topic_id)
    require("space_manage", topic.working_group)
    return access_page(
        topic,
        topic.title,
        lambda level, group_id: services.set_topic_access(topic, level or None, group_id, me()),
        _l("Access is changed for the topic and everything in it."),
        url_for("forum.topic", topic_id=topic.id),
        inherit_label=_l("As the working group"),
    )


@bp.route("/<code>/moderators", methods=["GET", "POST"])
def space_moderators(code):
    """The chairs and facilitators who moderate a working group, named by the Secretariat."""
    space = load_space(code)
    require("space_manage", space)
    form = ModeratorForm()
    added = add_by_email(
        form,
        lambda email: services.add_moderator(space, email, me()),
        services.ForumError,
        _l("%(name)s now moderates this working group."),
        url_for("forum.space_moderators", code=space.code),
    )
    if added:
        return added
    moderators = db.session.scalars(
        select(User)
        .join(WorkingGroupModerator, WorkingGroupModerator.user_id == User.id)
        .where(WorkingGroupModerator.working_group_id == space.id)
        .order_by(User.name)
    ).all()
    status = 400 if form.errors else 200
    return render_template(
        "forum/moderator_list.html", space=space, moderators=moderators, form=form
    ), status


@bp.route("/<code>/moderators/<int:user_id>/remove", methods=["POST"])
def space_moderator_remove(code, user_id):
    space = load_space(code)
    require("space_manage", space)
    user = db.session.get(User, user_id) or abort(404)
    services.remove_moderator(space, user, me())
    db.session.commit()
    flash(_l("%(name)s no longer moderates this working group.", name=user.name), "success")
    return redirect(url_for("forum.space_moderators", code=space.code))
