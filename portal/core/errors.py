"""Error pages a person can read, in their language, for every error status the portal sends."""

import logging
import socket
import time

from flask import current_app, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge

log = logging.getLogger(__name__)

#: How long the rest of an oversized body is read and dropped before its 413 page is sent, in
#: all and without a byte arriving. A browser reads the answer only once it has sent the whole
#: body; closing on a body still arriving resets the connection, and the person sees a network
#: error instead of the page. A client that stops sending gets the page after the pause.
DISCARD_SECONDS = 30
DISCARD_PAUSE_SECONDS = 1
DISCARD_CHUNK = 64 * 1024

MESSAGES = {
    400: (
        _l("The request could not be understood"),
        _l(
            "Something in what was sent is malformed or incomplete. Go back, check the form and try again."
        ),
    ),
    403: (
        _l("You do not have access to this page"),
        _l(
            "Your account does not give access to this page. If you need it, ask your national point of contact or the ATT Secretariat."
        ),
    ),
    404: (
        _l("Page not found"),
        _l(
            "There is no page at this address, or it is not available to you. Check the address, or start again from the home page."
        ),
    ),
    405: (
        _l("This action is not possible here"),
        _l(
            "The page does not accept this kind of request. Go back and use the buttons on the page."
        ),
    ),
    413: (
        _l("What you sent is too large"),
        _l(
            "The file or form you sent is larger than the portal accepts. Reduce its size and try again."
        ),
    ),
    429: (
        _l("Too many attempts"),
        _l("There were too many attempts in a short time. Wait a few minutes, then try again."),
    ),
    500: (
        _l("Something went wrong on our side"),
        _l(
            "The portal could not complete your request. Nothing was changed. Try again in a moment; if it keeps happening, tell the ATT Secretariat."
        ),
    ),
}


def render_error(code, message=None):
    title, default_message = MESSAGES.get(code, MESSAGES[500])
    return (
        render_template(
            "errors/error.html", code=code, title=title, message=message or default_message
        ),
        code,
    )


def renderer_for_request():
    """The error renderer a package registered for this request's path (the JSON API answers
    errors as JSON), or None for a page."""
    for prefix, render in current_app.extensions.get("portal_error_renderers", ()):
        if request.path == prefix or request.path.startswith(prefix + "/"):
            return render
    return None


def register_renderer(app, prefix, render):
    """Errors of requests under `prefix` are answered by `render(error)`."""
    app.extensions.setdefault("portal_error_renderers", []).append((prefix, render))


def handle_http_exception(error):
    """An HTTP error keeps its status; one without a page of its own reads like a 400 or 500."""
    render = renderer_for_request()
    if render is not None:
        return render(error)
    if error.code in MESSAGES:
        return render_error(error.code)
    title, message = MESSAGES[400 if error.code < 500 else 500]
    return render_template(
        "errors/error.html", code=error.code, title=title, message=message
    ), error.code


def handle_too_large(error):
    """The 413 page, sent once the client has finished sending (or paused), on a connection
    that then closes: what is left of the body must not be read as a next request."""
    discard_unread_body()
    render = renderer_for_request()
    response = make_response(render(error) if render is not None else render_error(413))
    response.headers["Connection"] = "close"
    return response


def discard_unread_body():
    """Read and drop what the client is still sending of this request's body, as a web
    server's lingering close does, within DISCARD_SECONDS and DISCARD_PAUSE_SECONDS.

    Reads the connection's socket, which Werkzeug's and gunicorn's servers expose: the WSGI
    input stream would wait as long as the client likes. Without a socket (the test client,
    other servers) there is nothing to do.
    """
    connection = request.environ.get("gunicorn.socket") or request.environ.get("werkzeug.socket")
    if not isinstance(connection, socket.socket):
        return
    expected = request.content_length or 0
    received = 0
    deadline = time.monotonic() + DISCARD_SECONDS
    previous_timeout = connection.gettimeout()
    try:
        while received < expected and time.monotonic() < deadline:
            connection.settimeout(min(DISCARD_PAUSE_SECONDS, deadline - time.monotonic()))
            chunk = connection.recv(DISCARD_CHUNK)
            if not chunk:
                break
            received += len(chunk)
    except OSError:
        pass  # a pause (timeout) or a client gone: either way, answer now
    finally:
        try:
            connection.settimeout(previous_timeout)
        except OSError:
            pass


def handle_csrf_error(error):
    render = renderer_for_request()
    if render is not None:
        return render(error)
    return render_error(
        400,
        _l(
            "The form had expired or was sent from elsewhere. Go back, reload the page and send it again."
        ),
    )


def handle_unexpected(error):
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    log.exception("unhandled error on %s %s", request.method, request.path)
    from portal.extensions import db

    db.session.rollback()
    render = renderer_for_request()
    if render is not None:
        return render(InternalServerError())
    return render_error(500)


def register(app):
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(RequestEntityTooLarge, handle_too_large)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(InternalServerError, handle_unexpected)
    app.register_error_handler(Exception, handle_unexpected)
