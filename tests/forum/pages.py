"""Reading forum pages as a person does: their text, table rows and list items, whatever the
markup around them (badges, `<bdi>`, classes), so that the tests say what a reader sees."""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Block:
    """A table row (`cells`: the text of each cell) or a list item, with the links inside it."""

    cells: list = field(default_factory=list)
    links: list = field(default_factory=list)
    parts: list = field(default_factory=list)

    @property
    def text(self):
        return " ".join("".join(self.parts).split())


class _Reader(HTMLParser):
    SKIPPED = frozenset({"script", "style", "textarea", "select", "option"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.rows, self.items, self.open_items = [], [], [], []
        self.row = None
        self.cell = None
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag == "tr":
            self.row = Block()
            self.rows.append(self.row)
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
            self.row.cells.append(self.cell)
        elif tag == "li":
            item = Block()
            self.items.append(item)
            self.open_items.append(item)
        elif tag == "a" and attrs.get("href"):
            for block in self.open_blocks():
                block.links.append(attrs["href"])
        if tag in ("br", "p", "li", "td", "th", "div", "h1", "h2", "h3"):
            self.data(" ")

    def handle_endtag(self, tag):
        if tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "tr":
            self.row = None
            self.cell = None
        elif tag in ("td", "th"):
            self.cell = None
        elif tag == "li" and self.open_items:
            self.open_items.pop()
        if tag in ("p", "li", "td", "th", "div", "h1", "h2", "h3"):
            self.data(" ")

    def open_blocks(self):
        return ([self.row] if self.row is not None else []) + self.open_items

    def data(self, text):
        self.parts.append(text)
        if self.cell is not None:
            self.cell.append(text)
        for block in self.open_blocks():
            block.parts.append(text)

    def handle_data(self, text):
        if not self.skipping:
            self.data(text)


@dataclass
class Page:
    text: str
    rows: list
    items: list

    def has(self, words):
        """Whether the page shows `words` as they are, not as part of a longer word or number."""
        return re.search(rf"(?<![\w-]){re.escape(words)}(?![\w-])", self.text) is not None

    def row_linking(self, href):
        """The table row with a link to `href`, or None."""
        return next((row for row in self.rows if href in row.links), None)


class _Markup(HTMLParser):
    """Every element and attribute of a page, to look for anything that could run or load."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag in ("iframe", "object", "embed", "svg", "math", "img", "style", "base"):
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            value = "".join((value or "").split()).lower()
            if name.startswith("on") or name == "style":
                self.problems.append(f"<{tag} {name}>")
            if name in ("href", "src", "action", "formaction") and value.startswith(
                ("javascript:", "data:", "vbscript:")
            ):
                self.problems.append(f"<{tag} {name}={value}>")
            if tag == "script" and name == "src" and not value.startswith("/static/"):
                self.problems.append(f"<script src={value}>")

    def handle_data(self, data):
        if self.lasttag == "script" and data.strip():
            self.problems.append(f"inline script {data.strip()[:40]!r}")


def active_content(response_or_html):
    """What in a page could run code or load from elsewhere, beyond the portal's own script:
    elements such as iframe or svg, event handlers, style attributes and script links."""
    html = response_or_html
    if not isinstance(html, str):
        html = response_or_html.get_data(as_text=True)
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return parser.problems


def read(response_or_html):
    html = response_or_html
    if not isinstance(html, str):
        html = response_or_html.get_data(as_text=True)
    reader = _Reader()
    reader.feed(html)
    reader.close()
    for row in reader.rows:
        row.cells = [" ".join("".join(cell).split()) for cell in row.cells]
    return Page(" ".join("".join(reader.parts).split()), reader.rows, reader.items)
