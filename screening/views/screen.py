"""The screening page: the voting panel, votes, undo, the work list's preparation and progress."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from reviewapp.models import Role
from reviewapp.permissions import member_or_404

from .. import selectors
from ..forms import VoteForm
from ..highlight import compile_keywords
from ..models import ConflictStatus, QueueItem, Stage, Vote
from ..services import votes as vote_services
from ..services import worklist as worklist_services
from ._common import _reasons

VOTED_EVENT = "screening-voted"


# --- the screening page ---------------------------------------------------------------------------


def _shown_record(review, stage: str, user, record_id: str | None):
    """The record asked for (one I voted on, or one in my queue), else the head of my queue. Only reads:
    the services that change the data keep the queue up to date."""
    if record_id and record_id.isdigit():
        mine = (
            Vote.objects.filter(review=review, stage=stage, reviewer=user, record_id=record_id).exists()
            or QueueItem.objects.filter(
                review=review, stage=stage, reviewer=user, record_id=record_id
            ).exists()
        )
        if mine:
            return selectors.screening_records(review).filter(pk=record_id).first()
    return selectors.next_record(review, stage, user)


def _panel_context(
    review, member, stage: str, record, *, error: list[str] | None = None, note: str = "", just_voted=None
) -> dict:
    user = member.user
    vote = selectors.my_vote(record, stage, user) if record else None
    undone = selectors.retracted_vote(record, stage, user) if record and vote is None else None
    kept = vote or undone  # an undone vote's note and reason are offered again when re-voting
    previous, following = selectors.history_neighbours(review, stage, user, vote)
    keywords = compile_keywords(review.include_keywords or [], review.exclude_keywords or [])
    reasons, reason_required = _reasons(review, stage)
    outcome = None
    if vote is not None:
        outcome = {
            "verdict": record.verdicts.filter(stage=stage).select_related("reason").first(),
            "conflict": record.conflicts.filter(stage=stage, status=ConflictStatus.OPEN).first(),
        }
    return {
        "review": review,
        "member": member,
        "stage": stage,
        "stage_label": Stage(stage).label,
        "record": record,
        "title_html": mark_safe(keywords.highlight(record.title)) if record else "",  # noqa: S308 - escaped by highlight
        "abstract_html": mark_safe(keywords.highlight(record.abstract)) if record else "",  # noqa: S308
        "my_vote": vote,
        "outcome": outcome,
        "previous": previous,
        "following": following,
        "reasons": reasons,
        "reason_required": reason_required,
        "chosen_reason": kept.reason_id if kept else None,
        "labels": selectors.record_labels(review, record, user) if record else [],
        "retrieval": selectors.retrieval_of(review, record.pk)
        if record and stage == Stage.FULL_TEXT
        else None,
        "error": error or [],
        "note": note if error else (kept.note if kept else ""),
        "just_voted": just_voted,
        "preparing": record is None and not selectors.worklist_ready(review, stage, user),
        "relevance": selectors.relevance_of(review, record)
        if record and stage == Stage.TITLE_ABSTRACT
        else None,
    }


@login_required
@require_GET
def screen(request, slug: str, stage: str):
    review, member = member_or_404(request.user, slug, role=Role.REVIEWER)
    record = _shown_record(review, stage, request.user, request.GET.get("record"))
    context = _panel_context(review, member, stage, record)
    if request.htmx:
        return render(request, "screening/_panel.html", context)
    mine, team = selectors.progress_of(review, stage, request.user, member)
    context.update(
        nav=f"screen-{stage}",
        mine=mine,
        team=team,
        pilot_left=selectors.pilot_left_for(review, request.user) if stage == Stage.TITLE_ABSTRACT else 0,
    )
    return render(request, "screening/screen.html", context)


@login_required
@require_POST
def vote(request, slug: str, stage: str):
    review, member = member_or_404(request.user, slug, role=Role.REVIEWER)
    form = VoteForm(request.POST)
    if not form.is_valid():
        return _panel_error(
            request,
            review,
            member,
            stage,
            request.POST.get("record"),
            [f"{field}: {', '.join(errors)}" for field, errors in form.errors.items()],
        )
    values = form.cleaned_data
    try:
        cast = vote_services.vote_cast(
            review=review,
            actor=request.user,
            record_id=values["record"],
            stage=stage,
            decision=values["decision"],
            reason=values["reason"],
            note=values["note"],
        )
    except ValidationError as error:
        return _panel_error(
            request, review, member, stage, str(values["record"]), error.messages, note=values["note"]
        )
    just_voted = _just_voted(cast.vote)
    if not request.htmx:
        messages.success(request, just_voted["text"])
        return redirect("screening:screen", slug=slug, stage=stage)
    record = _shown_record(review, stage, request.user, None)
    context = _panel_context(review, member, stage, record, just_voted=just_voted)
    response = render(request, "screening/_panel.html", context)
    response["HX-Trigger"] = VOTED_EVENT
    return response


PAST_TENSE = {"include": "Included", "exclude": "Excluded", "maybe": "Maybe for"}


def _just_voted(vote) -> dict:
    """What the vote just cast was, shown on the next panel so that no vote goes unseen."""
    reason = vote.reason.label if vote.reason_id else ""
    text = f"{PAST_TENSE[vote.decision]} #{vote.record_id}{f' ({reason})' if reason else ''} — U to undo"
    return {"record_id": vote.record_id, "decision": vote.decision, "reason": reason, "text": text}


def _panel_error(request, review, member, stage, record_id, error, note=""):
    if not request.htmx:
        for message in error:
            messages.error(request, message)
        url = reverse("screening:screen", kwargs={"slug": review.slug, "stage": stage})
        return redirect(f"{url}?record={record_id}" if record_id else url)
    record = _shown_record(review, stage, request.user, record_id)
    context = _panel_context(review, member, stage, record, error=error, note=note)
    return render(request, "screening/_panel.html", context, status=422)


@login_required
@require_POST
def undo(request, slug: str, stage: str):
    review, member = member_or_404(request.user, slug, role=Role.REVIEWER)
    try:
        record = vote_services.vote_undo_last(review=review, actor=request.user, stage=stage)
    except ValidationError as error:
        return _panel_error(request, review, member, stage, request.POST.get("record"), error.messages)
    if not request.htmx:
        url = reverse("screening:screen", kwargs={"slug": slug, "stage": stage})
        return redirect(f"{url}?record={record.pk}")
    shown = selectors.screening_records(review).get(pk=record.pk)
    context = _panel_context(review, member, stage, shown)
    context["just_voted"] = {"record_id": record.pk, "undone": True, "note": context["note"]}
    response = render(request, "screening/_panel.html", context)
    response["HX-Trigger"] = VOTED_EVENT
    return response


@login_required
@require_POST
def prepare(request, slug: str, stage: str):
    """Ask again for my work list to be built (it normally is, by the services that change the data)."""
    review, member = member_or_404(request.user, slug, role=Role.REVIEWER)
    worklist_services.worklist_build_enqueue(review=review, reviewer_id=request.user.pk)
    return redirect("screening:screen", slug=slug, stage=stage)


@login_required
@require_GET
def progress(request, slug: str, stage: str):
    review, member = member_or_404(request.user, slug)
    mine, team = selectors.progress_of(review, stage, request.user, member)
    return render(
        request, "screening/_progress.html", {"review": review, "stage": stage, "mine": mine, "team": team}
    )


@login_required
@require_GET
def index(request, slug: str) -> HttpResponse:
    member_or_404(request.user, slug)
    return redirect("screening:screen", slug=slug, stage=Stage.TITLE_ABSTRACT)
