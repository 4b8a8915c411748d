"""Text extraction of uploaded files: each format gives its text in every script the portal
works in; protected, damaged, empty, long, slow and hostile files give a status saying so, and
never an exception or a child process left running."""

import io
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from portal.core.files import FileRejected, detect_kind
from portal.library import extraction
from portal.library.extraction import (
    EMPTY,
    ENCRYPTED,
    OK,
    STATUSES,
    TIMEOUT,
    TOO_LARGE,
    UNREADABLE,
    extract,
    reason,
)
from tests.library import documents

#: Generous: a loaded test machine must not turn a slow start into a TIMEOUT.
TIMEOUT_SECONDS = 60
PROJECT_ROOT = Path(__file__).resolve().parents[2]

ENGLISH = "The Arms Trade Treaty regulates the international trade in conventional arms."
FRENCH = "Le Traité sur le commerce des armes réglemente le commerce international des armes."
RUSSIAN = "Договор о торговле оружием регулирует международную торговлю обычными вооружениями."
ARABIC = "تنظم معاهدة تجارة الأسلحة التجارة الدولية في الأسلحة التقليدية."
CHINESE = "《武器贸易条约》规范常规武器的国际贸易。"

needs_unicode_font = pytest.mark.skipif(
    documents.UNICODE_PDF_FONT is None, reason="no TrueType font with Cyrillic for reportlab"
)


def extracted(tmp_path, data, kind, *, max_chars=100_000, timeout_seconds=TIMEOUT_SECONDS):
    """The Extraction of `data` stored as a file named like the store names files (no
    extension)."""
    path = tmp_path / ("0" * 64)
    path.write_bytes(data)
    return extract(path, kind, timeout_seconds=timeout_seconds, max_chars=max_chars)


def running_commands_with(fragment):
    """The command lines of running processes that contain `fragment`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue  # the process ended meanwhile
            if fragment in command:
                found.append(command)
    return found


# The generated files are what the upload check recognises --------------------------------


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        pytest.param(documents.pdf_bytes([ENGLISH]), "a.pdf", "pdf", id="pdf"),
        pytest.param(documents.scanned_pdf_bytes(), "a.pdf", "pdf", id="scanned-pdf"),
        pytest.param(documents.encrypted_pdf_bytes(ENGLISH, "pw"), "a.pdf", "pdf", id="enc-pdf"),
        pytest.param(documents.docx_bytes([ENGLISH], [["a", "b"]]), "a.docx", "docx", id="docx"),
        pytest.param(documents.xlsx_bytes({"Sheet": [["a", 1]]}), "a.xlsx", "xlsx", id="xlsx"),
        pytest.param(documents.pptx_bytes([ENGLISH], [FRENCH]), "a.pptx", "pptx", id="pptx"),
        pytest.param(documents.odt_bytes([ENGLISH], [["a"]]), "a.odt", "odt", id="odt"),
        pytest.param(documents.text_bytes(ENGLISH), "a.txt", "txt", id="txt"),
        pytest.param(documents.text_bytes(ENGLISH, "utf-8-sig"), "a.txt", "txt", id="txt-bom"),
        pytest.param(documents.csv_bytes([["a", "b"], ["1", "2"]]), "a.csv", "csv", id="csv"),
    ],
)
def test_generated_files_are_recognised_as_their_kind(data, name, kind):
    assert detect_kind(data, name).name == kind


def test_the_generated_executable_is_refused_whatever_its_name():
    with pytest.raises(FileRejected):
        detect_kind(documents.executable_bytes(), "report.pdf")


# Formats and scripts ------------------------------------------------------------------------


def test_pdf_text_page_by_page(tmp_path):
    result = extracted(tmp_path, documents.pdf_bytes([ENGLISH, FRENCH]), "pdf")

    assert result.status == OK
    assert result.pages == 2
    # Lines longer than the page are wrapped: compare words.
    assert result.text.split() == f"{ENGLISH} {FRENCH}".split()


@needs_unicode_font
def test_pdf_in_cyrillic(tmp_path):
    result = extracted(tmp_path, documents.pdf_bytes([RUSSIAN]), "pdf")

    assert (result.status, result.pages) == (OK, 1)
    assert result.text.split() == RUSSIAN.split()


def test_pdf_protected_by_a_password_is_encrypted(tmp_path):
    result = extracted(tmp_path, documents.encrypted_pdf_bytes(ENGLISH, "secret"), "pdf")

    assert (result.status, result.text) == (ENCRYPTED, "")


def test_pdf_encrypted_only_to_restrict_permissions_is_read(tmp_path):
    result = extracted(tmp_path, documents.encrypted_pdf_bytes(ENGLISH, ""), "pdf")

    assert (result.status, result.text.split()) == (OK, ENGLISH.split())


def test_pdf_without_text_is_empty(tmp_path):
    result = extracted(tmp_path, documents.scanned_pdf_bytes(pages=2), "pdf")

    assert (result.status, result.text, result.pages) == (EMPTY, "", 2)


def test_docx_paragraphs_tables_header_and_footer_in_five_scripts(tmp_path):
    data = documents.docx_bytes(
        [ENGLISH, FRENCH, RUSSIAN, ARABIC, CHINESE],
        table_rows=[["Exporter", "Importer"], ["Côte d'Ivoire", "Казахстан"]],
        header="ATT/CSP11/2025/SEC/800",
        footer="Page footer",
    )

    result = extracted(tmp_path, data, "docx")

    assert result.status == OK
    assert result.pages is None
    assert result.text.splitlines() == [
        ENGLISH,
        FRENCH,
        RUSSIAN,
        ARABIC,
        CHINESE,
        "Exporter",
        "Importer",
        "Côte d'Ivoire",
        "Казахстан",
        "ATT/CSP11/2025/SEC/800",
        "Page footer",
    ]


def test_docx_tracked_changes_content_controls_and_text_boxes(tmp_path):
    # A text box is written twice, for new and for old versions of Word; deleted text is kept
    # in the file as long as the change is not accepted.
    body = (
        "<w:p><w:r><w:t>Before</w:t></w:r>"
        '<w:ins w:id="1" w:author="A"><w:r><w:t xml:space="preserve"> inserted</w:t></w:r></w:ins>'
        '<w:del w:id="2" w:author="A"><w:r><w:delText> deleted</w:delText></w:r></w:del></w:p>'
        "<w:sdt><w:sdtContent><w:p><w:r><w:t>In a content control</w:t></w:r></w:p>"
        "</w:sdtContent></w:sdt>"
        "<w:p><w:r><mc:AlternateContent>"
        '<mc:Choice Requires="wps"><w:drawing><wps:txbx><w:txbxContent>'
        "<w:p><w:r><w:t>In a text box</w:t></w:r></w:p></w:txbxContent></wps:txbx></w:drawing>"
        "</mc:Choice>"
        "<mc:Fallback><w:pict><v:textbox><w:txbxContent>"
        "<w:p><w:r><w:t>In a text box</w:t></w:r></w:p></w:txbxContent></v:textbox></w:pict>"
        "</mc:Fallback></mc:AlternateContent></w:r>"
        "<w:r><w:t>After</w:t><w:tab/><w:t>the box</w:t></w:r></w:p>"
    )

    result = extracted(tmp_path, docx_with_body(body), "docx")

    assert result.text.splitlines() == [
        "Before inserted",
        "In a content control",
        "After the box",
        "In a text box",
    ]


def docx_with_body(body):
    """A Word document whose body is the WordprocessingML `body`."""
    namespaces = {
        "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
        "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
        "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
        "v": "urn:schemas-microsoft-com:vml",
    }
    declarations = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in namespaces.items())
    document_xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f"<w:document {declarations}><w:body>{body}</w:body></w:document>"
    )
    template = zipfile.ZipFile(io.BytesIO(documents.docx_bytes([""])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in template.infolist():
            if entry.filename == "word/document.xml":
                archive.writestr(entry.filename, document_xml)
            else:
                archive.writestr(entry.filename, template.read(entry))
    return buffer.getvalue()


def test_xlsx_sheet_names_and_cell_values(tmp_path):
    data = documents.xlsx_bytes(
        {
            "Exports 2024": [["Category", "Units"], ["Battle tanks", 12], [None, 3.5]],
            "Données": [["Véhicules blindés", "Бронемашины"]],
        }
    )

    result = extracted(tmp_path, data, "xlsx")

    assert result.status == OK
    assert result.text.splitlines() == [
        "Exports 2024",
        "Category Units",
        "Battle tanks 12",
        "3.5",
        "Données",
        "Véhicules blindés Бронемашины",
    ]


def test_pptx_slides_tables_and_notes(tmp_path):
    data = documents.pptx_bytes(
        [ENGLISH, RUSSIAN],
        notes=[FRENCH, None],
        table_rows=[["Small arms", "Light weapons"]],
    )

    result = extracted(tmp_path, data, "pptx")

    assert result.status == OK
    assert result.pages == 2
    assert result.text.splitlines() == [ENGLISH, "Small arms", "Light weapons", FRENCH, RUSSIAN]


def test_odt_paragraphs_and_table_cells(tmp_path):
    data = documents.odt_bytes([ENGLISH, FRENCH, RUSSIAN], [["Annex I", "Приложение"]])

    result = extracted(tmp_path, data, "odt")

    assert result.status == OK
    assert result.text.splitlines() == [ENGLISH, FRENCH, RUSSIAN, "Annex I", "Приложение"]


def test_odt_spacing_line_breaks_notes_and_spans(tmp_path):
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<office:document-content {documents.ODF_NAMESPACES}>"
        "<office:body><office:text>"
        '<text:h text:outline-level="1">Chapter <text:span>one</text:span></text:h>'
        "<text:p>Arms<text:s text:c='3'/>trade<text:tab/>treaty<text:line-break/>next line"
        "<text:note><text:note-citation>1</text:note-citation>"
        "<text:note-body><text:p>A footnote.</text:p></text:note-body></text:note> continues"
        "</text:p>"
        "</office:text></office:body></office:document-content>"
    )
    data = documents.odf_package(
        {"META-INF/manifest.xml": documents.ODT_MANIFEST, "content.xml": content}
    )

    result = extracted(tmp_path, data, "odt")

    assert result.text.splitlines() == [
        "Chapter one",
        "Arms trade treaty",
        "next line continues",
        "A footnote.",
    ]


def test_odt_with_encrypted_content_is_encrypted(tmp_path):
    manifest = documents.ODT_MANIFEST.replace(
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>',
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
        '<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="AA==">'
        '<manifest:algorithm manifest:algorithm-name="Blowfish CFB" '
        'manifest:initialisation-vector="AA=="/>'
        "</manifest:encryption-data></manifest:file-entry>",
    )
    data = documents.odf_package(
        {"META-INF/manifest.xml": manifest, "content.xml": os.urandom(512)}
    )

    assert extracted(tmp_path, data, "odt").status == ENCRYPTED


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"], ids=str
)
def test_text_in_every_script_and_encoding(tmp_path, encoding):
    text = "\n".join([ENGLISH, FRENCH, RUSSIAN, ARABIC, CHINESE])
    if encoding.startswith("utf-16-"):
        text = "\ufeff" + text  # the byte order mark, which the plain codec writes itself

    result = extracted(tmp_path, documents.text_bytes(text, encoding), "txt")

    assert result.status == OK
    assert result.text.splitlines() == [ENGLISH, FRENCH, RUSSIAN, ARABIC, CHINESE]


def test_text_that_is_not_utf8_keeps_what_can_be_read(tmp_path):
    data = "Déclaration finale".encode("latin-1")

    result = extracted(tmp_path, data, "txt")

    assert (result.status, result.text) == (OK, "D\ufffdclaration finale")


def test_csv_cells(tmp_path):
    data = documents.csv_bytes([["State", "Report"], ["Côte d'Ivoire", "Annual report, 2024"]])

    result = extracted(tmp_path, data, "csv")

    assert result.status == OK
    assert result.text.splitlines() == ["State,Report", 'Côte d\'Ivoire,"Annual report, 2024"']


def test_text_is_normalised(tmp_path):
    text = (
        "  Arms\t trade \u00a0 treaty  \r\n\r\n\r\n"  # spaces, tabs, Windows line breaks
        "e\u0301tat\x00 \x07bell\x1b[0m\n"  # a decomposed accent; NUL, BEL, an escape sequence
        "trans\u00adfer\ufeff\u2028last\n"  # a soft hyphen, a stray BOM, a line separator
        "\n   \n"
    )

    result = extracted(tmp_path, documents.text_bytes(text), "txt")

    assert result.text == "Arms trade treaty\n\u00e9tat bell[0m\ntransfer\nlast"


def test_long_text_file_read_in_pieces_keeps_its_lines(tmp_path):
    lines = [f"Line {number} of the report {'x' * (1 + number % 97)}" for number in range(20_000)]
    one_long_line = " ".join(["word"] * (extraction.MAX_TEXT_LINE // 4))

    result = extracted(
        tmp_path,
        documents.text_bytes("\n".join([*lines, one_long_line])),
        "txt",
        max_chars=10_000_000,
    )

    assert result.status == OK
    assert result.text.splitlines()[: len(lines)] == lines
    assert result.text.split() == "\n".join([*lines, one_long_line]).split()


# Long, damaged, slow and hostile files ------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        pytest.param(lambda text: documents.text_bytes(text), "txt", id="txt"),
        pytest.param(lambda text: documents.docx_bytes(text.splitlines()), "docx", id="docx"),
        pytest.param(lambda text: documents.pdf_bytes(text.splitlines()), "pdf", id="pdf"),
    ],
)
def test_text_longer_than_the_limit_is_cut_and_kept(tmp_path, make, kind):
    # Short lines, which a PDF does not wrap.
    text = "\n".join(f"Paragraph {number} on transfers" for number in range(100))

    result = extracted(tmp_path, make(text), kind, max_chars=1000)

    assert result.status == TOO_LARGE
    assert result.text == text[:1000]


def test_text_exactly_at_the_limit_is_whole(tmp_path):
    result = extracted(tmp_path, documents.text_bytes(ENGLISH), "txt", max_chars=len(ENGLISH))

    assert (result.status, result.text) == (OK, ENGLISH)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        pytest.param(documents.pdf_bytes([ENGLISH] * 3)[:4000], "pdf", id="truncated-pdf"),
        pytest.param(b"%PDF-1.7\n" + os.urandom(2000), "pdf", id="random-pdf"),
        pytest.param(documents.docx_bytes([ENGLISH])[:3000], "docx", id="truncated-docx"),
        pytest.param(documents.xlsx_bytes({"S": [[ENGLISH]]})[:3000], "xlsx", id="trunc-xlsx"),
        pytest.param(documents.pptx_bytes([ENGLISH])[:9000], "pptx", id="truncated-pptx"),
        pytest.param(documents.odt_bytes([ENGLISH])[:300], "odt", id="truncated-odt"),
        pytest.param(
            documents.odf_package({"content.xml": "<office:document-content>unclosed"}),
            "odt",
            id="malformed-odt",
        ),
    ],
)
def test_damaged_file_is_unreadable(tmp_path, data, kind):
    result = extracted(tmp_path, data, kind)

    assert (result.status, result.text) == (UNREADABLE, "")
    assert result.detail


def test_corrupted_compressed_data_is_unreadable(tmp_path):
    data = bytearray(documents.docx_bytes([ENGLISH] * 50))
    # The first occurrence of the name is in the part's local header, right before its data.
    start = data.find(b"word/document.xml") + len("word/document.xml")
    data[start + 10 : start + 200] = os.urandom(190)

    assert extracted(tmp_path, bytes(data), "docx").status == UNREADABLE


def test_decompression_bomb_is_stopped_by_the_memory_limit(tmp_path):
    data = documents.docx_bomb_bytes(extraction.MEMORY_LIMIT + 128 * 1024 * 1024)

    result = extracted(tmp_path, data, "docx")

    assert result.status == UNREADABLE
    assert "out of memory" in result.detail


#: A stand-in for pypdf whose reader never returns, as a parser stuck on a hostile file would,
#: however fast the machine. The child finds it first through PYTHONPATH.
STUCK_PDF_PARSER = """
import signal

PasswordType = None


class PdfReader:
    def __init__(self, path):
        while True:
            signal.pause()
"""


def use_stuck_pdf_parser(folder, monkeypatch):
    (folder / "pypdf").mkdir(parents=True)
    (folder / "pypdf" / "__init__.py").write_text(STUCK_PDF_PARSER)
    search_path = [str(folder), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(search_path))


@pytest.mark.parametrize(
    ("is_parser_stuck", "timeout_seconds"),
    [
        pytest.param(False, 0.001, id="before-the-child-starts"),
        pytest.param(True, 2, id="while-it-parses"),
    ],
)
def test_slow_extraction_times_out_and_leaves_no_process(
    tmp_path, monkeypatch, is_parser_stuck, timeout_seconds
):
    if is_parser_stuck:
        use_stuck_pdf_parser(tmp_path / "parser", monkeypatch)
    data = documents.pdf_bytes([ENGLISH])

    started = time.monotonic()
    result = extracted(tmp_path, data, "pdf", timeout_seconds=timeout_seconds)

    assert (result.status, result.text) == (TIMEOUT, "")
    assert time.monotonic() - started < timeout_seconds + 5
    assert running_commands_with(str(tmp_path)) == []


# The interface ------------------------------------------------------------------------------


def test_unknown_kind_and_missing_file_are_errors_of_the_caller(tmp_path):
    (tmp_path / "file").write_bytes(b"text")

    with pytest.raises(ValueError):
        extract(tmp_path / "file", "exe", timeout_seconds=TIMEOUT_SECONDS, max_chars=100)
    with pytest.raises(ValueError):
        extract(tmp_path / "file", "txt", timeout_seconds=TIMEOUT_SECONDS, max_chars=0)
    with pytest.raises(FileNotFoundError):
        extract(tmp_path / "missing", "txt", timeout_seconds=TIMEOUT_SECONDS, max_chars=100)


def test_importing_the_module_loads_no_parser():
    parsers = ("pypdf", "docx", "openpyxl", "pptx", "defusedxml")
    command = (
        "import sys, portal.library.extraction; "
        f"print([name for name in {parsers!r} if name in sys.modules])"
    )

    completed = subprocess.run(
        [sys.executable, "-c", command], cwd=PROJECT_ROOT, capture_output=True, check=True
    )

    assert completed.stdout.strip() == b"[]"


def test_every_failure_has_a_reason_for_people(app):
    with app.test_request_context():  # the reason is translated for the reader
        for status in STATUSES:
            if status == OK:
                assert reason(status) is None
            else:
                assert str(reason(status)).endswith(".")
        assert str(reason(ENCRYPTED)) == (
            "This file is protected by a password, so its text could not be read."
        )
    with pytest.raises(ValueError):
        reason("done")
