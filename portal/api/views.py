"""The JSON API v1: documents, search, working groups, topics, threads and posts, meetings and
their agendas, notifications, and the delegation's own reports (a version as JSON, a draft
imported from JSON). Every view is thin: it loads through `visible()` (404 for what the caller
may not read), `require()`s its action, calls the domain's service, commits once.
"""

from datetime import date

from flask import abort, current_app, g
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from flask_smorest import abort as smorest_abort
from sqlalchemy import extract, or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal.access import LEVEL_LABELS, can, is_visible, principals, require, visible
from portal.accounts.models import Delegation
from portal.api import auth, schemas
from portal.api.pagination import BAD_CURSOR, page
from portal.core.audit import record
from portal.core.files import send_stored
from portal.extensions import csrf, db, limiter
from portal.forum import services as forum
from portal.forum.models import Post, Thread, Topic, WorkingGroup
from portal.library import services as library
from portal.library.models import Document, DocumentFile
from portal.meetings.models import AgendaItem, Meeting
from portal.notifications import services as notifications
from portal.notifications.models import Notification
from portal.notifications.views import (
    ITEM_ENDPOINTS,
    load_notification,
    own_notifications,
    subjects_of,
    what_happened,
)
from portal.reporting import formats as report_formats
from portal.reporting import services as reporting
from portal.reporting.models import Report, Source
from portal.reporting.views import load_draft, load_version
from portal.search.engine import get_index
from portal.search.views import rechecked
from search_index import QueryError

bp = Blueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    description="The portal's items, as the signed-in person or the token's owner may see them.",
)

# Token-authenticated requests carry no CSRF token; `auth.authorise` asks it of session writes.
csrf.exempt(bp)
limiter.limit(auth.throttle_limit, key_func=auth.throttle_key)(bp)
bp.before_request(auth.authorise)
bp.after_request(auth.audit)

#: The kinds of item the API's search returns.
SEARCH_KINDS = {"document": "library.document_detail", "post": "forum.post_link"}


def me():
    return current_user._get_current_object()


def link(endpoint, **values):
    """An absolute address built from PORTAL_BASE_URL, never from the request's Host (as
    `external_url` builds them), with one URL adapter per request: a page has hundreds."""
    if "api_url_adapter" not in g:
        g.api_url_adapter = current_app.url_map.bind("localhost")
        g.api_base_url = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    return g.api_base_url + g.api_url_adapter.build(endpoint, values)


def load_visible(model, condition, *options):
    item = db.session.scalar(
        visible(select(model).where(condition), model, current_user).options(*options)
    )
    if item is None:
        abort(404)
    return item


# Documents ----------------------------------------------------------------------------------


def file_out(document_file):
    return {
        "id": document_file.id,
        "language": document_file.language,
        "revision": document_file.revision,
        "name": document_file.name,
        "size": document_file.size,
        "mime_type": document_file.mime_type,
        "created_at": document_file.created_at,
        "download_url": link("api.file_download", file_id=document_file.id),
    }


def document_out(document, detail=False):
    out = {
        "id": document.id,
        "symbol": document.symbol,
        "title": document.title,
        "doc_type": document.doc_type,
        "working_group": document.working_group.code if document.working_group else None,
        "topic_id": document.topic_id,
        "cycle": document.cycle,
        "delegation": document.delegation.display_name if document.delegation else None,
        "published_on": document.published_on,
        "distributed_on": document.distributed_on,
        "access_level": str(LEVEL_LABELS[document.access_level]),
        "languages": [f.language for f in document.current_files],
        "url": link("library.document_detail", document_id=document.id),
    }
    if detail:
        out["summary"] = document.summary
        out["keywords"] = document.keywords
        out["files"] = [file_out(f) for f in document.current_files]
    return out


def document_filters(args):
    """SQL conditions for the search page's facets, as the search page names them."""
    conditions = []
    if "type" in args:
        conditions.append(Document.doc_type == args["type"])
    if "wg" in args:
        codes = {args["wg"], args["wg"].upper(), args["wg"].lower()}
        conditions.append(
            Document.working_group_id.in_(
                select(WorkingGroup.id).where(WorkingGroup.code.in_(codes))
            )
        )
    if "cycle" in args:
        conditions.append(Document.cycle == args["cycle"])
    if "lang" in args:
        conditions.append(
            Document.id.in_(
                select(DocumentFile.document_id).where(DocumentFile.language == args["lang"])
            )
        )
    if "delegation" in args:
        code = args["delegation"]
        conditions.append(
            Document.delegation_id.in_(
                select(Delegation.id).where(
                    or_(Delegation.iso3 == code.upper(), Delegation.short_name == code)
                )
            )
        )
    if "year" in args:
        conditions.append(extract("year", Document.published_on) == args["year"])
    return conditions


@bp.route("/documents", endpoint="documents")
class Documents(MethodView):
    @bp.arguments(schemas.DocumentFilterArgs, location="query")
    @bp.response(200, schemas.DocumentPage)
    def get(self, args):
        """Documents the caller may read, newest first, filtered as on the search page."""
        query = (
            visible(select(Document), Document, current_user)
            .where(*document_filters(args))
            .options(
                joinedload(Document.delegation),
                joinedload(Document.working_group),
                selectinload(Document.files),
            )
        )
        rows, cursor = page(
            query, (Document.published_on, Document.id), args["cursor"], args["limit"]
        )
        return {"items": [document_out(d) for d in rows], "next_cursor": cursor}


def load_document(document_id):
    return load_visible(
        Document,
        Document.id == document_id,
        joinedload(Document.delegation),
        joinedload(Document.working_group),
        selectinload(Document.files),
    )


@bp.route("/documents/<int:document_id>", endpoint="document_detail")
class DocumentDetail(MethodView):
    @bp.response(200, schemas.DocumentDetailSchema)
    def get(self, document_id):
        """A document with its current language versions."""
        document = load_document(document_id)
        require("document_view", document, hide=True)
        return document_out(document, detail=True)


@bp.route("/documents/<int:document_id>/files", endpoint="document_files")
class DocumentFiles(MethodView):
    @bp.response(200, schemas.FilePage)
    def get(self, document_id):
        """Every language version and revision of a document, newest first."""
        document = load_document(document_id)
        require("document_view", document, hide=True)
        files = sorted(document.files, key=lambda f: (f.language, -f.revision))
        return {"items": [file_out(f) for f in files], "next_cursor": None}


@bp.route("/files/<int:file_id>", endpoint="file_download")
class FileDownload(MethodView):
    @bp.response(200, content_type="application/octet-stream")
    def get(self, file_id):
        """The file of a language version (any revision), as an attachment."""
        document_file = load_visible(
            DocumentFile, DocumentFile.id == file_id, joinedload(DocumentFile.document)
        )
        require("document_download", document_file, hide=True)
        library.record_download(document_file, me())
        db.session.commit()
        return send_stored(document_file.sha256, document_file.name, document_file.mime_type)


# Search -------------------------------------------------------------------------------------


@bp.route("/search", endpoint="search")
class Search(MethodView):
    @bp.arguments(schemas.SearchArgs, location="query")
    @bp.response(200, schemas.SearchPage)
    def get(self, args):
        """Documents and discussions, as the search page finds them (same query language and
        facet filters); the cursor is the next page."""
        filters = {}
        for token in args["f"]:
            name, _sep, value = token.partition(":")
            if name.strip() and value.strip():
                filters.setdefault(name.strip().lower(), []).append(value.strip())
        number = 1
        if args["cursor"]:
            if not args["cursor"].isdigit() or not 1 <= int(args["cursor"]) <= 500:
                abort(400, description=BAD_CURSOR)
            number = int(args["cursor"])
        try:
            found = get_index().search(
                args["q"],
                principals(current_user),
                filters=filters,
                kinds=set(SEARCH_KINDS),
                page=number,
                per_page=args["limit"],
                facets=False,
            )
        except QueryError as error:
            abort(
                400, description=f"The search cannot be read ({error.code}) near {error.value!r}."
            )
        except ValueError as error:
            abort(400, description=str(error))
        items = []
        for result in rechecked(found.hits):
            hit, row = result.hit, result.row
            title = row.title if hit.kind == "document" else row.thread.title
            argument = "document_id" if hit.kind == "document" else "post_id"
            items.append(
                {
                    "kind": hit.kind,
                    "id": hit.id,
                    "title": title,
                    "url": link(SEARCH_KINDS[hit.kind], **{argument: hit.id}),
                }
            )
        return {
            "total": found.total,
            "items": items,
            "next_cursor": str(number + 1) if number < min(found.pages, 500) else None,
        }


# Working groups, topics, threads, posts -----------------------------------------------------


def working_group_out(space):
    return {
        "id": space.id,
        "code": space.code,
        "name": space.display_name,
        "parent": space.parent.code if space.parent else None,
        "access_level": str(LEVEL_LABELS[space.access_level]),
        "url": link("forum.space", code=space.code),
    }


@bp.route("/working-groups", endpoint="working_groups")
class WorkingGroups(MethodView):
    @bp.response(200, schemas.WorkingGroupList)
    def get(self):
        """Every working group and sub-workstream the caller may read."""
        spaces = db.session.scalars(
            visible(select(WorkingGroup), WorkingGroup, current_user)
            .options(joinedload(WorkingGroup.parent))
            .order_by(WorkingGroup.position, WorkingGroup.id)
        ).all()
        return {"items": [working_group_out(s) for s in spaces]}


def topic_out(topic):
    return {
        "id": topic.id,
        "title": topic.title,
        "working_group": topic.working_group.code,
        "cycle": topic.cycle,
        "is_closed": topic.is_closed,
        "guiding_questions": [q.text for q in topic.questions],
        "url": link("forum.topic", topic_id=topic.id),
    }


@bp.route("/topics", endpoint="topics")
class Topics(MethodView):
    @bp.arguments(schemas.TopicArgs, location="query")
    @bp.response(200, schemas.TopicPage)
    def get(self, args):
        """Topics (agenda items) the caller may read, newest first; `wg` keeps one group's."""
        query = visible(select(Topic), Topic, current_user).options(
            joinedload(Topic.working_group), selectinload(Topic.questions)
        )
        if "wg" in args:
            query = query.join(WorkingGroup, WorkingGroup.id == Topic.working_group_id).where(
                WorkingGroup.code.in_({args["wg"], args["wg"].upper(), args["wg"].lower()})
            )
        rows, cursor = page(query, (Topic.id,), args["cursor"], args["limit"])
        return {"items": [topic_out(t) for t in rows], "next_cursor": cursor}


@bp.route("/topics/<int:topic_id>", endpoint="topic_detail")
class TopicDetail(MethodView):
    @bp.response(200, schemas.TopicSchema)
    def get(self, topic_id):
        """A topic with its guiding questions."""
        topic = load_visible(Topic, Topic.id == topic_id, selectinload(Topic.questions))
        require("topic_view", topic, hide=True)
        return topic_out(topic)


def thread_out(thread):
    return {
        "id": thread.id,
        "topic_id": thread.topic_id,
        "kind": thread.kind,
        "title": thread.title,
        "delegation": thread.delegation.display_name,
        "post_count": thread.post_count,
        "is_locked": thread.is_locked,
        "last_post_at": thread.last_post_at,
        "url": link("forum.thread", thread_id=thread.id),
    }


def post_out(post):
    readable = can(current_user, "post_read", post) and post.hidden_at is None
    return {
        "id": post.id,
        "thread_id": post.thread_id,
        "number": post.number,
        "author": post.author.name,
        "delegation": post.delegation.display_name,
        "created_at": post.created_at,
        "edited_at": post.edited_at,
        "body_html": post.body_html if readable else None,
        "url": link("forum.post_link", post_id=post.id),
    }


@bp.route("/topics/<int:topic_id>/threads", endpoint="topic_threads")
class TopicThreads(MethodView):
    @bp.arguments(schemas.PageArgs, location="query")
    @bp.response(200, schemas.ThreadPage)
    def get(self, args, topic_id):
        """A topic's threads, latest activity first."""
        topic = load_visible(Topic, Topic.id == topic_id)
        query = (
            visible(select(Thread), Thread, current_user)
            .where(Thread.topic_id == topic.id)
            .options(joinedload(Thread.delegation))
        )
        rows, cursor = page(query, (Thread.last_post_at, Thread.id), args["cursor"], args["limit"])
        return {"items": [thread_out(t) for t in rows], "next_cursor": cursor}

    @bp.arguments(schemas.NewThread)
    @bp.response(201, schemas.NewThreadAnswer)
    def post(self, data, topic_id):
        """Start a thread in a topic (a token with write access, or the session and its CSRF
        token)."""
        topic = load_visible(Topic, Topic.id == topic_id)
        require("thread_create", topic)
        try:
            thread, post = forum.create_thread(
                topic, me(), data["kind"], data["title"], data["body"]
            )
        except forum.ForumError as error:
            abort(422, description=str(error))
        db.session.commit()
        return {"thread": thread_out(thread), "post": post_out(post)}


@bp.route("/threads/<int:thread_id>", endpoint="thread_detail")
class ThreadDetail(MethodView):
    @bp.response(200, schemas.ThreadSchema)
    def get(self, thread_id):
        """A thread."""
        thread = load_visible(Thread, Thread.id == thread_id, joinedload(Thread.delegation))
        require("thread_view", thread, hide=True)
        return thread_out(thread)


@bp.route("/threads/<int:thread_id>/posts", endpoint="thread_posts")
class ThreadPosts(MethodView):
    @bp.arguments(schemas.PageArgs, location="query")
    @bp.response(200, schemas.PostPage)
    def get(self, args, thread_id):
        """A thread's posts in order; a hidden post's text is null, a withdrawn one is left out."""
        thread = load_visible(Thread, Thread.id == thread_id)
        query = (
            visible(select(Post), Post, current_user)
            .where(Post.thread_id == thread.id, Post.withdrawn_at.is_(None))
            .options(joinedload(Post.author), joinedload(Post.delegation))
        )
        rows, cursor = page(query, (Post.number,), args["cursor"], args["limit"], descending=False)
        return {"items": [post_out(p) for p in rows], "next_cursor": cursor}

    @bp.arguments(schemas.NewPost)
    @bp.response(201, schemas.PostSchema)
    def post(self, data, thread_id):
        """Reply in a thread (a token with write access, or the session and its CSRF token)."""
        thread = load_visible(Thread, Thread.id == thread_id)
        require("post_create", thread)
        try:
            post = forum.reply(thread, me(), data["body"], quoted_post_id=data["quoted_post_id"])
        except forum.ForumError as error:
            abort(422, description=str(error))
        db.session.commit()
        return post_out(post)


# Meetings -----------------------------------------------------------------------------------


def meeting_out(meeting, detail=False):
    out = {
        "id": meeting.id,
        "kind": meeting.kind,
        "cycle": meeting.cycle,
        "title": meeting.title,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "time_zone": meeting.time_zone,
        "venue": meeting.venue,
        "format": meeting.format,
        "working_group": meeting.working_group.code if meeting.working_group else None,
        "url": link("meetings.meeting_detail", meeting_id=meeting.id),
    }
    if detail:
        out["notices"] = meeting.notices
        out["agenda"] = [agenda_item_out(item) for item in meeting.items]
    return out


def agenda_item_out(item):
    readable_documents = [
        entry.document_id
        for entry in item.documents
        if entry.document is not None and is_visible(entry.document, current_user)
    ]
    return {
        "position": item.position,
        "title": item.title,
        "topic_id": item.topic_id
        if item.topic is not None and is_visible(item.topic, current_user)
        else None,
        "starts_at": item.starts_at,
        "ends_at": item.ends_at,
        "chair_name": item.chair_name,
        "is_current": item.is_current,
        "documents": readable_documents,
    }


@bp.route("/meetings", endpoint="meetings")
class Meetings(MethodView):
    @bp.arguments(schemas.MeetingArgs, location="query")
    @bp.response(200, schemas.MeetingPage)
    def get(self, args):
        """Meetings the caller may see, latest first; `cycle` keeps one CSP cycle's."""
        query = visible(select(Meeting), Meeting, current_user).options(
            joinedload(Meeting.working_group)
        )
        if "cycle" in args:
            query = query.where(Meeting.cycle == args["cycle"])
        rows, cursor = page(query, (Meeting.starts_at, Meeting.id), args["cursor"], args["limit"])
        return {"items": [meeting_out(m) for m in rows], "next_cursor": cursor}


@bp.route("/meetings/<int:meeting_id>", endpoint="meeting_detail")
class MeetingDetail(MethodView):
    @bp.response(200, schemas.MeetingDetailSchema)
    def get(self, meeting_id):
        """A meeting with its agenda; documents and topics the caller may not read are left out."""
        meeting = load_visible(
            Meeting,
            Meeting.id == meeting_id,
            joinedload(Meeting.working_group),
            selectinload(Meeting.items).selectinload(AgendaItem.documents),
        )
        return meeting_out(meeting, detail=True)


# Notifications ------------------------------------------------------------------------------


def notification_out(notification, subject):
    return {
        "id": notification.id,
        "what": str(what_happened(notification)),
        "subject_type": notification.subject_type,
        "subject_id": notification.subject_id,
        "title": subject.title,
        "created_at": notification.created_at,
        "read_at": notification.read_at,
        "url": link(ITEM_ENDPOINTS[notification.subject_type][0], **{
            ITEM_ENDPOINTS[notification.subject_type][1]: notification.subject_id
        }),
    }


@bp.route("/notifications", endpoint="notifications")
class Notifications(MethodView):
    @bp.arguments(schemas.NotificationArgs, location="query")
    @bp.response(200, schemas.NotificationPage)
    def get(self, args):
        """The caller's notifications about what they may still see, newest first."""
        query = own_notifications()
        if args["unread"]:
            query = query.where(Notification.read_at.is_(None))
        rows, cursor = page(query, (Notification.id,), args["cursor"], args["limit"])
        subjects = subjects_of(rows)
        items = [
            notification_out(n, subjects[(n.subject_type, n.subject_id)])
            for n in rows
            if (n.subject_type, n.subject_id) in subjects
        ]
        return {"items": items, "next_cursor": cursor}


@bp.route("/notifications/<int:notification_id>/read", endpoint="notification_read")
class NotificationRead(MethodView):
    @bp.response(200, schemas.NotificationSchema)
    def post(self, notification_id):
        """Mark one of the caller's notifications as read."""
        notification = load_notification(notification_id)
        notifications.mark_read(notification)
        db.session.commit()
        subject = subjects_of([notification])[(notification.subject_type, notification.subject_id)]
        return notification_out(notification, subject)


# Reports of the caller's delegation ---------------------------------------------------------


def version_out(version):
    if version is None:
        return None
    return {
        "id": version.id,
        "number": version.number,
        "status": version.status,
        "receipt": version.receipt,
        "export_url": link("api.report_version", version_id=version.id),
    }


def report_out(report):
    return {
        "id": report.id,
        "kind": report.kind,
        "year": report.year,
        "title": str(report.title),
        "due_on": report.due_on,
        "draft": version_out(report.draft),
        "latest": version_out(report.latest),
    }


@bp.route("/reports", endpoint="reports")
class Reports(MethodView):
    @bp.response(200, schemas.ReportList)
    def get(self):
        """The reports of the caller's delegation, with their draft and latest version."""
        require("report_list_own")
        reports = db.session.scalars(
            select(Report)
            .where(Report.delegation_id == current_user.delegation_id)
            .options(selectinload(Report.versions))
            .order_by(Report.kind, Report.year.desc(), Report.id)
        ).all()
        return {"items": [report_out(r) for r in reports]}


@bp.route("/report-versions/<int:version_id>", endpoint="report_version")
class ReportVersionExport(MethodView):
    @bp.response(
        200,
        content_type="application/json",
        description="The report in the portal's JSON format (as the JSON download).",
    )
    def get(self, version_id):
        """A version's content as JSON: a draft for its own delegation, a submitted version
        for whoever may read it, as on its page."""
        version = load_version(version_id)
        return current_app.response_class(
            report_formats.export(version.content, "json"), mimetype="application/json"
        )


def problem_out(problem):
    """Where a problem is (sheet, row, column, as in a file) and what it is."""
    return {
        "sheet": problem.sheet,
        "row": problem.row,
        "column": problem.column,
        "message": str(problem.message),
    }


@bp.route("/reports/<int:report_id>/draft", endpoint="report_draft")
class ReportDraftImport(MethodView):
    @bp.arguments(schemas.ReportContent)
    @bp.response(200, schemas.ImportAnswer)
    def put(self, content, report_id):
        """Replace the content of the report's draft by a report in the JSON format, or change
        nothing and answer every problem found (422)."""
        version = load_draft(report_id)
        require("draft_import", version, hide=True)
        data = current_app.json.dumps(content).encode()
        try:
            fmt, loaded = report_formats.load(data, "report.json", version.report, date.today())
            reporting.save_draft(version, loaded, me(), Source.FILE, "api.json")
        except report_formats.ImportProblems as error:
            db.session.rollback()
            problems = [problem_out(problem) for problem in error.problems]
            smorest_abort(
                422,
                message="The report has problems: nothing was changed.",
                errors={"problems": problems},
            )
        except reporting.ReportingError as error:
            db.session.rollback()
            abort(422, description=str(error.message))
        record("report.import", version.report, version_id=version.id, format=fmt, file="api.json")
        db.session.commit()
        return {"report": report_out(version.report)}
