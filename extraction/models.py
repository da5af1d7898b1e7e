"""Data extraction: versioned forms, the review's outcomes, each reviewer's extraction of a study, and the
consensus record settled from two extractions.

Invariants kept by the database:
- form versions are numbered 1, 2, ... per form; a version that has extractions is never edited (an edit makes
  a new version), and is protected from deletion while extractions point at it;
- one extraction per (study, form, reviewer); one consensus per (study, form);
- a submitted extraction has a submission time; a draft has none.

On reviewapp's dual-work kernel (reviewapp.dualwork): an Extraction is a *judgement* of the item (study,
form) -- only submitted ones count; an ExtractionConflict is the kernel's conflict (plus the settlements of
its differences); Consensus is the kernel's *outcome*; ExtractionRevision keeps a submitted extraction that
was reopened.
"""

from __future__ import annotations

from functools import cached_property

from django.conf import settings
from django.db import models
from django.db.models import Q

from reviewapp.dualwork import models as dualwork
from reviewapp.models import Review, Study, TimeStamped

from .forms_schema import FormSchema, schema_from_dict
from .outcomes import DataType


class FormKind(models.TextChoices):
    CLINICAL = "clinical", "Clinical study"
    PRECLINICAL = "preclinical", "Preclinical study"
    OTHER = "other", "Other"


class Form(TimeStamped):
    """An extraction form of a review; its definition lives in numbered versions."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="extraction_forms")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=FormKind.choices, default=FormKind.OTHER)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True, help_text="Offered for new extractions.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "title"], name="extraction_form_title_unique")
        ]

    def __str__(self) -> str:
        return self.title


class FormVersion(models.Model):
    """One immutable-once-used definition of a form (JSON, see forms_schema)."""

    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    definition = models.JSONField()
    note = models.CharField(max_length=300, blank=True, help_text="What changed in this version")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["form_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["form", "number"], name="form_version_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="form_version_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.form} v{self.number}"

    @cached_property
    def schema(self) -> FormSchema:
        return schema_from_dict(self.definition)


class OutcomeMeasure(TimeStamped):
    """An outcome the review collects data for (HbA1c, daily insulin dose, serious adverse events, ...)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="outcome_measures")
    key = models.SlugField(max_length=64, help_text="Stable identifier used in extracted rows")
    name = models.CharField(max_length=200)
    data_type = models.CharField(max_length=12, choices=[(t.value, t.value.title()) for t in DataType])
    unit = models.CharField(max_length=64, blank=True, help_text="Every continuous row must use this unit")
    scale = models.CharField(max_length=32, blank=True, help_text="Generic estimates: MD, log OR, HR, ...")
    time_points = models.JSONField(default=list, blank=True, help_text="Suggested time points, e.g. 3 months")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["review", "key"], name="outcome_measure_key_unique"),
            models.CheckConstraint(
                condition=Q(data_type__in=[t.value for t in DataType]), name="outcome_measure_data_type"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ExtractionStatus(models.TextChoices):
    DRAFT = "draft", "In progress"
    SUBMITTED = "submitted", "Submitted"


class Extraction(dualwork.Judgement):
    """One reviewer's independent extraction of one study with one form (a dual-work judgement).

    `answers` are validated against `form_version`; `outcomes` is a list of outcome rows (see outcomes.py).
    `version` is the optimistic-lock counter every write checks and bumps."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="extractions")
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="extractions")
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="extractions")
    form_version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="extractions")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="extractions"
    )
    status = models.CharField(max_length=10, choices=ExtractionStatus.choices, default=ExtractionStatus.DRAFT)
    answers = models.JSONField(default=dict, blank=True)
    outcomes = models.JSONField(default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["study__label", "id"]
        constraints = [
            models.UniqueConstraint(fields=["study", "form", "reviewer"], name="extraction_one_per_reviewer"),
            models.CheckConstraint(
                condition=Q(status=ExtractionStatus.DRAFT, submitted_at__isnull=True)
                | Q(status=ExtractionStatus.SUBMITTED, submitted_at__isnull=False),
                name="extraction_submitted_has_time",
            ),
        ]
        indexes = [models.Index(fields=["review", "form", "study"], name="extraction_item")]

    def __str__(self) -> str:
        return f"{self.reviewer} on {self.study} ({self.form}, {self.status})"


# The dual-work kernel's vocabulary (reviewapp.dualwork), under the names this app's code reads best with.
ConflictStatus = dualwork.ConflictStatus
ConsensusMethod = dualwork.ResolutionMethod
RevisionKind = dualwork.RevisionKind


class ExtractionConflict(dualwork.Conflict):
    """Two submitted extractions of a study that differ (a dual-work conflict): open while its differences
    are being settled; `settlements` maps each difference's path to how it was settled:
    {"choice": "a"|"b"|"value", "value": ..., "by": user id, "by_name": username, "at": ISO time}."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="extraction_conflicts")
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="extraction_conflicts")
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="conflicts")
    form_version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="conflicts")
    extraction_a = models.ForeignKey(Extraction, on_delete=models.PROTECT, related_name="+")
    extraction_b = models.ForeignKey(Extraction, on_delete=models.PROTECT, related_name="+")
    settlements = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["status", "id"]
        constraints = [
            models.UniqueConstraint(fields=["study", "form"], name="extraction_conflict_one_per_item"),
            models.CheckConstraint(
                condition=Q(status=ConflictStatus.OPEN, resolved_at__isnull=True)
                | Q(status=ConflictStatus.RESOLVED, resolved_at__isnull=False),
                name="extraction_conflict_resolved_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(extraction_a=models.F("extraction_b")),
                name="extraction_conflict_two_extractions",
            ),
        ]
        indexes = [models.Index(fields=["review", "status"], name="extraction_conflict_status")]

    def __str__(self) -> str:
        return f"differences on {self.study} ({self.form}, {self.status})"


class Consensus(dualwork.Outcome):
    """The one settled record of a study for a form (a dual-work outcome): by agreement of the submitted
    extractions, or from a conflict whose every difference was settled (`settlements`, who and how)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="extraction_consensus")
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="extraction_consensus")
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="consensus")
    form_version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="consensus")
    extraction_a = models.ForeignKey(Extraction, on_delete=models.PROTECT, related_name="+")
    extraction_b = models.ForeignKey(
        Extraction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answers = models.JSONField(default=dict, blank=True)
    outcomes = models.JSONField(default=list, blank=True)
    settlements = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["study__label", "id"]
        verbose_name_plural = "consensus records"
        constraints = [
            models.UniqueConstraint(fields=["study", "form"], name="consensus_one_per_study_form"),
            models.CheckConstraint(
                condition=Q(method__in=ConsensusMethod.values), name="consensus_method_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"consensus on {self.study} ({self.form}, {self.method})"


class ExtractionRevision(dualwork.Revision):
    """A submitted extraction as it was before its reviewer reopened it (nothing is lost without a trace)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="+")
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    extraction_id = models.BigIntegerField(help_text="Id of the extraction this was a version of")
    form_version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(default=dict, blank=True)
    outcomes = models.JSONField(default=list, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["study", "form", "reviewer"], name="extraction_revision_item")]

    def __str__(self) -> str:
        return f"{self.reviewer_id}'s earlier extraction of study {self.study_id} ({self.kind})"


class TableLayout(TimeStamped):
    """A characteristics table (like the seed's Tables 1 and 2): the owner's choice of columns from a form."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="characteristics_tables")
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="tables")
    title = models.CharField(max_length=200)
    columns = models.JSONField(default=list, help_text='Field paths "section.field", in order')
    source = models.CharField(
        max_length=12,
        choices=[("consensus", "Consensus records"), ("any", "Consensus, else a submitted extraction")],
        default="consensus",
    )

    class Meta:
        ordering = ["title"]
        constraints = [models.UniqueConstraint(fields=["review", "title"], name="table_layout_title_unique")]

    def __str__(self) -> str:
        return self.title
