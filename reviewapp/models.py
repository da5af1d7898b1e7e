"""Core data: reviews, membership, search sources, imports, records, duplicates, studies, audit events.

Screening, extraction and synthesis hang off Record / Study in their own apps.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from .jobs import Job, JobStatus


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def _new_seed() -> int:
    return secrets.randbelow(2**31 - 1) + 1


# Slugs that name pages beside the reviews under /reviews/ (reviews/new/, reviews/restore/): never a review's.
RESERVED_SLUGS = frozenset({"new", "restore"})


def reserved_slug_message(slug: str) -> str:
    return f"The slug '{slug}' is reserved: it names a page of the site; choose another slug."


class Review(TimeStamped):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=500)
    description = models.TextField(blank=True)
    # Screening settings
    votes_required = models.PositiveSmallIntegerField(default=2)
    blind = models.BooleanField(
        default=True, help_text="Hide other reviewers' votes until a record's voting is complete."
    )
    allow_consensus = models.BooleanField(
        default=True, help_text="Reviewers may settle a conflict by both changing votes."
    )
    owner_can_resolve = models.BooleanField(
        default=True, help_text="Owners may resolve conflicts like an arbiter."
    )
    inclusion_criteria = models.TextField(blank=True)
    exclusion_criteria = models.TextField(blank=True)
    include_keywords = models.JSONField(default=list, blank=True)
    exclude_keywords = models.JSONField(default=list, blank=True)
    # Stable per-review seed for the random screening order.
    seed = models.PositiveIntegerField(default=_new_seed)
    # Bumped by every change to which records go on to screening (import, merge, un-merge, removal),
    # so screening queues know when to re-synchronise.
    records_version = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(votes_required__gte=1) & Q(votes_required__lte=5), name="review_votes_1_5"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    REVIEWER = "reviewer", "Reviewer"
    ARBITER = "arbiter", "Arbiter"
    VIEWER = "viewer", "Viewer"


class Membership(TimeStamped):
    """A user's place in a review. A member may hold several roles (e.g. owner and reviewer)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    is_owner = models.BooleanField(default=False)
    is_reviewer = models.BooleanField(default=False)
    is_arbiter = models.BooleanField(default=False)
    is_viewer = models.BooleanField(default=False)

    class Meta:
        ordering = ["user__username"]
        constraints = [
            models.UniqueConstraint(fields=["review", "user"], name="membership_unique"),
            models.CheckConstraint(
                condition=Q(is_owner=True) | Q(is_reviewer=True) | Q(is_arbiter=True) | Q(is_viewer=True),
                name="membership_has_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.review} ({', '.join(self.roles)})"

    @property
    def roles(self) -> list[str]:
        return [role.value for role in Role if getattr(self, f"is_{role.value}")]

    def has(self, role: str) -> bool:
        return bool(getattr(self, f"is_{role}"))

    @property
    def is_team(self) -> bool:
        """Owner, reviewer or arbiter: the people who do the review's work and may see each other's
        individual work once blinding allows; a viewer only reads its settled results."""
        return self.is_owner or self.is_reviewer or self.is_arbiter


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    REVOKED = "revoked", "Revoked"


class Invitation(TimeStamped):
    """An owner's invitation to join a review with some roles, sent to an e-mail address or an account's
    username. The membership is created only when the invitee accepts through the link (a secret token,
    stored hashed, valid until `expires_at`); nobody is added to a review without their consent."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(blank=True, help_text="Invited by e-mail address")
    username = models.CharField(max_length=150, blank=True, help_text="Or invited by username")
    roles = models.JSONField(default=list)
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    expires_at = models.DateTimeField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(~Q(email="") & Q(username="")) | (Q(email="") & ~Q(username="")),
                name="invitation_email_or_username",
            ),
        ]
        indexes = [models.Index(fields=["review", "status"], name="invitation_review_status")]

    def __str__(self) -> str:
        return f"invitation of {self.email or self.username} to {self.review} ({self.status})"

    @property
    def invitee(self) -> str:
        return self.email or self.username


class SourceKind(models.TextChoices):
    DATABASE = "database", "Database"
    REGISTER = "register", "Register"
    OTHER = "other", "Other method (citation searching, websites, ...)"


class SearchSource(TimeStamped):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="sources")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=SourceKind.choices, default=SourceKind.DATABASE)
    date_searched = models.DateField(null=True, blank=True)
    search_string = models.TextField(blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["review", "name"], name="source_name_unique")]

    def __str__(self) -> str:
        return self.name


class ReviewRound(TimeStamped):
    """One dated round of searching: the review's first searches are round 1, each later re-run of the
    searches (a living review's update) is the next round. An import belongs to the round that was the
    review's latest when it was uploaded; records of a later round are de-duplicated against everything
    already in the review, screened records included."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=200)
    date = models.DateField(help_text="When this round's searches were run")
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["review", "number"]
        constraints = [
            models.UniqueConstraint(fields=["review", "number"], name="round_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="round_number_from_1"),
        ]

    def __str__(self) -> str:
        return f"round {self.number}: {self.label}"

    @property
    def is_update(self) -> bool:
        return self.number > 1


ImportStatus = JobStatus  # the name imports used before the job machinery; prefer JobStatus


class ImportBatch(Job, TimeStamped):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="imports")
    source = models.ForeignKey(SearchSource, on_delete=models.PROTECT, related_name="imports")
    # Set by import_start; a batch written some other way (benchmarks, old fixtures) counts in round 1.
    round = models.ForeignKey(
        ReviewRound, null=True, blank=True, on_delete=models.PROTECT, related_name="imports"
    )
    file = models.FileField(upload_to="imports/%Y/%m/", max_length=500)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField(default=0)
    requested_format = models.CharField(max_length=16, default="auto")
    format = models.CharField(max_length=16, blank=True)
    forced = models.BooleanField(
        default=False, help_text="Imported although the same file was imported before."
    )
    records_count = models.PositiveIntegerField(default=0)
    error_line = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # The same file twice into one source is refused unless forced; failed imports don't count.
            models.UniqueConstraint(
                fields=["source", "sha256"],
                condition=Q(forced=False) & ~Q(status="failed"),
                name="import_same_file_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} → {self.source}"


# The normalised bibliographic fields every import fills; API, exports and screening show these.
CITATION_FIELDS = (
    "title",
    "abstract",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "registry_ids",
    "keywords",
    "language",
    "publication_type",
    "url",
)


class RemovalReason(models.TextChoices):
    INCOMPLETE = "incomplete", "Incomplete bibliographic data"
    AUTOMATION = "automation", "Marked ineligible by automation tools"
    OTHER = "other", "Other reason"


# A record out of screening: merged into another, or removed before screening (see Record).
INACTIVE_RECORD = Q(duplicate_of__isnull=False) | ~Q(removed_reason="")


class Record(models.Model):
    """One imported entry: verbatim original plus normalised fields.

    A record is in exactly one pre-screening state: unique (screenable), a duplicate of a canonical
    record (`duplicate_of`), or removed for another reason (`removed_reason`).
    """

    # review and source repeat batch.review / batch.source for fast filtering. Only `batch` carries a
    # database foreign key: three per-row RI checks cost a third of a 100,000-record COPY, and the
    # import service is the only writer of these columns (it copies them from the batch).
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="records", db_index=False, db_constraint=False
    )
    source = models.ForeignKey(
        SearchSource, on_delete=models.PROTECT, related_name="records", db_constraint=False
    )
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="records")
    position = models.PositiveIntegerField(help_text="1-based order of the entry in its file")
    source_key = models.CharField(max_length=255, blank=True)
    raw = models.TextField()
    title = models.TextField(blank=True)
    abstract = models.TextField(blank=True)
    authors = models.JSONField(default=list, blank=True)
    year = models.SmallIntegerField(null=True, blank=True)
    journal = models.TextField(blank=True)
    volume = models.CharField(max_length=100, blank=True)
    issue = models.CharField(max_length=100, blank=True)
    pages = models.CharField(max_length=100, blank=True)
    doi = models.CharField(max_length=255, blank=True)
    pmid = models.CharField(max_length=32, blank=True)
    registry_ids = models.JSONField(default=list, blank=True)
    keywords = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=100, blank=True)
    publication_type = models.CharField(max_length=255, blank=True)
    url = models.TextField(blank=True)
    sort_key = models.BigIntegerField(help_text="Stable pseudo-random screening order within the review")
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates", db_index=False
    )
    removed_reason = models.CharField(max_length=16, choices=RemovalReason.choices, blank=True)
    removed_note = models.TextField(blank=True)
    study = models.ForeignKey(
        "Study", null=True, blank=True, on_delete=models.SET_NULL, related_name="records", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        # Few, narrow indexes: each one costs time on every row of a 100,000-record COPY. The sparse
        # columns (duplicate_of, study, doi) get partial indexes that stay small during imports.
        indexes = [
            models.Index(fields=["review", "sort_key"], name="record_review_sort"),
            models.Index(fields=["review", "doi"], name="record_review_doi", condition=~Q(doi="")),
            models.Index(
                fields=["duplicate_of"], name="record_duplicate_of", condition=Q(duplicate_of__isnull=False)
            ),
            models.Index(fields=["study"], name="record_study", condition=Q(study__isnull=False)),
            # the few records out of screening: progress counts subtract them instead of joining every record
            models.Index(fields=["review"], name="record_inactive", condition=INACTIVE_RECORD),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(duplicate_of=models.F("id")), name="record_not_own_duplicate"
            ),
            models.CheckConstraint(
                condition=Q(duplicate_of__isnull=True) | Q(removed_reason=""),
                name="record_one_prescreen_state",
            ),
        ]

    def __str__(self) -> str:
        return self.title[:80] or f"record {self.pk} (no title)"

    @property
    def is_active(self) -> bool:
        """Goes on to screening: neither a duplicate nor removed."""
        return self.duplicate_of_id is None and not self.removed_reason


class CandidateStatus(models.TextChoices):
    PENDING = "pending", "Needs a decision"
    AUTO_MERGED = "auto_merged", "Merged automatically"
    MERGED = "merged", "Merged by a person"
    REJECTED = "rejected", "Not a duplicate"
    UNDONE = "undone", "Merge undone"


MERGED_STATUSES = (CandidateStatus.AUTO_MERGED, CandidateStatus.MERGED)


class DuplicateCandidate(TimeStamped):
    """A scored pair of records that may be the same publication (record_a.id < record_b.id)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="duplicate_candidates")
    record_a = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="+")
    record_b = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    reasons = models.JSONField(default=list, blank=True)
    # Why the pair was not merged automatically (the guard that stopped it, or the main doubt).
    guard = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=16, choices=CandidateStatus.choices, default=CandidateStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["record_a", "record_b"], name="candidate_pair_unique"),
            models.CheckConstraint(
                condition=Q(record_a__lt=models.F("record_b")), name="candidate_pair_ordered"
            ),
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=1), name="candidate_score_0_1"),
        ]
        indexes = [models.Index(fields=["review", "status"], name="candidate_review_status")]

    def __str__(self) -> str:
        return f"pair {self.record_a_id}~{self.record_b_id} ({self.status}, {self.score:.2f})"


class Study(TimeStamped):
    """A study, reported by one or more records (reports)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="studies")
    label = models.CharField(max_length=255)
    registry_ids = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["label"]
        verbose_name_plural = "studies"
        constraints = [models.UniqueConstraint(fields=["review", "label"], name="study_label_unique")]

    def __str__(self) -> str:
        return self.label


class AuditEvent(models.Model):
    """Who did what, when, to which object; written by services in the same transaction as the change."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(max_length=64)
    record = models.ForeignKey(Record, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    other_record = models.ForeignKey(
        Record, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["review", "created_at"], name="event_review_time"),
            models.Index(fields=["record", "created_at"], name="event_record_time"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.verb}"


class RestoreJob(Job, TimeStamped):
    """A backup uploaded on the restore page, restored as a new review by a worker (with progress). The
    uploaded file is removed when the job ends; the review it made is named by its slug (no key to it:
    the job is the server's, not the review's, and stays out of the review's backups)."""

    file = models.FileField(upload_to="restores/%Y/%m/", max_length=500, blank=True)
    file_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    slug = models.SlugField(max_length=80, blank=True, help_text="The slug asked for; empty: the backup's")
    join_as_owner = models.BooleanField(default=True)
    restored_slug = models.SlugField(max_length=80, blank=True)
    users_created = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"restore of {self.file_name} ({self.status})"


class DedupRun(Job, TimeStamped):
    """One run of duplicate detection over a review (queued as a task, with progress)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="dedup_runs")
    records_checked = models.PositiveIntegerField(default=0)
    candidates_found = models.PositiveIntegerField(default=0)
    auto_merged = models.PositiveIntegerField(default=0)
    queued_for_review = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # two simultaneous "find duplicates" never both start
            models.UniqueConstraint(
                fields=["review"],
                condition=Q(status__in=["queued", "running"]),
                name="dedup_run_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"duplicate search {self.pk} ({self.status})"
