"""Prioritised screening: the ranking shown to a reviewer, the stopping rule."""

from __future__ import annotations

from django.db.models import Case, Exists, Max, Min, OuterRef, Q, QuerySet, Value, When

from reviewapp.jobs import JobStatus
from reviewapp.models import Record, RemovalReason, Review

from ..models import (
    RANKED_KEY_BASE,
    AutomationStop,
    Decision,
    PrioritySettings,
    RankingRun,
    RankPosition,
    Stage,
    Verdict,
    VerdictDecision,
    Vote,
)
from ..ranking.live import terms_present
from ..ranking.stopping import hypergeometric_test, irrelevant_streak
from ..worklist import eligible_records

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
