"""Uploaded files: recognised by their bytes, stored once by content hash, sent as attachments.

Forum attachments and the document library both go through here. `store()` reads an upload
(up to MAX_CONTENT_LENGTH), decides what kind of file it is from its content alone, and writes
it under PORTAL_FILES_DIR at `ab/cd/<sha256>`; the same content uploaded twice is one file on
disk. `send_stored()` answers a download; it does not check access, the view that calls it does.

Accepted kinds: PDF, Word, Excel and PowerPoint documents (Office Open XML), OpenDocument text,
plain text and CSV. Everything else is refused, whatever its name says.
"""

import csv
import hashlib
import io
import os
import re
import tempfile
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from flask import current_app, send_file
from flask_babel import lazy_gettext as _l

MB = 1024 * 1024
#: An Office document has tens or hundreds of entries; more than this is an attack on the parser.
MAX_ZIP_ENTRIES = 10_000
#: The declared size of everything in an archive once unpacked (a "zip bomb" declares a lot).
MAX_ZIP_UNPACKED = 500 * MB
#: [Content_Types].xml is a few kilobytes; a larger one is not worth parsing.
MAX_CONTENT_TYPES_SIZE = MB
#: Below this share of printable characters, valid UTF-8 is binary data, not text.
MIN_PRINTABLE_SHARE = 0.95
#: How much of a text file is looked at to decide whether it is CSV.
CSV_SAMPLE_CHARACTERS = 64 * 1024
CSV_SAMPLE_LINES = 20
CSV_DELIMITERS = ",;\t|"
MAX_NAME_LENGTH = 200

SHA256_PATTERN = re.compile(r"[0-9a-f]{64}")
# In text: control characters other than tab, line feed, form feed and carriage return.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
# In a file name: every control character and line separator (a header must stay one line).
NAME_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Bidirectional overrides and isolates can make "x\u202efdp.exe" display as "xexe.pdf"; the
# marks a right-to-left name needs (U+200E, U+200F) are kept.
BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
HTML_START = re.compile(r"\s*<(!doctype\s+html|html)", re.IGNORECASE)
SCRIPT_TAG = re.compile(r"<script", re.IGNORECASE)
EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,7}")

CONTENT_TYPES_NAMESPACE = "{http://schemas.openxmlformats.org/package/2006/content-types}"
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
#: What a damaged, encrypted or oddly compressed archive raises: not a document we can vouch for.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    NotImplementedError,
    RuntimeError,
    EOFError,
    ValueError,
    OSError,
)

NOT_ACCEPTED = _l(
    "This kind of file is not accepted. Upload a PDF, Word, Excel, PowerPoint, OpenDocument "
    "text, plain text or CSV file."
)
EMPTY = _l("The file is empty.")


@dataclass(frozen=True)
class FileKind:
    """What a file is, as detected from its bytes."""

    #: Short identifier, the same as the extension: `pdf`, `docx`, `csv`...
    name: str
    mime_type: str
    #: Extension without the dot, used to name downloads.
    extension: str


PDF = FileKind("pdf", "application/pdf", "pdf")
DOCX = FileKind(
    "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"
)
XLSX = FileKind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
PPTX = FileKind(
    "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"
)
ODT = FileKind("odt", "application/vnd.oasis.opendocument.text", "odt")
TXT = FileKind("txt", "text/plain", "txt")
CSV = FileKind("csv", "text/csv", "csv")
KINDS = (PDF, DOCX, XLSX, PPTX, ODT, TXT, CSV)

#: The content type of each Office Open XML kind's main part. The macro-enabled variants
#: (.docm, .xlsm, .pptm) have other main types and are therefore refused.
OOXML_MAIN_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": PPTX,
}


@dataclass(frozen=True)
class StoredFile:
    """A file written to the store, with what the caller records about it."""

    sha256: str
    #: Size in bytes.
    size: int
    kind: FileKind
    #: The uploader's file name, cleaned; shown in lists.
    original_name: str

    @property
    def download_name(self):
        """The original name with the detected extension, so that a PDF uploaded as "x.docx"
        downloads as "x.pdf" and opens in the right program."""
        return with_extension(self.original_name, self.kind.extension)


class FileRejected(Exception):
    """An upload the portal does not take; `message` tells the uploader why, in their language."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def detect_kind(data, name=""):
    """The kind of file `data` holds, judged from its bytes.

    `name` is the uploader's file name; it only decides between CSV and plain text, never
    whether a file is accepted.

    Raises FileRejected when the content is none of the accepted kinds.
    """
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        kind = zip_kind(data)
    else:
        kind = text_kind(data, name)
    if kind is None:
        raise FileRejected(NOT_ACCEPTED)
    return kind


def zip_kind(data):
    """DOCX, XLSX, PPTX or ODT for a ZIP archive that is one of them, else None."""
    # Every entry zipfile lists starts with this signature, so the count bounds the entries
    # before zipfile builds an object for each (a million tiny entries fit in 50 MB).
    if data.count(b"PK\x01\x02") > MAX_ZIP_ENTRIES:
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if not entries or sum(entry.file_size for entry in entries) > MAX_ZIP_UNPACKED:
                return None
            if entries[0].filename == "mimetype":
                mimetype = read_entry(archive, entries[0], len(ODT_MIMETYPE) + 2) or b""
                return ODT if mimetype.strip() == ODT_MIMETYPE else None
            return ooxml_kind(archive)
    except ZIP_ERRORS:
        return None


def read_entry(archive, entry, limit):
    """The content of one archive entry, or None when it declares more than `limit` bytes."""
    if entry.file_size > limit:
        return None
    with archive.open(entry) as handle:
        return handle.read(limit + 1)


def ooxml_kind(archive):
    """The Office Open XML kind named by [Content_Types].xml, else None.

    The main part must be declared by an Override and present in the archive. A package
    carrying a VBA project is refused even when its main type looks plain.
    """
    try:
        entry = archive.getinfo("[Content_Types].xml")
    except KeyError:
        return None
    content = read_entry(archive, entry, MAX_CONTENT_TYPES_SIZE)
    # Office never writes a DTD; refusing one rules out entity-expansion attacks on the parser.
    if content is None or b"<!DOCTYPE" in content.upper() or b"VBAPROJECT" in content.upper():
        return None
    try:
        root = ElementTree.fromstring(content)
    except ElementTree.ParseError:
        return None
    names = set(archive.namelist())
    found = {
        OOXML_MAIN_TYPES[override.get("ContentType")]
        for override in root.iter(f"{CONTENT_TYPES_NAMESPACE}Override")
        if override.get("ContentType") in OOXML_MAIN_TYPES
        and (override.get("PartName") or "").lstrip("/") in names
    }
    return found.pop() if len(found) == 1 else None


def text_kind(data, name):
    """CSV or TXT for UTF-8 text a browser would not take for a web page, else None."""
    if b"\x00" in data:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    _, controls = CONTROL_CHARACTERS.subn("", text)
    if controls > len(text) * (1 - MIN_PRINTABLE_SHARE):
        return None
    # Downloads are sent as attachments with nosniff and a .txt name, but a browser that
    # ignores those (or a file opened from a mail or a shared drive) would render HTML and run
    # its scripts. A document exchange has no need for web pages, so they are refused.
    if HTML_START.match(text) or SCRIPT_TAG.search(text):
        return None
    if name.lower().endswith(".csv") and looks_like_csv(text):
        return CSV
    return TXT


def looks_like_csv(text):
    """Whether the first lines of `text` are delimited records."""
    sample = text[:CSV_SAMPLE_CHARACTERS]
    lines = sample.splitlines()
    if len(text) > CSV_SAMPLE_CHARACTERS:
        lines = lines[:-1]  # the last one was cut short
    lines = [line for line in lines[:CSV_SAMPLE_LINES] if line.strip()]
    if not lines:
        return False
    try:
        csv.Sniffer().sniff("\n".join(lines), delimiters=CSV_DELIMITERS)
        return True
    except csv.Error:
        pass
    return any(
        lines[0].count(delimiter) > 0
        and all(line.count(delimiter) == lines[0].count(delimiter) for line in lines)
        for delimiter in CSV_DELIMITERS
    )


def clean_name(name, fallback):
    """A file name safe to show and to put in a header: no folders, no control characters,
    NFC-normalised, at most MAX_NAME_LENGTH characters; `fallback` when nothing is left."""
    name = unicodedata.normalize("NFC", name or "")
    name = BIDI_CONTROLS.sub("", NAME_CONTROL_CHARACTERS.sub(" ", name))
    name = re.split(r"[/\\]", name)[-1]
    # Leading dots would make a hidden file; trailing dots and spaces are dropped by Windows.
    name = " ".join(name.split()).lstrip(". ").rstrip(". ")
    if len(name) > MAX_NAME_LENGTH:
        stem, suffix = os.path.splitext(name)
        suffix = suffix if len(suffix) <= 16 else ""
        name = stem[: MAX_NAME_LENGTH - len(suffix)].rstrip(". ") + suffix
    return name or fallback


def with_extension(name, extension):
    """`name` ending in `.extension`, replacing another extension if it has one."""
    stem, suffix = os.path.splitext(name)
    if suffix.lower() == f".{extension}":
        return name
    if EXTENSION.fullmatch(suffix):
        name = stem
    return clean_name(f"{name}.{extension}", f"document.{extension}")


def read_limited(stream_or_bytes, limit):
    """The upload's bytes, reading at most `limit` + 1 so that an endless stream cannot fill
    memory. Raises FileRejected when there is more than `limit`."""
    if isinstance(stream_or_bytes, (bytes, bytearray, memoryview)):
        data = bytes(stream_or_bytes)
    else:
        chunks, remaining = [], (limit + 1 if limit is not None else None)
        while remaining is None or remaining > 0:
            chunk = stream_or_bytes.read(MB if remaining is None else min(MB, remaining))
            if not chunk:
                break
            chunks.append(chunk)
            if remaining is not None:
                remaining -= len(chunk)
        data = b"".join(chunks)
    if limit is not None and len(data) > limit:
        raise FileRejected(_l("The file is larger than %(size)s MB.", size=megabytes(limit)))
    return data


def megabytes(size):
    return f"{size / MB:.1f}".removesuffix(".0")


def files_dir():
    # Absolute, so that writing (relative to the working folder) and flask.send_file
    # (relative to the app's root) cannot disagree about a relative setting.
    return Path(os.path.abspath(current_app.config["PORTAL_FILES_DIR"]))


def stored_path(sha256):
    """Where the file with this hash lives. Raises ValueError for anything but a lowercase
    SHA-256 in hex, so that a crafted value cannot point outside the store."""
    if not isinstance(sha256, str) or not SHA256_PATTERN.fullmatch(sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    return files_dir() / sha256[:2] / sha256[2:4] / sha256


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed every check and is held in memory, not yet written.

    Checking every file of a form before writing any means that a refused file leaves nothing
    behind on disk.
    """

    data: bytes
    kind: FileKind
    original_name: str

    def save(self):
        """Write the file to the store (once per distinct content) and describe it."""
        sha256 = hashlib.sha256(self.data).hexdigest()
        path = stored_path(sha256)
        if not path.exists():
            write_atomically(path, self.data)
        return StoredFile(
            sha256=sha256,
            size=len(self.data),
            kind=self.kind,
            original_name=clean_name(self.original_name, f"document.{self.kind.extension}"),
        )


def check(stream_or_bytes, original_name):
    """Read an upload and decide whether it is accepted, without writing anything.

    `stream_or_bytes` is bytes or a binary file object (a Werkzeug FileStorage will do).

    Raises FileRejected when the file is larger than MAX_CONTENT_LENGTH, empty, or not one of
    the accepted kinds.
    """
    data = read_limited(stream_or_bytes, current_app.config.get("MAX_CONTENT_LENGTH"))
    if not data:
        raise FileRejected(EMPTY)
    kind = detect_kind(data, original_name or "")
    return CheckedFile(data=data, kind=kind, original_name=original_name or "")


def store(stream_or_bytes, original_name):
    """Check an upload and write it to the store; nothing is written unless it is accepted.

    Raises FileRejected as `check` does.
    """
    return check(stream_or_bytes, original_name).save()


def write_atomically(path, data):
    """Write `data` at `path` so that no reader ever sees a partial file: a temporary file in
    the same folder (same file system) is synced, then renamed into place. Two uploads of the
    same content racing here both rename identical bytes, which is harmless."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def open_stored(sha256):
    """The stored file, opened for binary reading; the caller closes it.

    Raises ValueError when `sha256` is not a SHA-256 hex digest, FileNotFoundError when no
    such file is stored.
    """
    return open(stored_path(sha256), "rb")


def send_stored(sha256, download_name, mime_type):
    """A response that downloads the stored file as an attachment named `download_name`.

    The caller must have checked that the current user may read the file: this function does
    not. Pass `StoredFile.download_name` (or the name recorded from it) and the kind's MIME
    type. The name is cleaned again here, so that quotes, line breaks and folders in it cannot
    break the Content-Disposition header. Range and conditional requests are answered.

    Raises ValueError when `sha256` is not a SHA-256 hex digest, FileNotFoundError when no
    such file is stored.
    """
    extension = next((k.extension for k in KINDS if k.mime_type == mime_type), None)
    fallback = f"document.{extension}" if extension else "document"
    # Werkzeug would escape a double quote as \", which not every client reads back.
    name = clean_name(download_name, fallback).replace('"', "'")
    response = send_file(
        stored_path(sha256),
        mimetype=mime_type,
        as_attachment=True,
        download_name=name,
        conditional=True,
        etag=sha256,  # the content's hash is the best possible validator
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Files may be restricted to some delegations: no shared proxy or browser cache may keep them.
    response.headers["Cache-Control"] = "private, no-store"
    return response
