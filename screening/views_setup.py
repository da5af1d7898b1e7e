"""The team's screening set-up pages: settings, title/abstract exclusion reasons, labels (and the records
carrying one), assignment of records to reviewers, and pilot (calibration) rounds. Members read them;
writes need the owner (tags and pilot votes: the reviewers). Thin: selectors read, services write."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reviewapp.models import Role
from reviewapp.permissions import member_or_404
from reviewapp.views.common import redirect_back

from . import selectors
from .forms import (
    AssignFilteredForm,
    AssignmentModeForm,
    LabelsForm,
    PilotStartForm,
    PilotVoteForm,
    ReviewerChoiceForm,
    TitleAbstractReasonsForm,
)
from .highlight import compile_keywords
from .models import Pilot, PilotVote, Stage
from .offers import settings_of
from .services import fulltext as fulltext_services
from .services import pilot as pilot_services
from .services import setup as setup_services

User = get_user_model()


def _reviewers(review):
    return list(
        User.objects.filter(memberships__review=review, memberships__is_reviewer=True).order_by("username")
    )


def _errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        messages.error(request, f"{field}: {', '.join(errors)}")


# --- the set-up page -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def setup(request, slug: str):
    review, member = member_or_404(request.user, slug, role=Role.OWNER if request.method == "POST" else None)
    if request.method == "POST":
        _setup_post(request, review)
        return redirect("screening:setup", slug=slug)
    reviewers = _reviewers(review)
    current = settings_of(review)
    ta_reasons = selectors.exclusion_reasons_of(review, Stage.TITLE_ABSTRACT)
    labels = list(selectors.labels_of(review))
    counts = {stage: selectors.assignment_counts(review, stage) for stage in Stage.values}
    return render(
        request,
        "screening/setup.html",
        {
            "review": review,
            "member": member,
            "nav": "setup",
            "settings": current,
            "reasons_form": TitleAbstractReasonsForm(
                initial={
                    "mode": current.title_abstract_reasons,
                    "labels": "\n".join(r.label for r in ta_reasons),
                }
            ),
            "labels": labels,
            "labels_text": "\n".join(label.name for label in labels),
            "reviewers": [
                {"user": user, "assigned": {stage: counts[stage].get(user.pk, 0) for stage in Stage.values}}
                for user in reviewers
            ],
            "under_assigned": selectors.under_assigned(review, Stage.TITLE_ABSTRACT)
            if current.assignment
            else 0,
            "stages": Stage.choices,
            "pilot": selectors.open_pilot(review),
        },
    )


def _setup_post(request, review) -> None:
    action = request.POST.get("action")
    handlers = {
        "ta_reasons": _save_ta_reasons,
        "labels": _save_labels,
        "assignment_mode": _save_assignment_mode,
        "split": _split,
        "assign": _assign,
        "clear": _clear,
    }
    handler = handlers.get(action)
    if handler is None:
        messages.error(request, "Unknown action.")
        return
    try:
        handler(request, review)
    except ValidationError as error:
        _errors(request, error)


def _save_ta_reasons(request, review) -> None:
    form = TitleAbstractReasonsForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, form)
    mode, labels = form.cleaned_data["mode"], form.cleaned_data["labels"]
    if mode != "off" and not labels:
        raise ValidationError("List at least one reason to ask for reasons at title/abstract.")
    fulltext_services.exclusion_reasons_set(
        review=review, actor=request.user, labels=labels, stage=Stage.TITLE_ABSTRACT
    )
    setup_services.screening_settings_update(review=review, actor=request.user, title_abstract_reasons=mode)
    messages.success(request, "Title/abstract exclusion reasons saved.")


def _save_labels(request, review) -> None:
    form = LabelsForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, form)
    setup_services.labels_set(review=review, actor=request.user, names=form.cleaned_data["names"])
    messages.success(request, "Labels saved.")


def _save_assignment_mode(request, review) -> None:
    form = AssignmentModeForm(request.POST)
    form.is_valid()
    on = form.cleaned_data.get("assignment", False)
    setup_services.screening_settings_update(review=review, actor=request.user, assignment=on)
    messages.success(
        request, "Assignment is on: reviewers are offered only their records." if on else "Assignment is off."
    )


def _split(request, review) -> None:
    form = ReviewerChoiceForm(request.POST, reviewers=_reviewers(review))
    if not form.is_valid():
        return _form_errors(request, form)
    values = form.cleaned_data
    count = setup_services.assignment_split(
        review=review, actor=request.user, stage=values["stage"], reviewer_ids=values["reviewers"]
    )
    messages.success(
        request, f"Split {count} unassigned record{'s' if count != 1 else ''} among the reviewers."
    )


def _assign(request, review) -> None:
    form = AssignFilteredForm(request.POST, reviewers=_reviewers(review))
    if not form.is_valid():
        return _form_errors(request, form)
    values = form.cleaned_data
    records = selectors.records_matching(
        review,
        request.user,
        stage=values["stage"],
        label_id=values["label"],
        text=values["text"],
        unassigned_only=values["unassigned_only"],
    )
    added = setup_services.assignment_add(
        review=review,
        actor=request.user,
        stage=values["stage"],
        record_ids=records.values_list("pk", flat=True),
        reviewer_ids=values["reviewers"],
    )
    messages.success(request, f"{added} new assignment{'s' if added != 1 else ''}.")


def _clear(request, review) -> None:
    stage = request.POST.get("stage", "")
    removed = setup_services.assignment_clear(review=review, actor=request.user, stage=stage)
    messages.success(request, f"Removed {removed} assignment{'s' if removed != 1 else ''}.")


# --- labels --------------------------------------------------------------------------------------


@login_required
@require_POST
def label_toggle(request, slug: str, record_id: int):
    review, member = member_or_404(request.user, slug, role=(Role.REVIEWER, Role.OWNER))
    label = request.POST.get("label", "")
    try:
        setup_services.record_label_toggle(
            review=review,
            actor=request.user,
            record_id=record_id,
            label_id=int(label) if label.isdigit() else 0,
        )
    except ValidationError as error:
        if not request.htmx:
            _errors(request, error)
            return redirect_back(request, reverse("screening:labels", kwargs={"slug": slug}))
        return render(
            request, "screening/_labels.html", _labels_context(review, member, record_id, error), status=422
        )
    if not request.htmx:
        return redirect_back(request, reverse("screening:labels", kwargs={"slug": slug}))
    return render(request, "screening/_labels.html", _labels_context(review, member, record_id))


def _labels_context(review, member, record_id: int, error: ValidationError | None = None) -> dict:
    record = get_object_or_404(selectors.screening_records(review), pk=record_id)
    return {
        "review": review,
        "member": member,
        "record": record,
        "labels": selectors.record_labels(review, record, member.user),
        "label_error": error.messages if error else [],
    }


@login_required
@require_GET
def labels(request, slug: str):
    """The review's labels with their counts, and the records carrying the chosen one."""
    review, member = member_or_404(request.user, slug)
    all_labels = list(selectors.labels_of(review, active_only=False))
    counts = selectors.label_counts(review, request.user)
    chosen = next((x for x in all_labels if str(x.pk) == request.GET.get("label", "")), None)
    page = None
    if chosen is not None:
        page = Paginator(selectors.records_labelled(review, request.user, chosen.pk), 50).get_page(
            request.GET.get("page")
        )
    return render(
        request,
        "screening/labels.html",
        {
            "review": review,
            "member": member,
            "nav": "setup",
            "labels": [(label, counts.get(label.pk, 0)) for label in all_labels],
            "chosen": chosen,
            "page": page,
        },
    )


# --- pilot rounds --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def pilot(request, slug: str):
    review, member = member_or_404(request.user, slug, role=Role.OWNER if request.method == "POST" else None)
    if request.method == "POST":
        _pilot_post(request, review)
        return redirect("screening:pilot", slug=slug)
    current = selectors.open_pilot(review)
    rounds = []
    for round_ in selectors.pilots_of(review)[:5]:
        visible = selectors.pilot_results_visible(round_)
        rounds.append(
            {
                "pilot": round_,
                "progress": selectors.pilot_progress(round_),
                "visible": visible,
                "agreement": selectors.pilot_agreement(round_) if visible else None,
                "table": selectors.pilot_table(round_) if visible else [],
            }
        )
    mine_left = None
    if current and member.is_reviewer:
        mine_left = current.size - PilotVote.objects.filter(pilot=current, reviewer=request.user).count()
    return render(
        request,
        "screening/pilot.html",
        {
            "review": review,
            "member": member,
            "nav": "setup",
            "current": current,
            "rounds": rounds,
            "mine_left": mine_left,
            "candidates": pilot_services.pilot_candidates(review).count()
            if member.is_owner and not current
            else 0,
        },
    )


def _pilot_post(request, review) -> None:
    try:
        if request.POST.get("action") == "start":
            form = PilotStartForm(request.POST)
            if not form.is_valid():
                return _form_errors(request, form)
            started = pilot_services.pilot_start(
                review=review, actor=request.user, size=form.cleaned_data["size"]
            )
            messages.success(request, f"Pilot round started: {started.size} records for every reviewer.")
        elif request.POST.get("action") == "close":
            current = selectors.open_pilot(review)
            if current is None:
                raise ValidationError("No pilot round is open.")
            pilot_services.pilot_close(pilot=current, actor=request.user)
            messages.success(request, "Pilot round closed: its records go to the work lists.")
        else:
            messages.error(request, "Unknown action.")
    except ValidationError as error:
        _errors(request, error)


def _pilot_panel(request, review, member, pilot_round: Pilot, *, error=None, status=200, last=None):
    record = selectors.pilot_next_record(pilot_round, request.user)
    keywords = compile_keywords(review.include_keywords or [], review.exclude_keywords or [])
    context = {
        "review": review,
        "member": member,
        "pilot": pilot_round,
        "record": record,
        "title_html": mark_safe(keywords.highlight(record.title)) if record else "",  # noqa: S308 - escaped by highlight
        "abstract_html": mark_safe(keywords.highlight(record.abstract)) if record else "",  # noqa: S308
        "done": PilotVote.objects.filter(pilot=pilot_round, reviewer=request.user).count(),
        "error": error or [],
        "last": last,
    }
    template = "screening/_pilot_panel.html" if request.htmx else "screening/pilot_screen.html"
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def pilot_screen(request, slug: str):
    """Screen the open pilot round's records (practice votes) — keyboard-first like the work list."""
    review, member = member_or_404(request.user, slug, role=Role.REVIEWER)
    pilot_round = selectors.open_pilot(review)
    if pilot_round is None:
        messages.info(request, "No pilot round is open.")
        return redirect("screening:pilot", slug=slug)
    if request.method != "POST":
        return _pilot_panel(request, review, member, pilot_round)
    form = PilotVoteForm(request.POST)
    if not form.is_valid():
        errors = [f"{field}: {', '.join(e)}" for field, e in form.errors.items()]
        return _pilot_panel(request, review, member, pilot_round, error=errors, status=422)
    try:
        values = form.cleaned_data
        vote = pilot_services.pilot_vote_cast(
            pilot=pilot_round,
            actor=request.user,
            record_id=values["record"],
            decision=values["decision"],
            note=values["note"],
        )
    except (ValidationError, PermissionDenied) as error:
        messages_ = error.messages if isinstance(error, ValidationError) else [str(error)]
        return _pilot_panel(request, review, member, pilot_round, error=messages_, status=422)
    if not request.htmx:
        return redirect("screening:pilot-screen", slug=slug)
    return _pilot_panel(request, review, member, pilot_round, last=vote)
