"""The file store: kinds recognised by their bytes (never their name), everything else refused
with nothing written, one file on disk per content, and downloads that are attachments with
a header no file name can break."""

import hashlib
import io
import struct
import zipfile
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree

import pytest
from werkzeug.http import parse_options_header

from portal.core import files
from portal.core.files import FileRejected, open_stored, send_stored, store

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/{part}" ContentType="{content_type}"/>'
    "{more}</Types>"
)
RELATIONSHIPS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="{part}"/></Relationships>'
)
OOXML = {
    "docx": (
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ),
    "xlsx": (
        "xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    ),
    "pptx": (
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    ),
}


def zip_of(entries):
    """A ZIP archive of (name, content) pairs, in that order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries:
            archive.writestr(name, content)
    return buffer.getvalue()


def minimal_pdf():
    """A one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    pdf = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return pdf


def ooxml_content_types(kind, content_type=None, more=""):
    part, main_type = OOXML[kind]
    return CONTENT_TYPES.format(part=part, content_type=content_type or main_type, more=more)


def ooxml(kind, content_type=None, extra=(), more_types=""):
    """A minimal DOCX, XLSX or PPTX: content types, package relationships and the main part."""
    part, _ = OOXML[kind]
    return zip_of(
        [
            ("[Content_Types].xml", ooxml_content_types(kind, content_type, more_types)),
            ("_rels/.rels", RELATIONSHIPS.format(part=part)),
            (part, '<?xml version="1.0" encoding="UTF-8"?><root/>'),
            *extra,
        ]
    )


def odt():
    """A minimal OpenDocument text: `mimetype` first and uncompressed, as the standard asks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>',
            zipfile.ZIP_DEFLATED,
        )
        archive.writestr("content.xml", "<office:document-content/>", zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


TEXT = "Report on transfers of conventional arms, 2025.\nЭкспорт — ٢٠٢٥ — 出口\n".encode()
CSV_TEXT = b"State,Category,Units\nAustria,II,12\nBelgium,VII,340\n"


def files_on_disk(app):
    """Every file under the store, temporary ones included."""
    return sorted(p for p in Path(app.config["PORTAL_FILES_DIR"]).rglob("*") if p.is_file())


def refused(app, data, name):
    """Store `data`, expecting a refusal that leaves the disk as it was; returns the message."""
    before = files_on_disk(app)
    with pytest.raises(FileRejected) as caught:
        store(data, name)
    assert files_on_disk(app) == before
    with app.test_request_context():  # the message is translated for the reader
        return str(caught.value.message)


@pytest.mark.parametrize(
    "data, name, kind, download_name",
    [
        (minimal_pdf(), "Annual report.pdf", "pdf", "Annual report.pdf"),
        (minimal_pdf(), "x.docx", "pdf", "x.pdf"),
        (ooxml("docx"), "national report.pdf", "docx", "national report.docx"),
        (ooxml("xlsx"), "exports", "xlsx", "exports.xlsx"),
        (ooxml("pptx"), "slides.txt", "pptx", "slides.pptx"),
        (odt(), "statement.docx", "odt", "statement.odt"),
        (TEXT, "notes.txt", "txt", "notes.txt"),
        (b"\xef\xbb\xbf" + TEXT, "bom.txt", "txt", "bom.txt"),
        (TEXT, "notes.pdf", "txt", "notes.txt"),
        (CSV_TEXT, "transfers.csv", "csv", "transfers.csv"),
        (b"State;Units\nAustria;12\nBelgium;340\n", "semicolons.CSV", "csv", "semicolons.CSV"),
        (CSV_TEXT, "transfers.txt", "txt", "transfers.txt"),
        (TEXT, "prose.csv", "txt", "prose.txt"),
        (TEXT, "Report v1.2", "txt", "Report v1.2.txt"),
    ],
)
def test_an_accepted_file_is_recognised_by_its_bytes_whatever_its_name(
    app, data, name, kind, download_name
):
    stored = store(data, name)
    assert stored.kind.name == kind
    assert stored.kind.extension == kind
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.original_name == name
    assert stored.download_name == download_name


def test_the_kinds_carry_their_mime_types(app):
    assert store(minimal_pdf(), "a.pdf").kind.mime_type == "application/pdf"
    assert store(ooxml("docx"), "a").kind.mime_type == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert store(odt(), "a").kind.mime_type == "application/vnd.oasis.opendocument.text"
    assert store(CSV_TEXT, "a.csv").kind.mime_type == "text/csv"
    assert store(TEXT, "a.txt").kind.mime_type == "text/plain"


@pytest.mark.parametrize(
    "data, name",
    [
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200), "setup.pdf"),
        (b"\x7fELF\x02\x01\x01" + bytes(100), "tool.txt"),
        (b"<!DOCTYPE html><html><body>Hello</body></html>", "page.txt"),
        (b"  <HTML><body>Hello</body></HTML>", "page.txt"),
        (b"State,Units\nAustria,<script>alert(1)</script>\n", "data.csv"),
        (zip_of([("hello.txt", "hello")]), "archive.docx"),
        (ooxml("docx", "application/vnd.ms-word.document.macroEnabled.main+xml"), "m.docx"),
        (
            ooxml(
                "docx",
                extra=[("word/vbaProject.bin", b"\xd0\xcf\x11\xe0")],
                more_types='<Override PartName="/word/vbaProject.bin" '
                'ContentType="application/vnd.ms-office.vbaProject"/>',
            ),
            "macro.docx",
        ),
        (zip_of([("[Content_Types].xml", ooxml_content_types("docx"))]), "no main part.docx"),
        (zip_of([("mimetype", "application/vnd.oasis.opendocument.spreadsheet")]), "s.odt"),
        ("Bericht über Ausfuhren".encode("latin-1"), "latin1.txt"),
        (bytes(range(1, 32)) * 10, "controls.txt"),
    ],
    ids=[
        "exe",
        "elf",
        "html-doctype",
        "html-tag",
        "script",
        "plain-zip",
        "docm",
        "vba-project",
        "missing-main-part",
        "ods",
        "latin-1",
        "control-characters",
    ],
)
def test_other_content_is_refused_and_nothing_is_written(app, data, name):
    message = refused(app, data, name)
    assert message.startswith("This kind of file is not accepted.")


def test_a_content_types_part_with_a_dtd_is_refused_before_parsing(app):
    """Entities in a DTD can expand to gigabytes ("billion laughs"); Office never writes one.
    This one expands to the Word main type, so only the refusal of DTDs keeps it out."""
    part, main_type = OOXML["docx"]
    with_entity = (
        f'<?xml version="1.0"?><!DOCTYPE Types [<!ENTITY main "{main_type}">]>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Override PartName="/{part}" ContentType="&main;"/></Types>'
    )
    assert ElementTree.fromstring(with_entity)[0].get("ContentType") == main_type
    refused(app, zip_of([("[Content_Types].xml", with_entity), (part, "<root/>")]), "dtd.docx")


def test_a_zip_listing_too_many_entries_is_refused(app):
    part, _ = OOXML["docx"]
    entries = [("[Content_Types].xml", ooxml_content_types("docx")), (part, "<root/>")]
    entries += [(f"word/media/{n}.xml", "") for n in range(files.MAX_ZIP_ENTRIES - 1)]
    assert len(entries) == files.MAX_ZIP_ENTRIES + 1
    refused(app, zip_of(entries), "many.docx")


def test_a_zip_declaring_too_much_unpacked_content_is_refused(app):
    part, _ = OOXML["docx"]
    entries = [("[Content_Types].xml", ooxml_content_types("docx")), (part, "<root/>")]
    data = zip_of([*entries, ("word/media/big.bin", b"x")])
    # Declare the last entry 501 MB unpacked in the central directory (where zipfile reads
    # sizes): what a real bomb declares, without spending seconds deflating zeros here.
    size_field = data.rindex(b"PK\x01\x02") + 24
    declared = struct.pack("<I", files.MAX_ZIP_UNPACKED + files.MB)
    data = data[:size_field] + declared + data[size_field + 4 :]
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo("word/media/big.bin").file_size > (
        files.MAX_ZIP_UNPACKED
    )
    refused(app, data, "bomb.docx")


def test_an_empty_file_is_refused(app):
    assert refused(app, b"", "empty.pdf") == "The file is empty."
    assert refused(app, io.BytesIO(), "empty.pdf") == "The file is empty."


def test_a_file_over_the_size_limit_is_refused(app):
    app.config["MAX_CONTENT_LENGTH"] = files.MB
    assert store(b"a" * files.MB, "exactly.txt").size == files.MB
    message = refused(app, b"a" * (files.MB + 1), "over.txt")
    assert message == "The file is larger than 1 MB."
    assert refused(app, io.BytesIO(b"a" * (files.MB + 1)), "over.txt") == message


def test_an_endless_stream_is_read_only_up_to_the_limit(app):
    class Endless:
        read_in_total = 0

        def read(self, size=-1):
            assert size > 0, "store must not ask for everything"
            self.read_in_total += size
            return b"a" * size

    app.config["MAX_CONTENT_LENGTH"] = files.MB
    stream = Endless()
    refused(app, stream, "endless.txt")
    assert stream.read_in_total == files.MB + 1


def test_a_stream_is_stored_like_bytes(app):
    stored = store(io.BytesIO(minimal_pdf()), "stream.pdf")
    assert stored.sha256 == hashlib.sha256(minimal_pdf()).hexdigest()


def test_files_are_stored_by_content_hash_in_two_levels_of_folders(app):
    data = b"Layout check " + TEXT
    stored = store(data, "layout.txt")
    sha256 = hashlib.sha256(data).hexdigest()
    path = Path(app.config["PORTAL_FILES_DIR"]) / sha256[:2] / sha256[2:4] / sha256
    assert path.read_bytes() == data
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind
    assert stored.sha256 == sha256


def test_the_same_content_stored_twice_is_one_file_on_disk(app):
    data = b"Stored twice " + TEXT
    first = store(data, "first.txt")
    before = files_on_disk(app)
    path = files.stored_path(first.sha256)
    written = path.stat()
    second = store(io.BytesIO(data), "second name.txt")
    assert second.sha256 == first.sha256
    assert second.original_name == "second name.txt"
    assert files_on_disk(app) == before
    assert path.stat().st_mtime_ns == written.st_mtime_ns
    assert path.stat().st_ino == written.st_ino


@pytest.mark.parametrize(
    "name, cleaned",
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\delegate\\Desktop\\notes.txt", "notes.txt"),
        ("line\r\nbreak\x00.txt", "line break .txt"),
        ("evil\u202etxt.exe", "eviltxt.exe"),
        ("...hidden.txt", "hidden.txt"),
        ("  spaced   out.txt  ", "spaced out.txt"),
        ("Отчёт 2025.txt", "Отчёт 2025.txt"),
        ("", "document.txt"),
        (None, "document.txt"),
        ("../..", "document.txt"),
        ("\r\n", "document.txt"),
    ],
)
def test_the_original_name_is_cleaned(app, name, cleaned):
    assert store(TEXT, name).original_name == cleaned


def test_a_long_name_is_cut_to_200_characters_keeping_its_extension(app):
    stored = store(TEXT, "ж" * 300 + ".txt")
    assert len(stored.original_name) == 200
    assert stored.original_name.endswith("ж.txt")


def test_open_stored_returns_the_content(app):
    stored = store(minimal_pdf(), "open.pdf")
    with open_stored(stored.sha256) as handle:
        assert handle.read() == minimal_pdf()


@pytest.mark.parametrize(
    "sha256",
    [
        "../../etc/passwd",
        "g" * 64,
        "A" * 64,
        "a" * 63,
        "a" * 65,
        "../" + "a" * 61,
        "a" * 64 + "\n",
        None,
    ],
)
def test_open_stored_refuses_anything_but_a_hex_digest(app, sha256):
    with pytest.raises(ValueError):
        open_stored(sha256)


def test_open_stored_raises_file_not_found_for_a_missing_file(app):
    with pytest.raises(FileNotFoundError):
        open_stored("0" * 64)


def download(app, sha256, name, mime_type, **request):
    with app.test_request_context(**request):
        response = send_stored(sha256, name, mime_type)
        response.direct_passthrough = False
        body = response.get_data()
        response.close()
    return response, body


def disposition(response):
    value, options = parse_options_header(response.headers["Content-Disposition"])
    assert value == "attachment"
    return options


def test_send_stored_sends_an_attachment_that_no_cache_keeps(app):
    stored = store(minimal_pdf(), "report.pdf")
    response, body = download(app, stored.sha256, stored.download_name, stored.kind.mime_type)
    assert response.status_code == 200
    assert body == minimal_pdf()
    assert response.mimetype == "application/pdf"
    assert disposition(response)["filename"] == "report.pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["ETag"] == f'"{stored.sha256}"'


def test_send_stored_answers_range_requests(app):
    stored = store(minimal_pdf(), "report.pdf")
    response, body = download(
        app, stored.sha256, "report.pdf", "application/pdf", headers={"Range": "bytes=0-7"}
    )
    assert response.status_code == 206
    assert body == b"%PDF-1.4"


def test_text_is_sent_as_utf_8(app):
    stored = store(TEXT, "notes.txt")
    response, body = download(app, stored.sha256, "notes.txt", "text/plain")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert body == TEXT


def test_send_stored_keeps_quotes_from_breaking_the_file_name(app):
    stored = store(minimal_pdf(), "x.pdf")
    response, _ = download(app, stored.sha256, 'report "final".pdf', "application/pdf")
    assert disposition(response)["filename"] == "report 'final'.pdf"


def test_send_stored_encodes_a_non_ascii_name_for_rfc_5987(app):
    stored = store(minimal_pdf(), "x.pdf")
    response, _ = download(app, stored.sha256, "Отчёт 2025.pdf", "application/pdf")
    header = response.headers["Content-Disposition"]
    assert f"filename*=UTF-8''{quote('Отчёт 2025.pdf')}" in header
    assert header.isascii()
    assert disposition(response)["filename"] == "Отчёт 2025.pdf"


def test_no_name_can_inject_a_header_or_a_folder(app):
    stored = store(minimal_pdf(), "x.pdf")
    response, _ = download(app, stored.sha256, "../../evil\r\nX-Injected: 1.pdf", "application/pdf")
    assert "X-Injected" not in response.headers
    for name, value in response.headers.items():
        assert "\r" not in value and "\n" not in value, name
    filename = disposition(response)["filename"]
    assert filename == "evil X-Injected: 1.pdf"
    assert "/" not in filename and "\\" not in filename


def test_an_empty_download_name_falls_back_to_the_kind(app):
    stored = store(ooxml("xlsx"), "x.xlsx")
    response, _ = download(app, stored.sha256, "../", stored.kind.mime_type)
    assert disposition(response)["filename"] == "document.xlsx"


def test_send_stored_refuses_a_bad_hash_and_a_missing_file(app):
    with app.test_request_context():
        with pytest.raises(ValueError):
            send_stored("../../etc/passwd", "passwd", "text/plain")
        with pytest.raises(FileNotFoundError):
            send_stored("f" * 64, "missing.pdf", "application/pdf")
