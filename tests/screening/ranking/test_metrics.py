"""Metric formulas on hand-made screening sequences whose values are worked out by hand in each test."""

import numpy as np
import pytest

from screening.ranking.metrics import atd, metrics_all, recall_curve, records_to_recall, rrf, wss


def test_perfect_order_of_ten_records_with_two_relevant():
    found = [1, 1, 0, 0, 0, 0, 0, 0, 0, 0]
    # WSS@100 = (TN+FN)/N - 0 = 8/10; WSS@95 needs ceil(.95*2) = 2 records too: 8/10 - .05
    assert wss(found, 1.0) == pytest.approx(0.80)
    assert wss(found, 0.95) == pytest.approx(0.75)
    assert rrf(found, 10) == pytest.approx(0.5)  # 10 % of 10 = 1 record screened, 1 of 2 found
    assert atd(found) == pytest.approx((1 + 2) / 2 / 10)


def test_worst_order_saves_nothing():
    found = [0] * 8 + [1, 1]
    assert wss(found, 1.0) == pytest.approx(0.0)
    assert wss(found, 0.95) == pytest.approx(-0.05)
    assert rrf(found, 10) == 0.0
    assert atd(found) == pytest.approx((9 + 10) / 2 / 10)


def test_cohen_example_95_of_100_relevant_after_1100_of_2000():
    # the asreview-insights example: 2,000 records, 100 relevant, 95 found after 1,100 reviewed
    found = np.zeros(2000, dtype=int)
    found[np.linspace(0, 1099, 95).astype(int)] = 1
    found[-5:] = 1
    assert records_to_recall(found, 0.95) == 1100
    assert wss(found, 0.95) == pytest.approx((2000 - 1100) / 2000 - 0.05)  # 0.40
    assert wss(found, 1.0) == pytest.approx(0.0)


def test_rrf_at_ten_percent_counts_only_the_first_tenth():
    found = [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]  # N = 20 -> first 2 records
    assert rrf(found, 10) == pytest.approx(0.5)
    assert rrf(found, 5) == pytest.approx(0.0)


def test_atd_of_random_orders_is_about_half():
    rng = np.random.default_rng(1)
    base = np.array([1] * 10 + [0] * 190)
    values = [atd(rng.permutation(base)) for _ in range(400)]
    assert np.mean(values) == pytest.approx(201 / 400, abs=0.01)  # E[TD]/N = (N+1)/(2N)


def test_recall_curve_starts_at_zero_and_ends_at_one():
    x, y = recall_curve([0, 1, 0, 1])
    assert list(x) == [0, 0.25, 0.5, 0.75, 1.0]
    assert list(y) == [0, 0, 0.5, 0.5, 1.0]


def test_metrics_all_in_percent():
    pct = metrics_all([1, 1, 0, 0, 0, 0, 0, 0, 0, 0]).as_percent()
    assert pct["wss95"] == 75.0 and pct["wss100"] == 80.0 and pct["rrf10"] == 50.0 and pct["atd"] == 15.0


def test_a_sequence_without_relevant_records_is_refused():
    with pytest.raises(ValueError, match="no relevant"):
        wss([0, 0, 0])
