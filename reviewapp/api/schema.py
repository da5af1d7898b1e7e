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
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
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
            if "{" in path:
                codes.append("404")
            if method in _WRITES or operation.get("parameters"):
                codes.append("400")
            for code in codes:
                schema = "ValidationError" if code == "400" else "Error"
                responses.setdefault(code, {"description": _TEXT[code], "content": _ref(schema)})
    return result
