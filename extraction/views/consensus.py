"""Comparison and consensus: the consensus list and records, settling conflicts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from reviewapp.permissions import member_or_404

from .. import pages, selectors
from ..permissions import may_read_extractions, may_settle
from ..services import consensus as consensus_services
from ._common import _expected, _page

# --- comparison and consensus ----------------------------------------------------------------------------


@login_required
@require_GET
def consensus_list(request, slug):
    review, member = member_or_404(request.user, slug)
    return _page(
        request,
        "extraction/consensus_list.html",
        review,
        member,
        "consensus",
        records=selectors.consensus_visible_to(review, member),
        conflicts=selectors.conflicts_visible_to(review, member),
    )


@login_required
@require_GET
def consensus_detail(request, slug, pk):
    """A consensus record, and (for the team) how each difference behind it was settled."""
    review, member = member_or_404(request.user, slug)
    consensus = selectors.consensus_for_page(review, pk)
    if consensus is None:
        raise Http404("No such consensus record.")
    names = {m.key: m.name for m in selectors.outcome_measures_of(review)}
    items = selectors.comparison(consensus) if may_read_extractions(member) else []
    return _page(
        request,
        "extraction/consensus.html",
        review,
        member,
        "consensus",
        c=consensus,
        items=items,
        sections=pages.sections(consensus.form_version.schema, consensus.answers),
        outcome_rows=pages.outcome_rows(consensus.outcomes, names),
    )


def _conflict_context(review, member, conflict, **extra):
    items = selectors.comparison(conflict)
    return {
        "review": review,
        "member": member,
        "nav": "extraction",
        "sub": "consensus",
        "c": conflict,
        "items": items,
        "open_items": sum(1 for i in items if i.settlement is None),
        "may_settle": may_settle(review, member) and conflict.is_open,
        "consensus": conflict.study.extraction_consensus.filter(form=conflict.form).first()
        if not conflict.is_open
        else None,
        **extra,
    }


@login_required
@require_GET
def conflict_detail(request, slug, pk):
    """The comparison: every differing field, arm and outcome row of the two extractions, to settle."""
    review, member = member_or_404(request.user, slug)
    if not may_read_extractions(member):
        raise PermissionDenied("Viewers read consensus records only.")
    conflict = selectors.conflict_for_page(review, pk)
    if conflict is None:
        raise Http404("No such conflict.")
    return render(request, "extraction/conflict.html", _conflict_context(review, member, conflict))


@login_required
@require_POST
def conflict_settle(request, slug, pk):
    review, member = member_or_404(request.user, slug)
    if not may_read_extractions(member):
        raise PermissionDenied("Viewers read consensus data, not the conflicts behind it.")
    conflict = selectors.conflict_for_page(review, pk)
    if conflict is None:
        raise Http404("No such conflict.")
    error = None
    try:
        if request.POST.get("action") == "resolve":
            consensus = consensus_services.conflict_resolve(
                conflict_id=conflict.pk,
                actor=request.user,
                expected_version=_expected(request),
                note=request.POST.get("note", ""),
            )
            messages.success(request, "Consensus record saved.")
            return redirect("extraction:consensus", slug=slug, pk=consensus.pk)
        consensus_services.conflict_settle(
            conflict_id=conflict.pk,
            actor=request.user,
            path=request.POST.get("path", ""),
            choice=request.POST.get("choice", ""),
            value=request.POST.get("value"),
            expected_version=_expected(request),
        )
    except ValidationError as exc:
        error = " ".join(exc.messages)
        if not request.htmx:
            messages.error(request, error)
    if not request.htmx:
        return redirect("extraction:conflict", slug=slug, pk=pk)
    conflict = selectors.conflict_for_page(review, pk)
    context = _conflict_context(review, member, conflict, settle_error=error)
    return render(request, "extraction/_comparison.html", context, status=422 if error else 200)
