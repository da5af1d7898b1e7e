"""Screening pages (server-rendered, htmx for the keyboard-driven voting panel). Thin: selectors read,
services write, reviewapp.permissions.member_or_404 decides who may see what."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reviewapp.models import Role
from reviewapp.permissions import OWNER_OR_REVIEWER, can_resolve_conflicts, member_or_404
from reviewapp.selectors import included_studies_count
from reviewapp.services import studies as study_services
from reviewapp.views.common import redirect_back

from . import selectors
from .api.views import pdf_response
from .forms import AttachForm, LinkForm, NotRetrievedForm, PriorityForm, ReasonsForm, ResolveForm, VoteForm
from .highlight import compile_keywords
from .models import Conflict, ConflictStatus, QueueItem, ReasonMode, Stage, VerdictDecision, Vote
from .offers import settings_of
from .services import fulltext as fulltext_services
from .services import ranking as ranking_services
from .services import stopping as stopping_services
from .services import votes as vote_services
from .services import worklist as worklist_services

VOTED_EVENT = "screening-voted"


def _context(review, member, nav: str, **extra) -> dict:
    return {"review": review, "member": member, "nav": nav, **extra}


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


def _reasons(review, stage: str) -> tuple[list, bool]:
    """The exclusion reasons the vote form offers at `stage`, and whether an exclusion needs one."""
    if stage == Stage.FULL_TEXT:
        return list(selectors.exclusion_reasons_of(review)), True
    mode = settings_of(review).title_abstract_reasons
    if mode == ReasonMode.OFF:
        return [], False
    return list(selectors.exclusion_reasons_of(review, Stage.TITLE_ABSTRACT)), mode == ReasonMode.REQUIRED


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


# --- full text ------------------------------------------------------------------------------------


@login_required
@require_GET
def fulltext(request, slug: str):
    review, member = member_or_404(request.user, slug)
    reports = selectors.sought_reports(review)
    status = request.GET.get("status", "")
    if status == "sought":
        reports = reports.filter(retrieval__isnull=True)
    elif status:
        reports = reports.filter(retrieval__status=status)
    page = Paginator(reports, 25).get_page(request.GET.get("page"))
    reasons = selectors.exclusion_reasons_of(review)
    return render(
        request,
        "screening/fulltext.html",
        _context(
            review,
            member,
            "fulltext",
            page=page,
            status=status,
            may_retrieve=member.is_owner or member.is_reviewer,
            reasons=reasons,
            reasons_form=ReasonsForm(initial={"labels": "\n".join(r.label for r in reasons)}),
        ),
    )


@login_required
@require_POST
def retrieval(request, slug: str, record_id: int):
    review, member = member_or_404(request.user, slug, role=OWNER_OR_REVIEWER)
    action = request.POST.get("action")
    forms = {
        "attach": AttachForm(request.POST, request.FILES),
        "link": LinkForm(request.POST),
        "not_retrieved": NotRetrievedForm(request.POST),
    }
    form = forms.get(action)
    problems, saved = [], False
    if form is None:
        problems = ["Choose what to record: a PDF, a link, or not retrieved."]
    elif not form.is_valid():
        problems = ["; ".join(f"{k}: {', '.join(v)}" for k, v in form.errors.items())]
    else:
        try:
            _retrieval_apply(review, request.user, record_id, action, form.cleaned_data)
            saved = True
        except ValidationError as error:
            problems = error.messages
    if request.htmx:  # the row alone, swapped in place (static/js: no page reload)
        return _retrieval_row(request, review, member, record_id, saved=saved, problems=problems)
    for message in problems:
        messages.error(request, message)
    if saved:
        messages.success(request, "Saved.")
    return redirect_back(request, reverse("screening:fulltext", kwargs={"slug": slug}))


def _retrieval_row(request, review, member, record_id: int, *, saved: bool, problems: list[str]):
    record = selectors.sought_reports(review).filter(pk=record_id).first()
    if record is None:
        raise Http404("No such report in this review.")
    context = _context(
        review,
        member,
        "fulltext",
        record=record,
        may_retrieve=member.is_owner or member.is_reviewer,
        row_saved=saved,
        row_problems=problems,
    )
    return render(request, "screening/_retrieval_row.html", context)


@login_required
@require_POST
def bulk_upload(request, slug: str):
    review, member = member_or_404(request.user, slug, role=(Role.OWNER, Role.REVIEWER))
    try:
        token = fulltext_services.retrieval_bulk_stage(
            review=review, actor=request.user, uploads=request.FILES.getlist("files")
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("screening:fulltext", slug=slug)
    return redirect("screening:bulk", slug=slug, token=token)


@login_required
@require_http_methods(["GET", "POST"])
def bulk(request, slug: str, token: str):
    """The match report of a bulk upload: before attaching (the proposed record per file, changeable) and
    after (what was attached, what is left, and why)."""
    review, member = member_or_404(request.user, slug, role=(Role.OWNER, Role.REVIEWER))
    files = fulltext_services.bulk_manifest(review, token)
    if files is None:
        raise Http404("No such upload.")
    if request.method == "POST":
        choices = {entry["index"]: _posted_id(request, f"record-{entry['index']}") or None for entry in files}
        files = fulltext_services.retrieval_bulk_attach(
            review=review, actor=request.user, token=token, choices=choices
        )
        attached = sum(1 for entry in files if entry.get("attached"))
        left = len(files) - attached
        messages.success(request, f"Attached: {attached} · not attached: {left} (listed below, kept here).")
        return redirect("screening:bulk", slug=slug, token=token)
    candidates = fulltext_services.bulk_candidates(review)
    return render(
        request,
        "screening/bulk.html",
        _context(
            review,
            member,
            "fulltext",
            files=files,
            token=token,
            candidates=candidates,
            titles={r.pk: r.title for r in candidates},
            pending=any("path" in e and not e.get("attached") for e in files),
        ),
    )


@login_required
@require_POST
def bulk_discard(request, slug: str, token: str):
    """Cancel a bulk upload: the files not attached yet are deleted (attached ones stay with their report)."""
    review, _ = member_or_404(request.user, slug, role=(Role.OWNER, Role.REVIEWER))
    dropped = fulltext_services.retrieval_bulk_discard(review=review, actor=request.user, token=token)
    messages.success(
        request, f"Bulk upload discarded: {dropped} file{'' if dropped == 1 else 's'} not attached deleted."
    )
    return redirect("screening:fulltext", slug=slug)


def _retrieval_apply(review, user, record_id: int, action: str, values: dict) -> None:
    if action == "attach":
        fulltext_services.retrieval_attach_pdf(
            review=review, actor=user, record_id=record_id, upload=values["file"]
        )
    elif action == "link":
        fulltext_services.retrieval_link(review=review, actor=user, record_id=record_id, url=values["url"])
    else:
        fulltext_services.retrieval_not_retrieved(
            review=review, actor=user, record_id=record_id, reason=values["reason"]
        )


@login_required
@require_GET
def pdf(request, slug: str, record_id: int):
    review, _ = member_or_404(request.user, slug)
    return pdf_response(review, record_id)


@login_required
@require_POST
def reasons(request, slug: str):
    review, _ = member_or_404(request.user, slug, role=Role.OWNER)
    form = ReasonsForm(request.POST)
    if form.is_valid():
        fulltext_services.exclusion_reasons_set(
            review=review, actor=request.user, labels=form.cleaned_data["labels"]
        )
        messages.success(request, "Exclusion reasons saved.")
    return redirect("screening:fulltext", slug=slug)


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


def _posted_id(request, name: str) -> int:
    """A posted id; anything but digits is 0 (no such object: the service says so), never a 500."""
    value = request.POST.get(name, "")
    return int(value) if value.isdigit() and len(value) < 19 else 0


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


@login_required
@require_GET
def index(request, slug: str) -> HttpResponse:
    member_or_404(request.user, slug)
    return redirect("screening:screen", slug=slug, stage=Stage.TITLE_ABSTRACT)
