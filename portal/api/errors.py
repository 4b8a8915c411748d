"""Errors of the API as JSON: `{"code": 404, "status": "Not Found", "message": "..."}`, with
`errors` for a request that failed validation (field -> messages). Every address under
/api/v1/ answers so, including those that do not exist."""

from flask import jsonify

#: What each status means to a program's author, when the code gives no more precise reason.
MESSAGES = {
    400: "The request could not be understood: check its parameters and body.",
    401: "Sign in, or send a valid personal access token: Authorization: Bearer att_...",
    403: "Your account or token does not allow this.",
    404: "There is nothing at this address, or it is not available to you.",
    405: "This address does not accept this method.",
    413: "The request body is larger than the portal accepts.",
    422: "The request did not pass validation: see errors.",
    429: "Too many requests with this token in a short time: wait, then try again.",
    500: "The portal could not complete the request. Nothing was changed.",
}


def json_error(code, name, description=None, errors=None, headers=None):
    """The JSON answer for an error status; `description` is used when it is the code's own
    (an `abort(…, description=…)`), else the status's general message."""
    body = {"code": code, "status": name, "message": description or MESSAGES.get(code, "")}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = code
    if code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="ATT portal API"'
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def render(error):
    """The error renderer the core's handlers call for an API request (see core/errors.py)."""
    code = getattr(error, "code", None) or 500
    data = getattr(error, "data", None) or {}
    errors = data.get("errors") or data.get("messages")
    if isinstance(errors, dict) and set(errors) <= {"json", "query", "form", "files", "view_args"}:
        # webargs files messages by location; one level less reads better.
        merged = {}
        for located in errors.values():
            merged.update(located)
        errors = merged
    description = None
    if code != 500 and getattr(error, "description", None):
        own = type(error).description
        description = error.description if error.description != own else None
    if data.get("message"):
        description = str(data["message"])
    if code == 400 and type(error).__name__ == "CSRFError":
        description = "The CSRF token is missing or wrong: send it in the X-CSRFToken header."
    if code == 429:
        description = None
    name = getattr(error, "name", "Internal Server Error")
    return json_error(code, name, description, errors, data.get("headers"))
