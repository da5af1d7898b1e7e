"""Soft claims: the record a reviewer is reading for the vote that completes it is not offered to others.

With N votes per record, a record that has N-1 votes needs one more reviewer. Without a claim two reviewers
can be shown it at the same moment; both read it, and the slower one's vote is refused ("voting on this
record is complete"): their reading time is lost. So when the next record a reviewer is offered would take
its last vote, the offer claims it in the cache for ``CLAIM_SECONDS`` and other reviewers are offered another
record meanwhile (the next one of their own queue). The claim is only a hint:

- it lives in the cache, never in the database, so showing the next record stays a read (a GET writes no
  row); a lost claim (cache cleared, Redis away) only means the old refusal can happen again;
- it never blocks: a reviewer whose only record is claimed by someone else is still offered it;
- the vote itself is decided by the row lock in the vote service, as always;
- a claim is taken with the cache's atomic ``add`` and renewed with ``touch``, so of two reviewers
  reaching a free or just-expired claim one gets it; a record opened by its own address (a link,
  Previous/Next) is shown without one, which only means the old refusal is possible again there.

Keys carry the review's seed (random per review), so two databases sharing one Redis (tests, staging) do
not see each other's claims.
"""

from __future__ import annotations

from django.core.cache import cache

from reviewapp.models import Review

CLAIM_SECONDS = 120


def _key(review: Review, stage: str, record_id: int) -> str:
    return f"screening:claim:{review.pk}:{review.seed}:{stage}:{record_id}"


def claim_last_vote(review: Review, stage: str, record_id: int, reviewer_id: int) -> bool:
    """Claim the record for `reviewer_id` (or renew their claim). False when another reviewer holds it.

    Only atomic cache operations decide between two reviewers: ``add`` (which one cache call answers for
    both) takes a free claim, also one that expired between our ``add`` and ``get``; a held claim is only
    renewed (``touch``), never overwritten. When the cache holds nothing at all (Redis away: every ``add``
    fails and every ``get`` misses) the reviewer is given the record, as without claims."""
    key = _key(review, stage, record_id)
    if cache.add(key, reviewer_id, CLAIM_SECONDS):
        return True
    holder = cache.get(key)
    if holder == reviewer_id and cache.touch(key, CLAIM_SECONDS):
        return True
    if holder is None or holder == reviewer_id:  # it expired meanwhile: free again, to whoever adds first
        if cache.add(key, reviewer_id, CLAIM_SECONDS):
            return True
        holder = cache.get(key)
        return holder is None or holder == reviewer_id
    return False


def claim_holder(review: Review, stage: str, record_id: int) -> int | None:
    holder = cache.get(_key(review, stage, record_id))
    return int(holder) if holder is not None else None
