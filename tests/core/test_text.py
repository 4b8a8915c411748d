"""What people write, made safe (portal/core/text): known XSS vectors through both the Markdown
and the HTML path, the Markdown that must survive, mentions and excerpts."""

import re
from html.parser import HTMLParser

import pytest

from portal.core.text import (
    ALLOWED_TAGS,
    LINK_REL,
    clean_html,
    excerpt,
    mentions,
    render_markdown,
)

#: Each is given to render_markdown as Markdown and to clean_html as HTML.
XSS_VECTORS = [
    # Script elements, in every spelling.
    pytest.param("<script>alert(1)</script>", id="script"),
    pytest.param("<SCRIPT>alert(1)</SCRIPT>", id="script-upper-case"),
    pytest.param("<ScRiPt>alert(1)</sCrIpT>", id="script-mixed-case"),
    pytest.param("<script><script>alert(1)</script></script>", id="script-nested"),
    pytest.param("<script>alert(1)", id="script-unclosed"),
    pytest.param('<script src="https://evil.example/x.js"></script>', id="script-src"),
    pytest.param('<script/xss src="https://evil.example/x.js"></script>', id="script-slash"),
    pytest.param("<scr<script>ipt>alert(1)</script>", id="script-split"),
    pytest.param("<<script>alert(1)//<</script>", id="script-double-bracket"),
    pytest.param("<template><script>alert(1)</script></template>", id="script-in-template"),
    # Event handlers.
    pytest.param("<img src=x onerror=alert(1)>", id="onerror-unquoted"),
    pytest.param('<img src="x" onerror="alert(1)">', id="onerror-quoted"),
    pytest.param("<img/src=x/onerror=alert(1)>", id="onerror-slashes"),
    pytest.param("<body onload=alert(1)>", id="onload"),
    pytest.param('<p onmouseover="alert(1)">hover</p>', id="onmouseover"),
    pytest.param("<div/onmouseover='alert(1)'>x</div>", id="onmouseover-slash"),
    pytest.param("<p ONCLICK=alert(1)>x</p>", id="onclick-upper-case"),
    pytest.param('<a href="https://example.org" onclick="alert(1)">x</a>', id="onclick-on-link"),
    pytest.param("<details open ontoggle=alert(1)>x</details>", id="ontoggle"),
    pytest.param("<input autofocus onfocus=alert(1)>", id="onfocus"),
    pytest.param('<video><source onerror="alert(1)"></video>', id="source-onerror"),
    pytest.param("<marquee onstart=alert(1)>x</marquee>", id="marquee"),
    # javascript: and friends in links, hidden by entities, case and blanks.
    pytest.param('<a href="javascript:alert(1)">x</a>', id="js-link"),
    pytest.param("<a href=javascript:alert(1)>x</a>", id="js-link-unquoted"),
    pytest.param('<a href="jAvAsCrIpT:alert(1)">x</a>', id="js-link-mixed-case"),
    pytest.param('<a href="JAVASCRIPT:alert(1)">x</a>', id="js-link-upper-case"),
    pytest.param('<a href="&#106;avascript:alert(1)">x</a>', id="js-link-decimal-entity"),
    pytest.param('<a href="&#x6A;avascript:alert(1)">x</a>', id="js-link-hex-entity"),
    pytest.param(
        '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105'
        '&#0000112&#0000116&#0000058alert(1)">x</a>',
        id="js-link-padded-entities",
    ),
    pytest.param('<a href="java&#x09;script:alert(1)">x</a>', id="js-link-tab-entity"),
    pytest.param('<a href="jav\tascript:alert(1)">x</a>', id="js-link-tab"),
    pytest.param('<a href="java\nscript:alert(1)">x</a>', id="js-link-newline"),
    pytest.param('<a href="   javascript:alert(1)">x</a>', id="js-link-leading-spaces"),
    pytest.param('<a href="\x01javascript:alert(1)">x</a>', id="js-link-control-char"),
    pytest.param('<a href="javascript&colon;alert(1)">x</a>', id="js-link-colon-entity"),
    pytest.param('<a href="vbscript:msgbox(1)">x</a>', id="vbscript-link"),
    pytest.param(
        '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
        id="data-link",
    ),
    # The same through Markdown syntax.
    pytest.param("[x](javascript:alert(1))", id="md-js-link"),
    pytest.param("[x](JaVaScRiPt:alert(1))", id="md-js-link-mixed-case"),
    pytest.param("[x](&#106;avascript:alert(1))", id="md-js-link-entity"),
    pytest.param("[x](<javascript:alert(1)>)", id="md-js-link-angle"),
    pytest.param("[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", id="md-data"),
    pytest.param("[x][ref]\n\n[ref]: javascript:alert(1)", id="md-js-reference"),
    pytest.param("<javascript:alert(1)>", id="md-js-autolink"),
    pytest.param("![x](javascript:alert(1))", id="md-js-image"),
    pytest.param('![x](x" onerror="alert(1))', id="md-image-onerror"),
    pytest.param('[x](x" onclick="alert(1))', id="md-link-onclick"),
    pytest.param("[<img src=x onerror=alert(1)>](https://example.org)", id="md-html-in-link"),
    # SVG and MathML.
    pytest.param("<svg onload=alert(1)>", id="svg-onload"),
    pytest.param("<svg><script>alert(1)</script></svg>", id="svg-script"),
    pytest.param(
        '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>',
        id="svg-xlink",
    ),
    pytest.param('<math><mi xlink:href="javascript:alert(1)">x</mi></math>', id="mathml-xlink"),
    pytest.param(
        '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction>'
        "</math>",
        id="mathml-maction",
    ),
    pytest.param(
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", id="mathml-mxss"
    ),
    pytest.param("<svg><style><img src=x onerror=alert(1)></style></svg>", id="svg-style-mxss"),
    # Frames, plugins and elements that change the page.
    pytest.param('<iframe srcdoc="<script>alert(1)</script>"></iframe>', id="iframe-srcdoc"),
    pytest.param('<iframe src="javascript:alert(1)"></iframe>', id="iframe-js"),
    pytest.param('<object data="javascript:alert(1)"></object>', id="object"),
    pytest.param(
        '<embed src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">', id="embed"
    ),
    pytest.param('<base href="javascript:alert(1)//">', id="base"),
    pytest.param('<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', id="meta"),
    pytest.param('<link rel="stylesheet" href="https://evil.example/x.css">', id="link"),
    pytest.param('<form action="javascript:alert(1)"><input type="submit"></form>', id="form"),
    pytest.param('<button formaction="javascript:alert(1)">x</button>', id="formaction"),
    pytest.param('<table background="javascript:alert(1)"><td>x</td></table>', id="background"),
    pytest.param("<isindex type=image src=1 onerror=alert(1)>", id="isindex"),
    # CSS.
    pytest.param("<style>@import 'https://evil.example/x.css';</style>", id="style-import"),
    pytest.param('<p style="width: expression(alert(1))">x</p>', id="css-expression"),
    pytest.param('<div style="background:url(javascript:alert(1))">x</div>', id="css-url"),
    # Malformed markup, comments and parser confusion.
    pytest.param('<a href="x" <b onclick=alert(1)>x</b></a>', id="tag-in-tag"),
    pytest.param("<!--[if gte IE 4]><script>alert(1)</script><![endif]-->", id="conditional"),
    pytest.param("<!--><script>alert(1)</script>-->", id="comment-trick"),
    pytest.param('<noscript><p title="</noscript><img src=x onerror=alert(1)>">', id="noscript"),
    pytest.param("<title><img src=x onerror=alert(1)></title>", id="title"),
    pytest.param(
        "<select><option><style><img src=x onerror=alert(1)></style></option></select>",
        id="select-style",
    ),
    pytest.param("{{7*7}}<script>alert(1)</script>", id="template-injection"),
    pytest.param("\uff1cscript\uff1ealert(1)\uff1c/script\uff1e", id="fullwidth"),
    pytest.param("<scri\x00pt>alert(1)</scri\x00pt>", id="null-in-tag"),
    pytest.param('<a href="java\x00script:alert(1)">x</a>', id="null-in-scheme"),
]

DANGEROUS_TAGS = {"script", "svg", "math", "iframe", "object", "embed", "style", "form", "img"}
DANGEROUS_TAGS |= {"base", "meta", "link"}
#: Everything the allow-list lets through, plus the `rel` the cleaner adds to links.
EXPECTED_ATTRIBUTES = {"href", "title", "rel", "align", "colspan", "rowspan", "start", "class"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "background", "xlink:href"}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


class Markup(HTMLParser):
    """Every tag, attribute and comment of an HTML fragment, as a browser-like parser sees it
    (entities in attribute values decoded)."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.tags, self.comments = [], []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_comment(self, data):
        self.comments.append(data)


def scheme(url):
    """The scheme a browser would read: it ignores blanks and control characters and case."""
    squeezed = re.sub(r"[\x00-\x20]", "", url).lower()
    match = re.match(r"([a-z][a-z0-9+.-]*):", squeezed)
    return match.group(1) if match else None


def assert_harmless(html):
    assert "<script" not in html.lower()
    markup = Markup(html)
    assert not markup.comments
    for tag, attrs in markup.tags:
        assert tag not in DANGEROUS_TAGS, html
        assert tag in ALLOWED_TAGS, html
        for name, value in attrs.items():
            assert not re.match(r"on\w+", name), html
            assert name in EXPECTED_ATTRIBUTES, html
            if name in URL_ATTRIBUTES:
                assert scheme(value or "") in ALLOWED_SCHEMES | {None}, html
                assert scheme(value or "") not in {"javascript", "vbscript", "data"}, html


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_xss_vector_rendered_as_markdown_is_harmless(vector):
    assert_harmless(render_markdown(vector))


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_xss_vector_cleaned_as_html_is_harmless(vector):
    assert_harmless(clean_html(vector))


def test_there_are_enough_vectors():
    assert len(XSS_VECTORS) >= 45


def test_the_checker_catches_what_it_looks_for():
    """The vector tests pass only if assert_harmless fails on unclean markup."""
    for unclean in [
        "<script>alert(1)</script>",
        '<p onclick="alert(1)">x</p>',
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<a href=" java\tscript:alert(1)">x</a>',
        "<svg></svg>",
        "<!-- x -->",
    ]:
        with pytest.raises(AssertionError):
            assert_harmless(unclean)


# Links and protocols


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "&#106;avascript:alert(1)",
        "&#x6A;avascript:alert(1)",
        "java&#x09;script:alert(1)",
        " JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
    ],
)
def test_a_link_with_a_forbidden_protocol_loses_its_address(href):
    assert clean_html(f'<a href="{href}">x</a>') == f'<a rel="{LINK_REL}">x</a>'


@pytest.mark.parametrize(
    "href", ["https://example.org/a?b=1&amp;c=2", "http://example.org", "mailto:a@example.org"]
)
def test_a_link_with_an_allowed_protocol_keeps_it_and_gets_rel(href):
    assert clean_html(f'<a href="{href}" title="t">x</a>') == (
        f'<a href="{href}" title="t" rel="{LINK_REL}">x</a>'
    )


def test_relative_links_are_kept():
    assert clean_html('<a href="/forum/threads/3#post-9">x</a>') == (
        f'<a href="/forum/threads/3#post-9" rel="{LINK_REL}">x</a>'
    )


def test_links_get_no_target_and_a_given_rel_is_replaced():
    html = clean_html('<a href="https://example.org" target="_blank" rel="opener">x</a>')
    assert html == f'<a href="https://example.org" rel="{LINK_REL}">x</a>'


def test_plain_urls_are_linkified_but_not_in_code_nor_email_addresses():
    html = clean_html(
        "<p>See www.example.org, write to ana@example.org.</p><pre>https://example.net</pre>"
    )
    assert html == (
        f'<p>See <a href="http://www.example.org" rel="{LINK_REL}">www.example.org</a>, '
        "write to ana@example.org.</p><pre>https://example.net</pre>"
    )


# The allow-list


def test_allowed_markup_is_kept():
    html = (
        "<h1>a</h1><h6>b</h6><p>c<br><strong>d</strong><em>e</em><b>f</b><i>g</i><s>h</s>"
        "<del>i</del><ins>j</ins><sup>k</sup><sub>l</sub><code>m</code></p><hr>"
        "<blockquote><p>n</p></blockquote><pre>o</pre><ul><li>p</li></ul>"
        '<ol start="3"><li>q</li></ol>'
        '<table><thead><tr><th align="center">r</th></tr></thead>'
        '<tbody><tr><td colspan="2" rowspan="1">s</td></tr></tbody></table>'
        '<div class="quote-attribution">t</div><span class="mention">u</span>'
    )
    assert clean_html(html) == html


def test_disallowed_tags_are_stripped_and_their_text_kept_escaped():
    assert clean_html('<font color="red">1 &lt; 2</font> <u>under</u>') == "1 &lt; 2 under"


def test_disallowed_attributes_and_values_are_dropped():
    html = clean_html(
        '<p id="x" class="mention">a</p><span class="mention evil">b</span>'
        '<td align="justify" colspan="all">c</td><ol start="-1"><li>d</li></ol>'
    )
    assert html == "<p>a</p><span>b</span>c<ol><li>d</li></ol>"


def test_scripts_and_styles_are_dropped_with_their_content_and_comments_too():
    assert clean_html("a<script>evil()</script>b<style>p {}</style>c<!-- note -->d") == "abcd"


def test_clean_html_of_nothing_is_empty():
    assert clean_html("") == ""
    assert clean_html(None) == ""


# Markdown


def test_headings_emphasis_and_strikethrough():
    html = render_markdown("# Title\n\n### Part\n\n*a* **b** ~~c~~")
    assert html == "<h1>Title</h1>\n<h3>Part</h3>\n<p><em>a</em> <strong>b</strong> <s>c</s></p>\n"


def test_lists_keep_their_numbering():
    html = render_markdown("- a\n- b\n\n3. c\n4. d")
    assert html == (
        '<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<ol start="3">\n<li>c</li>\n<li>d</li>\n</ol>\n'
    )


def test_tables_keep_their_alignment_without_style():
    html = render_markdown("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |")
    assert "style" not in html
    assert '<th align="left">a</th>' in html
    assert '<th align="center">b</th>' in html
    assert '<td align="right">3</td>' in html


def test_code_is_escaped_and_not_linkified():
    html = render_markdown("```python\n<b>bold</b> https://example.org\n```\n\n`<i>x</i>`")
    assert "<pre><code>&lt;b&gt;bold&lt;/b&gt; https://example.org\n</code></pre>" in html
    assert "<code>&lt;i&gt;x&lt;/i&gt;</code>" in html


def test_blockquotes():
    html = render_markdown("> quoted\n> text")
    assert html == "<blockquote>\n<p>quoted\ntext</p>\n</blockquote>\n"


def test_links_and_autolinks_get_rel():
    html = render_markdown('[ATT](https://example.org/att "Treaty") <https://example.org>')
    assert f'<a href="https://example.org/att" title="Treaty" rel="{LINK_REL}">ATT</a>' in html
    assert f'<a href="https://example.org" rel="{LINK_REL}">https://example.org</a>' in html


def test_bare_urls_are_linkified():
    html = render_markdown("See https://example.org/report?year=2024 and www.example.net.")
    assert (
        f'<a href="https://example.org/report?year=2024" rel="{LINK_REL}">'
        "https://example.org/report?year=2024</a>"
    ) in html
    assert f'<a href="http://www.example.net" rel="{LINK_REL}">www.example.net</a>.' in html


def test_mailto_links_are_allowed():
    html = render_markdown("[Write](mailto:ana@example.org) or <ana@example.org>")
    assert f'<a href="mailto:ana@example.org" rel="{LINK_REL}">Write</a>' in html
    assert f'<a href="mailto:ana@example.org" rel="{LINK_REL}">ana@example.org</a>' in html


def test_raw_html_is_shown_as_text():
    assert render_markdown("<b>x</b> <script>alert(1)</script>") == (
        "<p>&lt;b&gt;x&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
    )


def test_images_become_links():
    html = render_markdown("![Plan](https://example.org/plan.png)")
    assert html == f'<p>!<a href="https://example.org/plan.png" rel="{LINK_REL}">Plan</a></p>\n'


def test_template_syntax_is_kept_as_text():
    assert render_markdown("{{7*7}} {% if %}") == "<p>{{7*7}} {% if %}</p>\n"
    assert clean_html("{{7*7}}") == "{{7*7}}"


def test_render_markdown_of_nothing_is_empty():
    assert render_markdown("") == ""


# Mentions


def test_mentions_in_order_lower_case_and_once():
    source = "Thanks @Ana.Lopez@SRE.gob.mx and @j.smith@fco.gov.uk; @ana.lopez@sre.gob.mx agrees."
    assert mentions(source) == ["ana.lopez@sre.gob.mx", "j.smith@fco.gov.uk"]


def test_mentions_anywhere_in_the_text():
    source = "# For @a@example.org\n\n> @b@example.org\n\n- **@c@example.org**, (@d@example.org)."
    assert mentions(source) == ["a@example.org", "b@example.org", "c@example.org", "d@example.org"]


def test_mentions_in_code_do_not_count():
    source = "`@a@example.org`\n\n```\n@b@example.org\n```\n\n    @c@example.org\n\n@d@example.org"
    assert mentions(source) == ["d@example.org"]


def test_a_plain_email_address_is_not_a_mention():
    assert mentions("write to ana@example.org or @@b@example.org") == []


def test_mentions_stay_text_in_the_html():
    """Turning a mention into a link is the forum's job, once it knows who may be named."""
    assert render_markdown("@ana.lopez@sre.gob.mx") == "<p>@ana.lopez@sre.gob.mx</p>\n"


def test_no_mentions():
    assert mentions("") == []
    assert mentions("Nothing @ all, @handle") == []


# Excerpts


def test_excerpt_strips_tags_and_collapses_whitespace():
    html = (
        "<h2>Report</h2>\n<p>Exports &amp; <em>im</em>ports,\n   <strong>2024</strong></p>"
        "<ul><li>a</li></ul>"
    )
    assert excerpt(html) == "Report Exports & imports, 2024 a"


def test_excerpt_cuts_at_a_word_boundary():
    text = excerpt("<p>The working group on transparency and reporting met twice.</p>", length=30)
    assert text == "The working group on…"
    assert len(text) <= 30


def test_excerpt_cuts_a_single_long_word():
    assert excerpt("<p>" + "x" * 50 + "</p>", length=10) == "x" * 9 + "…"


def test_a_short_text_is_not_cut():
    assert excerpt("<p>Short.</p>", length=6) == "Short."
