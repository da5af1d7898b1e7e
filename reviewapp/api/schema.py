"""OpenAPI: every operation documents the errors it can answer, in the shapes of api/exceptions.py."""

from __future__ import annotations

ERROR = {
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for people."},
        "code": {"type": "string", "description": "Stable machine-readable code, e.g. not_found."},
    },
    "required": ["detail", "code"],
}
VALIDATION_ERROR = {
    "type": "object",
    "description": "Messages per field; `detail` or `non_field_errors` for the request as a whole.",
    "additionalProperties": {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "object", "description": "Messages per item of a list field, keyed by its index."},
        ]
    },
}
_TEXT = {
    "400": "Invalid input: the messages name each field.",
    "401": "Not authenticated (no or a wrong token).",
    "403": "Authenticated, but your role in this review does not allow this.",
    "404": "No such object, or it belongs to a review you are not a member of.",
}
_WRITES = {"post", "put", "patch", "delete"}


def _ref(name: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}


def _content(code: str) -> dict:
    if code != "400":
        return _ref("Error")
    # 400 is a validation error, or (a body that is not JSON, a NUL byte) the plain error shape
    either = [{"$ref": "#/components/schemas/ValidationError"}, {"$ref": "#/components/schemas/Error"}]
    return {"application/json": {"schema": {"anyOf": either}}}


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: add 400/401/403/404 (where missing) to every operation."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR)
    schemas.setdefault("ValidationError", VALIDATION_ERROR)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            codes = ["401", "403"]
            params = {p.get("name") for p in operation.get("parameters", []) if isinstance(p, dict)}
            if "{" in path or "page" in params:  # a page past the end is a 404 too
                codes.append("404")
            if method in _WRITES or operation.get("parameters"):
                codes.append("400")
            for code in codes:
                responses.setdefault(code, {"description": _TEXT[code], "content": _content(code)})
    return result
