"""Writes for analyses: define/change/delete one, exclude studies with reasons, start and execute runs.

A run is a job (reviewapp.jobs): `analysis_run_start` creates it and queues `synthesis.run_analysis` after
commit; the task calls `analysis_run_execute`, which claims the run (a second delivery is a no-op), reads
the inputs *then*, computes (pure: synthesis.compute), and stores inputs, fingerprint, engine version,
results and plots in one `job_succeed` -- or `job_fail` with the engine's reason. Nothing is written
before that, so a run killed mid-way leaves no partial result; its lease expires and it can run again.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from reviewapp import jobs
from reviewapp.models import Review, Role, Study
from reviewapp.permissions import membership_for
from reviewapp.services.audit import event_log, model_update

from . import selectors
from .compute import run_analysis, without_high_risk
from .models import Analysis, AnalysisExclusion, AnalysisRun, FixedMethod, JobStatus, Measure, Model, RunKind
from .stats import ENGINE_VERSION, StatsError

log = logging.getLogger(__name__)
RUN_TASK = "synthesis.run_analysis"
FIELDS = (
    "title",
    "outcome",
    "time_point",
    "measure",
    "model",
    "fixed_method",
    "tau2_method",
    "hksj",
    "subgroup_field",
    "treatment_arm",
    "control_arm",
    "favours_treatment",
    "favours_control",
)


def _require_owner(review: Review, actor) -> None:
    member = membership_for(actor, review)
    if member is None or not member.has(Role.OWNER):
        raise PermissionDenied("Only the review's owner defines and runs analyses.")


def _clean(analysis: Analysis) -> None:
    errors: dict[str, str] = {}
    analysis.title = " ".join((analysis.title or "").split())
    analysis.time_point = " ".join((analysis.time_point or "").split())
    if not analysis.title:
        errors["title"] = "Give the analysis a title."
    if analysis.outcome_id is None or analysis.outcome.review_id != analysis.review_id:
        errors["outcome"] = "Choose one of this review's outcomes."
    if not analysis.time_point:
        errors["time_point"] = "Name the time point (as extracted, e.g. 12 months)."
    if analysis.measure not in Measure.values:
        errors["measure"] = f"Measure must be one of {', '.join(Measure.values)}."
    fixed = analysis.model == Model.FIXED
    if fixed and analysis.fixed_method == FixedMethod.MH and analysis.measure not in ("RR", "OR", "RD"):
        errors["fixed_method"] = "Mantel-Haenszel pools risk ratios, odds ratios or risk differences."
    if fixed and analysis.fixed_method == FixedMethod.PETO and analysis.measure != "OR":
        errors["fixed_method"] = "Peto's method estimates an odds ratio: choose OR."
    if analysis.model == Model.RANDOM:
        analysis.fixed_method = FixedMethod.IV
    else:
        analysis.hksj = False
    same_title = Analysis.objects.filter(review_id=analysis.review_id, title=analysis.title)
    if same_title.exclude(pk=analysis.pk).exists():
        errors["title"] = f"There is an analysis “{analysis.title}” already."
    if errors:
        raise ValidationError(errors)


def _as_value(value):
    return getattr(value, "pk", value)


@transaction.atomic
def analysis_create(*, review: Review, actor, **values) -> Analysis:
    _require_owner(review, actor)
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValidationError({"__all__": f"Unknown settings: {', '.join(sorted(unknown))}."})
    analysis = Analysis(review=review, created_by=actor, **values)
    _clean(analysis)
    analysis.save()
    event_log(
        review=review,
        actor=actor,
        verb="analysis.defined",
        analysis=analysis.pk,
        title=analysis.title,
        settings={name: _as_value(getattr(analysis, name)) for name in FIELDS},
    )
    return analysis


@transaction.atomic
def analysis_update(*, analysis: Analysis, actor, **values) -> Analysis:
    _require_owner(analysis.review, actor)
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValidationError({"__all__": f"Unknown settings: {', '.join(sorted(unknown))}."})
    model_update(
        instance=analysis,
        fields=values,
        actor=actor,
        verb="analysis.changed",
        clean=_clean,
        as_value=_as_value,
        analysis=analysis.pk,
    )
    return analysis


@transaction.atomic
def analysis_delete(*, analysis: Analysis, actor) -> None:
    _require_owner(analysis.review, actor)
    event_log(
        review=analysis.review,
        actor=actor,
        verb="analysis.deleted",
        analysis=analysis.pk,
        title=analysis.title,
    )
    analysis.delete()


@transaction.atomic
def analysis_exclusion_set(
    *, analysis: Analysis, actor, study_id: int, reason: str
) -> AnalysisExclusion | None:
    """Exclude a study from the analysis with a reason; a blank reason includes it again."""
    _require_owner(analysis.review, actor)
    study = Study.objects.filter(review=analysis.review, pk=study_id).first()
    if study is None:
        raise ValidationError({"study": "No such study in this review."})
    reason = " ".join((reason or "").split())[:300]
    current = AnalysisExclusion.objects.filter(analysis=analysis, study=study).first()
    if not reason:
        if current:
            current.delete()
            event_log(
                review=analysis.review,
                actor=actor,
                verb="analysis.study_included",
                analysis=analysis.pk,
                study=study.pk,
                label=study.label,
                before=current.reason,
            )
        return None
    before = current.reason if current else None
    if current:
        current.reason = reason
        current.save(update_fields=["reason", "updated_at"])
    else:
        current = AnalysisExclusion.objects.create(analysis=analysis, study=study, reason=reason)
    if before != reason:
        event_log(
            review=analysis.review,
            actor=actor,
            verb="analysis.study_excluded",
            analysis=analysis.pk,
            study=study.pk,
            label=study.label,
            before=before,
            after=reason,
        )
    return current


def analysis_run_start(
    *, analysis: Analysis, actor, kind: str = RunKind.PRIMARY, enqueue: bool = True
) -> AnalysisRun:
    """Queue a run, or return the one of that kind already queued or running (two clicks start one run).
    A run whose process died is failed first, so it does not block this one."""
    _require_owner(analysis.review, actor)
    if kind not in RunKind.values:
        raise ValidationError({"kind": f"Kind must be one of {', '.join(RunKind.values)}."})
    jobs.job_fail_stale(AnalysisRun, analysis=analysis)
    active = AnalysisRun.objects.filter(analysis=analysis, kind=kind, status__in=jobs.ACTIVE).first()
    if active:
        return active
    try:
        with transaction.atomic():
            run = AnalysisRun.objects.create(
                analysis=analysis, review=analysis.review, kind=kind, created_by=actor
            )
            event_log(
                review=analysis.review,
                actor=actor,
                verb="analysis.run_started",
                analysis=analysis.pk,
                run=run.pk,
                kind=kind,
            )
            if enqueue:
                jobs.job_enqueue(RUN_TASK, run.pk, job=run)
    except IntegrityError:  # a concurrent start won the race
        return AnalysisRun.objects.filter(analysis=analysis, kind=kind, status__in=jobs.ACTIVE).first() or (
            analysis_run_start(analysis=analysis, actor=actor, kind=kind, enqueue=enqueue)
        )
    return run


def analysis_run_now(*, analysis: Analysis, actor, kind: str = RunKind.PRIMARY) -> AnalysisRun:
    """Run in this process and wait (demo loader, management use)."""
    run = analysis_run_start(analysis=analysis, actor=actor, kind=kind, enqueue=False)
    if run.status != JobStatus.QUEUED:
        return run
    return analysis_run_execute(run_id=run.pk)


def analysis_run_execute(*, run_id: int) -> AnalysisRun:
    """Execute one queued run; safe to call twice (only the first claim computes)."""
    run = jobs.job_claim(AnalysisRun, run_id)
    if run is None:
        return AnalysisRun.objects.get(pk=run_id)
    run = AnalysisRun.objects.select_related("analysis__review", "analysis__outcome", "created_by").get(
        pk=run_id
    )
    analysis = run.analysis
    try:
        jobs.job_progress(run, done=0, total=1, step="reading the outcome data")
        current = selectors.current_inputs(analysis, run.kind)
        outcome = run_analysis(
            current.inputs,
            current.definition,
            kind=run.kind,
            risk=current.risk,
            favours=(analysis.favours_treatment, analysis.favours_control),
            title=analysis.title,
            progress=lambda done, total, step: jobs.job_progress(run, done=done, total=total, step=step),
        )
    except StatsError as exc:
        _failed(run, f"The analysis could not be computed: {exc}")
        return AnalysisRun.objects.get(pk=run_id)
    except Exception as exc:
        _failed(run, f"Internal error while computing ({type(exc).__name__}); the server log has details.")
        raise
    inputs = current.inputs
    if run.kind == RunKind.RISK_OF_BIAS:
        inputs = without_high_risk(inputs, current.risk)
    stored = jobs.job_succeed(
        run,
        definition={**current.definition.as_dict(), "plot": selectors.plot_settings(analysis)},
        inputs=inputs,
        fingerprint=current.fingerprint,
        engine_version=ENGINE_VERSION,
        results=outcome.results,
        forest_svg=outcome.forest_svg,
        funnel_svg=outcome.funnel_svg,
        progress={"done": 1, "total": 1, "step": "done"},
    )
    if stored:
        event_log(
            review=analysis.review,
            actor=run.created_by,
            verb="analysis.run_succeeded",
            analysis=analysis.pk,
            run=run.pk,
            kind=run.kind,
            k=outcome.results.get("k"),
        )
    return AnalysisRun.objects.get(pk=run_id)


def _failed(run: AnalysisRun, error: str) -> None:
    jobs.job_fail(run, error)
    event_log(
        review=run.analysis.review,
        actor=run.created_by,
        verb="analysis.run_failed",
        analysis=run.analysis_id,
        run=run.pk,
        kind=run.kind,
        error=error[:500],
    )
