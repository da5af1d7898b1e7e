"""Reads for analyses, scoped to the review; outcome data only through extraction's selector.

`current_inputs(analysis)` is what a run would use *now*: the consensus outcome rows of the analysis's outcome
and time point (`extraction.selectors.outcome_data_for_analysis`, the one read of outcome data), which of
them are used and why the others are not, and their fingerprint. A finished run whose fingerprint differs is
stale: the data or the definition changed since it ran.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from extraction.forms_schema import display_value
from extraction.models import FormVersion, OutcomeMeasure
from extraction.selectors import outcome_data_for_analysis
from reviewapp import jobs
from reviewapp.models import Review

from .inputs import Definition, fingerprint, select_inputs
from .models import Analysis, AnalysisExclusion, AnalysisRun, JobStatus, RunKind
from .risk_of_bias import overall_risk_by_study


def analyses_of(review: Review) -> QuerySet[Analysis]:
    return (
        Analysis.objects.filter(review=review)
        .select_related("outcome")
        .annotate(exclusions_total=Count("exclusions", distinct=True))
        .order_by("title", "id")
    )


def analysis_for_page(review: Review, pk: int) -> Analysis | None:
    return (
        Analysis.objects.filter(review=review, pk=pk)
        .select_related("outcome", "review")
        .prefetch_related(Prefetch("exclusions", AnalysisExclusion.objects.select_related("study")))
        .first()
    )


def runs_of(review: Review) -> QuerySet[AnalysisRun]:
    return AnalysisRun.objects.filter(review=review).select_related("analysis", "created_by")


def latest_runs(analysis: Analysis) -> dict[str, AnalysisRun]:
    """The newest run of each kind (one query)."""
    found: dict[str, AnalysisRun] = {}
    for run in AnalysisRun.objects.filter(analysis=analysis).defer("forest_svg", "funnel_svg"):
        found.setdefault(run.kind, run)
    return found


def latest_succeeded(analysis: Analysis, kind: str = RunKind.PRIMARY) -> AnalysisRun | None:
    return (
        AnalysisRun.objects.filter(analysis=analysis, kind=kind, status=JobStatus.SUCCEEDED)
        .order_by("-finished_at", "-id")
        .first()
    )


def latest_per_analysis(review: Review) -> dict[int, AnalysisRun]:
    """The newest primary run of each analysis of the review (one query)."""
    found: dict[int, AnalysisRun] = {}
    runs = (
        AnalysisRun.objects.filter(review=review, kind=RunKind.PRIMARY)
        .only("id", "analysis_id", "status", "finished_at", "fingerprint", "error", "progress", "created_at")
        .order_by("-created_at", "-id")
    )
    for run in runs:
        found.setdefault(run.analysis_id, run)
    return found


def definition_of(analysis: Analysis) -> Definition:
    return Definition(
        measure=analysis.measure,
        method=analysis.engine_method,
        test=analysis.engine_test,
        subgroup_field=analysis.subgroup_field,
        treatment_arm=analysis.treatment_arm,
        control_arm=analysis.control_arm,
        excluded={e.study_id: e.reason for e in analysis.exclusions.all()},
    )


def _group_labeller(rows: list[dict], path: str):
    """Subgroup values as people read them (choice labels), from each form's latest version."""
    section_key, _, field_key = path.partition(".")
    versions: dict[int, Any] = {}
    for version in FormVersion.objects.filter(form_id__in={r["form_id"] for r in rows}).order_by("number"):
        versions[version.form_id] = version
    fields = {}
    for form_id, version in versions.items():
        section = version.schema.section(section_key)
        fields[form_id] = section.field(field_key) if section else None

    def label(row: dict, value: Any) -> str:
        return display_value(fields.get(row["form_id"]), value)

    return label


@dataclass(frozen=True)
class CurrentInputs:
    definition: Definition
    inputs: list[dict]
    fingerprint: str
    risk: dict[int, str]


def plot_settings(analysis: Analysis) -> dict:
    return {"favours": [analysis.favours_treatment, analysis.favours_control], "title": analysis.title}


def current_inputs(analysis: Analysis, kind: str = RunKind.PRIMARY) -> CurrentInputs:
    rows = outcome_data_for_analysis(analysis.review, analysis.outcome, analysis.time_point)
    definition = definition_of(analysis)
    labeller = _group_labeller(rows, analysis.subgroup_field) if analysis.subgroup_field and rows else None
    inputs = select_inputs(rows, definition, labeller)
    risk = overall_risk_by_study(analysis.review) if kind == RunKind.RISK_OF_BIAS else {}
    extra = {
        "kind": kind,
        "plot": plot_settings(analysis),
        "risk": {str(k): v for k, v in sorted(risk.items())},
    }
    return CurrentInputs(definition, inputs, fingerprint(definition, inputs, extra), risk)


def is_stale(run: AnalysisRun | None, current: CurrentInputs | None) -> bool:
    return bool(
        run and current and run.status == JobStatus.SUCCEEDED and run.fingerprint != current.fingerprint
    )


def subgroup_choices(review: Review) -> list[tuple[str, str]]:
    """Non-repeating fields of the review's extraction forms (their latest versions), as subgroup choices."""
    latest: dict[int, FormVersion] = {}
    for version in FormVersion.objects.filter(form__review=review).select_related("form").order_by("number"):
        latest[version.form_id] = version
    choices: dict[str, str] = {}
    for version in latest.values():
        for section in version.schema.sections:
            if section.repeatable:
                continue
            for f in section.fields:
                choices.setdefault(
                    f"{section.key}.{f.key}", f"{version.form.title} › {section.title}: {f.label}"
                )
    return sorted(choices.items(), key=lambda item: item[1])


def outcomes_of(review: Review) -> QuerySet[OutcomeMeasure]:
    return OutcomeMeasure.objects.filter(review=review).order_by("position", "name")


def run_progress(run: AnalysisRun) -> dict:
    """Status and progress as the page and the API show them (a dead run is failed first)."""
    run = jobs.job_refresh(run)
    live = jobs.progress_of(run) if run.status == JobStatus.RUNNING else dict(run.progress or {})
    fraction = (
        1.0 if run.status == JobStatus.SUCCEEDED else jobs.fraction(live.get("done"), live.get("total"))
    )
    return {"status": run.status, "fraction": fraction, "step": live.get("step", ""), "error": run.error}
