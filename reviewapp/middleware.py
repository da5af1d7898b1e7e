"""Request guards that apply to every page and endpoint."""

from __future__ import annotations

from .views.errors import error_response


class RejectNulMiddleware:
    """A NUL character in the path, the query string or a form field is refused with 400.

    PostgreSQL cannot store or compare text containing NUL, so without this a filter such as
    ``?q=%00`` or a slug with ``%00`` in it became a 500 deep inside a query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or _has_nul(request.GET) or (_is_form(request) and _has_nul(request.POST)):
            return error_response(
                request, 400, "The request contains a NUL (\\x00) character, which no field may hold."
            )
        return self.get_response(request)


def _is_form(request) -> bool:
    return request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    )


def _has_nul(query) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in query.lists())
