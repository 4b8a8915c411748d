"""What the API reads and answers, as marshmallow schemas: flask-smorest validates requests
with them and writes the OpenAPI document from them, so the two cannot drift apart."""

import marshmallow as ma
from marshmallow import fields, validate

from portal.library.models import LANGUAGES, DocumentType

#: Items per page when the request does not say, and the most it may ask for.
PAGE_SIZE = 20
PAGE_MAX = 100


class PageArgs(ma.Schema):
    cursor = fields.String(
        load_default=None,
        validate=validate.Length(max=200),
        metadata={"description": "The `next_cursor` of the page before; none for the first."},
    )
    limit = fields.Integer(
        load_default=PAGE_SIZE,
        validate=validate.Range(min=1, max=PAGE_MAX),
        metadata={"description": f"Items per page, at most {PAGE_MAX}."},
    )


class DocumentFilterArgs(PageArgs):
    """The search page's facets, by the same names."""

    type = fields.String(validate=validate.OneOf([t.value for t in DocumentType]))
    wg = fields.String(
        validate=validate.Length(max=32), metadata={"description": "A working group's code."}
    )
    cycle = fields.Integer(validate=validate.Range(min=1, max=999))
    lang = fields.String(validate=validate.OneOf(LANGUAGES))
    delegation = fields.String(
        validate=validate.Length(max=100),
        metadata={"description": "A State's ISO 3166 alpha-3 code, or a delegation's short name."},
    )
    year = fields.Integer(validate=validate.Range(min=1990, max=2200))


class SearchArgs(PageArgs):
    q = fields.String(load_default="", validate=validate.Length(max=1000))
    f = fields.List(
        fields.String(validate=validate.Length(max=200)),
        load_default=list,
        validate=validate.Length(max=50),
        metadata={"description": "Facet filters as on the search page, `name:value`."},
    )


class Page(ma.Schema):
    next_cursor = fields.String(
        allow_none=True,
        metadata={"description": "Pass as `cursor` for the next page; null at the end."},
    )


class FileSchema(ma.Schema):
    id = fields.Integer()
    language = fields.String()
    revision = fields.Integer()
    name = fields.String()
    size = fields.Integer()
    mime_type = fields.String()
    created_at = fields.DateTime()
    download_url = fields.String()


class DocumentSchema(ma.Schema):
    id = fields.Integer()
    symbol = fields.String(allow_none=True)
    title = fields.String()
    type = fields.String(attribute="doc_type")
    working_group = fields.String(allow_none=True)
    topic_id = fields.Integer(allow_none=True)
    cycle = fields.Integer(allow_none=True)
    delegation = fields.String(allow_none=True)
    published_on = fields.Date()
    distributed_on = fields.Date(allow_none=True)
    access_level = fields.String()
    languages = fields.List(fields.String())
    url = fields.String()


class DocumentDetailSchema(DocumentSchema):
    summary = fields.String()
    keywords = fields.List(fields.String())
    files = fields.List(fields.Nested(FileSchema), metadata={"description": "Current versions."})


class DocumentPage(Page):
    items = fields.List(fields.Nested(DocumentSchema))


class FilePage(Page):
    items = fields.List(fields.Nested(FileSchema))


class SearchHitSchema(ma.Schema):
    kind = fields.String()
    id = fields.Integer()
    title = fields.String()
    url = fields.String()


class SearchPage(Page):
    total = fields.Integer()
    items = fields.List(fields.Nested(SearchHitSchema))


class WorkingGroupSchema(ma.Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    parent = fields.String(allow_none=True)
    access_level = fields.String()
    url = fields.String()


class WorkingGroupList(ma.Schema):
    items = fields.List(fields.Nested(WorkingGroupSchema))


class TopicSchema(ma.Schema):
    id = fields.Integer()
    title = fields.String()
    working_group = fields.String()
    cycle = fields.Integer(allow_none=True)
    is_closed = fields.Boolean()
    guiding_questions = fields.List(fields.String())
    url = fields.String()


class TopicArgs(PageArgs):
    wg = fields.String(validate=validate.Length(max=32))


class TopicPage(Page):
    items = fields.List(fields.Nested(TopicSchema))


class ThreadSchema(ma.Schema):
    id = fields.Integer()
    topic_id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    delegation = fields.String()
    post_count = fields.Integer()
    is_locked = fields.Boolean()
    last_post_at = fields.DateTime()
    url = fields.String()


class ThreadPage(Page):
    items = fields.List(fields.Nested(ThreadSchema))


class PostSchema(ma.Schema):
    id = fields.Integer()
    thread_id = fields.Integer()
    number = fields.Integer()
    author = fields.String(allow_none=True)
    delegation = fields.String()
    created_at = fields.DateTime()
    edited_at = fields.DateTime(allow_none=True)
    body_html = fields.String(
        allow_none=True, metadata={"description": "Null when a moderator hid the post."}
    )
    url = fields.String()


class PostPage(Page):
    items = fields.List(fields.Nested(PostSchema))


class NewPost(ma.Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=50000))
    quoted_post_id = fields.Integer(load_default=None)


class NewThread(ma.Schema):
    kind = fields.String(load_default="discussion")
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    body = fields.String(required=True, validate=validate.Length(min=1, max=50000))


class NewThreadAnswer(ma.Schema):
    thread = fields.Nested(ThreadSchema)
    post = fields.Nested(PostSchema)


class MeetingArgs(PageArgs):
    cycle = fields.Integer(validate=validate.Range(min=1, max=999))


class AgendaItemSchema(ma.Schema):
    position = fields.Integer()
    title = fields.String()
    topic_id = fields.Integer(allow_none=True)
    starts_at = fields.DateTime(allow_none=True)
    ends_at = fields.DateTime(allow_none=True)
    chair_name = fields.String()
    is_current = fields.Boolean()
    documents = fields.List(fields.Integer(), metadata={"description": "Ids of the documents."})


class MeetingSchema(ma.Schema):
    id = fields.Integer()
    kind = fields.String()
    cycle = fields.Integer()
    title = fields.String()
    starts_at = fields.DateTime(metadata={"description": "UTC."})
    ends_at = fields.DateTime(metadata={"description": "UTC."})
    time_zone = fields.String()
    venue = fields.String()
    format = fields.String()
    working_group = fields.String(allow_none=True)
    url = fields.String()


class MeetingDetailSchema(MeetingSchema):
    notices = fields.String()
    agenda = fields.List(fields.Nested(AgendaItemSchema))


class MeetingPage(Page):
    items = fields.List(fields.Nested(MeetingSchema))


class NotificationArgs(PageArgs):
    unread = fields.Boolean(load_default=False)


class NotificationSchema(ma.Schema):
    id = fields.Integer()
    what = fields.String()
    subject_type = fields.String()
    subject_id = fields.Integer()
    title = fields.String()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)
    url = fields.String()


class NotificationPage(Page):
    items = fields.List(fields.Nested(NotificationSchema))


class VersionSchema(ma.Schema):
    id = fields.Integer()
    number = fields.Integer(allow_none=True, metadata={"description": "Null for the draft."})
    status = fields.String()
    receipt = fields.String(allow_none=True)
    export_url = fields.String(metadata={"description": "The version as JSON."})


class ReportSchema(ma.Schema):
    id = fields.Integer()
    kind = fields.String()
    year = fields.Integer(allow_none=True)
    title = fields.String()
    due_on = fields.Date(allow_none=True)
    draft = fields.Nested(VersionSchema, allow_none=True)
    latest = fields.Nested(
        VersionSchema, allow_none=True, metadata={"description": "The latest submitted version."}
    )


class ReportList(ma.Schema):
    items = fields.List(fields.Nested(ReportSchema))


class ReportContent(ma.Schema):
    """A report's content in the portal's JSON format (the same as the JSON file download
    and import; see /reporting/formats)."""

    class Meta:
        unknown = ma.INCLUDE


class ImportAnswer(ma.Schema):
    report = fields.Nested(ReportSchema)
