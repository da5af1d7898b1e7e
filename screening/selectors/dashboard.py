"""Inter-rater agreement per stage, and the progress series and chart."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count
from django.db.models.functions import TruncDate

from reviewapp.models import Review

from ..charts import Chart, cumulative, line_chart
from ..models import Decision, Stage, Verdict, Vote, VoteRevision
from ._common import User, _multi_rater, _pairwise
from .votes import voting_complete

# --- agreement and progress -------------------------------------------------------------------------


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
