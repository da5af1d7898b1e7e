"""Helpers every page shares: the review context, service errors onto forms, safe redirects."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from ..models import Membership, Review, Role
from ..permissions import member_or_404

OWNER = Role.OWNER


def member_page(request, slug: str, *, owner_to_write: bool = True) -> tuple[Review, Membership]:
    """The review for a member (404 for anyone else); a POST needs the owner role (403) by default."""
    role = OWNER if owner_to_write and request.method == "POST" else None
    return member_or_404(request.user, slug, role=role)


def owner_or_403(request, slug: str) -> tuple[Review, Membership]:
    """The review for its owners; other members get 403 (even to look), non-members 404."""
    return member_or_404(request.user, slug, role=OWNER)


def page(request, template: str, review: Review, member: Membership, nav: str, status: int = 200, **context):
    """Render a review page: base.html needs `review`, `member` and `nav` for its navigation."""
    context = {"review": review, "member": member, "nav": nav, **context}
    return render(request, template, context, status=status)


def add_service_errors(form, exc: ValidationError, fields: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError next to the form fields it names (others go to the top)."""
    fields = fields or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        target = fields.get(name, name)
        form.add_error(target if target in form.fields else None, errors)


def paginate(request, items, per_page: int) -> Page:
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def redirect_back(request, default: str):
    """Go to the `next` the page posted (same site only), else to `default`."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


# Panels other apps add to the review overview (screening progress, ...). A panel is a function
# (request, review, member) -> {"template": "app/_panel.html", ...context} or None to show nothing.
DASHBOARD_PANELS: list[Callable] = []


def dashboard_panel(func: Callable) -> Callable:
    """Decorator: register a panel for the review overview page (call from your AppConfig.ready())."""
    if func not in DASHBOARD_PANELS:
        DASHBOARD_PANELS.append(func)
    return func


def dashboard_panels(request, review: Review, member: Membership) -> list[dict]:
    panels = (panel(request, review, member) for panel in DASHBOARD_PANELS)
    return [panel for panel in panels if panel]
