"""Security headers on every response (ASVS 5.0 level 2, V3 and V14)."""

from flask import abort, current_app, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.endpoint != "static":
        # Restricted pages must not linger in shared or browser caches.
        headers.setdefault("Cache-Control", "no-store")
    if current_app.config["SESSION_COOKIE_SECURE"]:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def refuse_control_characters():
    """Answer 400 to a query, form or uploaded file name carrying a NUL character: no field of
    the portal takes one, and PostgreSQL cannot store it in text."""
    for values in (request.args, request.form):
        for value in values.values():
            if "\x00" in value:
                abort(400)
    for upload in request.files.values():
        if "\x00" in (upload.filename or ""):
            abort(400)
