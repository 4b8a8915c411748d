"""Translatable text kept in JSON reference data files (categories of arms, report questions).

The files hold English source text. `extract_json` is a Babel extraction method (named in
translations/babel.cfg) that puts the text under the keys in `TRANSLATED_KEYS` into the
catalogs; pages translate it with `gettext(text)` when they show it.
"""

import json

#: Keys whose string values people read, wherever they appear in a data file.
TRANSLATED_KEYS = frozenset(
    {"name", "definition", "title", "question", "answer", "guidance", "help", "label", "option"}
)


def messages(value, key=None):
    """Every translatable string in a parsed JSON value, in document order."""
    if isinstance(value, dict):
        for child_key, child in value.items():
            yield from messages(child, child_key)
    elif isinstance(value, list):
        for child in value:
            yield from messages(child, key)
    elif isinstance(value, str) and key in TRANSLATED_KEYS and value.strip():
        yield value


def extract_json(fileobj, keywords, comment_tags, options):
    """Babel extraction method: (line number, function name, message, comments) tuples."""
    text = fileobj.read().decode("utf-8")
    for message in messages(json.loads(text)):
        position = text.find(json.dumps(message, ensure_ascii=False)[1:-1])
        line = text.count("\n", 0, position) + 1 if position >= 0 else 1
        yield line, "_", message, []
