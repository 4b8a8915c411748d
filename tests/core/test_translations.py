"""The catalogs are complete: every string a person reads exists in all five other languages."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from portal.cli import extract_messages

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
LANGUAGES = ["ar", "es", "fr", "ru", "zh"]


def catalog(language):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


def template_ids():
    with open(TRANSLATIONS / "messages.pot", "rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    translated = catalog(language)
    problems = []
    for message in translated:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        elif not all(s.strip() for s in strings):
            problems.append(f"untranslated: {message.id!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_holds_every_extracted_message(language):
    ids = {message.id for message in catalog(language) if message.id}
    missing = template_ids() - ids
    assert not missing, f"run `flask translate update`; missing: {sorted(missing)[:10]}"


def test_extracted_template_is_up_to_date(tmp_path):
    """messages.pot matches the strings in the code now, so no new string escapes translation."""
    output = tmp_path / "messages.pot"
    extract_messages(output)
    with open(output, "rb") as handle:
        current = {message.id for message in read_po(handle) if message.id}
    assert current == template_ids(), sorted(map(str, current ^ template_ids()))[:10]


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_survive_translation(language):
    import re

    pattern = re.compile(r"%\(\w+\)[sd]")
    for message in catalog(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(pattern.findall(ids[-1]))
        for string in strings:
            found = set(pattern.findall(string))
            assert found <= expected | set(pattern.findall(ids[0])), (message.id, string)
