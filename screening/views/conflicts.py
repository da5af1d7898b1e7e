"""Conflicts: the list, resolving one, reopening one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reviewapp.permissions import can_resolve_conflicts, member_or_404

from .. import selectors
from ..forms import ResolveForm
from ..highlight import compile_keywords
from ..models import Conflict, ConflictStatus, Stage, VerdictDecision
from ..services import votes as vote_services
from ._common import _context, _reasons

# --- conflicts ------------------------------------------------------------------------------------


@login_required
@require_GET
def conflict_list(request, slug: str):
    review, member = member_or_404(request.user, slug)
    status = request.GET.get("status", ConflictStatus.OPEN)
    conflicts = selectors.conflicts_of(review)
    if status in ConflictStatus.values:
        conflicts = conflicts.filter(status=status)
    if request.GET.get("stage") in Stage.values:
        conflicts = conflicts.filter(stage=request.GET["stage"])
    page = Paginator(conflicts, 25).get_page(request.GET.get("page"))
    rows = [(c, selectors.conflict_votes(c), selectors.conflict_verdict(c)) for c in page]
    return render(
        request,
        "screening/conflicts.html",
        _context(
            review,
            member,
            "conflicts",
            page=page,
            rows=rows,
            status=status,
            stage=request.GET.get("stage", ""),
            may_resolve=can_resolve_conflicts(review, member),
            stages=Stage.choices,
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def conflict_detail(request, slug: str, pk: int):
    review, member = member_or_404(request.user, slug)
    conflict = get_object_or_404(selectors.conflicts_of(review), pk=pk)
    may_resolve = can_resolve_conflicts(review, member)
    form = ResolveForm(request.POST or None)
    if request.method == "POST":
        if not may_resolve:
            raise PermissionDenied(
                "Only the arbiter (or the owner, if the review allows it) resolves conflicts."
            )
        if form.is_valid():
            try:
                verdict = vote_services.conflict_resolve(
                    conflict=conflict, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                following = _next_conflict(review, conflict, _stage_filter(request))
                messages.success(request, _resolved_message(conflict, verdict, following))
                return redirect(_conflict_url(review, following, _stage_filter(request)))
    keywords = compile_keywords(review.include_keywords or [], review.exclude_keywords or [])
    return render(
        request,
        "screening/conflict_detail.html",
        _context(
            review,
            member,
            "conflicts",
            conflict=conflict,
            votes=selectors.conflict_votes(conflict),
            verdict=selectors.conflict_verdict(conflict),
            form=form,
            may_resolve=may_resolve,
            stage_filter=_stage_filter(request),
            reasons=_reasons(review, conflict.stage)[0],
            abstract_html=mark_safe(keywords.highlight(conflict.record.abstract)),  # noqa: S308 - escaped
            title_html=mark_safe(keywords.highlight(conflict.record.title)),  # noqa: S308 - escaped by highlight
        ),
        status=422 if request.method == "POST" else 200,
    )


def _stage_filter(request) -> str:
    """The conflict list's stage filter, carried through the conflict pages (?stage=full_text)."""
    stage = request.GET.get("stage", "")
    return stage if stage in Stage.values else ""


def _next_conflict(review, conflict, stage: str):
    """The next open conflict after this one, at the stage the list was filtered to (if it was)."""
    open_conflicts = Conflict.objects.filter(review=review, status=ConflictStatus.OPEN).exclude(
        pk=conflict.pk
    )
    if stage:
        open_conflicts = open_conflicts.filter(stage=stage)
    return open_conflicts.order_by("id").only("id", "record_id").first()


def _conflict_url(review, conflict, stage: str) -> str:
    """The conflict's page, or the list of open conflicts when there is none, keeping the stage filter."""
    if conflict is None:
        url = reverse("screening:conflicts", kwargs={"slug": review.slug})
    else:
        url = reverse("screening:conflict", kwargs={"slug": review.slug, "pk": conflict.pk})
    return f"{url}?stage={stage}" if stage else url


DECIDED = {VerdictDecision.INCLUDE: "included", VerdictDecision.EXCLUDE: "excluded"}


def _resolved_message(conflict, verdict, following) -> str:
    """Names the record just decided, so the banner is not read as being about the next conflict."""
    decided = DECIDED.get(verdict.decision, verdict.decision)
    reason = f" ({verdict.reason.label})" if verdict.reason_id else ""
    then = f" Next: the conflict on #{following.record_id}." if following else " No open conflicts left."
    return f"Conflict on #{conflict.record_id} resolved: {decided}{reason}.{then}"


@login_required
@require_POST
def conflict_reopen(request, slug: str, pk: int):
    review, member = member_or_404(request.user, slug, role=can_resolve_conflicts)
    conflict = get_object_or_404(Conflict.objects.filter(review=review), pk=pk)
    try:
        vote_services.conflict_reopen(
            conflict=conflict, actor=request.user, note=request.POST.get("note", "")
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, f"Conflict on #{conflict.record_id} reopened: it waits for a decision again."
        )
    return redirect(_conflict_url(review, conflict, _stage_filter(request)))
