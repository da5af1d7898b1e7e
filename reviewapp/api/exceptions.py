"""One error shape for the whole API.

- Validation errors (400): ``{"<field>": ["message", ...], ...}`` with ``non_field_errors`` or ``detail``
  for messages about the request as a whole — DRF's own convention, which our clients already read.
- Every other error (401, 403, 404, 405, 406, 415, 429, 500): ``{"detail": "message", "code": "not_found"}``.

Services raise Django's ValidationError; they are answered like serializer errors. Text that PostgreSQL
cannot store (a NUL character) is a 400 naming the problem, not a 500.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, serializers
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = serializers.ValidationError(detail)
    elif isinstance(exc, ValueError) and "NUL" in str(exc):
        exc = serializers.ValidationError({"detail": ["Text must not contain NUL (\\x00) characters."]})
    response = drf_exception_handler(exc, context)
    if response is None or isinstance(exc, exceptions.ValidationError):
        return response
    detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
    code = getattr(detail, "code", None) or _code(exc)
    response.data = {"detail": str(detail), "code": code}
    return response


def _code(exc) -> str:
    if isinstance(exc, exceptions.APIException):
        return exc.default_code
    return {404: "not_found", 403: "permission_denied"}.get(getattr(exc, "status_code", 0), "error")
