"""Real files for tests, made in memory: PDF, Word, Excel, PowerPoint, OpenDocument text, plain
text and CSV, as the programs people use would write them, plus an executable to pass off as one.

Every function returns the file's bytes. PDFs are written with DejaVu Sans when the machine has
it, so that Cyrillic text is real text in the file (reportlab's built-in fonts only cover Latin
scripts); `UNICODE_PDF_FONT` is None otherwise, and tests that need Cyrillic in a PDF skip.
Arabic and Chinese are not put in PDFs: DejaVu Sans has no Chinese, and reportlab neither
shapes Arabic nor orders it right to left, so the other formats carry those scripts.
"""

import csv
import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import docx
import openpyxl
import pptx
from pptx.util import Inches
from reportlab.lib.pagesizes import A4
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
)
#: The TrueType font PDFs are written with, or None when the machine has none of the candidates.
UNICODE_PDF_FONT = next((path for path in FONT_CANDIDATES if path.is_file()), None)
if UNICODE_PDF_FONT is not None:
    pdfmetrics.registerFont(TTFont("DejaVuSans", str(UNICODE_PDF_FONT)))
PDF_FONT = "DejaVuSans" if UNICODE_PDF_FONT is not None else "Helvetica"
PDF_FONT_SIZE = 11
PDF_MARGIN = 72

ODT_MIMETYPE = "application/vnd.oasis.opendocument.text"
ODF_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
)
ODT_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
    'manifest:version="1.2">'
    f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{ODT_MIMETYPE}"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def pdf_canvas(buffer, **options):
    # Invariant: no creation date or random id in the file, so equal arguments give equal bytes.
    return canvas.Canvas(buffer, pagesize=A4, invariant=True, **options)


def draw_page(pdf, text):
    """Write `text` on the current page, one line per line of text, wrapped to the margins."""
    width, height = A4
    pdf.setFont(PDF_FONT, PDF_FONT_SIZE)
    y = height - PDF_MARGIN
    for line in text.splitlines():
        for piece in simpleSplit(line, PDF_FONT, PDF_FONT_SIZE, width - 2 * PDF_MARGIN) or [""]:
            pdf.drawString(PDF_MARGIN, y, piece)
            y -= PDF_FONT_SIZE * 1.4


def pdf_bytes(pages):
    """A PDF with one page per string of `pages`, each written as real (extractable) text.

    An empty string makes a blank page. Latin and Cyrillic text only (see the module's note).
    """
    buffer = io.BytesIO()
    pdf = pdf_canvas(buffer)
    for text in pages:
        draw_page(pdf, text)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def scanned_pdf_bytes(pages=1):
    """A PDF whose pages show grey bars where lines of text would be, and hold no text at all,
    like a scan without text recognition."""
    buffer = io.BytesIO()
    pdf = pdf_canvas(buffer)
    width, height = A4
    for _ in range(pages):
        pdf.setFillGray(0.6)
        for line in range(30):
            bar = (width - 2 * PDF_MARGIN) * (0.6 + 0.4 * ((line * 7) % 5) / 5)
            pdf.rect(PDF_MARGIN, height - PDF_MARGIN - line * 20, bar, 9, stroke=0, fill=1)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def encrypted_pdf_bytes(text, password):
    """A one-page PDF with `text`, encrypted (RC4, 128 bits) so that it opens only with
    `password`. With an empty `password` anyone can open it, and only the owner password
    (another one) protects its permissions, as in many published PDFs."""
    encryption = StandardEncryption(password, ownerPassword="owner " + password, strength=128)
    buffer = io.BytesIO()
    pdf = pdf_canvas(buffer, encrypt=encryption)
    draw_page(pdf, text)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def docx_bytes(paragraphs, table_rows=None, *, header=None, footer=None):
    """A Word document: the `paragraphs`, then a table of `table_rows` (lists of cell texts)
    if given, with `header` and `footer` text on every page if given."""
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table_rows:
        table = document.add_table(rows=0, cols=max(len(row) for row in table_rows))
        for row in table_rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row, strict=False):
                cell.text = value
    section = document.sections[0]
    if header is not None:
        section.header.paragraphs[0].text = header
    if footer is not None:
        section.footer.paragraphs[0].text = footer
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_bomb_bytes(unpacked_size):
    """A Word document of a few megabytes whose main part unpacks to `unpacked_size` bytes of
    spaces: a decompression bomb. Its archive declares the true size."""
    template = zipfile.ZipFile(io.BytesIO(docx_bytes([""])))
    buffer = io.BytesIO()
    chunk = b" " * (1024 * 1024)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for entry in template.infolist():
            if entry.filename != "word/document.xml":
                archive.writestr(entry.filename, template.read(entry))
                continue
            with archive.open("word/document.xml", "w") as part:
                for _ in range(unpacked_size // len(chunk)):
                    part.write(chunk)
                part.write(chunk[: unpacked_size % len(chunk)])
    return buffer.getvalue()


def xlsx_bytes(sheets):
    """An Excel workbook with one worksheet per item of `sheets`: its name, and its rows as
    lists of cell values (text, numbers, dates, None for an empty cell)."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        worksheet = workbook.create_sheet(name)
        for row in rows:
            worksheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def pptx_bytes(slides, notes=None, *, table_rows=None):
    """A PowerPoint presentation with one slide per string of `slides` (in a text box), the
    speaker notes `notes[i]` on slide i where given, and a table of `table_rows` on the first
    slide if given."""
    presentation = pptx.Presentation()
    blank = presentation.slide_layouts[6]
    for number, text in enumerate(slides):
        slide = presentation.slides.add_slide(blank)
        box = slide.shapes.add_textbox(Inches(0.5), Inches(0.5), Inches(9), Inches(2))
        box.text_frame.text = text
        if notes and number < len(notes) and notes[number]:
            slide.notes_slide.notes_text_frame.text = notes[number]
        if table_rows and number == 0:
            columns = max(len(row) for row in table_rows)
            shape = slide.shapes.add_table(
                len(table_rows), columns, Inches(0.5), Inches(3), Inches(9), Inches(3)
            )
            for row_number, row in enumerate(table_rows):
                for column, value in enumerate(row):
                    shape.table.cell(row_number, column).text = value
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()


def odt_bytes(paragraphs, table_rows=None):
    """An OpenDocument text: the `paragraphs`, then a table of `table_rows` if given.

    The smallest package office suites open: `mimetype` first and stored uncompressed (that is
    how the format is recognised), a manifest, and content.xml.
    """
    body = "".join(f"<text:p>{escape(paragraph)}</text:p>" for paragraph in paragraphs)
    if table_rows:
        rows = "".join(
            "<table:table-row>"
            + "".join(
                f"<table:table-cell><text:p>{escape(value)}</text:p></table:table-cell>"
                for value in row
            )
            + "</table:table-row>"
            for row in table_rows
        )
        body += f'<table:table table:name="Table1">{rows}</table:table>'
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<office:document-content {ODF_NAMESPACES} office:version="1.2">'
        f"<office:body><office:text>{body}</office:text></office:body>"
        "</office:document-content>"
    )
    return odf_package({"META-INF/manifest.xml": ODT_MANIFEST, "content.xml": content})


def odf_package(entries):
    """An OpenDocument text package: `mimetype`, then `entries` (name -> str or bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", ODT_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def text_bytes(text, encoding="utf-8"):
    """`text` encoded as a plain-text file would be: "utf-8-sig" adds the UTF-8 byte order mark,
    "utf-16" writes UTF-16 with its byte order mark."""
    return text.encode(encoding)


def csv_bytes(rows):
    """A comma-separated UTF-8 file of `rows` (lists of values), quoted where needed."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def executable_bytes():
    """The start of a 64-bit Linux executable (an ELF header) followed by junk: what an
    attacker would upload under a document's name."""
    header = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00\x01\x00\x00\x00"
    return header + bytes(range(256)) * 16
