"""Meta-analyses defined on extracted outcome data, and their runs (background jobs).

- An `Analysis` says what to pool: one outcome at one time point, the effect measure, the model (fixed
  effect by inverse variance, Mantel-Haenszel or Peto; random effects with a tau² estimator, optionally
  Hartung-Knapp-Sidik-Jonkman), an optional subgroup variable (a field of the extraction form) and the
  studies the owner excluded, each with a reason (`AnalysisExclusion`).
- An `AnalysisRun` is one computation of it (reviewapp.jobs.Job: queued/running/succeeded/failed, progress,
  heartbeat). A run stores what it used: the exact study rows (`inputs`), their `fingerprint`, the engine
  version, the results JSON and the forest/funnel SVGs. Results are written only by the succeeding
  `job_succeed`, so a run that died mid-way keeps nothing. `kind` is the primary analysis or a sensitivity
  analysis (leave-one-out, without studies at high risk of bias).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from extraction.models import OutcomeMeasure
from reviewapp.jobs import Job, JobStatus  # noqa: F401  (re-exported for services and selectors)
from reviewapp.models import Review, Study, TimeStamped


class Measure(models.TextChoices):
    MD = "MD", "Mean difference (MD)"
    SMD = "SMD", "Standardised mean difference (Hedges' g)"
    RR = "RR", "Risk ratio (RR)"
    OR = "OR", "Odds ratio (OR)"
    RD = "RD", "Risk difference (RD)"
    GEN = "GEN", "Generic inverse variance (estimate with SE)"


class Model(models.TextChoices):
    FIXED = "fixed", "Fixed effect"
    RANDOM = "random", "Random effects"


class FixedMethod(models.TextChoices):
    IV = "IV", "Inverse variance"
    MH = "MH", "Mantel-Haenszel (RR, OR, RD)"
    PETO = "PETO", "Peto (OR)"


class Tau2Method(models.TextChoices):
    REML = "REML", "Restricted maximum likelihood (REML)"
    DL = "DL", "DerSimonian-Laird (DL)"
    PM = "PM", "Paule-Mandel (PM)"
    ML = "ML", "Maximum likelihood (ML)"
    HE = "HE", "Hedges (HE)"
    SJ = "SJ", "Sidik-Jonkman (SJ)"


class Analysis(TimeStamped):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="analyses")
    title = models.CharField(max_length=200)
    outcome = models.ForeignKey(OutcomeMeasure, on_delete=models.PROTECT, related_name="analyses")
    time_point = models.CharField(max_length=100)
    measure = models.CharField(max_length=4, choices=Measure.choices)
    model = models.CharField(max_length=8, choices=Model.choices, default=Model.RANDOM)
    fixed_method = models.CharField(max_length=4, choices=FixedMethod.choices, default=FixedMethod.IV)
    tau2_method = models.CharField(max_length=4, choices=Tau2Method.choices, default=Tau2Method.REML)
    hksj = models.BooleanField(default=False, help_text="Hartung-Knapp-Sidik-Jonkman adjustment")
    subgroup_field = models.CharField(
        max_length=200, blank=True, help_text='An extraction form field "section.field" defining subgroups'
    )
    treatment_arm = models.CharField(
        max_length=100, blank=True, help_text="Name of the experimental arm (blank: the first arm extracted)"
    )
    control_arm = models.CharField(
        max_length=100, blank=True, help_text="Name of the comparator arm (blank: the second arm extracted)"
    )
    favours_treatment = models.CharField(max_length=60, default="Favours treatment")
    favours_control = models.CharField(max_length=60, default="Favours control")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["title", "id"]
        verbose_name_plural = "analyses"
        constraints = [
            models.UniqueConstraint(fields=["review", "title"], name="analysis_title_unique"),
            models.CheckConstraint(condition=Q(measure__in=Measure.values), name="analysis_measure_valid"),
            models.CheckConstraint(condition=Q(model__in=Model.values), name="analysis_model_valid"),
            models.CheckConstraint(
                condition=~Q(fixed_method=FixedMethod.MH) | Q(measure__in=["RR", "OR", "RD"]),
                name="analysis_mh_binary",
            ),
            models.CheckConstraint(
                condition=~Q(fixed_method=FixedMethod.PETO) | Q(measure="OR"), name="analysis_peto_or"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def engine_method(self) -> str:
        """The engine's Spec.method: EE / MH / PETO for fixed effect, the tau² estimator for random."""
        if self.model == Model.RANDOM:
            return self.tau2_method
        return {"IV": "EE", "MH": "MH", "PETO": "PETO"}[self.fixed_method]

    @property
    def engine_test(self) -> str:
        return "knha" if self.hksj and self.model == Model.RANDOM else "z"

    def model_label(self) -> str:
        if self.model == Model.RANDOM:
            hksj = ", HKSJ" if self.hksj else ""
            return f"Random effects ({self.tau2_method}{hksj})"
        return f"Fixed effect ({FixedMethod(self.fixed_method).label.split(' (')[0]})"


class AnalysisExclusion(TimeStamped):
    """A study the owner left out of an analysis, and why."""

    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="exclusions")
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["study__label"]
        constraints = [
            models.UniqueConstraint(fields=["analysis", "study"], name="analysis_exclusion_once"),
            models.CheckConstraint(condition=~Q(reason=""), name="analysis_exclusion_has_reason"),
        ]


class RunKind(models.TextChoices):
    PRIMARY = "primary", "Primary analysis"
    LEAVE_ONE_OUT = "leave_one_out", "Leave-one-out"
    RISK_OF_BIAS = "risk_of_bias", "Without studies at high risk of bias"


class AnalysisRun(Job, TimeStamped):
    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="runs")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="analysis_runs")
    kind = models.CharField(max_length=16, choices=RunKind.choices, default=RunKind.PRIMARY)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # written only by job_succeed: a run that dies keeps none of these
    definition = models.JSONField(default=dict, blank=True, help_text="The analysis settings used")
    inputs = models.JSONField(default=list, blank=True, help_text="The study rows used, and those left out")
    fingerprint = models.CharField(max_length=64, blank=True)
    engine_version = models.CharField(max_length=60, blank=True)
    results = models.JSONField(default=dict, blank=True)
    forest_svg = models.TextField(blank=True)
    funnel_svg = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["analysis", "kind"],
                condition=Q(status__in=["queued", "running"]),
                name="analysis_run_one_active",
            ),
            models.CheckConstraint(
                condition=~Q(status="succeeded") | ~Q(fingerprint=""), name="analysis_run_done_has_inputs"
            ),
        ]
        indexes = [models.Index(fields=["analysis", "kind", "status"], name="analysis_run_latest")]

    def __str__(self) -> str:
        return f"{self.analysis} · {self.get_kind_display()} ({self.status})"
