"""What every template can use: language, direction, language names, access checks, dates."""

import datetime
from functools import lru_cache

from babel import dates as babel_dates
from babel.units import format_unit
from flask import current_app
from flask_babel import format_datetime, get_locale, get_timezone, to_user_timezone
from flask_login import current_user

from portal.access import can
from portal.core.i18n import language_label, language_name, text_direction


def register(app):
    @app.context_processor
    def layout_context():
        language = str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
        return {
            "page_language": language,
            "page_direction": text_direction(language),
            "languages": [(code, language_name(code)) for code in current_app.config["LANGUAGES"]],
            "can": lambda action, target=None: can(current_user, action, target),
        }

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["datetime"] = format_moment
    app.jinja_env.filters["date"] = format_day
    app.jinja_env.filters["filesize"] = format_size
    app.jinja_env.globals["language_name"] = language_name
    app.jinja_env.globals["language_label"] = language_label


#: English dates as the United Nations writes them (25 Nov 2026, 17:29), not the US style
#: that CLDR's plain "en" gives; the other languages use their CLDR formats.
ENGLISH_FORMATS = {"short": "d MMM y, HH:mm", "medium": "d MMMM y, HH:mm"}
ENGLISH_DAY = "d MMM y"


def format_moment(value, style="medium"):
    if not value:
        return ""
    if str(get_locale()) == "en":
        return format_datetime(value, ENGLISH_FORMATS.get(style, style))
    return format_datetime(value, style)


def format_day(value):
    """A calendar date in the reader's language (English as the United Nations writes it)."""
    if not value:
        return ""
    return day_in(value, str(get_locale()), str(get_timezone()))


@lru_cache(maxsize=8192)
def day_in(value, locale, zone):
    """`value` (a date, or a moment shown as its day in the reader's time zone `zone`) as
    `format_day` writes it in `locale`: long tables repeat the same few days."""
    if isinstance(value, datetime.datetime):
        value = to_user_timezone(value).date()
    return babel_dates.format_date(
        value, ENGLISH_DAY if locale == "en" else "medium", locale=locale
    )


def format_size(size):
    """A file size in the reader's language (CLDR unit names): 12 kB, 3.4 MB."""
    locale = str(get_locale() or "en")
    if size < 1024 * 1024:
        return format_unit(max(1, round(size / 1024)), "digital-kilobyte", "short", locale=locale)
    return format_unit(round(size / 1024 / 1024, 1), "digital-megabyte", "short", locale=locale)
