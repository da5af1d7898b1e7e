"""Studies: grouping included reports, merging and splitting studies."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from reviewapp.permissions import OWNER_OR_REVIEWER, member_or_404
from reviewapp.selectors import included_studies_count
from reviewapp.services import studies as study_services

from .. import selectors
from ._common import _context, _posted_id

# --- studies --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def studies(request, slug: str):
    writing = request.method == "POST"
    review, member = member_or_404(request.user, slug, role=OWNER_OR_REVIEWER if writing else None)
    if request.method == "POST":
        _studies_post(request, review)
        return redirect("screening:studies", slug=slug)
    reports = list(selectors.included_reports(review))
    return render(
        request,
        "screening/studies.html",
        _context(
            review,
            member,
            "studies",
            reports=reports,
            studies=selectors.studies_of(review),
            studies_total=included_studies_count(review),
            loose_reports=sum(1 for report in reports if report.study_id is None),
            suggestions=selectors.study_suggestions(review),
            reports_by_id={r.pk: r for r in reports},
            may_group=member.is_owner or member.is_reviewer,
        ),
    )


def _studies_post(request, review) -> None:
    action = request.POST.get("action")
    record_ids = [int(pk) for pk in request.POST.getlist("records") if pk.isdigit()]
    try:
        if action == "group":
            study = study_services.study_group(
                review=review, actor=request.user, record_ids=record_ids, label=request.POST.get("label", "")
            )
        elif action == "split":
            study = study_services.study_split(
                review=review,
                actor=request.user,
                study_id=_posted_id(request, "study"),
                record_ids=record_ids,
                label=request.POST.get("label", ""),
            )
        elif action == "merge":
            ids = [int(pk) for pk in request.POST.getlist("studies") if pk.isdigit()]
            study = study_services.study_merge(
                review=review, actor=request.user, target_id=_posted_id(request, "study"), other_ids=ids
            )
        else:
            messages.error(request, "Unknown action.")
            return
        messages.success(request, f"Saved study “{study.label}”.")
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
