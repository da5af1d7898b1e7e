"""The pure dual-work rule (no database): waiting / agreed / disagreed under a chosen comparison."""

from dataclasses import dataclass

import pytest

from reviewapp.dualwork.settle import (
    Agreed,
    Disagreed,
    Waiting,
    by_value,
    may_see_others,
    most_common,
    settle,
)


@dataclass(frozen=True)
class Vote:
    decision: str
    reason: int | None = None


def counts_as(vote: Vote) -> str:
    return "exclude" if vote.decision == "exclude" else "include"


def test_fewer_judgements_than_required_wait():
    assert settle([Vote("include")], required=2, compare=counts_as) == Waiting(have=1, required=2)


def test_maybe_counts_as_include_so_include_and_maybe_agree():
    assert settle([Vote("include"), Vote("maybe")], required=2, compare=counts_as) == Agreed("include")


def test_include_against_exclude_disagrees_with_both_sides_in_order():
    result = settle([Vote("maybe"), Vote("exclude")], required=2, compare=counts_as)
    assert result == Disagreed(("include", "exclude"))


def test_exclusions_with_different_reasons_agree_or_conflict_by_the_comparison_chosen():
    votes = [Vote("exclude", 1), Vote("exclude", 2)]
    assert settle(votes, required=2, compare=counts_as) == Agreed("exclude")
    strict = settle(votes, required=2, compare=lambda v: (counts_as(v), v.reason))
    assert strict == Disagreed((("exclude", 1), ("exclude", 2)))


def test_more_judgements_than_required_all_count():
    votes = ["low", "low", "high"]  # three assessors where two are required: one dissent is a conflict
    assert isinstance(settle(votes, required=2, compare=by_value), Disagreed)


def test_one_required_judgement_settles_at_once():
    assert settle(["some concerns"], required=1, compare=by_value) == Agreed("some concerns")


def test_zero_required_is_refused():
    with pytest.raises(ValueError):
        settle([], required=0, compare=by_value)


@pytest.mark.parametrize(
    ("values", "expected"),
    [([3, 5, 5], 5), ([5, 3], 5), ([None, 4, None], 4), ([None, None], None), ([], None), ([2, 3, 3, 2], 2)],
)
def test_most_common_takes_the_first_given_on_ties(values, expected):
    assert most_common(values) == expected


@pytest.mark.parametrize(
    ("blind", "own", "complete", "visible"),
    [
        (True, True, False, True),
        (True, False, False, False),
        (True, False, True, True),
        (False, False, False, True),
    ],
)
def test_the_blinding_rule(blind, own, complete, visible):
    assert may_see_others(blind=blind, own=own, complete=complete) is visible
