"""The dual-work rule, pure: do N independent judgements of one item agree? (No Django imports.)

Screening votes, data extractions and risk-of-bias assessments are all made by two (or N) people
independently; the item is settled when enough judgements are in and they agree under a comparison the
app chooses. Everything here takes and returns plain values, so it is tested without a database.

    settle(votes, required=2, compare=lambda v: v.counts_as)   -> Waiting() | Agreed(value) | Disagreed(sides)

`compare` maps one judgement to the value that must be equal for agreement. Picking it is the one-line
choice of what "agree" means: "maybe" counting as include at title/abstract, or full-text exclusions with
different reasons being a conflict (compare on `(decision, reason)` instead of `decision`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

J = TypeVar("J")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V", bound=Hashable)


@dataclass(frozen=True)
class Waiting:
    """Fewer judgements than required: nothing is decided yet."""

    have: int
    required: int


@dataclass(frozen=True)
class Agreed(Generic[K]):
    """Enough judgements, all equal under the comparison: `value` is what they agree on."""

    value: K


@dataclass(frozen=True)
class Disagreed(Generic[K]):
    """Enough judgements, not all equal: `sides` are the distinct values, in order of first appearance."""

    sides: tuple[K, ...]


Settlement = Waiting | Agreed[K] | Disagreed[K]


def settle(judgements: Sequence[J], *, required: int, compare: Callable[[J], K]) -> Settlement[K]:
    """Waiting, Agreed(value) or Disagreed(sides) for `judgements` of one item (see the module docstring).

    More judgements than required (the review lowered N later) are all compared: one dissent is a conflict.
    """
    if required < 1:
        raise ValueError("At least one judgement is required.")
    if len(judgements) < required:
        return Waiting(len(judgements), required)
    sides = tuple(dict.fromkeys(compare(j) for j in judgements))
    if len(sides) == 1:
        return Agreed(sides[0])
    return Disagreed(sides)


def most_common(values: Iterable[V | None]) -> V | None:
    """The value given most often, ties going to the one given first; None when none is given.

    Used for details that do not decide agreement, e.g. the reason recorded for a full-text exclusion on
    which two reviewers agree but cite different reasons.
    """
    given = [v for v in values if v is not None]
    if not given:
        return None
    counts = Counter(given)
    top = max(counts.values())
    return next(v for v in given if counts[v] == top)


def may_see_others(*, blind: bool, own: bool, complete: bool) -> bool:
    """The one blinding rule: a judgement is visible to its author always, and to everybody else when the
    review is not blind or once the item's independent work is complete (settled or in conflict)."""
    return own or not blind or complete


# --- comparisons apps pass to settle() ----------------------------------------------------------------


def by_value(judgement: Hashable) -> Hashable:
    """Judgements that are already plain comparable values (tests, RoB domain judgements)."""
    return judgement
