"""Analysis pages (server-rendered, htmx polls a run's progress). Thin: selectors read, services write;
member_page decides who may see what: members read, owners define and run (POST), outsiders 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reviewapp.jobs import FINISHED
from reviewapp.views.common import add_service_errors, member_page, page

from . import selectors, services
from .compute import render_plot
from .forms import AnalysisForm
from .models import AnalysisRun, JobStatus, RunKind

NAV = "analyses"


def _analysis(review, pk):
    analysis = selectors.analysis_for_page(review, pk)
    if analysis is None:
        raise Http404("No such analysis.")
    return analysis


def _detail_url(review, analysis) -> str:
    return reverse("synthesis:analysis", args=[review.slug, analysis.pk])


@login_required
@require_GET
def analysis_list(request, slug):
    review, member = member_page(request, slug)
    analyses = list(selectors.analyses_of(review))
    latest = selectors.latest_per_analysis(review)
    rows = [(a, latest.get(a.pk)) for a in analyses]
    return page(request, "synthesis/analyses.html", review, member, NAV, rows=rows)


@login_required
@require_http_methods(["GET", "POST"])
def analysis_edit(request, slug, pk=None):
    review, member = member_page(request, slug)
    if not member.is_owner:
        raise PermissionDenied("Only the owner defines analyses.")
    analysis = _analysis(review, pk) if pk else None
    form = AnalysisForm(request.POST or None, instance=analysis, review=review)
    if request.method == "POST" and form.is_valid():
        try:
            if analysis is None:
                analysis = services.analysis_create(
                    review=review, actor=request.user, **form.service_values()
                )
                messages.success(request, "Analysis defined. Run it to see the results.")
            else:
                services.analysis_update(analysis=analysis, actor=request.user, **form.service_values())
                messages.success(request, "Analysis changed.")
            return redirect(_detail_url(review, analysis))
        except ValidationError as exc:
            add_service_errors(form, exc)
    if not selectors.outcomes_of(review).exists():
        messages.info(request, "Define the review's outcomes in Extraction › Outcomes first.")
    return page(request, "synthesis/analysis_form.html", review, member, NAV, form=form, analysis=analysis)


@login_required
@require_GET
def analysis_detail(request, slug, pk):
    review, member = member_page(request, slug)
    analysis = _analysis(review, pk)
    runs = selectors.latest_runs(analysis)
    current = selectors.current_inputs(analysis)
    primary = runs.get(RunKind.PRIMARY)
    shown = {kind: _shown(analysis, kind, run) for kind, run in runs.items()}
    context = {
        "analysis": analysis,
        "runs": runs,
        "primary": primary,
        "primary_progress": _progress(primary),
        "done": shown.get(RunKind.PRIMARY),
        "loo": shown.get(RunKind.LEAVE_ONE_OUT),
        "rob": shown.get(RunKind.RISK_OF_BIAS),
        "loo_run": runs.get(RunKind.LEAVE_ONE_OUT),
        "rob_run": runs.get(RunKind.RISK_OF_BIAS),
        "loo_progress": _progress(runs.get(RunKind.LEAVE_ONE_OUT)),
        "rob_progress": _progress(runs.get(RunKind.RISK_OF_BIAS)),
        "stale": selectors.is_stale(shown.get(RunKind.PRIMARY), current),
        "inputs": current.inputs,
        "used": sum(1 for e in current.inputs if e["used"]),
        "rob_available": bool(selectors.overall_risk_by_study(review)),
    }
    return page(request, "synthesis/analysis_detail.html", review, member, NAV, **context)


def _progress(run):
    return selectors.run_progress(run) if run else None


def _shown(analysis, kind, latest):
    """The run whose results a section shows: the latest if it succeeded, else the last that did."""
    if latest is not None and latest.status == JobStatus.SUCCEEDED:
        return latest
    return selectors.latest_succeeded(analysis, kind)


@login_required
@require_POST
def analysis_run(request, slug, pk):
    review, member = member_page(request, slug)
    analysis = _analysis(review, pk)
    kind = request.POST.get("kind") or RunKind.PRIMARY
    try:
        services.analysis_run_start(analysis=analysis, actor=request.user, kind=kind)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_detail_url(review, analysis))


@login_required
@require_GET
def run_status(request, slug, pk, run_pk):
    review, member = member_page(request, slug)
    run = get_object_or_404(AnalysisRun.objects.filter(review=review, analysis_id=pk), pk=run_pk)
    progress = selectors.run_progress(run)
    response = page(
        request, "synthesis/_run_status.html", review, member, NAV, run=run, run_progress=progress
    )
    if request.GET.get("polling") and progress["status"] in FINISHED:
        response["HX-Refresh"] = "true"  # the results below the bar have changed: show them
    return response


@login_required
@require_POST
def analysis_exclude(request, slug, pk):
    review, member = member_page(request, slug)
    analysis = _analysis(review, pk)
    try:
        study_id = int(request.POST.get("study", ""))
    except ValueError:
        raise Http404("No such study.") from None
    try:
        services.analysis_exclusion_set(
            analysis=analysis, actor=request.user, study_id=study_id, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_detail_url(review, analysis) + "#studies")


@login_required
@require_POST
def analysis_delete(request, slug, pk):
    review, member = member_page(request, slug)
    analysis = _analysis(review, pk)
    services.analysis_delete(analysis=analysis, actor=request.user)
    messages.success(request, f"Analysis “{analysis.title}” deleted.")
    return redirect("synthesis:analyses", slug=review.slug)


@login_required
@require_GET
def plot_download(request, slug, pk, run_pk, plot, fmt):
    review, member = member_page(request, slug)
    run = get_object_or_404(
        AnalysisRun.objects.filter(review=review, analysis_id=pk, status=JobStatus.SUCCEEDED).select_related(
            "analysis"
        ),
        pk=run_pk,
    )
    if plot not in ("forest", "funnel") or fmt not in ("svg", "png"):
        raise Http404("No such plot.")
    if fmt == "svg":
        body, content_type = (
            (run.forest_svg if plot == "forest" else run.funnel_svg).encode(),
            "image/svg+xml",
        )
    else:
        body, content_type = render_plot(run.inputs, run.definition, plot), "image/png"
    response = HttpResponse(body, content_type=content_type)
    if request.GET.get("download"):
        name = f"{review.slug}-analysis-{run.analysis_id}-run-{run.pk}-{plot}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
