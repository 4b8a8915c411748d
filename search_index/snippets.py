"""Snippets: pieces of an item's stored text around the words a query matched in it.

The index keeps the character offsets of every word, so a snippet needs no second analysis of
the text: the offsets of the matched words are read from the postings of the hit, and Whoosh's
pinpoint fragmenter cuts fragments around them. A snippet is plain data, a list of fragments,
each a list of `(text, is_match)` pairs, so the portal escapes the text and marks the matches
itself; nothing here is HTML.
"""

import re
from collections import defaultdict

from whoosh.analysis import Token
from whoosh.highlight import (
    FIRST,
    BasicFragmentScorer,
    PinpointFragmenter,
    top_fragments,
)

from search_index.schema import TEXT_FIELDS, TITLE_FIELD

#: Fragments per snippet, their length and the context kept around the matched words.
FRAGMENTS = 2
FRAGMENT_CHARS = 200
CONTEXT_CHARS = 60
#: The same for Chinese text, which says in one character what others say in three or four.
CJK_FRAGMENT_CHARS = 60
CJK_CONTEXT_CHARS = 18
#: The length of the opening lines shown when no word of the query is in the stored text.
LEAD_CHARS = 240
#: The body text whose opening lines are shown: the first present in this order, English first
#: as the language most documents of the Treaty's meetings are written in.
LEAD_LANGUAGES = ("en", "fr", "es", "ru", "ar", "zh", "und")

_SPACES = re.compile(r"\s+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def snippets(searcher, hits):
    """Return the snippet of each hit and the language of its text (a code of `LANGUAGES`,
    "und" or "title"): fragments of the text field where most query words matched (a body
    before the title), else the opening lines of a body text. Words of one letter (other than
    a Chinese character) are not marked: they match too much to say why the item was found.

    `hits` are (docnum, matched terms, stored texts) triples: the (field, term bytes) pairs
    the query matched in the document, and its texts by "title" and language code."""
    words = {}
    wanted = defaultdict(list)
    for docnum, matched_terms, _texts in hits:
        words[docnum] = defaultdict(set)
        for field, term in matched_terms:
            if field in TEXT_FIELDS:
                words[docnum][field].add(term)
                wanted[field, term].append(docnum)
    spans = _spans(searcher, wanted)
    return [_snippet(words[docnum], spans, docnum, texts) for docnum, _terms, texts in hits]


def _spans(searcher, wanted):
    """Return the (start, end, term) character spans of the terms in the documents, by
    (docnum, field). `wanted` lists the documents of each (field, term); each posting list is
    read once, in document order, as reading it costs more than anything else here."""
    spans = defaultdict(list)
    for (field, term), docnums in wanted.items():
        postings = searcher.postings(field, term)
        for docnum in sorted(set(docnums)):
            if postings.is_active() and postings.id() < docnum:
                postings.skip_to(docnum)
            if not postings.is_active():
                break
            if postings.id() == docnum and _markable(term):
                chars = postings.value_as("characters")
                spans[docnum, field] += [(start, end, term, pos) for pos, start, end in chars]
    return spans


def _markable(term):
    text = _text_of(term)
    return len(text) > 1 or _CJK.match(text) is not None


def _snippet(words, spans, docnum, texts):
    best_first = sorted(words, key=lambda f: (-len(words[f]), TEXT_FIELDS[f] == TITLE_FIELD, f))
    for field in best_first:
        text = texts.get(TEXT_FIELDS[field], "")
        within = _chained([span for span in spans[docnum, field] if span[1] <= len(text)])
        if within:
            return _fragments(text, within), TEXT_FIELDS[field]
    return _lead(texts)


def _chained(spans):
    """Return `spans` without the Chinese bigrams that stand apart from the others: a word of
    several bigrams (贸易条约: 贸易 易条 条约) is marked where they follow each other, not at every
    贸易 and 条约 of the text."""
    cjk = {span[2] for span in spans if _CJK.match(_text_of(span[2]))}
    if len(cjk) < 2:
        return spans
    positions = {span[3] for span in spans if span[2] in cjk}
    return [
        span
        for span in spans
        if span[2] not in cjk or span[3] - 1 in positions or span[3] + 1 in positions
    ]


def _text_of(term):
    return term.decode("utf-8") if isinstance(term, bytes) else term


def _fragments(text, spans):
    tokens = [
        Token(startchar=start, endchar=end, text=term) for start, end, term, _pos in sorted(spans)
    ]
    if _CJK.search(text[spans[0][0] : spans[0][1]]):
        size, context = CJK_FRAGMENT_CHARS, CJK_CONTEXT_CHARS
    else:
        size, context = FRAGMENT_CHARS, CONTEXT_CHARS
    fragmenter = PinpointFragmenter(maxchars=size, surround=context, charlimit=None)
    fragments = fragmenter.fragment_matches(text, tokens)
    best = top_fragments(fragments, FRAGMENTS, BasicFragmentScorer(), FIRST)
    return [_pairs(fragment) for fragment in best]


def _pairs(fragment):
    """Return a fragment as (text, is_match) pairs, overlapping or touching matches joined
    (CJK bigrams overlap: 武器 and 器贸 mark 武器贸). An end cut inside a word moves to the
    nearest space towards the matches, so that no half word shows."""
    text, start, end = fragment.text, fragment.startchar, fragment.endchar
    matches = _merged((t.startchar, t.endchar) for t in fragment.matches)
    if start > 0 and not text[start - 1].isspace():
        gap = _SPACES.search(text, start, matches[0][0])
        start = gap.end() if gap else start
    if end < len(text) and not text[end].isspace():
        gaps = list(_SPACES.finditer(text, matches[-1][1], end))
        end = gaps[-1].start() if gaps else end
    pairs, index = [], start
    for match_start, match_end in matches:
        if match_start > index:
            pairs.append((_SPACES.sub(" ", text[index:match_start]), False))
        pairs.append((text[max(match_start, index) : match_end], True))
        index = match_end
    if index < end:
        pairs.append((_SPACES.sub(" ", text[index:end]), False))
    return pairs


def _merged(spans):
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def _lead(texts):
    lang = next((lang for lang in LEAD_LANGUAGES if texts.get(lang)), None)
    lead = _SPACES.sub(" ", texts[lang][: LEAD_CHARS + 1]).strip() if lang else ""
    if len(lead) > LEAD_CHARS:
        lead = lead[:LEAD_CHARS].rsplit(" ", 1)[0]
    return ([[(lead, False)]], lang) if lead else ([], None)
