"""Demo step: on the seed review `perinatal-msc-diabetes`, one complete meta-analysis of HbA1c.

Only when the review has consensus outcome data for an HbA1c outcome with at least two usable studies at one
time point (extraction's demo step enters them); otherwise nothing happens. The seed text (shared/seeds/003)
gives HbA1c effects (Zang et al.'s change of -1.3 % vs -0.6 %, the two published meta-analyses' pooled MDs)
but no SDs, SEs or CIs, so the extracted spreads are illustrative -- each row's note says so, and so does the
analysis title: it shows the pipeline (extraction -> analysis -> forest plot -> report), not a finding.
"""

from __future__ import annotations

from django.db import transaction

from extraction.selectors import outcome_data_for_analysis

from .inputs import Definition, select_inputs
from .models import Analysis, Measure
from .selectors import outcomes_of
from .services import analysis_create, analysis_run_now

SLUG = "perinatal-msc-diabetes"
TITLE = "HbA1c, MSC therapy vs control (illustrative data)"


def _measure_for(rows: list[dict]) -> str | None:
    for measure in (Measure.MD, Measure.GEN):
        used = [e for e in select_inputs(rows, Definition(measure=measure, method="REML")) if e["used"]]
        if len(used) >= 2:
            return measure
    return None


@transaction.atomic
def demo_analysis_build(*, review) -> Analysis | None:
    """Idempotent: an existing demo analysis (or missing data) means nothing to do."""
    owner = next((m.user for m in review.memberships.select_related("user") if m.is_owner), None)
    if review.slug != SLUG or owner is None or Analysis.objects.filter(review=review, title=TITLE).exists():
        return None
    for outcome in outcomes_of(review):
        if "hba1c" not in outcome.name.casefold().replace(" ", ""):
            continue
        for point in outcome.time_points or []:
            rows = outcome_data_for_analysis(review, outcome, point)
            measure = _measure_for(rows)
            if measure is None:
                continue
            analysis = analysis_create(
                review=review,
                actor=owner,
                title=TITLE,
                outcome=outcome,
                time_point=point,
                measure=measure,
                model="random",
                tau2_method="REML",
                hksj=True,
                favours_treatment="Favours MSC",
                favours_control="Favours control",
            )
            analysis_run_now(analysis=analysis, actor=owner)
            return analysis
    return None
