"""The OpenAPI 3.1 document, written by flask-smorest from the API's views and schemas, served
at /api/v1/openapi.json, and a readable page of it at /api/v1/docs (rendered on the server from
the same document: no script from elsewhere)."""

from flask import Blueprint, current_app, jsonify, render_template
from flask_smorest import Api as SmorestApi

from portal.access import public

docs_bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")


class Api(SmorestApi):
    """flask-smorest's Api without its own error handlers: the portal's handlers answer every
    error, as JSON under /api/v1/ (portal/api/errors.py) and as a page elsewhere."""

    def _register_error_handlers(self):
        pass


METHODS = ("get", "post", "put", "patch", "delete")


def document():
    return current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()


@docs_bp.route("/openapi.json")
@public
def openapi_json():
    """The document describes the API, not its data: anyone may read it."""
    return jsonify(document())


def schema_name(schema):
    """The name of a schema reference, or its type for an inline schema."""
    if not schema:
        return ""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return f"[{schema_name(schema.get('items', {}))}]"
    return schema.get("type", "")


def ref_name(item):
    return item.get("$ref", "").rsplit("/", 1)[-1]


def answer_of(code, answer):
    """(status, description, schema name) of a response, its reference resolved."""
    content = next(iter(answer.get("content", {}).values()), {})
    return code, answer.get("description", ""), schema_name(content.get("schema"))


@docs_bp.route("/docs")
@public
def openapi_page():
    spec = document()
    shared = spec.get("components", {}).get("responses", {})
    operations = []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            body = operation.get("requestBody", {}).get("content", {})
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": operation.get("parameters", []) + item.get("parameters", []),
                    "body": schema_name(next(iter(body.values()), {}).get("schema")),
                    "responses": [
                        answer_of(code, shared.get(ref_name(answer), answer))
                        for code, answer in operation.get("responses", {}).items()
                    ],
                }
            )
    return render_template(
        "api/openapi_page.html",
        spec=spec,
        operations=operations,
        schemas=spec.get("components", {}).get("schemas", {}),
    )


def register(app):
    """Bind the API, its document, its page, its JSON errors and its request hooks."""
    from portal.api import auth, errors
    from portal.api.views import bp
    from portal.core.errors import register_renderer

    api = Api(app)
    api.spec.components.security_scheme(
        "token", {"type": "http", "scheme": "bearer", "description": "A personal access token."}
    )
    api.spec.components.security_scheme(
        "session",
        {
            "type": "apiKey",
            "in": "cookie",
            "name": app.config.get("SESSION_COOKIE_NAME", "session"),
            "description": "The signed-in browser; writes also need the X-CSRFToken header.",
        },
    )
    api.register_blueprint(bp)
    app.register_blueprint(docs_bp)
    register_renderer(app, auth.API_PREFIX, errors.render)
