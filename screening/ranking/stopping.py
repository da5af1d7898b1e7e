r"""When to stop screening: the hypergeometric test of Callaghan & Müller-Hansen 2020, and a simple heuristic.

Pure Python (NumPy, SciPy), no Django.

**The test** (Callaghan & Müller-Hansen 2020, "Statistical stopping criteria for automated screening in
systematic reviews", Syst Rev 9:273). N records in all; the first :math:`n_{seen}` have been screened (in the
order given) and :math:`r_{seen}` of them were relevant. For every window of the last n screened records
(n = 1..n_seen) treat those n records as a random sample, drawn without replacement, from the
:math:`N_s = N - n_{seen} + n` records that were still unscreened when the window began. With
:math:`k` relevant records in the window and :math:`r_{AL} = r_{seen} - k` found before it, the null
hypothesis H0 "recall < τ" means the urn held at least

.. math:: K_{tar} = \left\lfloor \frac{r_{seen}}{\tau} - r_{AL} + 1 \right\rfloor

relevant records, and the probability of seeing k or fewer of them in the sample is the hypergeometric
cumulative probability

.. math:: p_n = P(X \le k), \quad X \sim \mathrm{Hypergeometric}(N_s, K_{tar}, n).

(When :math:`K_{tar} > N_s` the window cannot hold that many relevant records, so H0 is impossible: p = 0.)
Since it is not known where random sampling "began", the paper computes :math:`p_n` for every window and uses
the smallest, :math:`p = \min_n p_n`; screening may stop when p < α = 1 − confidence (e.g. 0.05 for 95 %).

The *recall estimate* reported with it is the conservative one the test itself gives: the largest target τ
that the data reject "recall < τ" for at the same α (a lower confidence bound on recall), plus a naive point
estimate (relevant found / (found + relevant rate of the best window × records left)).

**The heuristic**: stop after N irrelevant records in a row (no guarantee; shown beside the test).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import hypergeom

__all__ = [
    "StopDecision",
    "hypergeometric_p",
    "hypergeometric_test",
    "irrelevant_streak",
    "recall_at",
    "stop_point",
]


@dataclass(frozen=True)
class StopDecision:
    p_value: float
    stop: bool
    recall_target: float
    confidence: float
    recall_lower_bound: float
    recall_estimate: float
    n_seen: int
    r_seen: int
    n_total: int
    window: int  # size of the window that gave the smallest p


def _labels(sequence: Sequence[int] | np.ndarray) -> np.ndarray:
    arr = np.asarray(sequence, dtype=np.int64)
    if arr.ndim != 1:
        raise ValueError("the screening sequence is a 1-D list of 0/1 labels")
    return arr


def _window_p(arr: np.ndarray, n_total: int, recall_target: float) -> np.ndarray:
    n_seen = len(arr)
    r_seen = int(arr.sum())
    k = np.cumsum(arr[::-1])  # relevant among the last n, n = 1..n_seen
    n = np.arange(1, n_seen + 1)
    k_tar = np.floor(r_seen / recall_target - (r_seen - k) + 1)
    n_s = n_total - n_seen + n
    impossible = k_tar > n_s
    p = hypergeom.cdf(k, n_s, np.minimum(k_tar, n_s), n)
    return np.where(impossible, 0.0, p)


def hypergeometric_p(
    sequence: Sequence[int] | np.ndarray, n_total: int, recall_target: float = 0.95
) -> float:
    """min over windows of P(X <= k); 1.0 before anything has been screened."""
    arr = _labels(sequence)
    if n_total < len(arr):
        raise ValueError("more records screened than there are in the review")
    if len(arr) == 0:
        return 1.0
    return float(_window_p(arr, n_total, recall_target).min())


def _recall_lower_bound(arr: np.ndarray, n_total: int, alpha: float) -> float:
    """Largest τ (to 0.001) whose H0 "recall < τ" is rejected; p grows with τ, so bisect."""
    if arr.sum() == 0 or hypergeometric_p(arr, n_total, 0.001) >= alpha:
        return 0.0
    lo, hi = 1, 1000  # in thousandths; lo is rejected
    if hypergeometric_p(arr, n_total, 1.0) < alpha:
        return 1.0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if hypergeometric_p(arr, n_total, mid / 1000) < alpha:
            lo = mid
        else:
            hi = mid
    return lo / 1000


def hypergeometric_test(
    sequence: Sequence[int] | np.ndarray,
    n_total: int,
    recall_target: float = 0.95,
    confidence: float = 0.95,
) -> StopDecision:
    """The test on the sequence screened so far; ``stop`` when p < 1 − confidence."""
    if not 0 < recall_target <= 1 or not 0 < confidence < 1:
        raise ValueError("recall_target must be in (0, 1] and confidence in (0, 1)")
    arr = _labels(sequence)
    alpha = 1.0 - confidence
    n_seen, r_seen = len(arr), int(arr.sum())
    if n_seen == 0:
        return StopDecision(1.0, False, recall_target, confidence, 0.0, 0.0, 0, 0, n_total, 0)
    p_windows = _window_p(arr, n_total, recall_target)
    best = int(np.argmin(p_windows))
    p = float(p_windows[best])
    window = best + 1
    k = int(arr[n_seen - window :].sum())
    remaining = n_total - n_seen
    estimate = r_seen / (r_seen + k / window * remaining) if r_seen else 0.0
    return StopDecision(
        p_value=p,
        stop=p < alpha,
        recall_target=recall_target,
        confidence=confidence,
        recall_lower_bound=_recall_lower_bound(arr, n_total, alpha),
        recall_estimate=estimate,
        n_seen=n_seen,
        r_seen=r_seen,
        n_total=n_total,
        window=window,
    )


def irrelevant_streak(sequence: Sequence[int] | np.ndarray) -> int:
    """Irrelevant records screened since the last relevant one (all of them if none was relevant)."""
    arr = _labels(sequence)
    hits = np.flatnonzero(arr)
    return int(len(arr) - (hits[-1] + 1)) if len(hits) else len(arr)


def stop_point(
    sequence: Sequence[int] | np.ndarray,
    n_total: int | None = None,
    *,
    recall_target: float = 0.95,
    confidence: float = 0.95,
    check_every: int = 1,
    streak: int | None = None,
) -> int | None:
    """First n (records screened) at which the rule says stop, checking after every ``check_every``.

    ``streak`` given: the "N irrelevant in a row" heuristic instead of the test. None: never stopped.
    """
    arr = _labels(sequence)
    n_total = len(arr) if n_total is None else n_total
    if streak is not None:
        run = 0
        for i, label in enumerate(arr, start=1):
            run = 0 if label else run + 1
            if run >= streak:
                return i
        return None
    alpha = 1.0 - confidence
    step = max(1, check_every)
    for n in range(step, len(arr) + 1, step):
        if hypergeometric_p(arr[:n], n_total, recall_target) < alpha:
            return n
    if len(arr) % step and hypergeometric_p(arr, n_total, recall_target) < alpha:
        return len(arr)
    return None


def recall_at(sequence: Sequence[int] | np.ndarray, n: int | None) -> float | None:
    """Recall after the first n records of a complete sequence (None if n is None)."""
    arr = _labels(sequence)
    if n is None or arr.sum() == 0:
        return None
    return float(arr[:n].sum() / arr.sum())
