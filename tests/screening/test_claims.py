"""Soft claims: a record offered for its last vote is not offered to a second reviewer at the same time."""

import pytest
from django.core.cache import cache

from reviewapp.models import Membership
from screening import claims, selectors
from screening.models import Stage
from screening.services import worklist as worklist_services
from tests.screening.conftest import in_reviewer_order

TA = Stage.TITLE_ABSTRACT


def _next(review, user):
    review.refresh_from_db()
    worklist_services.worklist_ensure_synced(review=review, stage=TA, reviewer=user)
    return selectors.next_record(review, TA, user)


@pytest.fixture
def carol_reads(review, make_records, alice, bob, carol, dave, cast):
    """carol opens the next record, X, which needs one more vote, and dave's queue starts with X too.

    Only records bob voted on stay open, chosen so that carol's and dave's queues both start with X,
    followed by `size - 1` more in both orders; the rest are decided by alice + bob. Returns X and the
    open records."""
    Membership.objects.filter(user__in=[alice, dave]).update(is_reviewer=True)

    def read(n_records, size):
        records = make_records(n_records)
        carol_order, dave_order = (
            in_reviewer_order(review, carol, records),
            in_reviewer_order(review, dave, records),
        )
        for head in carol_order:
            after = [
                r
                for r in dave_order[dave_order.index(head) + 1 :]
                if carol_order.index(r) > carol_order.index(head)
            ]
            if len(after) >= size - 1:
                open_records = [head, *after[: size - 1]]
                break
        else:
            pytest.skip("no such arrangement in these orders")
        for record in records:
            cast(bob, record, "include")
            if record not in open_records:
                cast(alice, record, "include")  # decided: it leaves every queue
        assert _next(review, carol).pk == head.pk
        return head, open_records

    return read


def test_a_record_being_read_for_its_last_vote_is_not_offered_to_a_second_reviewer(
    review, carol, dave, carol_reads
):
    head, open_records = carol_reads(8, size=3)
    offered = _next(review, dave)
    assert offered.pk != head.pk and offered.pk in {r.pk for r in open_records}
    assert claims.claim_holder(review, TA, head.pk) == carol.pk
    assert claims.claim_holder(review, TA, offered.pk) == dave.pk
    # the same page again shows each of them the same record
    assert _next(review, carol).pk == head.pk and _next(review, dave).pk == offered.pk


def test_when_everything_near_is_claimed_the_record_is_still_offered(review, carol, dave, carol_reads):
    head, _ = carol_reads(4, size=1)
    assert _next(review, dave).pk == head.pk  # a claim is a hint, never a dead end
    assert claims.claim_holder(review, TA, head.pk) == carol.pk


def test_an_expired_claim_lets_the_record_go_to_the_next_reviewer(review, dave, carol_reads):
    head, _ = carol_reads(8, size=3)
    cache.delete(claims._key(review, TA, head.pk))  # what CLAIM_SECONDS does
    assert _next(review, dave).pk == head.pk
    assert claims.claim_holder(review, TA, head.pk) == dave.pk


def test_a_record_offered_for_a_first_vote_is_not_claimed(review, make_records, bob):
    records = make_records(3)  # two votes each: nobody's first vote completes a record
    offered = _next(review, bob)
    assert offered is not None
    assert all(claims.claim_holder(review, TA, r.pk) is None for r in records)


def test_with_one_vote_per_record_every_offer_is_claimed(review, make_records, alice, bob, carol, cast):
    review.votes_required = 1
    review.save()
    Membership.objects.filter(user=alice).update(is_reviewer=True)
    records = make_records(6)
    bob_order, carol_order = (
        in_reviewer_order(review, bob, records),
        in_reviewer_order(review, carol, records),
    )
    for head in bob_order:  # a head both queues start with, and one more record after it in both
        later = [
            r
            for r in bob_order[bob_order.index(head) + 1 :]
            if carol_order.index(r) > carol_order.index(head)
        ]
        if later:
            break
    else:
        pytest.skip("no such arrangement in these orders")
    for record in records:
        if record not in (head, *later):
            cast(alice, record, "exclude")  # decided with one vote: it leaves every queue
    assert _next(review, bob).pk == head.pk
    assert claims.claim_holder(review, TA, head.pk) == bob.pk
    offered = _next(review, carol)
    assert offered.pk != head.pk and offered.pk in {r.pk for r in later}


def test_a_claim_expiring_between_two_calls_goes_to_one_reviewer(review, carol, dave, monkeypatch):
    """carol holds the claim; it expires just after dave's add failed, and carol's renewal lands before
    dave's next call: dave must not take it too (a plain set there would leave both believing they hold
    it)."""
    assert claims.claim_last_vote(review, TA, 1, carol.pk)

    class ExpiresOnDavesGet:
        expired = False

        def __getattr__(self, name):
            return getattr(cache, name)

        def get(self, key, *args):
            if not self.expired:
                self.expired = True
                cache.delete(key)  # expired
                assert claims.claim_last_vote(review, TA, 1, carol.pk)  # carol's next poll takes it again
                return None  # what dave's get saw: nothing
            return cache.get(key, *args)

    monkeypatch.setattr(claims, "cache", ExpiresOnDavesGet())
    assert not claims.claim_last_vote(review, TA, 1, dave.pk)
    assert claims.claim_holder(review, TA, 1) == carol.pk
    assert claims.claim_last_vote(review, TA, 1, carol.pk)  # and carol still holds it


def test_with_no_cache_at_all_every_reviewer_is_given_the_record(review, carol, dave, monkeypatch):
    class Away:  # what the tolerant cache does with Redis away: nothing stored, nothing found
        def add(self, *args, **kwargs):
            return False

        def get(self, *args, **kwargs):
            return None

        def touch(self, *args, **kwargs):
            return False

        def set(self, *args, **kwargs):
            return None

    monkeypatch.setattr(claims, "cache", Away())
    assert claims.claim_last_vote(review, TA, 1, carol.pk)
    assert claims.claim_last_vote(review, TA, 1, dave.pk)
