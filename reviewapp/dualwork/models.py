"""Abstract models of dual work. Subclasses declare the item (foreign keys naming what is judged), the
judge and the judged values; these bases carry what every dual-work app shares.

The concrete tables keep their own constraint and index names (declared in the subclass Meta), so
screening's schema is unchanged by moving onto these bases.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ..models import TimeStamped


class ConflictStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class ResolutionMethod(models.TextChoices):
    """How an item's outcome was reached."""

    AGREEMENT = "agreement", "Agreement"
    CONSENSUS = "consensus", "Consensus"
    ARBITRATION = "arbitration", "Arbitration"


class RevisionKind(models.TextChoices):
    CHANGED = "changed", "Changed"
    RETRACTED = "retracted", "Retracted (undo)"


class Judgement(TimeStamped):
    """One person's current independent judgement of one item (a vote, an extraction, an assessment).

    Subclasses add: the review, the item's fields, the judge (a user FK) and the judged values, and a
    UniqueConstraint on (item..., judge)."""

    note = models.TextField(blank=True)

    class Meta:
        abstract = True


class Outcome(TimeStamped):
    """The settled result of an item (a verdict, a consensus extraction / assessment) and how it was
    reached. `decided_by` is the arbiter, or whoever made the last change that reached consensus; None
    for agreement."""

    method = models.CharField(max_length=12, choices=ResolutionMethod.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        abstract = True


class Conflict(TimeStamped):
    """Judgements that disagree; open until consensus or arbitration (at most one per item)."""

    status = models.CharField(max_length=10, choices=ConflictStatus.choices, default=ConflictStatus.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_open(self) -> bool:
        return self.status == ConflictStatus.OPEN


class Revision(models.Model):
    """An earlier version of a judgement, kept when it was changed or retracted (nothing is overwritten
    without a trace). Subclasses add the item, the judge, the id of the judgement and its values."""

    kind = models.CharField(max_length=10, choices=RevisionKind.choices)
    during_conflict = models.BooleanField(
        default=False, help_text="Replaced while the record was in conflict"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
