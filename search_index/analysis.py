"""How text becomes index terms: one analyser per language, and a language-neutral one.

Every analyser shares one tokenizer, so a word is cut the same way in every language:

- words are runs of letters, digits and combining marks (Arabic harakat and tatweel included,
  so that a vowelled Arabic word stays one word until the marks are removed);
- acronyms written with dots ("U.N.", "U.S.A.") become one word without the dots ("un");
- dotted numbers ("7.3", the article of the Treaty) stay whole;
- CJK runs become overlapping character bigrams, because Chinese has no spaces and word
  segmentation needs a dictionary: "武器贸易条约" is indexed as 武器 器贸 贸易 易条 条约, so a query
  for any word inside it finds it. Every character is also indexed on its own, so a query of one
  character finds the longer runs containing it.

Then every word is normalised (NFKC, case folding, Arabic letter forms unified, harakat and
tatweel removed, "ё" as "е"), and each language does its own stemming. There are no stop words
and no minimum length: "UN", "EU", "on" and one-letter words stay findable.

The analysers are used in three modes, named by Whoosh's `mode` argument. "index" puts the
unstemmed word at the position of its stem, so that a prefix query finds "exportations" from
"exportat*" and an exact word can rank above a word that only shares its stem (see
`LanguageStemFilter`). "query" gives the stems only, "prefix" and "exact" the unstemmed words
only.
"""

import re
import unicodedata
from functools import lru_cache

from whoosh.analysis import Filter, Token, Tokenizer
from whoosh.lang import stemmer_for_language

#: The languages of the body text, the six official languages of the United Nations.
LANGUAGES = ("ar", "en", "es", "fr", "ru", "zh")

#: The code of body text whose language is unknown (forum posts).
UNKNOWN_LANGUAGE = "und"

# Han, kana, Hangul and their compatibility blocks: scripts written without spaces.
_CJK = (
    "\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b\u3040-\u30ff\u3100-\u312f"
    "\u3131-\u318e\u31a0-\u31bf\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
    "\uf900-\ufaff\U00020000-\U0003134f"
)
# Combining marks are not word characters for `re`, yet they belong inside words: Latin
# accents in decomposed text, Cyrillic accents, Hebrew and Arabic vowel signs, Arabic tatweel.
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u0640\u064b-\u065f\u0670"
    "\u06d6-\u06ed\u200c\u200d"
)
_TOKEN = re.compile(
    rf"(?P<cjk>[{_CJK}]+)"
    r"|(?P<acronym>(?:[^\W\d_]\.)+[^\W\d_]\.?(?!\w))"
    r"|(?P<number>\d+(?:\.\d+)+)"
    rf"|(?P<word>[{_MARKS}]*[^\W{_CJK}]+(?:[{_MARKS}]+[^\W{_CJK}]*)*)"
)

_ARABIC_MARKS = dict.fromkeys(
    [0x0640, 0x0670, *range(0x064B, 0x0660), *range(0x0610, 0x061B), *range(0x06D6, 0x06EE)]
)
_LETTER_FORMS = str.maketrans(
    {
        **_ARABIC_MARKS,
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        "ё": "е",
        "œ": "oe",
        "æ": "ae",
    }
)
# Latin letters end before the IPA block; accents are folded on them only, so that Cyrillic
# "й" keeps its breve.
_LATIN_END = "\u0250"

# The light stemmer of Larkey et al. ("Light10"): strip the conjunction, the article and the
# common suffixes, leaving at least two letters. Broken plurals are not conflated.
_ARABIC_ARTICLES = ("وال", "بال", "كال", "فال", "لل", "ال")
_ARABIC_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")


@lru_cache(maxsize=200_000)
def normalize_word(text):
    """Return `text` in the form every analyser compares: NFKC, case-folded, with Arabic letter
    forms unified (alef with hamza or madda as bare alef, alef maqsura as ya, ta marbuta as ha)
    and harakat and tatweel removed."""
    return unicodedata.normalize("NFKC", text).casefold().translate(_LETTER_FORMS)


def normalize_label(value):
    """Return the form in which labels (codes, numbers, tags, symbols) are indexed and looked
    up: NFKC, without surrounding spaces, case-folded; "WGTR", "wgtr" and "ＷＧＴＲ" are one."""
    return unicodedata.normalize("NFKC", str(value)).strip().casefold()


@lru_cache(maxsize=200_000)
def fold_latin(text):
    """Return `text` without the accents on Latin letters ("exportación" -> "exportacion")."""
    if text.isascii():
        return text
    kept = []
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.combining(char) and kept and kept[-1] < _LATIN_END:
            continue
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept))


def arabic_light_stem(word):
    """Return the light stem of a normalised Arabic word: "الاسلحه" and "اسلحه" both give
    "اسلح", "السلاح" gives "سلاح". Words in other scripts are returned unchanged."""
    if len(word) >= 4 and word.startswith("و"):
        word = word[1:]
    for article in _ARABIC_ARTICLES:
        if word.startswith(article) and len(word) - len(article) >= 2:
            word = word[len(article) :]
            break
    for suffix in _ARABIC_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            word = word[: -len(suffix)]
    return word


@lru_cache(maxsize=None)
def _stemmer(lang):
    # Analysing the same words again and again is most of the cost of indexing, hence this
    # cache and those of normalize_word and fold_latin (lru_cache is thread-safe).
    stem = arabic_light_stem if lang == "ar" else stemmer_for_language(lang)
    return lru_cache(maxsize=100_000)(stem)


class WordTokenizer(Tokenizer):
    """Cuts text into words, dotless acronyms, dotted numbers and CJK bigrams (see the module
    docstring). In "index" mode CJK characters are also emitted one by one; in other modes only
    a CJK run of one character is."""

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        # This loop runs once per word of every text indexed: it sets attributes in place.
        for match in _TOKEN.finditer(value):
            kind = match.lastgroup
            if kind == "cjk":
                yield from self._cjk(token, match.group(), pos, start_char + match.start())
                pos += max(len(match.group()) - 1, 1)
                continue
            text = match.group()
            token.text = text.replace(".", "") if kind == "acronym" else text
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token
            pos += 1

    @staticmethod
    def _cjk(token, run, pos, start):
        """Yield the bigrams of a CJK run (a run of one character as itself) and, in "index"
        mode, its characters. Bigram i and character i share position pos + i, so a phrase of
        bigrams matches consecutive positions and the word after the run (at pos + length - 1)
        follows its last bigram."""
        if len(run) == 1:
            pieces = [(run, 0)]
        else:
            pieces = [(run[i : i + 2], i) for i in range(len(run) - 1)]
            if token.mode == "index":
                pieces += [(char, i) for i, char in enumerate(run)]
        for text, offset in sorted(pieces, key=lambda piece: piece[1]):
            token.text = text
            if token.positions:
                token.pos = pos + offset
            if token.chars:
                token.startchar = start + offset
                token.endchar = start + offset + len(text)
            yield token


class NormalizeFilter(Filter):
    """Applies `normalize_word` and drops the tokens left empty (a lone harakah)."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = normalize_word(token.text)
            if token.text:
                yield token


class FoldFilter(Filter):
    """Applies `fold_latin`, so that a query typed without accents finds accented words."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = fold_latin(token.text)
            yield token


class LanguageStemFilter(Filter):
    """Stems words in the language `lang`.

    With `fold`, Latin accents are folded before stemming, at index and query time alike, so
    that "exportacion" typed without its accent finds "exportaciones". The stemmers find some
    suffixes by their accent ("-ción", "-ité"): `restore_accents` puts it back on the folded
    word first, and the accent of the stem is folded again. "index" mode also keeps the
    unstemmed (folded) word at the word's position, for prefix queries and for the boost of
    exact words over stem-only matches. "query" mode produces the stem only, "prefix" and
    "exact" modes the unstemmed word only."""

    def __init__(self, lang, fold=False):
        self.lang = lang
        self.fold = fold

    def __call__(self, tokens):
        lang = self.lang
        if self.fold:

            def canonical(word):
                return _folded_stem(word, lang)

            finish = fold_latin
        else:
            canonical, finish = _stemmer(lang), _unchanged
        for token in tokens:
            word = token.text
            if token.mode in ("prefix", "exact"):
                token.text = finish(word)
                yield token
            elif token.mode == "index":
                for form in dict.fromkeys([finish(word), canonical(word)]):
                    token.text = form
                    yield token
            else:
                token.text = canonical(word)
                yield token


# Endings whose accent the Snowball stemmers need to recognise a suffix, on words whose accents
# were folded: Spanish "-ción", "-sión", "-xión"; French "-ité(s)" and "-ée(s)".
_ACCENTED_ENDINGS = {
    "es": [(re.compile(r"([csx]i)on$"), r"\1ón")],
    "fr": [(re.compile(r"ite(s?)$"), r"ité\1"), (re.compile(r"(?<=[^e])ee(s?)$"), r"ée\1")],
}


@lru_cache(maxsize=200_000)
def _folded_stem(word, lang):
    """The stem of `word` in `lang` with accents folded before and after (cached: analysing
    the same words again and again is most of the cost of indexing)."""
    return fold_latin(_stemmer(lang)(restore_accents(fold_latin(word), lang)))


def restore_accents(word, lang):
    """Return the folded `word` with the accent its ending needs to be stemmed in `lang` put
    back: "exportacion" -> "exportación", "diversite" -> "diversité"."""
    for pattern, replacement in _ACCENTED_ENDINGS.get(lang, ()):
        word = pattern.sub(replacement, word)
    return word


def _unchanged(word):
    return word


def _language_analyzer(lang):
    chain = WordTokenizer() | NormalizeFilter()
    if lang in ("en", "es", "fr"):
        return chain | LanguageStemFilter(lang, fold=True)
    if lang in ("ar", "ru"):
        return chain | LanguageStemFilter(lang)
    return chain | FoldFilter()


def analyzer_for(lang):
    """Return the analyser of body text in `lang`, one of `LANGUAGES` or `UNKNOWN_LANGUAGE`;
    Chinese and unknown text share the neutral analyser.

    Raises ValueError for any other code."""
    if lang not in LANGUAGES and lang != UNKNOWN_LANGUAGE:
        raise ValueError(f"no analyser for language {lang!r}")
    return _language_analyzer(lang)


def neutral_analyzer():
    """Return the analyser of titles and text in no known language: words lowercased, Arabic
    normalised, CJK as bigrams, Latin accents folded, nothing stemmed."""
    return _language_analyzer(UNKNOWN_LANGUAGE)
