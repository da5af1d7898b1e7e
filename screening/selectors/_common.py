"""What the screening reads share: the records they start from, pairwise and multi-rater agreement."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from reviewapp.models import CITATION_FIELDS, Record, Review

from .. import agreement as stats
from ..models import VerdictDecision

User = get_user_model()
SCREEN_FIELDS = ("id", "review_id", "sort_key", *CITATION_FIELDS)


def screening_records(review: Review) -> QuerySet[Record]:
    return Record.objects.filter(review=review).only(*SCREEN_FIELDS)


CATEGORIES = (VerdictDecision.INCLUDE.value, VerdictDecision.EXCLUDE.value)


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
