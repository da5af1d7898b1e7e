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


_CREATED = ("201", "202", "200")


def _body_schema(result: dict, response: dict) -> dict:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    ref = schema.get("$ref", "")
    return result["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {}) if ref else schema


def _path_params(operation: dict) -> set[str]:
    return {
        p["name"] for p in operation.get("parameters", []) if isinstance(p, dict) and p.get("in") == "path"
    }


def _created_key(result: dict, path: str, body: dict) -> tuple[str | None, str | None]:
    """Where the created object's key is in a create's answer: `id`, a review's `slug`, or the id of the
    object named like the collection (POST .../votes/ answers {"vote": {"id": ...}, ...})."""
    fields = body.get("properties", {})
    if "id" in fields:
        return "id", "id"
    if "slug" in fields:
        return "slug", "review_slug"
    for name, field in fields.items():
        nested = _body_schema(result, {"content": {"application/json": {"schema": field}}})
        if path.rstrip("/").endswith(f"/{name}s") and "id" in nested.get("properties", {}):
            return f"{name}/id", "id"
    return None, None


def add_links(result, generator, request, public):
    """drf-spectacular postprocessing hook: OpenAPI links from each create to the operations on what it
    created (POST .../things/ answering {"id": ...} -> GET/PATCH/DELETE/actions on .../things/{id}/...),
    and from a new review (its slug) to everything under /reviews/{review_slug}/. Clients and stateful
    tests (schemathesis) follow them."""
    paths = result.get("paths", {})
    for path, operations in paths.items():
        post = operations.get("post")
        if not isinstance(post, dict):
            continue
        code = next((c for c in _CREATED if c in post.get("responses", {})), None)
        if code is None:
            continue
        key, param = _created_key(result, path, _body_schema(result, post["responses"][code]))
        if key is None:
            continue
        below = f"{path}{{{param}}}/" if param == "id" else f"{path}{{review_slug}}/"
        links = {}
        for target, target_ops in paths.items():
            if not target.startswith(below):
                continue
            for operation in target_ops.values():
                if not isinstance(operation, dict) or "operationId" not in operation:
                    continue
                wanted = _path_params(operation)
                parameters = {name: f"$request.path.{name}" for name in wanted if name != param}
                if param not in wanted or set(parameters) - _path_params(post):
                    continue
                parameters[param] = f"$response.body#/{key}"
                links[operation["operationId"]] = {
                    "operationId": operation["operationId"],
                    "parameters": parameters,
                }
        if links:
            post["responses"][code]["links"] = links
    return result
