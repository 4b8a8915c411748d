"""What people write, made safe to show: Markdown rendered to HTML and cleaned, once, when written.

Posts and messages keep their Markdown source (to edit) and the HTML made from it here (to
show); pages print that HTML as it is, so it must already be harmless. `clean_html` is the only
place that knows bleach: if bleach has to be replaced, this is the one module to change. Its
allow-list keeps what Markdown produces and the few classes the portal itself adds, and nothing
that can run code, load from elsewhere or restyle a page.
"""

import re
from functools import partial
from html.parser import HTMLParser

from bleach.html5lib_shim import Filter
from bleach.linkifier import LinkifyFilter, build_url_re
from bleach.sanitizer import Cleaner
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {"h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr"}
    | {"strong", "em", "b", "i", "s", "del", "ins", "sup", "sub"}
    | {"blockquote", "code", "pre", "ul", "ol", "li"}
    | {"table", "thead", "tbody", "tr", "th", "td"}
    | {"a", "span", "div"}
)
#: Classes the portal itself puts on `span` and `div` (a mention, a quoted post's author line).
ALLOWED_CLASSES = frozenset({"mention", "quote-attribution"})
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
#: On every link: no ranking credit for spam, no `window.opener` for the other site, and no
#: Referer, which would tell it the address of a restricted page.
LINK_REL = "nofollow noopener noreferrer"
#: Dropped together with their content: the text of a script or a style sheet is not prose.
DROPPED_WITH_CONTENT = frozenset({"script", "style"})

#: Plain URLs to turn into links. Only http(s): bleach's default list would also link `data:`
#: and a dozen other schemes, and links are added after the sanitizer has checked protocols.
_URL_RE = build_url_re(protocols=["http", "https"])
_NUMBER = re.compile(r"[1-9][0-9]{0,3}")

#: `@` and an email address, not preceded by a word character or `@`: "write to ana@example.org"
#: is an address, "@ana@example.org" a mention.
_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")

#: Elements after which the text of an excerpt needs a space ("<p>a</p><p>b</p>" is "a b").
_BLOCKS = frozenset(
    {"h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "pre", "div"}
    | {"ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td"}
)


def _allow_attribute(tag, name, value):
    """The attribute rules: which attributes each tag keeps, and for some, which values."""
    if tag == "a":
        return name in ("href", "title")  # bleach checks the href's protocol itself
    if tag in ("th", "td"):
        if name == "align":
            return value in ("left", "center", "right")
        return name in ("colspan", "rowspan") and _NUMBER.fullmatch(value) is not None
    if tag == "ol":
        return name == "start" and _NUMBER.fullmatch(value) is not None
    if tag in ("span", "div"):
        return name == "class" and set(value.split()) <= ALLOWED_CLASSES
    return False


def _link_rel(attrs, new=False):
    attrs[(None, "rel")] = LINK_REL
    return attrs


class _DropScriptsAndStyles(Filter):
    """Removes `script` and `style` elements and everything inside them.

    bleach strips a disallowed tag and keeps its text, which for a script is its code. So the
    cleaner lets these two tags through the parser, where they are parsed as real elements with
    raw-text content (a lone tag in the tokens would leave their text behind), and this filter,
    run right after the sanitizer, drops them whole.
    """

    def __iter__(self):
        depth = 0
        for token in super().__iter__():
            if token.get("name") in DROPPED_WITH_CONTENT:
                if token["type"] == "StartTag":
                    depth += 1
                elif token["type"] == "EndTag":
                    depth -= 1
                continue
            if not depth:
                yield token


def _cleaner():
    # A new Cleaner for every call: bleach's keeps parser state and is not thread-safe, and
    # cleaning happens only when something is written.
    return Cleaner(
        tags=ALLOWED_TAGS | DROPPED_WITH_CONTENT,
        attributes=_allow_attribute,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[
            _DropScriptsAndStyles,
            partial(
                LinkifyFilter, callbacks=[_link_rel], skip_tags={"pre", "code"}, url_re=_URL_RE
            ),
        ],
    )


def clean_html(html):
    """Clean an HTML fragment against the allow-list and link its plain URLs.

    Disallowed tags are removed and their text kept (escaped); scripts and style sheets are
    removed with their content; comments are dropped. Links keep only http, https and mailto
    addresses (after decoding entities and ignoring case and blanks, so `&#106;avascript:` is
    caught) and all get `rel="nofollow noopener noreferrer"`.
    """
    return _cleaner().clean(html or "")


# CommonMark without raw HTML: "<script>" in a post is shown as text. Images are off: the
# allow-list has no `img` (a remote image would tell another server who reads the page), and
# without the rule `![plan](https://...)` shows as a "!" and a link rather than vanishing.
_markdown = (
    MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"]).disable("image")
)


def render_markdown(source):
    """The cleaned HTML of a Markdown source, to store next to it."""
    tokens = _markdown.parse(source or "")
    for token in tokens:
        # markdown-it aligns table cells with `style="text-align:..."`; the allow-list has no
        # style attribute (no CSS from posts), so the alignment is carried by `align`.
        if token.type in ("th_open", "td_open") and "style" in token.attrs:
            token.attrs["align"] = str(token.attrs.pop("style")).removeprefix("text-align:")
    return clean_html(_markdown.renderer.render(tokens, _markdown.options, {}))


def mentions(source):
    """The email addresses mentioned in a Markdown source as `@ana.lopez@sre.gob.mx`.

    Lower-cased, each once, in order of first appearance. Mentions in code spans and code
    blocks do not count: there they are examples, not calls. Whether a mention names someone
    who may read the text is for the caller to decide.
    """
    found = {}
    for token in _markdown.parse(source or ""):
        # Code blocks are block tokens of their own, without children; code spans are
        # `code_inline` children. Only `text` children are prose.
        for child in token.children or ():
            if child.type == "text":
                for match in _MENTION.finditer(child.content):
                    found.setdefault(match.group(1).lower(), None)
    return list(found)


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment, entities decoded, with a space for each block
    boundary and none for inline tags ("<em>un</em>likely" stays one word)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_starttag(self, tag, attrs):
        if tag in _BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        self.handle_starttag(tag, [])

    def handle_data(self, data):
        self.parts.append(data)


def excerpt(html, length=200):
    """The plain text of cleaned HTML, at most `length` characters, for notifications.

    Tags are removed, entities decoded and whitespace collapsed; a longer text is cut at the
    last word boundary that fits and ends with "…". The result is text, not HTML: it must be
    escaped where it is put into a page (Jinja does so).
    """
    extractor = _TextExtractor()
    extractor.feed(html or "")
    extractor.close()
    text = " ".join("".join(extractor.parts).split())
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    if not text[length - 1].isspace() and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-") + "…"
