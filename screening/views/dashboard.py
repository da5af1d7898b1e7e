"""The agreement and progress dashboard, prioritised screening (settings, stop / undo), the overview panel."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from reviewapp.permissions import member_or_404

from .. import selectors
from ..forms import PriorityForm
from ..models import Stage
from ..services import ranking as ranking_services
from ..services import stopping as stopping_services
from ._common import _context

# --- agreement and progress dashboard --------------------------------------------------------------


@login_required
@require_GET
def dashboard(request, slug: str):
    review, member = member_or_404(request.user, slug)
    series = selectors.progress_series(review)
    stages = []
    agreement = selectors.agreement(review)
    for stage, label in Stage.choices:
        stages.append(
            {
                "stage": stage,
                "label": label,
                "agreement": agreement[stage],
                "team": selectors.team_progress(review, stage),
                "chart": selectors.progress_chart(series[stage]),
            }
        )
    priority = selectors.stopping_state(review)
    form = PriorityForm(instance=priority["settings"]) if member.is_owner else None
    return render(
        request,
        "screening/dashboard.html",
        _context(review, member, "agreement", stages=stages, priority=priority, priority_form=form),
    )


def _owner_post(request, slug: str):
    review, member = member_or_404(request.user, slug)
    if not member.is_owner:
        raise PermissionDenied("Only the owner changes prioritised screening or stops it.")
    return review, member


@login_required
@require_POST
def priority(request, slug: str):
    review, member = _owner_post(request, slug)
    form = PriorityForm(request.POST, instance=selectors.priority_settings(review))
    if form.is_valid():
        try:
            ranking_services.priority_settings_update(
                review=review, actor=request.user, **{name: form.cleaned_data[name] for name in form.fields}
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Prioritised screening settings saved.")
            return redirect("screening:agreement", slug=slug)
    for field, errors in form.errors.items():
        messages.error(
            request, f"{form.fields[field].label if field in form.fields else 'Settings'}: {' '.join(errors)}"
        )
    return redirect("screening:agreement", slug=slug)


@login_required
@require_POST
def stop(request, slug: str):
    review, member = _owner_post(request, slug)
    try:
        done = stopping_services.screening_stop(review=review, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"Screening stopped: {done.records_count} records marked ineligible by automation tools."
        )
    return redirect("screening:agreement", slug=slug)


@login_required
@require_POST
def stop_undo(request, slug: str, pk: int):
    review, member = _owner_post(request, slug)
    try:
        stopping_services.screening_stop_undo(review=review, actor=request.user, stop_id=pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Stop undone: the records are back in screening.")
    return redirect("screening:agreement", slug=slug)


def overview_panel(request, review, member) -> dict | None:
    """On the review overview: where prioritised screening stands (only once the owner turned it on or
    stopped screening)."""
    state = selectors.stopping_state(review)
    if not state["settings"].pk and not state["stop"]:
        return None
    test = state["test"]
    stats = [
        ("Stopping test p-value", f"{test.p_value:.3f}"),
        ("Estimated recall", f"{test.recall_estimate:.0%}"),
        ("Irrelevant in a row", state["streak"]),
    ]
    if state["stop"]:
        stats.append(("Marked ineligible by automation", state["stop"].records_count))
    return {
        "template": "reviewapp/_panel.html",
        "title": "Prioritised screening",
        "stats": stats,
        "link": ("Stopping rule and ranking", reverse("screening:agreement", kwargs={"slug": review.slug})),
    }
