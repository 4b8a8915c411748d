"""Language selection, right-to-left support and language names (from CLDR via Babel)."""

from babel import Locale
from flask import current_app, has_request_context, request, session
from flask_login import current_user


def supported_languages():
    return current_app.config["LANGUAGES"]


def select_locale():
    """The reader's language: their saved preference, the one chosen on the page, or the browser's.

    Outside a request (jobs, commands) there is no reader: None gives the default language;
    emails choose theirs with `force_locale`."""
    if not has_request_context():
        return None
    languages = supported_languages()
    if getattr(current_user, "is_authenticated", False) and current_user.language in languages:
        return current_user.language
    chosen = session.get("language")
    if chosen in languages:
        return chosen
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def language_name(code):
    """A language's name in that language (its autonym), as a language switcher shows it."""
    name = Locale.parse(code).display_name
    return name[:1].upper() + name[1:]


def language_label(code):
    """A language's name in the reader's language, capitalised as a label ("French",
    "Français"...); the code itself for a code CLDR does not know."""
    from flask_babel import get_locale

    name = Locale.parse(str(get_locale() or "en")).languages.get(code)
    if not name:
        return code
    return name[:1].upper() + name[1:]


def text_direction(code):
    return "rtl" if code in current_app.config["RTL_LANGUAGES"] else "ltr"
