"""The hypergeometric stopping test (Callaghan & Müller-Hansen 2020) against an independent computation."""

import math

import numpy as np
import pytest
from scipy.stats import hypergeom

from screening.ranking.stopping import (
    hypergeometric_p,
    hypergeometric_test,
    irrelevant_streak,
    stop_point,
)


def _paper_p(sequence, n_total, tau):
    """The paper's definition, written out window by window with the pmf summed by hand."""
    n_seen, r_seen = len(sequence), sum(sequence)
    best = 1.0
    for n in range(1, n_seen + 1):
        window = sequence[n_seen - n :]
        k = sum(window)
        r_al = r_seen - k
        k_tar = math.floor(r_seen / tau - r_al + 1)
        n_s = n_total - (n_seen - n)
        impossible = k_tar > n_s  # the urn cannot hold that many: H0 is false for this window
        p = 0.0 if impossible else sum(hypergeom(n_s, k_tar, n).pmf(i) for i in range(k + 1))
        best = min(best, p)
    return best


@pytest.mark.parametrize(
    "sequence,n_total",
    [
        ([1] * 10 + [0] * 50, 200),
        ([1, 0, 1, 1, 0, 0, 1, 0, 0, 0] * 6, 150),
        ([1] * 20 + [0] * 300, 1000),
        ([0, 0, 1] + [0] * 40, 60),
    ],
)
@pytest.mark.parametrize("tau", [0.8, 0.95])
def test_p_value_matches_the_papers_formula_computed_independently(sequence, n_total, tau):
    assert hypergeometric_p(sequence, n_total, tau) == pytest.approx(
        _paper_p(sequence, n_total, tau), abs=1e-10
    )


def test_all_relevant_found_early_rejects_after_enough_irrelevant():
    n_total = 2000
    early = [1] * 50 + [0] * 50  # every relevant record found in the first 50
    assert not hypergeometric_test(early, n_total).stop
    long_run = early + [0] * 1400  # 3 missed records would hide in 1,450 of 1,950 with p = (500/1950)^3
    decision = hypergeometric_test(long_run, n_total)
    assert decision.stop and decision.p_value < 0.05
    assert decision.recall_lower_bound >= 0.95


def test_a_sequence_still_finding_relevant_records_does_not_stop():
    rng = np.random.default_rng(3)
    still_finding = (rng.random(800) < 0.2).astype(int)  # one in five is still relevant
    decision = hypergeometric_test(still_finding, 2000)
    assert not decision.stop and decision.p_value > 0.5


def test_stop_point_is_the_first_rejection():
    seq = [1] * 50 + [0] * 1950
    at = stop_point(seq, 2000)
    assert at is not None
    assert hypergeometric_p(seq[:at], 2000) < 0.05 <= hypergeometric_p(seq[: at - 1], 2000)


def test_everything_screened_means_recall_is_known_and_the_test_rejects():
    assert hypergeometric_p([1, 0, 0, 1, 0], 5) == 0.0


def test_the_recall_bound_is_the_largest_target_rejected():
    seq = [1] * 30 + [0] * 400
    decision = hypergeometric_test(seq, 3000)
    tau = decision.recall_lower_bound
    assert 0 < tau < 1
    assert hypergeometric_p(seq, 3000, tau) < 0.05 <= hypergeometric_p(seq, 3000, tau + 0.001)


def test_nothing_screened_is_no_evidence():
    decision = hypergeometric_test([], 100)
    assert decision.p_value == 1.0 and not decision.stop


def test_irrelevant_in_a_row_heuristic():
    assert irrelevant_streak([1, 0, 1, 0, 0, 0]) == 3
    assert irrelevant_streak([0, 0]) == 2
    assert stop_point([1, 0, 0, 1, 0, 0, 0, 0], streak=3) == 7
    assert stop_point([1, 0, 0, 1], streak=3) is None
