"""What synthesis adds to the core, registered from SynthesisConfig.ready() (see reviewapp.registry)."""

from __future__ import annotations

from django.urls import reverse

from reviewapp import registry

SEED_SLUG = "perinatal-msc-diabetes"

EVENT_TEXTS = {
    "analysis.defined": "defined an analysis",
    "analysis.changed": "changed an analysis",
    "analysis.deleted": "deleted an analysis",
    "analysis.study_excluded": "excluded a study from an analysis",
    "analysis.study_included": "included a study in an analysis again",
    "analysis.run_started": "started an analysis run",
    "analysis.run_succeeded": "analysis run finished",
    "analysis.run_failed": "analysis run failed",
    "export.downloaded": "exported {what} as {format} ({rows} rows)",
}


def analyses_panel(request, review, member):
    """Review overview: how many analyses there are and how their latest runs stand (2 queries)."""
    from .selectors import analyses_of, latest_per_analysis

    analyses = list(analyses_of(review))
    if not analyses and not member.is_owner:
        return None
    latest = latest_per_analysis(review)
    done = sum(1 for a in analyses if a.pk in latest and latest[a.pk].status == "succeeded")
    failed = sum(1 for a in analyses if a.pk in latest and latest[a.pk].status == "failed")
    return {
        "template": "reviewapp/_panel.html",
        "title": "Meta-analyses",
        "stats": [("Analyses", len(analyses)), ("With results", done), ("Last run failed", failed)],
        "text": "" if analyses else "No analysis defined yet.",
        "link": ("Open the analyses", reverse("synthesis:analyses", args=[review.slug])),
    }


def exports_panel(request, review, member):
    """Review overview, for owners: the way to the exports and the backup (0 queries)."""
    if not member.is_owner:
        return None
    return {
        "template": "reviewapp/_panel.html",
        "title": "Exports and backup",
        "text": "Records with every decision, the included records as RIS, extraction data, risk of bias and "
        "analysis results as CSV, XLSX or JSON; a full backup of the review.",
        "link": ("Open the exports", reverse("synthesis:exports", args=[review.slug])),
    }


def restamp_runs(*, review) -> None:
    """After a restore: a run's fingerprint hashes its inputs with their ids; a run whose (renumbered)
    inputs and settings are still the analysis's current ones gets the current fingerprint, so it is not
    shown as out of date. A run that was out of date in the original stays so."""
    import json

    from .compute import without_high_risk
    from .models import AnalysisRun, JobStatus, RunKind
    from .selectors import current_inputs, plot_settings

    runs = AnalysisRun.objects.filter(review=review, status=JobStatus.SUCCEEDED).select_related("analysis")
    for run in runs:
        current = current_inputs(run.analysis, run.kind)
        inputs = current.inputs
        if run.kind == RunKind.RISK_OF_BIAS:
            inputs = without_high_risk(inputs, current.risk)
        definition = {**current.definition.as_dict(), "plot": plot_settings(run.analysis)}
        same = json.loads(json.dumps([inputs, definition], default=str)) == [run.inputs, run.definition]
        if same and run.fingerprint != current.fingerprint:
            AnalysisRun.objects.filter(pk=run.pk).update(fingerprint=current.fingerprint)


def demo_analysis(*, review) -> None:
    from .demo_analysis import demo_analysis_build

    demo_analysis_build(review=review)


def register() -> None:
    registry.event_texts(EVENT_TEXTS)
    registry.dashboard_panel(analyses_panel)
    registry.dashboard_panel(exports_panel)
    registry.demo_review_step(SEED_SLUG)(demo_analysis)
    registry.backup_models("synthesis.Analysis", "synthesis.AnalysisExclusion", "synthesis.AnalysisRun")
    ids = {
        "study_id": "reviewapp.Study",
        "consensus_id": "extraction.Consensus",
        "form_id": "extraction.Form",
    }
    registry.backup_json_ids("synthesis.AnalysisRun", "inputs", ids)
    registry.review_restored(restamp_runs)
    registry.backup_event_ids(
        "analysis.",
        {"analysis": "synthesis.Analysis", "run": "synthesis.AnalysisRun", "study": "reviewapp.Study"},
    )
