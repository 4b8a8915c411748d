"""Documents of the library, their language versions and revisions, and the posts citing them.

A document is one text of the ATT process (an annotated agenda, a working paper, a national
report...) with its metadata and access level. Each of its language versions is a file; a new
file for a language is a new revision that supersedes the previous one, which stays listed.
Every readable row stores its `acl`, derived from the document's level: document -> file.
"""

import enum

from flask_babel import lazy_gettext as _l

from portal.access.levels import AccessLevel, acl_for
from portal.core.models import CreatedMixin, IdMixin, now_utc
from portal.extensions import db

#: The six languages of the Conference, in the order documents list their versions.
LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")


class DocumentType(enum.Enum):
    ANNOTATED_AGENDA = "annotated_agenda"
    CHAIR_REPORT = "chair_report"
    WORKING_PAPER = "working_paper"
    DRAFT_DECISION = "draft_decision"
    PRESENTATION = "presentation"
    NATIONAL_PRACTICE = "national_practice"
    NATIONAL_REPORT = "national_report"
    GUIDANCE = "guidance"
    FINAL_REPORT = "final_report"
    LETTER = "letter"
    OTHER = "other"

    @property
    def label(self):
        return DOCUMENT_TYPE_LABELS[self]

    @property
    def is_national(self):
        """Whether a delegation may publish a document of this type as its own."""
        return self in NATIONAL_TYPES


DOCUMENT_TYPE_LABELS = {
    DocumentType.ANNOTATED_AGENDA: _l("Annotated agenda"),
    DocumentType.CHAIR_REPORT: _l("Chair's report or draft report"),
    DocumentType.WORKING_PAPER: _l("Working paper"),
    DocumentType.DRAFT_DECISION: _l("Draft decision"),
    DocumentType.PRESENTATION: _l("Presentation"),
    DocumentType.NATIONAL_PRACTICE: _l("National implementation practice"),
    DocumentType.NATIONAL_REPORT: _l("National report to cabinet or parliament"),
    DocumentType.GUIDANCE: _l("Guidance or tool"),
    DocumentType.FINAL_REPORT: _l("Final report"),
    DocumentType.LETTER: _l("Letter"),
    DocumentType.OTHER: _l("Other"),
}

#: What delegations publish themselves; the Secretariat publishes every type.
NATIONAL_TYPES = frozenset(
    {
        DocumentType.WORKING_PAPER,
        DocumentType.PRESENTATION,
        DocumentType.NATIONAL_PRACTICE,
        DocumentType.NATIONAL_REPORT,
        DocumentType.LETTER,
        DocumentType.OTHER,
    }
)


class TextStatus(enum.Enum):
    """Where the text extraction of a file stands (see portal.library.extraction)."""

    PENDING = "pending"
    OK = "ok"
    EMPTY = "empty"
    ENCRYPTED = "encrypted"
    UNREADABLE = "unreadable"
    TIMEOUT = "timeout"
    TOO_LARGE = "too_large"


class Document(IdMixin, CreatedMixin, db.Model):
    __tablename__ = "documents"

    #: The official symbol as written, for example `ATT/CSP12.WGTR/2026/CHAIR/836/AnnAgenda`.
    symbol = db.Column(db.String(120))
    #: The symbol in lower case: symbols are unique whatever their case.
    symbol_key = db.Column(db.String(120), unique=True)
    title = db.Column(db.String(500), nullable=False)
    doc_type = db.Column(
        db.Enum(*[kind.value for kind in DocumentType], name="document_type", native_enum=False),
        nullable=False,
        index=True,
    )
    working_group_id = db.Column(db.Integer, db.ForeignKey("working_groups.id"), index=True)
    #: The agenda item (forum topic) the document belongs to, if any.
    topic_id = db.Column(db.Integer, db.ForeignKey("topics.id"), index=True)
    #: The CSP cycle, by the number of the Conference (CSP12 -> 12).
    cycle = db.Column(db.Integer, index=True)
    #: The meeting it was issued for, as the symbol or agenda names it.
    meeting = db.Column(db.String(200), nullable=False, default="")
    #: The delegation that wrote it: a State for national documents, else the Secretariat.
    delegation_id = db.Column(
        db.Integer, db.ForeignKey("delegations.id"), nullable=False, index=True
    )
    published_on = db.Column(db.Date, nullable=False, index=True)
    #: When it was distributed to delegations ahead of the meeting, if that differs.
    distributed_on = db.Column(db.Date)
    #: Keywords, lower case, in the order given.
    keywords = db.Column(db.JSON, nullable=False, default=list)
    summary = db.Column(db.Text, nullable=False, default="")
    access_level = db.Column(
        db.Enum(*[level.value for level in AccessLevel], name="access_level", native_enum=False),
        nullable=False,
        default=AccessLevel.USERS.value,
    )
    group_id = db.Column(db.Integer, db.ForeignKey("groups.id"))
    acl = db.Column(db.String(64), nullable=False, index=True)
    uploaded_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    updated_at = db.Column(db.DateTime, nullable=False, default=now_utc)

    working_group = db.relationship("WorkingGroup")
    topic = db.relationship("Topic")
    delegation = db.relationship("Delegation")
    group = db.relationship("Group")
    uploaded_by = db.relationship("User")
    files = db.relationship(
        "DocumentFile",
        back_populates="document",
        order_by="[DocumentFile.language, DocumentFile.revision.desc()]",
        cascade="all, delete-orphan",
    )

    def derive_acl(self):
        self.acl = acl_for(self.access_level, self.group_id)

    @property
    def type_enum(self):
        return DocumentType(self.doc_type)

    @property
    def current_files(self):
        """The latest revision of each language version, in the Conference's order."""
        latest = {}
        for document_file in self.files:
            held = latest.get(document_file.language)
            if held is None or document_file.revision > held.revision:
                latest[document_file.language] = document_file
        return [latest[language] for language in LANGUAGES if language in latest]

    @property
    def languages(self):
        return [document_file.language for document_file in self.current_files]


class DocumentFile(IdMixin, CreatedMixin, db.Model):
    """One revision of one language version of a document."""

    __tablename__ = "document_files"
    __table_args__ = (db.UniqueConstraint("document_id", "language", "revision"),)

    document_id = db.Column(db.Integer, db.ForeignKey("documents.id"), nullable=False, index=True)
    language = db.Column(db.String(2), nullable=False)
    #: 1 for the first file of this language, then counting up; the highest is current.
    revision = db.Column(db.Integer, nullable=False)
    #: What changed in this revision, as its uploader said.
    note = db.Column(db.String(500), nullable=False, default="")
    sha256 = db.Column(db.String(64), nullable=False)
    size = db.Column(db.BigInteger, nullable=False)
    #: The kind detected from the file's bytes (`pdf`, `docx`...), see portal.core.files.
    file_kind = db.Column(db.String(8), nullable=False)
    mime_type = db.Column(db.String(128), nullable=False)
    name = db.Column(db.String(255), nullable=False)
    uploaded_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    text_status = db.Column(
        db.Enum(*[status.value for status in TextStatus], name="text_status", native_enum=False),
        nullable=False,
        default=TextStatus.PENDING.value,
    )
    #: The extracted text (deferred: lists never load it).
    text = db.deferred(db.Column(db.Text, nullable=False, default=""))
    pages = db.Column(db.Integer)
    acl = db.Column(db.String(64), nullable=False, index=True)

    document = db.relationship("Document", back_populates="files")
    uploaded_by = db.relationship("User")

    @property
    def text_status_enum(self):
        return TextStatus(self.text_status)


class DocumentReference(db.Model):
    """A forum post that cites a document (by its symbol or a link to its page)."""

    __tablename__ = "document_references"

    document_id = db.Column(db.Integer, db.ForeignKey("documents.id"), primary_key=True)
    post_id = db.Column(db.Integer, db.ForeignKey("posts.id"), primary_key=True, index=True)
