"""Reads for screening, scoped to the review and to what the member may see, in a constant number of queries.

Blinding: while a review is blind, another reviewer's vote on a record is visible only once that record's
voting is complete at that stage (it has a verdict or a conflict). Every read of votes goes through
`votes_visible_to`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from itertools import combinations

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Count,
    Exists,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate

from reviewapp.dualwork.blinding import visible_judgements
from reviewapp.grouping import Report, Suggestion, suggest_groups
from reviewapp.jobs import JobStatus
from reviewapp.models import (
    CITATION_FIELDS,
    INACTIVE_RECORD,
    Membership,
    Record,
    RemovalReason,
    Review,
    Study,
)

from . import agreement as stats
from . import worklist
from .charts import Chart, cumulative, line_chart
from .models import (
    RANKED_KEY_BASE,
    Assignment,
    AutomationStop,
    Conflict,
    ConflictStatus,
    Decision,
    ExclusionReason,
    Label,
    Pilot,
    PilotRecord,
    PilotStatus,
    PilotVote,
    PrioritySettings,
    QueueItem,
    QueueSync,
    RankingRun,
    RankPosition,
    RecordLabel,
    Retrieval,
    RevisionKind,
    Stage,
    Verdict,
    VerdictDecision,
    Vote,
    VoteRevision,
)
from .ranking.live import terms_present
from .ranking.stopping import hypergeometric_test, irrelevant_streak
from .worklist import eligible_records

User = get_user_model()
SCREEN_FIELDS = ("id", "review_id", "sort_key", *CITATION_FIELDS)


def screening_records(review: Review) -> QuerySet[Record]:
    return Record.objects.filter(review=review).only(*SCREEN_FIELDS)


# --- the work list and one reviewer's history -------------------------------------------------------


def next_record(review: Review, stage: str, reviewer) -> Record | None:
    """The record the reviewer screens next, from the materialised queue (built by the services)."""
    return worklist.next_record(review, stage, reviewer.pk, SCREEN_FIELDS)


def worklist_ready(review: Review, stage: str, reviewer) -> bool:
    """False until the reviewer's first build of this stage's queue is done (a task; see
    services.worklist): pages then say the work list is being prepared instead of "nothing left"."""
    return QueueSync.objects.filter(review=review, stage=stage, reviewer=reviewer).exists()


def my_vote(record: Record, stage: str, reviewer) -> Vote | None:
    return Vote.objects.filter(record=record, stage=stage, reviewer=reviewer).select_related("reason").first()


def retracted_vote(record: Record, stage: str, reviewer) -> VoteRevision | None:
    """The reviewer's undone vote on the record (the newest), when they have no vote on it now: its note
    and reason are offered again when they re-vote, so an undo never throws a note away."""
    return (
        VoteRevision.objects.filter(
            record=record, stage=stage, reviewer=reviewer, kind=RevisionKind.RETRACTED
        )
        .order_by("-created_at", "-id")
        .first()
    )


def history_neighbours(
    review: Review, stage: str, reviewer, vote: Vote | None
) -> tuple[int | None, int | None]:
    """(previous, next) records in the order the reviewer voted; None for next means the queue head."""
    mine = Vote.objects.filter(review=review, stage=stage, reviewer=reviewer)
    if vote is None:
        return mine.order_by("-id").values_list("record_id", flat=True).first(), None
    previous = mine.filter(id__lt=vote.pk).order_by("-id").values_list("record_id", flat=True).first()
    following = mine.filter(id__gt=vote.pk).order_by("id").values_list("record_id", flat=True).first()
    return previous, following


def my_progress(review: Review, stage: str, reviewer, *, team: dict | None = None) -> dict:
    """The reviewer's done / remaining. `remaining` is what their work list still offers them; without
    assignment or an open pilot round that is the team's open records less those they voted on, counted
    from the small tables (votes, verdicts, conflicts) rather than by walking a 100,000-row queue."""
    done = Vote.objects.filter(review=review, stage=stage, reviewer=reviewer).count()
    if worklist.narrowed(review):
        remaining = QueueItem.objects.filter(review=review, stage=stage, reviewer=reviewer).count()
    else:
        team = team if team is not None else team_progress(review, stage)
        remaining = max(team["awaiting_votes"] - _my_votes_still_open(review, stage, reviewer), 0)
    return {
        "worklist": "ready" if worklist_ready(review, stage, reviewer) else "preparing",
        "done": done,
        "remaining": remaining,
        "total": done + remaining,
        # nothing done and nothing left is not "100 % done" (the team's percent says the same)
        "percent": round(100 * done / (done + remaining)) if done + remaining else 0,
    }


def _my_votes_still_open(review: Review, stage: str, reviewer) -> int:
    """The reviewer's votes on records still up at `stage` and not yet decided or in conflict."""
    return (
        Vote.objects.filter(_on_eligible(review, stage), review=review, stage=stage, reviewer=reviewer)
        .exclude(Exists(Verdict.objects.filter(record=OuterRef("record_id"), stage=stage)))
        .exclude(
            Exists(
                Conflict.objects.filter(record=OuterRef("record_id"), stage=stage, status=ConflictStatus.OPEN)
            )
        )
        .count()
    )


def _on_eligible(review: Review, stage: str) -> Q:
    """Rows (votes, verdicts, conflicts) of records up for `stage`. At title/abstract: not of one of the
    few inactive records (merged, removed: a partial index), rather than a join with every record."""
    if stage == Stage.TITLE_ABSTRACT:
        return ~Q(record__in=Record.objects.filter(INACTIVE_RECORD, review=review).values("pk"))
    return Q(record__in=eligible_records(review, stage))


def progress_of(review: Review, stage: str, user, member: Membership) -> tuple[dict | None, dict]:
    """(mine, team) at `stage`: the user's own progress if their membership reviews (else None) and the
    team's, the team's counts computed once for both."""
    team = team_progress(review, stage)
    mine = my_progress(review, stage, user, team=team) if member.is_reviewer else None
    return mine, team


def team_progress(review: Review, stage: str) -> dict:
    """Records up for this stage and how many of them are decided, in conflict or still being voted on:
    three counts (the records up for title/abstract: once per version of the review's records)."""
    total = worklist.eligible_count(review, stage)
    on_eligible = _on_eligible(review, stage)
    verdicts = Verdict.objects.filter(on_eligible, review=review, stage=stage).aggregate(
        decided=Count("id"),
        included=Count("id", filter=Q(decision=VerdictDecision.INCLUDE)),
        excluded=Count("id", filter=Q(decision=VerdictDecision.EXCLUDE)),
    )
    conflicts = Conflict.objects.filter(
        on_eligible, review=review, stage=stage, status=ConflictStatus.OPEN
    ).count()
    complete = verdicts["decided"] + conflicts
    return {
        "total": total,
        **verdicts,
        "conflicts": conflicts,
        "awaiting_votes": total - complete,
        "percent": round(100 * complete / total) if total else 0,  # nothing up yet is not "done"
    }


# --- votes, verdicts, conflicts -------------------------------------------------------------------


def voting_complete(record_ref: str = "record_id", stage_ref: str = "stage") -> Q:
    """The "stage complete" rule of screening, the one definition: a record's voting at a stage is complete
    once it has a verdict or a conflict. Blinding (votes and timeline events) and agreement use it."""
    return Q(Exists(Verdict.objects.filter(record=OuterRef(record_ref), stage=OuterRef(stage_ref)))) | Q(
        Exists(Conflict.objects.filter(record=OuterRef(record_ref), stage=OuterRef(stage_ref)))
    )


def votes_visible_to(review: Review, member: Membership) -> QuerySet[Vote]:
    """Votes the member may see: their own, and others' once a record's voting is complete (if blind)."""
    votes = Vote.objects.filter(review=review).select_related("reviewer", "reason").order_by("id")
    return visible_judgements(votes, review=review, user=member.user, complete=voting_complete())


def conflicts_of(review: Review) -> QuerySet[Conflict]:
    votes = Vote.objects.select_related("reviewer", "reason").order_by("reviewer__username")
    return (
        Conflict.objects.filter(review=review)
        .select_related("record", "resolved_by")
        .defer("record__raw")
        .prefetch_related(
            Prefetch("record__votes", queryset=votes, to_attr="all_votes"),
            Prefetch(
                "record__verdicts",
                queryset=Verdict.objects.select_related("decided_by", "reason"),
                to_attr="all_verdicts",
            ),
        )
        .order_by("status", "id")
    )


def conflict_votes(conflict: Conflict) -> list[Vote]:
    """The votes of a conflict (a complete record: visible to every member)."""
    return [v for v in conflict.record.all_votes if v.stage == conflict.stage]


def conflict_verdict(conflict: Conflict) -> Verdict | None:
    return next((v for v in conflict.record.all_verdicts if v.stage == conflict.stage), None)


def verdicts_of(review: Review) -> QuerySet[Verdict]:
    return Verdict.objects.filter(review=review).select_related("decided_by", "reason").order_by("id")


def exclusion_reasons_of(
    review: Review, stage: str | None = Stage.FULL_TEXT, *, active_only: bool = True
) -> QuerySet[ExclusionReason]:
    reasons = ExclusionReason.objects.filter(review=review)
    reasons = reasons.filter(stage=stage) if stage else reasons
    return reasons.filter(is_active=True) if active_only else reasons


# --- full text ------------------------------------------------------------------------------------


def sought_reports(review: Review) -> QuerySet[Record]:
    """Records included at title/abstract (sought for retrieval), with retrieval and full-text verdict."""
    included = Verdict.objects.filter(
        record=OuterRef("pk"), stage=Stage.TITLE_ABSTRACT, decision=VerdictDecision.INCLUDE
    )
    return (
        Record.objects.filter(review=review)
        .defer("raw")
        .filter(Exists(included), duplicate_of__isnull=True, removed_reason="")
        .select_related("retrieval")
        .prefetch_related(
            Prefetch(
                "verdicts",
                queryset=Verdict.objects.filter(stage=Stage.FULL_TEXT).select_related("reason"),
                to_attr="fulltext_verdicts",
            )
        )
        .order_by("id")
    )


def retrieval_of(review: Review, record_id: int) -> Retrieval | None:
    return Retrieval.objects.filter(review=review, record_id=record_id).first()


# --- studies --------------------------------------------------------------------------------------


def included_reports(review: Review) -> QuerySet[Record]:
    included = Verdict.objects.filter(
        record=OuterRef("pk"), stage=Stage.FULL_TEXT, decision=VerdictDecision.INCLUDE
    )
    return (
        screening_records(review)
        .filter(Exists(included), duplicate_of__isnull=True, removed_reason="")
        .only(*SCREEN_FIELDS, "study_id")
        .order_by("id")
    )


def studies_of(review: Review) -> QuerySet[Study]:
    reports = Record.objects.only(
        "id", "title", "authors", "year", "doi", "registry_ids", "study_id"
    ).order_by("id")
    return (
        Study.objects.filter(review=review)
        .annotate(reports_total=Count("records"))
        .prefetch_related(Prefetch("records", queryset=reports, to_attr="reports"))
        .order_by("label")
    )


def study_suggestions(review: Review) -> list[Suggestion]:
    rows = included_reports(review).values_list("id", "registry_ids", "doi", "study_id")
    return suggest_groups(Report(pk, tuple(ids or ()), doi or "", study) for pk, ids, doi, study in rows)


# --- agreement and progress -------------------------------------------------------------------------

CATEGORIES = (VerdictDecision.INCLUDE.value, VerdictDecision.EXCLUDE.value)


def _independent_decisions(review: Review, stage: str) -> dict[int, dict[int, str]]:
    """{record: {reviewer: decision}} on records whose voting is complete, as first voted independently:
    a vote changed while its record was in conflict (consensus) counts with its value before the change.
    "Maybe" counts as include."""
    complete = Vote.objects.filter(review=review, stage=stage).filter(voting_complete())
    ratings: dict[int, dict[int, str]] = defaultdict(dict)
    for record_id, reviewer_id, decision in complete.values_list("record_id", "reviewer_id", "decision"):
        ratings[record_id][reviewer_id] = decision
    before_consensus = (
        VoteRevision.objects.filter(review=review, stage=stage, during_conflict=True)
        .order_by("-created_at", "-id")
        .values_list("record_id", "reviewer_id", "decision")
    )
    for record_id, reviewer_id, decision in before_consensus:  # the earliest revision is applied last
        if reviewer_id in ratings.get(record_id, {}):
            ratings[record_id][reviewer_id] = decision
    return {
        record: {who: Decision.INCLUDE if d == Decision.MAYBE else d for who, d in votes.items()}
        for record, votes in ratings.items()
    }


def _pairwise(ratings: dict[int, dict[int, str]], names: dict[int, str]) -> list[dict]:
    reviewers = sorted({who for votes in ratings.values() for who in votes}, key=lambda pk: names.get(pk, ""))
    pairs = []
    for a, b in combinations(reviewers, 2):
        both = [(votes[a], votes[b]) for votes in ratings.values() if a in votes and b in votes]
        if not both:
            continue
        result = stats.cohen_kappa([x for x, _ in both], [y for _, y in both], categories=CATEGORIES)
        pairs.append(
            {
                "reviewers": [names.get(a, str(a)), names.get(b, str(b))],
                "items": len(both),
                "percent_agreement": stats.percent_agreement([list(p) for p in both], categories=CATEGORIES),
                "cohen": result.as_dict(),
            }
        )
    return pairs


def _multi_rater(ratings: dict[int, dict[int, str]], reviewers: list[int]) -> dict:
    rows = [[votes.get(who) for who in reviewers] for votes in ratings.values()]
    sizes = Counter(sum(x is not None for x in row) for row in rows)
    m = max(sizes, key=lambda k: (sizes[k], k)) if sizes else 0
    full = [[x for x in row if x is not None] for row in rows if sum(x is not None for x in row) == m]
    fleiss = stats.fleiss_kappa(full, categories=CATEGORIES).as_dict() if m >= 2 else None
    return {
        "fleiss": fleiss,
        "fleiss_items": len(full) if fleiss else 0,
        "gwet_ac1": stats.gwet_ac1(rows, categories=CATEGORIES).as_dict(),
    }


def agreement(review: Review, stages: list[str] | None = None) -> dict:
    """Per stage (every stage, or those in `stages`): Cohen's kappa (95% CI) and percent agreement per pair
    of reviewers; Fleiss' kappa and Gwet's AC1 when more than two reviewers voted. Only records whose
    voting is complete count."""
    result = {}
    per_stage = {stage: _independent_decisions(review, stage) for stage in stages or Stage.values}
    ids = {who for ratings in per_stage.values() for votes in ratings.values() for who in votes}
    names = dict(User.objects.filter(pk__in=ids).values_list("pk", "username"))
    for stage, ratings in per_stage.items():
        reviewers = sorted(
            {who for votes in ratings.values() for who in votes}, key=lambda pk: names.get(pk, "")
        )
        entry = {
            "stage": stage,
            "items": len(ratings),
            "reviewers": [names.get(pk) for pk in reviewers],
            "pairs": _pairwise(ratings, names),
            "fleiss": None,
            "fleiss_items": 0,
            "gwet_ac1": None,
            "maybe_counts_as": "include" if stage == Stage.TITLE_ABSTRACT else None,
        }
        if len(reviewers) > 2:
            entry.update(_multi_rater(ratings, reviewers))
        result[stage] = entry
    return result


def progress_series(review: Review) -> dict[str, dict[str, list[tuple[dt.date, int]]]]:
    """Per stage, cumulative votes cast and records decided, day by day."""
    series: dict[str, dict[str, list]] = {stage: {"votes": [], "decided": []} for stage in Stage.values}
    for model, key in ((Vote, "votes"), (Verdict, "decided")):
        rows = (
            model.objects.filter(review=review)
            .annotate(day=TruncDate("created_at"))
            .values("stage", "day")
            .annotate(n=Count("id"))
            .order_by("stage", "day")
        )
        daily = defaultdict(list)
        for row in rows:
            daily[row["stage"]].append((row["day"], row["n"]))
        for stage, points in daily.items():
            series[stage][key] = cumulative(points)
    return series


def progress_chart(series: dict[str, list[tuple[dt.date, int]]]) -> Chart:
    return line_chart(
        [
            ("Votes cast", "line-votes", series["votes"]),
            ("Records decided", "line-decided", series["decided"]),
        ]
    )


# --- prioritised screening: the ranking shown to a reviewer, the stopping rule ---------------------------


def priority_settings(review: Review) -> PrioritySettings:
    """The review's prioritised-screening settings (the defaults, unsaved, until the owner saves them)."""
    return PrioritySettings.objects.filter(review=review).first() or PrioritySettings(review=review)


def latest_ranking(review: Review) -> RankingRun | None:
    return RankingRun.objects.filter(review=review).order_by("-id").first()


def current_model(review: Review) -> RankingRun | None:
    """The run whose ranking the work lists follow (the latest that succeeded with a model)."""
    runs = RankingRun.objects.filter(review=review, status=JobStatus.SUCCEEDED, cold_start=False)
    return runs.order_by("-id").first()


def relevance_of(review: Review, record: Record) -> dict | None:
    """Why a record ranks where it does: its score and rank in the current ranking, and the model's most
    weighted terms that occur in it. None while the review is not ranked or the record is not in it."""
    position = RankPosition.objects.filter(review=review, record=record).select_related("run").first()
    if position is None:
        return None
    text = " ".join(part for part in (record.title, record.abstract) if part)
    return {
        "score": position.score,
        "rank": position.key - RANKED_KEY_BASE + 1,
        "of": position.run.n_ranked,
        "terms": terms_present(text, position.run.top_terms),
        "trained_at": position.run.finished_at,
        "labels": position.run.n_included + position.run.n_excluded,
    }


def screening_sequence(review: Review) -> list[int]:
    """1 (relevant) / 0 per title/abstract record with a vote, in the order of each record's first vote:
    relevant if its verdict is include or, without a verdict, if any vote includes (maybe counts)."""
    verdicts = dict(
        Verdict.objects.filter(review=review, stage=Stage.TITLE_ABSTRACT).values_list("record_id", "decision")
    )
    firsts = (
        Vote.objects.filter(review=review, stage=Stage.TITLE_ABSTRACT)
        .values("record_id")
        .annotate(
            first=Min("id"),
            yes=Max(Case(When(~Q(decision=Decision.EXCLUDE), then=Value(1)), default=Value(0))),
        )
        .order_by("first")
        .values_list("record_id", "yes")
    )
    return [
        (1 if verdicts[rid] == VerdictDecision.INCLUDE else 0) if rid in verdicts else yes
        for rid, yes in firsts
    ]


def unscreened_records(review: Review) -> QuerySet[Record]:
    """Title/abstract records nobody has voted on (what stopping would exclude)."""
    return eligible_records(review, Stage.TITLE_ABSTRACT).exclude(
        Exists(Vote.objects.filter(record=OuterRef("pk"), stage=Stage.TITLE_ABSTRACT))
    )


def stopping_state(review: Review) -> dict:
    """The stopping panel: the hypergeometric test (Callaghan & Müller-Hansen 2020) on the screening so
    far, the "N irrelevant in a row" heuristic beside it, and the active stop if the owner stopped."""
    settings = priority_settings(review)
    sequence = screening_sequence(review)
    in_pool = eligible_records(review, Stage.TITLE_ABSTRACT).count()
    in_pool += Record.objects.filter(review=review, removed_reason=RemovalReason.AUTOMATION).count()
    test = hypergeometric_test(
        sequence, max(in_pool, len(sequence)), settings.recall_target, settings.confidence
    )
    streak = irrelevant_streak(sequence)
    return {
        "settings": settings,
        "test": test,
        "streak": streak,
        "streak_reached": streak >= settings.streak,
        "unscreened": unscreened_records(review).count(),
        "stop": AutomationStop.objects.filter(review=review, undone_at__isnull=True).first(),
        "ranking": latest_ranking(review),
        "model": current_model(review),
    }


# --- the team's set-up: labels, assignment, pilot rounds --------------------------------------------


def title_abstract_complete(record_ref: str = "record_id") -> Q:
    """Title/abstract voting of the record is complete (a verdict or a conflict there)."""
    stage = Stage.TITLE_ABSTRACT
    return Q(Exists(Verdict.objects.filter(record=OuterRef(record_ref), stage=stage))) | Q(
        Exists(Conflict.objects.filter(record=OuterRef(record_ref), stage=stage))
    )


def labels_of(review: Review, *, active_only: bool = True) -> QuerySet[Label]:
    labels = Label.objects.filter(review=review)
    return labels.filter(is_active=True) if active_only else labels


def labels_visible_to(review: Review, user) -> QuerySet[RecordLabel]:
    """Tags the user may see: their own, and others' once the record's title/abstract voting is complete
    (if blind) — a tag such as "animal study" says how its author leans, so it is blinded like a vote."""
    tags = RecordLabel.objects.filter(review=review)
    return visible_judgements(
        tags, review=review, user=user, complete=title_abstract_complete(), judge_field="tagged_by"
    )


def record_labels(review: Review, record: Record, user) -> list[dict]:
    """The review's active labels for the panel: whether I tagged the record, and how many tags in all
    I may see on it (no labels configured: one query)."""
    labels = list(labels_of(review))
    if not labels:
        return []
    tags = list(labels_visible_to(review, user).filter(record=record).values_list("label_id", "tagged_by_id"))
    counts = Counter(label_id for label_id, _ in tags)
    mine = {label_id for label_id, who in tags if who == user.pk}
    return [{"label": label, "mine": label.pk in mine, "count": counts.get(label.pk, 0)} for label in labels]


def records_labelled(review: Review, user, label_id: int) -> QuerySet[Record]:
    """Records carrying `label` in the tags the user may see (the filter by label)."""
    tagged = labels_visible_to(review, user).filter(label_id=label_id).values("record_id")
    return screening_records(review).filter(pk__in=tagged).order_by("id")


def label_counts(review: Review, user) -> dict[int, int]:
    """Records per label, counting the tags the user may see."""
    rows = labels_visible_to(review, user).values("label_id").annotate(n=Count("record_id", distinct=True))
    return {row["label_id"]: row["n"] for row in rows.order_by()}


def assignment_counts(review: Review, stage: str) -> dict[int, int]:
    rows = Assignment.objects.filter(review=review, stage=stage).values("reviewer_id").annotate(n=Count("id"))
    return {row["reviewer_id"]: row["n"] for row in rows.order_by()}


def under_assigned(review: Review, stage: str) -> int:
    """Records up for `stage` assigned to fewer reviewers than the votes they need (they cannot complete)."""
    assigned = (
        Assignment.objects.filter(record=OuterRef("pk"), stage=stage)
        .order_by()
        .values("record")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        eligible_records(review, stage)
        .annotate(n=Coalesce(Subquery(assigned), Value(0)))
        .filter(n__lt=review.votes_required)
        .count()
    )


def open_pilot(review: Review) -> Pilot | None:
    return Pilot.objects.filter(review=review, status=PilotStatus.OPEN).first()


def pilot_left_for(review: Review, user) -> int:
    """Records of the open pilot round the reviewer has not screened yet (0 when none is open)."""
    pilot = open_pilot(review)
    if pilot is None:
        return 0
    return pilot.size - PilotVote.objects.filter(pilot=pilot, reviewer=user).count()


def pilots_of(review: Review) -> QuerySet[Pilot]:
    return Pilot.objects.filter(review=review).select_related("started_by").order_by("-id")


def pilot_next_record(pilot: Pilot, user) -> Record | None:
    voted = PilotVote.objects.filter(pilot=pilot, reviewer=user).values("record_id")
    records = PilotRecord.objects.filter(pilot=pilot).exclude(record_id__in=voted).values("record_id")
    return screening_records(pilot.review).filter(pk__in=records).order_by("sort_key", "id").first()


def pilot_progress(pilot: Pilot) -> list[dict]:
    """Per reviewer of the review: how many of the round's records they have screened (counts only)."""
    done = dict(
        PilotVote.objects.filter(pilot=pilot)
        .values("reviewer_id")
        .annotate(n=Count("id"))
        .values_list("reviewer_id", "n")
        .order_by()
    )
    reviewers = Membership.objects.filter(review=pilot.review_id, is_reviewer=True).select_related("user")
    return [
        {"reviewer": m.user.username, "done": done.get(m.user_id, 0), "total": pilot.size}
        for m in sorted(reviewers, key=lambda m: m.user.username)
    ]


def pilot_results_visible(pilot: Pilot) -> bool:
    """The round's votes and agreement are shown once it is closed (at once if the review is not blind)."""
    return pilot.status == PilotStatus.CLOSED or not pilot.review.blind


def pilot_agreement(pilot: Pilot) -> dict:
    """Agreement of the pilot's votes ("maybe" counts as include): Cohen's kappa per pair of reviewers on
    the records both screened, and Fleiss' kappa over the records every one of them screened."""
    ratings: dict[int, dict[int, str]] = defaultdict(dict)
    votes = PilotVote.objects.filter(pilot=pilot).values_list("record_id", "reviewer_id", "decision")
    for record_id, reviewer_id, decision in votes:
        ratings[record_id][reviewer_id] = Decision.INCLUDE if decision == Decision.MAYBE else decision
    reviewers = sorted({who for rated in ratings.values() for who in rated})
    names = dict(User.objects.filter(pk__in=reviewers).values_list("pk", "username"))
    result = {
        "items": len(ratings),
        "reviewers": [names.get(pk) for pk in reviewers],
        "pairs": _pairwise(ratings, names),
        "fleiss": None,
        "fleiss_items": 0,
    }
    if len(reviewers) > 2:
        result.update(_multi_rater(ratings, reviewers))
    return result


def pilot_table(pilot: Pilot) -> list[dict]:
    """Per record of the round: each reviewer's pilot vote (show only when pilot_results_visible)."""
    votes = defaultdict(dict)
    for vote in PilotVote.objects.filter(pilot=pilot).select_related("reviewer"):
        votes[vote.record_id][vote.reviewer.username] = vote
    records = (
        screening_records(pilot.review)
        .filter(pk__in=PilotRecord.objects.filter(pilot=pilot).values("record_id"))
        .order_by("sort_key", "id")
    )
    rows = []
    for record in records:
        mine = votes.get(record.pk, {})
        kinds = {Decision.INCLUDE if v.decision == Decision.MAYBE else v.decision for v in mine.values()}
        rows.append({"record": record, "votes": mine, "agree": len(kinds) <= 1})
    return rows


def records_matching(
    review: Review, user, *, stage: str, label_id: int | None = None, text: str = "", unassigned_only=False
) -> QuerySet[Record]:
    """Records up for `stage` matching the set-up page's filter (to assign them as a set)."""
    records = eligible_records(review, stage)
    if label_id:
        tagged = labels_visible_to(review, user).filter(label_id=label_id).values("record_id")
        records = records.filter(pk__in=tagged)
    if text.strip():
        records = records.filter(Q(title__icontains=text.strip()) | Q(abstract__icontains=text.strip()))
    if unassigned_only:
        records = records.exclude(Exists(Assignment.objects.filter(record=OuterRef("pk"), stage=stage)))
    return records
