"""The text of uploaded documents, read so that it can be searched.

`extract(path, kind_name, timeout_seconds=..., max_chars=...)` returns an `Extraction`: a status
(one of the constants below), the text, the number of pages and a note for the logs. Parsing
happens in a child process (`python -m portal.library.extraction kind path max_chars`) because
document parsers are large C and Python code bases fed with files from outside: a malformed or
hostile file can make them loop, use gigabytes of memory or crash. The child limits its own
address space (MEMORY_LIMIT) and CPU time, and the caller kills it when `timeout_seconds` have
passed, so none of this can take a web or worker process down. Starting the child costs 0.3 to
0.4 s: 0.2 s importing Flask (which `portal/__init__.py` does before this module runs), then
the one parser the file needs; that is small next to parsing a document, and extraction runs
in the background.

The text keeps one line per paragraph (or table cell, slide text, spreadsheet row), with runs of
spaces collapsed, control characters removed and Unicode in NFC form, so that what people type
in the search box matches what the file shows. Nothing here touches the database.
"""

import io
import json
import os
import re
import resource
import signal
import subprocess
import sys
import unicodedata
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l

from portal.core import files

OK = "ok"
#: The file has no text to search: a scan without text recognition, a blank page...
EMPTY = "empty"
#: The file opens only with a password.
ENCRYPTED = "encrypted"
#: The parser failed: a damaged file, one it does not understand, or one needing too much memory.
UNREADABLE = "unreadable"
TIMEOUT = "timeout"
#: The text was cut at max_chars; what was read is kept.
TOO_LARGE = "too_large"
STATUSES = (OK, EMPTY, ENCRYPTED, UNREADABLE, TIMEOUT, TOO_LARGE)

#: The child's address space. Parsing a normal document takes a few hundred megabytes at most;
#: a decompression bomb stops here with a MemoryError instead of exhausting the server.
MEMORY_LIMIT = 1024 * 1024 * 1024
#: A backstop for a child whose parent died before it could kill it: the caller's timeout
#: normally ends a slow parse long before this.
CPU_SECONDS_LIMIT = 3600
#: How much of a text file is decoded at a time.
TEXT_CHUNK_CHARACTERS = 64 * 1024
#: A "line" longer than this in a text file is split at a space, to bound what is held at once.
MAX_TEXT_LINE = 1024 * 1024
#: How much of the child's error output is kept in `detail`.
DETAIL_LENGTH = 300

#: The folder holding the `portal` package, from which the child imports it.
IMPORT_ROOT = Path(__file__).resolve().parents[2]
#: The only environment variables the child gets. The process that reads files from outside
#: has no use for the secrets the portal's configuration holds (secret key, database and mail
#: passwords), and should a parser be tricked into running code, they are not there to take.
CHILD_ENVIRONMENT = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "PYTHONPATH")

# Removed from the text: control characters other than the ones that separate words or lines
# (tab, line breaks, the C0 separators), lone surrogates (which UTF-8 cannot encode, so the
# database would refuse the text), and the soft hyphen and zero-width no-break space, which
# PDFs and word processors put inside words, where they would split them for the search index.
UNWANTED_CHARACTERS = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\xad\ufeff\ud800-\udfff]")

WORD = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MARKUP_COMPATIBILITY = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
ODF_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
ODF_MANIFEST = "{urn:oasis:names:tc:opendocument:xmlns:manifest:1.0}"
ODF_PARAGRAPHS = {f"{ODF_TEXT}p", f"{ODF_TEXT}h"}


@dataclass(frozen=True)
class Extraction:
    """What reading a file's text gave."""

    #: One of STATUSES.
    status: str
    #: The normalised text: empty unless the status is OK or TOO_LARGE.
    text: str = ""
    #: Pages of a PDF, slides of a presentation; None for formats without fixed pages.
    pages: int | None = None
    #: What happened, for developers reading the logs; not for people using the portal.
    detail: str = ""


class Encrypted(Exception):
    """The file is protected by a password the portal does not have."""


def reason(status):
    """A sentence for people saying why a file's text is not (entirely) searchable, translated
    when shown; None for OK.

    Raises ValueError for a status that is not one of STATUSES.
    """
    reasons = {
        EMPTY: _l("This file contains no text that can be searched (it may be a scanned image)."),
        ENCRYPTED: _l("This file is protected by a password, so its text could not be read."),
        UNREADABLE: _l("The text of this file could not be read: the file may be damaged."),
        TIMEOUT: _l("Reading the text of this file took too long."),
        TOO_LARGE: _l("Only the beginning of this file's text is searchable: it is very long."),
    }
    if status == OK:
        return None
    if status not in reasons:
        raise ValueError(f"not an extraction status: {status!r}")
    return reasons[status]


def extract(path, kind_name, *, timeout_seconds, max_chars):
    """Read the text of the file at `path`, whose kind (`pdf`, `docx`... as detected by
    portal.core.files) is `kind_name`, in a child process given `timeout_seconds` to answer;
    at most `max_chars` characters of text are kept.

    A file that cannot be read is not an error here: the returned Extraction says why.

    Raises ValueError for an unknown kind or a `max_chars` below 1, FileNotFoundError when
    there is no file at `path` (a missing stored file is a fault of the store, not of the
    document, and must not be recorded as an unreadable document).
    """
    if kind_name not in READERS:
        raise ValueError(f"no text extraction for files of kind {kind_name!r}")
    if max_chars < 1:
        raise ValueError(f"max_chars must be at least 1, not {max_chars}")
    path = Path(path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"no file at {path}")
    command = [sys.executable, "-m", __name__, kind_name, str(path), str(max_chars)]
    environment = {name: os.environ[name] for name in CHILD_ENVIRONMENT if name in os.environ}
    try:
        # On timeout, run() kills the child and waits for it, so nothing is left running.
        completed = subprocess.run(
            command,
            capture_output=True,
            timeout=timeout_seconds,
            cwd=IMPORT_ROOT,
            env=environment,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Extraction(TIMEOUT, detail=f"no answer after {timeout_seconds} s; child killed")
    if completed.returncode != 0:
        return Extraction(
            UNREADABLE,
            detail=f"child {exit_description(completed.returncode)}: {tail(completed.stderr)}",
        )
    try:
        answer = json.loads(completed.stdout)
        result = Extraction(**answer)
    except (ValueError, TypeError) as error:
        return Extraction(UNREADABLE, detail=f"unexpected answer from the child: {error}")
    if result.status not in STATUSES:
        return Extraction(UNREADABLE, detail=f"unexpected status from the child: {result.status}")
    return result


def exit_description(returncode):
    """How a process ended, from its exit status ("killed by SIGKILL", "exited with status 1")."""
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exited with status {returncode}"


def tail(output):
    """The end of a process's output, where the error is, as text."""
    return output.decode("utf-8", "replace").strip()[-DETAIL_LENGTH:]


# In the child process ------------------------------------------------------------------------


def limit_resources():
    """Cap this process's memory and CPU time, and let a crash write no core file (it would be
    as large as the memory used)."""
    lower_limit(resource.RLIMIT_AS, MEMORY_LIMIT, MEMORY_LIMIT)
    lower_limit(resource.RLIMIT_CORE, 0, 0)
    # The soft limit sends SIGXCPU, which ends the process; the hard one, SIGKILL.
    lower_limit(resource.RLIMIT_CPU, CPU_SECONDS_LIMIT, CPU_SECONDS_LIMIT + 5)


def lower_limit(kind, soft, hard):
    """Set a resource limit of this process, keeping any lower one the system already set."""
    current_soft, current_hard = resource.getrlimit(kind)
    if current_hard != resource.RLIM_INFINITY:
        hard = min(hard, current_hard)
    if current_soft != resource.RLIM_INFINITY:
        soft = min(soft, current_soft)
    resource.setrlimit(kind, (min(soft, hard), hard))


def read_document(kind_name, path, max_chars):
    """The Extraction of the file at `path`, parsed in this process. Never raises: every
    failure of a parser is an UNREADABLE result."""
    try:
        pages, blocks = READERS[kind_name](path)
        text, is_cut = collect(blocks, max_chars)
    except Encrypted as error:
        return Extraction(ENCRYPTED, detail=str(error))
    except MemoryError:
        return Extraction(
            UNREADABLE, detail=f"out of memory (limit {MEMORY_LIMIT // (1024 * 1024)} MiB)"
        )
    except Exception as error:  # whatever a parser raises, the file is what is wrong
        return Extraction(UNREADABLE, detail=f"{type(error).__name__}: {error}"[:DETAIL_LENGTH])
    if is_cut:
        return Extraction(TOO_LARGE, text, pages, detail=f"text cut at {max_chars} characters")
    if not text:
        return Extraction(EMPTY, pages=pages, detail="no text found")
    return Extraction(OK, text, pages)


def collect(blocks, max_chars):
    """The normalised `blocks` (paragraphs, cells...) one per line, and whether the text had to
    be cut at `max_chars`. Stops reading blocks as soon as there are enough."""
    kept, length = [], -1
    for block in blocks:
        block = normalise(block)
        if block:
            kept.append(block)
            length += len(block) + 1
            if length > max_chars:
                return "\n".join(kept)[:max_chars], True
    return "\n".join(kept), False


def normalise(text):
    """`text` without unwanted characters, in NFC, each line's spaces collapsed to one, and
    without blank lines."""
    text = unicodedata.normalize("NFC", UNWANTED_CHARACTERS.sub("", text))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


# Each reader takes a path and returns the number of pages (or None) and an iterable of blocks
# of text. Parsers are imported inside the readers: the child needs only one of them, and the
# process that calls extract() none.


def read_pdf(path):
    from pypdf import PasswordType, PdfReader

    reader = PdfReader(path)
    # Many published PDFs are encrypted with an empty user password, only to restrict
    # printing or copying: those open like any other.
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise Encrypted("PDF needs a user password")
    return len(reader.pages), (page.extract_text() for page in reader.pages)


def read_docx(path):
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml.parser import parse_xml

    document = docx.Document(path)
    stories = [document.element.body]
    other_stories = {
        RELATIONSHIP_TYPE.HEADER,
        RELATIONSHIP_TYPE.FOOTER,
        RELATIONSHIP_TYPE.FOOTNOTES,
        RELATIONSHIP_TYPE.ENDNOTES,
    }
    for relationship in document.part.rels.values():
        if relationship.reltype in other_stories and not relationship.is_external:
            stories.append(parse_xml(relationship.target_part.blob))
    return None, (block for story in stories for block in word_paragraphs(story))


def word_paragraphs(story):
    """The text of each paragraph of a Word story (body, header, notes), in order.

    Walking the XML rather than python-docx's paragraphs and tables also finds text in
    tracked insertions, content controls and text boxes. A text box is written twice (for new
    and for old versions of Word); its old copy, under mc:Fallback, is skipped.
    """
    for paragraph in story.iter(f"{WORD}p"):
        if not any(
            ancestor.tag == f"{MARKUP_COMPATIBILITY}Fallback"
            for ancestor in paragraph.iterancestors()
        ):
            yield "".join(word_runs(paragraph))


def word_runs(element):
    """The pieces of text of a Word paragraph: its text, tabs and line breaks, without the
    deleted text of tracked changes (w:delText) and field codes (w:instrText)."""
    for child in element:
        if child.tag in (f"{WORD}p", f"{MARKUP_COMPATIBILITY}Fallback"):
            continue  # a paragraph in a text box is a paragraph of its own
        if child.tag == f"{WORD}t":
            yield child.text or ""
        elif child.tag == f"{WORD}tab":
            yield "\t"
        elif child.tag in (f"{WORD}br", f"{WORD}cr"):
            yield "\n"
        else:
            yield from word_runs(child)


def read_xlsx(path):
    import openpyxl

    # The bytes, not the path: openpyxl refuses a path without a spreadsheet's extension, and
    # stored files are named by their hash. Read-only mode streams rows instead of building
    # every cell; data_only gives the values formulas last computed to, which the sheet shows.
    content = io.BytesIO(Path(path).read_bytes())
    workbook = openpyxl.load_workbook(content, read_only=True, data_only=True)
    return None, spreadsheet_rows(workbook)


def spreadsheet_rows(workbook):
    for worksheet in workbook.worksheets:
        yield worksheet.title
        # The dimensions a file declares can be wrong (or huge on purpose); without them rows
        # are not padded to the declared width.
        worksheet.reset_dimensions()
        for row in worksheet.iter_rows(values_only=True):
            yield " ".join(str(value) for value in row if value is not None)


def read_pptx(path):
    import pptx

    slides = pptx.Presentation(path).slides
    return len(slides), presentation_texts(slides)


def presentation_texts(slides):
    for slide in slides:
        yield from shape_texts(slide.shapes)
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            yield slide.notes_slide.notes_text_frame.text


def shape_texts(shapes):
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    for shape in shapes:
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            yield from shape_texts(shape.shapes)
        elif shape.has_text_frame:
            yield shape.text_frame.text
        elif shape.has_table:
            for row in shape.table.rows:
                yield from (cell.text for cell in row.cells)


def read_odt(path):
    from defusedxml import ElementTree

    with zipfile.ZipFile(path) as package:
        if "META-INF/manifest.xml" in package.namelist():
            manifest = ElementTree.fromstring(package.read("META-INF/manifest.xml"))
            if manifest.find(f".//{ODF_MANIFEST}encryption-data") is not None:
                raise Encrypted("OpenDocument package with encrypted entries")
        content = ElementTree.fromstring(package.read("content.xml"))
    return None, odf_paragraphs(content)


def odf_paragraphs(element):
    """The text of each paragraph and heading in `element` (table cells hold paragraphs too),
    in order; a paragraph inside another (a footnote, a text box) is one of its own."""
    if element.tag in ODF_PARAGRAPHS:
        parts, inner = [], []
        odf_inline(element, parts, inner)
        yield "".join(parts)
        for nested in inner:
            yield from odf_paragraphs(nested)
    else:
        for child in element:
            yield from odf_paragraphs(child)


def odf_inline(element, parts, inner):
    """Append the text of the paragraph `element` to `parts`, and to `inner` the elements in it
    that hold paragraphs of their own."""
    parts.append(element.text or "")
    for child in element:
        if child.tag in (f"{ODF_TEXT}s", f"{ODF_TEXT}tab"):
            parts.append(" ")
        elif child.tag == f"{ODF_TEXT}line-break":
            parts.append("\n")
        elif child.tag == f"{ODF_TEXT}note-citation":
            pass  # the footnote's number, which would stick to the word before it
        elif any(descendant.tag in ODF_PARAGRAPHS for descendant in child.iter()):
            inner.append(child)
        else:
            odf_inline(child, parts, inner)
        parts.append(child.tail or "")


def read_text(path):
    return None, text_pieces(path)


def text_pieces(path):
    """The text of a plain-text or CSV file, a piece at a time, each ending at a line break.

    UTF-8 (with or without a byte order mark) or UTF-16 with one; anything else is read as
    UTF-8 with undecodable bytes replaced. A CSV file is read as text: the search index splits
    words at commas and quotes anyway, and a malformed CSV still gives its text.
    """
    with open(path, "rb") as raw:
        is_utf16 = raw.read(2) in (b"\xff\xfe", b"\xfe\xff")
        raw.seek(0)
        encoding = "utf-16" if is_utf16 else "utf-8-sig"
        stream = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
        pending = ""
        while chunk := stream.read(TEXT_CHUNK_CHARACTERS):
            pending += chunk
            cut = line_end(pending)
            if cut:
                yield pending[:cut]
                pending = pending[cut:]
        yield pending


def line_end(text):
    """Where `text` can be cut without splitting a line: after its last line break, or after
    its last space when it is too long a line; 0 when it is better kept whole for now."""
    last_break = max(text.rfind("\n"), text.rfind("\r"))
    if last_break >= 0:
        return last_break + 1
    if len(text) > MAX_TEXT_LINE:
        return text.rfind(" ") + 1 or len(text)
    return 0


READERS = {
    files.PDF.name: read_pdf,
    files.DOCX.name: read_docx,
    files.XLSX.name: read_xlsx,
    files.PPTX.name: read_pptx,
    files.ODT.name: read_odt,
    files.TXT.name: read_text,
    files.CSV.name: read_text,
}


def main(arguments):
    """Run as `python -m portal.library.extraction kind path max_chars`: print the Extraction
    as JSON on standard output."""
    limit_resources()
    kind_name, path, max_chars = arguments
    # A parser printing something would corrupt the answer; everything it prints goes to
    # standard error, which the parent only reads when the child fails.
    answer = sys.stdout.buffer
    sys.stdout = sys.stderr
    result = read_document(kind_name, path, int(max_chars))
    answer.write(json.dumps(asdict(result)).encode("ascii"))
    answer.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
