"""Screening data: votes (with their history), verdicts, conflicts, full-text retrieval, exclusion reasons,
the materialised per-reviewer queue, and the team's set-up: settings, labels, assignments, pilot rounds.

Invariants kept by the database:
- one vote per (record, stage, reviewer); earlier versions of a vote live in VoteRevision;
- one verdict and at most one conflict per (record, stage);
- "maybe" exists only at title/abstract; a full-text exclusion carries exactly one reason (a title/abstract
  exclusion may carry one); inclusions carry none;
- one queue row per (reviewer, stage, record);
- one settings row, one open pilot round, one assignment per (record, stage, reviewer), one tag per
  (record, label, reviewer).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from reviewapp.dualwork import models as dualwork
from reviewapp.dualwork.models import ConflictStatus, RevisionKind
from reviewapp.jobs import Job
from reviewapp.models import Record, Review, TimeStamped

__all__ = ["ConflictStatus", "RevisionKind"]  # re-exported: the kernel's, used across screening


class Stage(models.TextChoices):
    TITLE_ABSTRACT = "title_abstract", "Title/abstract"
    FULL_TEXT = "full_text", "Full text"


class Decision(models.TextChoices):
    INCLUDE = "include", "Include"
    EXCLUDE = "exclude", "Exclude"
    MAYBE = "maybe", "Maybe"


class VerdictDecision(models.TextChoices):
    INCLUDE = "include", "Include"
    EXCLUDE = "exclude", "Exclude"


class VerdictMethod(models.TextChoices):
    """The kernel's ResolutionMethod values, with screening's labels."""

    AGREEMENT = "agreement", "Agreement of the votes"
    CONSENSUS = "consensus", "Consensus of the reviewers"
    ARBITRATION = "arbitration", "Arbitration"


class RetrievalStatus(models.TextChoices):
    RETRIEVED = "retrieved", "Retrieved"
    NOT_RETRIEVED = "not_retrieved", "Not retrieved"


# A full-text exclusion needs exactly one reason; a title/abstract exclusion may carry one (when the review
# asks for reasons there); an inclusion or a "maybe" carries none.
_REASON_RULE = (
    Q(stage=Stage.FULL_TEXT, decision=Decision.EXCLUDE, reason__isnull=False)
    | Q(stage=Stage.TITLE_ABSTRACT, decision=Decision.EXCLUDE)
    | (~Q(decision=Decision.EXCLUDE) & Q(reason__isnull=True))
)


class ExclusionReason(TimeStamped):
    """A reason a report may be excluded for, configured per review and stage by the owner."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="exclusion_reasons")
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.FULL_TEXT)
    label = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "stage", "label"], name="exclusion_reason_unique")
        ]

    def __str__(self) -> str:
        return self.label


class Vote(dualwork.Judgement):
    """One reviewer's current decision on one record at one stage."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="votes")
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="votes")
    stage = models.CharField(max_length=16, choices=Stage.choices)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="screening_votes"
    )
    decision = models.CharField(max_length=8, choices=Decision.choices)
    reason = models.ForeignKey(
        ExclusionReason, null=True, blank=True, on_delete=models.PROTECT, related_name="votes"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["record", "stage", "reviewer"], name="vote_one_per_reviewer"),
            models.CheckConstraint(
                condition=~Q(decision=Decision.MAYBE) | Q(stage=Stage.TITLE_ABSTRACT),
                name="vote_maybe_only_title_abstract",
            ),
            models.CheckConstraint(condition=_REASON_RULE, name="vote_fulltext_exclusion_reason"),
        ]
        indexes = [
            models.Index(fields=["review", "stage", "reviewer", "id"], name="vote_reviewer_history"),
            models.Index(fields=["review", "stage", "created_at"], name="vote_stage_time"),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} {self.decision} record {self.record_id} ({self.stage})"

    @property
    def counts_as(self) -> str:
        """The verdict this vote argues for: "maybe" counts as include."""
        return VerdictDecision.EXCLUDE if self.decision == Decision.EXCLUDE else VerdictDecision.INCLUDE


class VoteRevision(dualwork.Revision):
    """An earlier version of a vote, kept when the vote was changed or retracted."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="vote_revisions")
    stage = models.CharField(max_length=16, choices=Stage.choices)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    vote_id = models.BigIntegerField(help_text="Id of the vote this was a version of (the vote may be gone)")
    decision = models.CharField(max_length=8, choices=Decision.choices)
    reason = models.ForeignKey(
        ExclusionReason, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    voted_at = models.DateTimeField(help_text="When this version was cast")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["record", "stage", "reviewer"], name="revision_vote")]

    def __str__(self) -> str:
        return f"{self.reviewer} {self.kind} {self.decision} on record {self.record_id} ({self.stage})"


class Verdict(dualwork.Outcome):
    """The decision on a record at a stage, and how it was reached."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="verdicts")
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="verdicts")
    stage = models.CharField(max_length=16, choices=Stage.choices)
    decision = models.CharField(max_length=8, choices=VerdictDecision.choices)
    method = models.CharField(max_length=12, choices=VerdictMethod.choices)
    reason = models.ForeignKey(
        ExclusionReason, null=True, blank=True, on_delete=models.PROTECT, related_name="verdicts"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["record", "stage"], name="verdict_one_per_stage"),
            models.CheckConstraint(
                condition=Q(decision__in=VerdictDecision.values), name="verdict_include_or_exclude"
            ),
            models.CheckConstraint(condition=_REASON_RULE, name="verdict_fulltext_exclusion_reason"),
        ]
        indexes = [
            models.Index(fields=["review", "stage", "decision"], name="verdict_stage_decision"),
            models.Index(fields=["review", "stage", "created_at"], name="verdict_stage_time"),
        ]

    def __str__(self) -> str:
        return f"record {self.record_id}: {self.decision} at {self.stage} ({self.method})"


class Conflict(dualwork.Conflict):
    """Votes that disagree (include or maybe against exclude); open until consensus or arbitration."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="conflicts")
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="conflicts")
    stage = models.CharField(max_length=16, choices=Stage.choices)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["record", "stage"], name="conflict_one_per_stage"),
            models.CheckConstraint(
                condition=Q(status=ConflictStatus.OPEN, resolved_at__isnull=True)
                | Q(status=ConflictStatus.RESOLVED, resolved_at__isnull=False),
                name="conflict_resolved_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["review", "stage", "status"], name="conflict_stage_status"),
            # the conflict list (open first, oldest first): a page is read in index order, not sorted
            models.Index(fields=["review", "status", "id"], name="conflict_list_order"),
        ]

    def __str__(self) -> str:
        return f"conflict on record {self.record_id} ({self.stage}, {self.status})"


def fulltext_path(instance: Retrieval, filename: str) -> str:
    return f"fulltext/{instance.review_id}/{instance.record_id}.pdf"


class Retrieval(TimeStamped):
    """The full text of a record sought for retrieval: a stored PDF, a link, or why it was not found."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="retrievals")
    record = models.OneToOneField(Record, on_delete=models.CASCADE, related_name="retrieval")
    status = models.CharField(max_length=16, choices=RetrievalStatus.choices)
    file = models.FileField(upload_to=fulltext_path, max_length=300, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    not_retrieved_reason = models.TextField(blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=RetrievalStatus.RETRIEVED) & (~Q(file="") | ~Q(url=""))
                | Q(status=RetrievalStatus.NOT_RETRIEVED) & ~Q(not_retrieved_reason=""),
                name="retrieval_has_text_or_reason",
            ),
        ]
        indexes = [models.Index(fields=["review", "status"], name="retrieval_review_status")]

    def __str__(self) -> str:
        return f"full text of record {self.record_id}: {self.status}"


class QueueItem(models.Model):
    """A record a reviewer may still vote on at a stage: the materialised screening queue.

    The next record is the first row in `worklist_order()`; the index makes that an index-only lookup whose
    cost does not grow as screening progresses. The vote service keeps rows up to date record by record;
    structural changes (imports, merges, removals) are applied by a set-based resync (see QueueSync).
    """

    # Three indexes and no more: a re-rank rewrites every row's sort_key (no HOT update, so each row
    # costs one entry in every index), and each vote deletes or updates rows. The foreign keys need no
    # index of their own: `queue_next` starts with review, `queue_item_unique` with record, and a
    # reviewer's rows are found by (review, stage, reviewer), the prefix of `queue_next`.
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+", db_index=False)
    stage = models.CharField(max_length=16, choices=Stage.choices)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="+", db_index=False)
    votes_so_far = models.PositiveSmallIntegerField(default=0)
    # the reviewer's own stable order of the record (worklist.ReviewerOrder) unless ranked
    sort_key = models.BigIntegerField(help_text="Record.sort_key, or RankPosition.key while ranked")
    rank_score = models.FloatField(null=True, blank=True, help_text="The relevance score, while ranked")

    class Meta:
        constraints = [
            # record first: also the index of the vote service's per-record updates
            models.UniqueConstraint(fields=["record", "stage", "reviewer"], name="queue_item_unique"),
        ]
        indexes = [
            # one range per pool (votes_so_far), record last: the next-record lookup of each pool is
            # answered from the index alone
            models.Index(
                fields=["review", "stage", "reviewer", "votes_so_far", "sort_key", "record"],
                name="queue_next",
            ),
        ]

    def __str__(self) -> str:
        return f"record {self.record_id} in {self.reviewer_id}'s {self.stage} queue"


class QueueSync(models.Model):
    """Which version of the review's records a reviewer's queue reflects (resync when it differs)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=16, choices=Stage.choices)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    records_version = models.PositiveIntegerField()
    votes_required = models.PositiveSmallIntegerField()
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "stage", "reviewer"], name="queue_sync_unique")
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_id}'s {self.stage} queue at records version {self.records_version}"


# --- prioritised screening (issue 11): the relevance ranking and the stopping rule --------------------


class PrioritySettings(TimeStamped):
    """The owner's choices for prioritised title/abstract screening, and the vote counter that triggers
    the next training (one row per review, created when the owner first saves them)."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="screening_priority")
    rank_by_relevance = models.BooleanField(
        default=False, help_text="Order the title/abstract work lists by predicted relevance"
    )
    retrain_every = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="Retrain the model after this many new title/abstract votes",
    )
    recall_target = models.FloatField(
        default=0.95,
        validators=[MinValueValidator(0.5), MaxValueValidator(1.0)],
        help_text="Recall the stopping test aims for (0.5-1)",
    )
    confidence = models.FloatField(
        default=0.95,
        validators=[MinValueValidator(0.5), MaxValueValidator(0.999)],
        help_text="Confidence of the stopping test (0.5-0.999)",
    )
    streak = models.PositiveIntegerField(
        default=100,
        validators=[MinValueValidator(1)],
        help_text="'N irrelevant in a row' shown beside the test",
    )
    votes_since_training = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(retrain_every__gte=1), name="priority_retrain_every_positive"),
            models.CheckConstraint(
                condition=Q(recall_target__gt=0, recall_target__lte=1, confidence__gt=0, confidence__lt=1),
                name="priority_target_and_confidence_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"prioritised screening of {self.review_id} ({'on' if self.rank_by_relevance else 'off'})"


class RankingRun(Job, TimeStamped):
    """One training of the relevance model (a background job). The current ranking is the RankPosition
    rows, written by the latest run that succeeded; at most one run per review is queued or running."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="ranking_runs")
    model_version = models.CharField(max_length=200, blank=True)
    n_included = models.PositiveIntegerField(default=0)
    n_excluded = models.PositiveIntegerField(default=0)
    n_ranked = models.PositiveIntegerField(default=0)
    cold_start = models.BooleanField(default=False)
    top_terms = models.JSONField(default=list, blank=True, help_text="[[term, weight], ...] best first")

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["review"],
                condition=Q(status__in=["queued", "running"]),
                name="ranking_run_one_active",
            )
        ]
        indexes = [models.Index(fields=["review", "status", "-id"], name="ranking_run_latest")]

    def __str__(self) -> str:
        return f"ranking run {self.pk} of review {self.review_id} ({self.status})"


RANKED_KEY_BASE = -(2**62)  # ranked records sort before every stable-order key (those are >= 0)


class RankPosition(models.Model):
    """A record's place in the review's current relevance ranking: `key` (RANKED_KEY_BASE + rank) is what
    the title/abstract work lists sort by; `score` the model's decision value.

    Every retraining rewrites key, score and run of (nearly) every row in place, so none of the three is
    indexed or checked by the database: the updates are HOT (the table keeps free room in each page, see
    migration 0006), and no foreign-key check runs per row. Readers look positions up by record; the run
    is only followed from one position (`relevance_of`); deleting a run (with its review) still deletes
    its positions, through Django's cascade."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    record = models.OneToOneField(Record, on_delete=models.CASCADE, related_name="rank_position")
    run = models.ForeignKey(
        RankingRun, on_delete=models.CASCADE, related_name="positions", db_index=False, db_constraint=False
    )
    key = models.BigIntegerField()
    score = models.FloatField()

    def __str__(self) -> str:
        return f"record {self.record_id} at {self.key - RANKED_KEY_BASE} (score {self.score:.3f})"


class AutomationStop(TimeStamped):
    """The owner stopped title/abstract screening on the stopping rule: the records nobody had voted on
    were marked ineligible by automation tools (Record.removed_reason, `removed_note` = `marker`). Undone:
    they are restored and go back into the work lists."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="automation_stops")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    records_count = models.PositiveIntegerField()
    p_value = models.FloatField()
    recall_estimate = models.FloatField()
    recall_target = models.FloatField()
    confidence = models.FloatField()
    screened = models.PositiveIntegerField(help_text="Records with a title/abstract vote when stopped")
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["review"], condition=Q(undone_at__isnull=True), name="automation_stop_one_active"
            )
        ]

    @property
    def marker(self) -> str:
        return f"Stopping rule (batch {self.pk})"

    def __str__(self) -> str:
        return f"stop of review {self.review_id}: {self.records_count} records"


# --- the team's set-up: settings, labels, assignments, pilot rounds ---------------------------------


class ReasonMode(models.TextChoices):
    """Whether reviewers give a reason when they exclude at title/abstract (full text always needs one)."""

    OFF = "off", "Not asked"
    OPTIONAL = "optional", "Optional"
    REQUIRED = "required", "Required"


class ScreeningSettings(TimeStamped):
    """Per-review screening options the owner sets (a review without a row has the defaults)."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="screening_settings")
    title_abstract_reasons = models.CharField(
        max_length=10, choices=ReasonMode.choices, default=ReasonMode.OFF
    )
    assignment = models.BooleanField(
        default=False, help_text="Offer each reviewer only the records assigned to them"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(title_abstract_reasons__in=ReasonMode.values),
                name="screening_settings_reason_mode",
            )
        ]

    def __str__(self) -> str:
        return f"screening settings of review {self.review_id}"


class Label(TimeStamped):
    """A tag of the review's label set ("RCT", "needs translation"); reviewers put labels on records."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=80)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["review", "name"], name="label_unique_name")]

    def __str__(self) -> str:
        return self.name


class RecordLabel(models.Model):
    """One reviewer's tag on one record (blinded like votes: see selectors.labels_visible_to)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="record_labels")
    label = models.ForeignKey(Label, on_delete=models.CASCADE, related_name="tags")
    tagged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["record", "label", "tagged_by"], name="record_label_once"),
        ]
        indexes = [models.Index(fields=["review", "label"], name="record_label_filter")]

    def __str__(self) -> str:
        return f"{self.label_id} on record {self.record_id} by {self.tagged_by_id}"


class Assignment(models.Model):
    """Record `record` is to be screened by `reviewer` at `stage` (used while assignment is on)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=16, choices=Stage.choices)
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["record", "stage", "reviewer"], name="assignment_once"),
        ]
        indexes = [models.Index(fields=["review", "stage", "reviewer"], name="assignment_reviewer")]

    def __str__(self) -> str:
        return f"record {self.record_id} assigned to {self.reviewer_id} ({self.stage})"


class PilotStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Pilot(TimeStamped):
    """A calibration round: every reviewer screens the same sample of records; the votes are practice.

    Pilot votes (PilotVote) never count towards a record's verdict, the PRISMA counts or the review's
    agreement statistics: the sampled records are screened for real in the work list once the round is
    closed (while it is open they are held out of it, so nobody screens one twice at the same time).
    """

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="pilots")
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.TITLE_ABSTRACT)
    size = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=8, choices=PilotStatus.choices, default=PilotStatus.OPEN)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    records = models.ManyToManyField(Record, through="PilotRecord", related_name="+")

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["review"], condition=Q(status=PilotStatus.OPEN), name="pilot_one_open_per_review"
            ),
            models.CheckConstraint(condition=Q(size__gte=1), name="pilot_size_positive"),
            models.CheckConstraint(
                condition=Q(status=PilotStatus.OPEN, closed_at__isnull=True)
                | Q(status=PilotStatus.CLOSED, closed_at__isnull=False),
                name="pilot_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"pilot {self.pk} of review {self.review_id} ({self.status})"


class PilotRecord(models.Model):
    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="pilot_records")
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pilot", "record"], name="pilot_record_once")]

    def __str__(self) -> str:
        return f"record {self.record_id} in pilot {self.pilot_id}"


class PilotVote(TimeStamped):
    """A practice vote of the pilot round: marked as such everywhere, never a Vote."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="votes")
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=8, choices=Decision.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["pilot", "record", "reviewer"], name="pilot_vote_once"),
        ]

    def __str__(self) -> str:
        return f"pilot vote {self.decision} on record {self.record_id} by {self.reviewer_id}"
