"""Duplicate pairs to decide: find duplicates (with progress), decide uncertain pairs, undo merges."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from .. import selectors
from ..models import MERGED_STATUSES, CandidateStatus, DuplicateCandidate, ImportStatus
from ..services import duplicates as services
from .common import member_page, owner_or_403, page, paginate, redirect_back

PER_PAGE = 20
FINISHED = (ImportStatus.SUCCEEDED, ImportStatus.FAILED)
TABS = [
    (CandidateStatus.PENDING, "To decide"),
    (CandidateStatus.AUTO_MERGED, "Merged automatically"),
    (CandidateStatus.MERGED, "Merged by a person"),
    (CandidateStatus.REJECTED, "Not duplicates"),
    (CandidateStatus.UNDONE, "Merges undone"),
]
COMPARED = [
    ("Title", lambda r: r.title),
    ("Authors", lambda r: "; ".join(r.authors)),
    ("Year", lambda r: r.year),
    ("Journal", lambda r: r.journal),
    ("Volume", lambda r: r.volume),
    ("Issue", lambda r: r.issue),
    ("Pages", lambda r: r.pages),
    ("DOI", lambda r: r.doi),
    ("PMID", lambda r: r.pmid),
    ("Registry ids", lambda r: ", ".join(r.registry_ids)),
    ("Source", lambda r: r.source.name),
]


def _norm(value) -> str:
    return re.sub(r"[\s.]+", " ", str(value if value is not None else "")).strip().casefold()


def compare(candidate: DuplicateCandidate) -> list[dict]:
    """Rows of the side-by-side view; `differs` when the two values are not the same text."""
    rows = []
    for label, get in COMPARED:
        a, b = get(candidate.record_a), get(candidate.record_b)
        differs = label != "Source" and _norm(a) != _norm(b)  # coming from two sources is expected
        rows.append({"label": label, "a": a, "b": b, "differs": differs})
    return rows


# Reasons that say two fields agree; "no title to compare" is neither agreement nor conflict.
_AGREEING = ("same ", "title 0.", "title 1.", "authors overlap")
_NEUTRAL = ("no title to compare",)


def evidence(candidate: DuplicateCandidate) -> dict:
    """What the matcher saw: the fields that agree, those that conflict, and why no automatic merge."""
    reasons = [str(reason) for reason in candidate.reasons or ()]
    agree = [r for r in reasons if r.startswith(_AGREEING)]
    conflict = [r for r in reasons if r not in agree and r not in _NEUTRAL]
    return {"agree": agree, "conflict": conflict, "guard": candidate.guard}


def _pairs(candidates) -> list[dict]:
    return [
        {
            "candidate": c,
            "rows": compare(c),
            "merged": c.status in MERGED_STATUSES,
            "open": c.status in (CandidateStatus.PENDING, CandidateStatus.UNDONE),
            "evidence": evidence(c),
        }
        for c in candidates
    ]


@login_required
@require_GET
def duplicate_pairs(request, slug):
    review, member = member_page(request, slug)
    status = request.GET.get("status") or CandidateStatus.PENDING
    if status not in CandidateStatus.values:
        status = CandidateStatus.PENDING
    candidates = paginate(request, selectors.candidates_of(review, status).order_by("-score", "id"), PER_PAGE)
    run = selectors.latest_dedup_run(review)
    counts = selectors.candidate_counts(review)
    return page(
        request,
        "reviewapp/duplicates.html",
        review,
        member,
        "duplicates",
        tab=status,
        # Undo now returns a pair to "to decide"; the old "undone" tab shows only while it holds pairs.
        tabs=[
            (value, label, counts[value])
            for value, label in TABS
            if value != CandidateStatus.UNDONE or counts[value] or status == value
        ],
        candidates=candidates,
        pairs=_pairs(candidates),
        run=run,
        run_progress=services.dedup_progress(run) if run else None,
        states=selectors.record_states(review),
    )


@login_required
@require_POST
def dedup_start(request, slug):
    review, member = owner_or_403(request, slug)
    services.dedup_run_start(review=review, actor=request.user)
    messages.info(request, "Looking for duplicates among the active records…")
    return redirect("duplicate-queue", review.slug)


@login_required
@require_GET
def dedup_progress(request, slug, pk):
    """The partial the duplicates page polls while a run is going; asks htmx to reload the page when done."""
    review, member = member_page(request, slug)
    run = get_object_or_404(selectors.dedup_runs_of(review), pk=pk)
    progress = services.dedup_progress(run)
    response = render(
        request,
        "reviewapp/_dedup_progress.html",
        {"review": review, "member": member, "run": run, "run_progress": progress},
    )
    if request.htmx and progress["status"] in FINISHED and request.GET.get("polling"):
        response["HX-Refresh"] = "true"  # the pairs under the bar have changed: show it
    return response


def _decide(request, slug, pk, decide, done: str):
    review, member = owner_or_403(request, slug)
    candidate = get_object_or_404(selectors.candidates_of(review, None), pk=pk)
    try:
        candidate = decide(candidate=candidate, actor=request.user)
    except ValidationError as exc:
        if request.htmx:
            return render(
                request,
                "reviewapp/_pair.html",
                {
                    "review": review,
                    "member": member,
                    "pair": _pairs([candidate])[0],
                    "error": exc.messages,
                    "next_url": request.POST.get("next", ""),
                },
            )
        messages.error(request, " ".join(exc.messages))
    else:
        if request.htmx:
            candidate = selectors.candidates_of(review, None).get(pk=candidate.pk)
            return render(
                request,
                "reviewapp/_pair.html",
                {
                    "review": review,
                    "member": member,
                    "pair": _pairs([candidate])[0],
                    "decided": done,
                    "next_url": request.POST.get("next", ""),
                },
            )
        messages.success(request, done)
    return redirect_back(request, reverse("duplicate-queue", args=[review.slug]))


@login_required
@require_POST
def candidate_merge(request, slug, pk):
    return _decide(request, slug, pk, services.candidate_merge, "Merged: the pair now counts as one record.")


@login_required
@require_POST
def candidate_reject(request, slug, pk):
    return _decide(request, slug, pk, services.candidate_reject, "Marked as not a duplicate.")


@login_required
@require_POST
def candidate_undo(request, slug, pk):
    return _decide(request, slug, pk, services.candidate_undo, "Merge undone: both records are back.")
