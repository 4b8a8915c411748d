"""What every template can use: language, direction, language names, access checks, dates."""

from flask import current_app
from flask_babel import format_datetime, get_locale
from flask_login import current_user

from portal.access import can
from portal.core.i18n import language_name, text_direction


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
    app.jinja_env.filters["datetime"] = lambda value, style="medium": (
        format_datetime(value, style) if value else ""
    )
    app.jinja_env.globals["language_name"] = language_name
