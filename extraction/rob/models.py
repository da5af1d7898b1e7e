"""Risk-of-bias data: what is assessed (an *item*), each assessor's assessment of it, the consensus, the
conflict between assessments, and every earlier version of an assessment.

An item is (study, tool, effect of interest, result). RoB 2 assesses one *result* of a trial: an (outcome
label, time point) pair, picked from the study's consensus outcome data when it has some (then `outcome`
points at the review's OutcomeMeasure and the pair copies its name and the extracted time point), or typed
as free text when no extraction exists yet. ROBINS-I and SYRCLE leave all three blank.

An assessment is a dual-work *judgement* of the item (reviewapp.dualwork): one per (item, assessor). Its
JSON holds, per domain key:

    answers  {"d1": {"1.1": "Y", ...}, ...}                 signalling-question answers (published codes)
    support  {"d1": {"1.1": "p. 4: 'allocation by ...'"}}   support text per question (quotes, page numbers)
    domains  {"d1": {"proposed": "low" | None,              what the tool proposes from the answers
                     "judgement": "serious" | None,         own level; None follows the proposal
                     "reason": "...", "support": "..."}}     why they departed; the domain's justification

Invariants: one assessment per (item, assessor), one consensus and at most one conflict per item; a
submitted assessment has a submission time; an overall judgement that departs from the tool's overall rule
carries a reason (CheckConstraint). A domain judgement departing from its proposal needs a reason too: that
lives in JSON, so the services enforce it (tables.enter_judgement).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from reviewapp.dualwork import models as dualwork
from reviewapp.dualwork.models import ConflictStatus
from reviewapp.models import Review, Study, TimeStamped

from .tools import get_tool
from .tools.base import Tool as ToolDefinition


class ToolKey(models.TextChoices):
    ROB2 = "rob2", "RoB 2 (randomized trials)"
    ROBINS_I = "robins_i", "ROBINS-I (non-randomized studies)"
    SYRCLE = "syrcle", "SYRCLE (animal studies)"


class Effect(models.TextChoices):
    ASSIGNMENT = "assignment", "Effect of assignment to intervention"
    ADHERING = "adhering", "Effect of adhering to intervention"


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


_OVERALL_REASON = Q(overall="") | Q(overall=F("overall_proposed")) | ~Q(overall_reason="")


class RobItem(TimeStamped):
    """What is assessed: one study (for RoB 2: one result of it) with one tool and effect of interest."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="rob_items")
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="rob_items")
    tool = models.CharField(max_length=12, choices=ToolKey.choices)
    effect = models.CharField(max_length=12, choices=Effect.choices, default=Effect.ASSIGNMENT)
    outcome_label = models.CharField(max_length=300, blank=True, help_text="RoB 2: the result's outcome")
    timepoint = models.CharField(max_length=100, blank=True, help_text="RoB 2: the result's time point")
    outcome = models.ForeignKey(
        "extraction.OutcomeMeasure",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rob_items",
        help_text="RoB 2: the extracted outcome the result is of (blank: a result typed as free text)",
    )

    class Meta:
        ordering = ["study__label", "tool", "outcome_label", "timepoint", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "tool", "effect", "outcome_label", "timepoint"], name="rob_item_unique"
            ),
            models.CheckConstraint(
                condition=~Q(tool=ToolKey.ROB2) | ~Q(outcome_label=""), name="rob_item_rob2_names_result"
            ),
            models.CheckConstraint(
                condition=Q(outcome__isnull=True) | Q(tool=ToolKey.ROB2), name="rob_item_outcome_only_rob2"
            ),
        ]
        indexes = [models.Index(fields=["review", "tool"], name="rob_item_review_tool")]

    def __str__(self) -> str:
        return f"{self.study} · {self.definition.name}{self.result_suffix}"

    @property
    def definition(self) -> ToolDefinition:
        return get_tool(self.tool, effect=self.effect)

    @property
    def result_label(self) -> str:
        return " at ".join(p for p in (self.outcome_label, self.timepoint) if p)

    @property
    def result_suffix(self) -> str:
        return f" · {self.result_label}" if self.result_label else ""


class Assessment(dualwork.Judgement):
    """One assessor's assessment of one item (a draft until submitted)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="rob_assessments")
    item = models.ForeignKey(RobItem, on_delete=models.CASCADE, related_name="assessments")
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rob_assessments"
    )
    status = models.CharField(max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    support = models.JSONField(default=dict, blank=True)
    domains = models.JSONField(default=dict, blank=True)
    overall = models.CharField(max_length=20, blank=True)
    overall_proposed = models.CharField(max_length=20, blank=True)
    overall_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "assessor"], name="rob_assessment_one_per_assessor"),
            models.CheckConstraint(
                condition=Q(status=AssessmentStatus.DRAFT, submitted_at__isnull=True)
                | Q(status=AssessmentStatus.SUBMITTED, submitted_at__isnull=False),
                name="rob_assessment_submitted_has_time",
            ),
            models.CheckConstraint(condition=_OVERALL_REASON, name="rob_assessment_overall_reason"),
        ]
        indexes = [models.Index(fields=["review", "assessor", "status"], name="rob_assessment_mine")]

    def __str__(self) -> str:
        return f"{self.assessor} on {self.item_id} ({self.status})"

    @property
    def is_submitted(self) -> bool:
        return self.status == AssessmentStatus.SUBMITTED

    def judgement_of(self, domain: str) -> str | None:
        """The domain's level: the assessor's own, else the tool's proposal."""
        entry = self.domains.get(domain) or {}
        return entry.get("judgement") or entry.get("proposed")

    def judgements(self) -> dict[str, str]:
        return {d: j for d in self.domains if (j := self.judgement_of(d))}


class ConsensusAssessment(dualwork.Outcome):
    """The item's settled assessment: by agreement of the submitted assessments, or by consensus/arbitration
    (`domains[d]["settled_by"]` names who settled each domain the assessors differed on)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="rob_consensus")
    item = models.OneToOneField(RobItem, on_delete=models.CASCADE, related_name="consensus")
    domains = models.JSONField(default=dict)
    overall = models.CharField(max_length=20, blank=True)
    overall_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["review", "method"], name="rob_consensus_method")]

    def __str__(self) -> str:
        return f"consensus on item {self.item_id} ({self.method})"

    def judgements(self) -> dict[str, str]:
        return {d: e["judgement"] for d, e in self.domains.items() if e.get("judgement")}


class AssessmentConflict(dualwork.Conflict):
    """Submitted assessments that differ in a domain or overall; open until consensus."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="rob_conflicts")
    item = models.OneToOneField(RobItem, on_delete=models.CASCADE, related_name="conflict")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=ConflictStatus.OPEN, resolved_at__isnull=True)
                | Q(status=ConflictStatus.RESOLVED, resolved_at__isnull=False),
                name="rob_conflict_resolved_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"conflict on item {self.item_id} ({self.status})"


class AssessmentRevision(dualwork.Revision):
    """An earlier version of an assessment, kept whenever it was changed."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(RobItem, on_delete=models.CASCADE, related_name="revisions")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assessment_id = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=AssessmentStatus.choices)
    answers = models.JSONField(default=dict)
    support = models.JSONField(default=dict)
    domains = models.JSONField(default=dict)
    overall = models.CharField(max_length=20, blank=True)
    overall_reason = models.TextField(blank=True)
    assessed_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["item", "assessor"], name="rob_revision_assessment")]

    def __str__(self) -> str:
        return f"{self.assessor} {self.kind} assessment {self.assessment_id}"
