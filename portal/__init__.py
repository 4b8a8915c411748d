"""The ATT information exchange portal: `create_app()` builds the Flask application."""

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import CONFIGS


def create_app(config_class=None):
    """Build the application: configuration, extensions, blueprints, handlers, commands."""
    if config_class is None:
        config_class = CONFIGS[os.environ.get("PORTAL_CONFIG", "development")]
    config_class.init()
    app = Flask(__name__, instance_path=os.environ.get("PORTAL_INSTANCE_DIR") or None)
    app.config.from_object(config_class)
    if app.config["PORTAL_TRUSTED_PROXIES"]:
        # Behind a reverse proxy: take the client's address and scheme from its headers, so
        # that throttling and the audit log see people, not the proxy.
        proxies = app.config["PORTAL_TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0)
    register_extensions(app)
    register_converters(app)
    register_blueprints(app)
    register_api(app)
    register_search(app)
    register_request_hooks(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_extensions(app):
    from portal.auth.services import load_session_user
    from portal.core.i18n import select_locale
    from portal.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(
        app, db, directory=os.path.abspath(os.path.join(app.root_path, "..", "migrations"))
    )
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_session_user)
    login_manager.session_protection = None  # the server-side session row does this job


def register_converters(app):
    """Every `<int:...>` rule takes numbers a database column can hold, nothing larger."""
    from portal.core.bounds import BoundedIntegerConverter

    app.url_map.converters["int"] = BoundedIntegerConverter


def register_blueprints(app):
    from portal.accounts.views import bp as accounts_bp
    from portal.admin.views import bp as admin_bp
    from portal.auth.views import bp as auth_bp
    from portal.channels.views import bp as channels_bp
    from portal.consultations.views import bp as consultations_bp
    from portal.core.views import bp as core_bp
    from portal.forum.views import bp as forum_bp
    from portal.home.views import bp as home_bp
    from portal.library.views import bp as library_bp
    from portal.meetings.views import bp as meetings_bp
    from portal.notifications.views import bp as notifications_bp
    from portal.reporting.views import bp as reporting_bp
    from portal.search.views import bp as search_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(accounts_bp, url_prefix="/accounts")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(forum_bp, url_prefix="/forum")
    app.register_blueprint(library_bp, url_prefix="/library")
    app.register_blueprint(notifications_bp, url_prefix="/notifications")
    app.register_blueprint(search_bp, url_prefix="/search")
    app.register_blueprint(channels_bp, url_prefix="/channels")
    app.register_blueprint(reporting_bp, url_prefix="/reporting")
    app.register_blueprint(meetings_bp, url_prefix="/meetings")
    app.register_blueprint(consultations_bp, url_prefix="/consultations")


def register_api(app):
    """The JSON API v1 with its OpenAPI document, and the Atom feeds."""
    from portal.api.feeds import bp as feeds_bp
    from portal.api.openapi import register
    from portal.api.token_views import bp as tokens_bp

    register(app)
    app.register_blueprint(feeds_bp, url_prefix="/feeds")
    app.register_blueprint(tokens_bp, url_prefix="/account/tokens")


def register_search(app):
    """The kinds of item the search index holds, each with its adapter."""
    from portal.channels.search import CASE_ADAPTER as channel_case_adapter
    from portal.channels.search import MESSAGE_ADAPTER as channel_message_adapter
    from portal.consultations.search import ADAPTER as national_report_adapter
    from portal.forum.search import ADAPTER as post_adapter
    from portal.library.search import ADAPTER as document_adapter
    from portal.notifications.services import match_saved_searches
    from portal.search.engine import INDEX_LISTENERS, register

    register(document_adapter)
    register(post_adapter)
    register(national_report_adapter)
    # Channel items carry their channel's acl: only its readers ever find them.
    register(channel_message_adapter)
    register(channel_case_adapter)
    if match_saved_searches not in INDEX_LISTENERS:
        INDEX_LISTENERS.append(match_saved_searches)


def register_request_hooks(app):
    from portal.access import enforce_sign_in
    from portal.api.auth import authenticate
    from portal.core.jobs import run_inline_after_request
    from portal.core.security import refuse_control_characters, set_security_headers

    app.before_request(refuse_control_characters)
    # A token's person is the current user of an API request before the sign-in check.
    app.before_request(authenticate)
    app.before_request(enforce_sign_in)
    app.after_request(set_security_headers)
    app.after_request(run_inline_after_request)


def register_errorhandlers(app):
    from portal.core.errors import register

    register(app)


def register_template_helpers(app):
    from portal.core.templating import register

    register(app)


def register_commands(app):
    from portal.cli import register

    register(app)
