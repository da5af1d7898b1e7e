"""Error pages: JSON for API clients (one stable shape), a page that says why and links back for people.

Django calls these for errors raised outside DRF's own handling: a URL that matches nothing under
/api/, an unexpected exception (500), a CSRF failure. DRF's views answer their own errors in the same
shape through ``reviewapp.api.exceptions.exception_handler``.
"""

from __future__ import annotations

import re
import sys

from django.contrib.auth.models import AnonymousUser
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse

MESSAGES = {
    400: ("bad_request", "Bad request", "The request could not be understood."),
    403: ("permission_denied", "Not allowed", "Your role in this review does not allow this."),
    404: ("not_found", "Not found", "There is nothing here, or it is not shared with you."),
    500: ("server_error", "Something went wrong", "The error was logged; please try again in a moment."),
    503: (
        "database_unavailable",
        "Temporarily unavailable",
        "The database cannot be reached right now (a restart or maintenance). Nothing was saved by this "
        "request; please try again in a moment.",
    ),
}
RETRY_AFTER = "5"  # seconds: a database restart takes a few


def wants_json(request) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def error_response(request, status: int, reason: str = ""):
    code, title, text = MESSAGES[status]
    if wants_json(request):
        return JsonResponse({"detail": reason or text, "code": code}, status=status)
    context = {"status": status, "title": title, "text": reason or text, "back_review": _review_of(request)}
    return render(request, "error.html", context, status=status)


REVIEW_PATH = re.compile(r"^/reviews/(?P<slug>[-\w]+)/")


def _review_of(request) -> dict | None:
    """The review the failed page belongs to, to link back to, only for its members (to anyone else a
    review they do not belong to does not exist)."""
    found = REVIEW_PATH.match(request.path)
    user = getattr(request, "user", None)
    if not found or user is None or not user.is_authenticated:
        return None
    from ..models import Membership

    member = Membership.objects.filter(review__slug=found["slug"], user=user).select_related("review").first()
    if member is None:
        return None
    return {"title": member.review.title, "url": reverse("review-detail", args=[member.review.slug])}


def _reason(exception) -> str:
    """The message a view raised with (PermissionDenied("Only owners ...")), if it is meant for people."""
    if exception is None or not exception.args:
        return ""
    first = exception.args[0]
    return first if isinstance(first, str) and not first.startswith(("{", "<")) else ""


def bad_request(request, exception=None):
    return error_response(request, 400, _reason(exception))


def permission_denied(request, exception=None):
    return error_response(request, 403, _reason(exception))


def page_not_found(request, exception=None):
    return error_response(request, 404)  # never echo the path: it may come from an attacker's link


def server_error(request):
    """500, or 503 when the error is that the database cannot be reached (restarted, failed over): the
    request failed cleanly and the next one will reconnect (CONN_HEALTH_CHECKS)."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return database_unavailable(request)
    return error_response(request, 500)


def database_unavailable(request) -> HttpResponse:
    """503 without touching the database: no session, no user, no messages."""
    code, title, text = MESSAGES[503]
    if wants_json(request):
        response: HttpResponse = JsonResponse({"detail": text, "code": code}, status=503)
    else:
        context = {"status": 503, "title": title, "text": text, "user": AnonymousUser()}
        response = HttpResponse(render_to_string("error.html", context), status=503)
    response["Retry-After"] = RETRY_AFTER
    return response


def csrf_failure(request, reason=""):
    return error_response(
        request, 403, "The form expired or came from another site. Go back, reload the page and try again."
    )
