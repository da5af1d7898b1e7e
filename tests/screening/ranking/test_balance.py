"""Class weighting of the training set: ASReview's double balance and plain class balance."""

import math

import numpy as np
import pytest

from screening.ranking.model import (
    DOUBLE_BALANCE,
    ModelSpec,
    class_weights,
    double_balance,
    model_train,
    ratio_balance,
)


def _documented_share(n_one: int, n_zero: int) -> float:
    """The includes' share of the training slots, written out from ASReview's formula (a, alpha, b, beta)."""
    a, alpha, b, beta = 2.155, 0.94, 0.789, 1.0
    w_one = a * (n_one / n_zero) ** -alpha
    w_zero = 1 - (1 - b) * (1 + math.log(n_one + n_zero)) ** -beta
    return w_one * n_one / (w_one * n_one + w_zero * n_zero)


def test_the_defaults_are_asreviews():
    assert DOUBLE_BALANCE == {"a": 2.155, "alpha": 0.94, "b": 0.789, "beta": 1.0}


@pytest.mark.parametrize("n_one,n_zero", [(1, 9), (3, 40), (10, 990), (50, 1950), (200, 20_000)])
def test_double_balance_gives_the_includes_the_documented_share(n_one, n_zero):
    n_one_train, n_zero_train = double_balance(n_one, n_zero)
    assert n_one_train + n_zero_train == pytest.approx(n_one + n_zero)  # the training set keeps its size
    assert n_one_train / (n_one + n_zero) == pytest.approx(_documented_share(n_one, n_zero))
    assert n_one_train > n_one  # includes are oversampled ...
    assert n_zero_train < n_zero  # ... and excludes undersampled


def test_the_class_weights_carry_that_share_into_the_fit():
    y = np.array([1] * 10 + [0] * 990, dtype=np.int8)
    w0, w1 = class_weights(y, "double")
    assert 10 * w1 / (10 * w1 + 990 * w0) == pytest.approx(_documented_share(10, 990))
    # 10 of 1,000 worked by hand: w1 = 2.155 * 99 ** .94 = 161.94, w0 = 1 - .211 / (1 + ln 1000) = 0.9733,
    # so the includes get 1619.4 / (1619.4 + 990 * 0.9733) = 62.7 % of the slots (class balance: 50 %)
    assert _documented_share(10, 990) == pytest.approx(0.627, abs=1e-3)
    w0, w1 = class_weights(y, "class")
    assert 10 * w1 == pytest.approx(990 * w0) == pytest.approx(500)  # each class weighs half


def test_at_least_one_slot_for_the_includes_and_two_for_the_excludes():
    # 1 + 1 (the prior knowledge): the formula asks for 1.42 include slots, but two must go to excludes
    # (ASReview's rule), and at least one to the includes, which wins
    assert double_balance(1, 1) == (1.0, 1.0)
    assert double_balance(1, 2) == (1.0, 2.0)
    with pytest.raises(ValueError, match="at least one include and one exclude"):
        double_balance(0, 5)


def test_double_balance_pulls_the_model_towards_the_includes():
    rng = np.random.default_rng(0)
    import scipy.sparse as sp

    x = sp.csr_matrix(rng.random((60, 8)) * (rng.random((60, 8)) > 0.5))
    y = np.array([1] * 4 + [0] * 56, dtype=np.int8)
    plain = model_train(x, y, ModelSpec("logistic", balance="class"))
    double = model_train(x, y, ModelSpec("logistic", balance="double"))
    # more weight on the includes moves every score up (the intercept absorbs most of it)
    assert double.intercept > plain.intercept
    assert ModelSpec("logistic", 1.0, balance="double").version() == "logistic-1-db"
    assert ModelSpec("logistic", 0.5).version() == "logistic-0.5-r9.8"  # the default balance is "ratio"
    with pytest.raises(ValueError, match="unknown balance 'triple'"):
        ModelSpec(balance="triple")


def _asreview_balanced(y: np.ndarray, ratio: float) -> np.ndarray:
    """ASReview 3.0.8's Balanced.compute_sample_weight, written out (asreview/models/balancers.py)."""
    n_one, n_zero = int((y == 1).sum()), int((y == 0).sum())
    weights = np.where(y == 1, 1.0, n_one / (ratio * n_zero))
    return weights * (len(y) / weights.sum())


@pytest.mark.parametrize("n_one,n_zero", [(1, 1), (1, 9), (3, 40), (10, 990), (200, 20_000)])
def test_ratio_balance_is_asreview_3s_balanced_sample_weight(n_one, n_zero):
    y = np.array([1] * n_one + [0] * n_zero, dtype=np.int8)
    w0, w1 = class_weights(y, "ratio", 9.8)
    expected = _asreview_balanced(y, 9.8)
    assert (w1, w0) == pytest.approx((expected[0], expected[-1]))
    assert n_one * w1 == pytest.approx(9.8 * n_zero * w0)  # the includes weigh 9.8 times the excludes
    assert n_one * w1 + n_zero * w0 == pytest.approx(n_one + n_zero)  # the weights sum to n
    assert ratio_balance(n_one, n_zero, 1.0) == pytest.approx(class_weights(y, "class"))  # ratio 1: class
    with pytest.raises(ValueError, match="at least one include and one exclude"):
        ratio_balance(0, 5)


def test_the_asreview_svm_is_linear_svc_with_those_sample_weights():
    import scipy.sparse as sp
    from sklearn.svm import LinearSVC

    rng = np.random.default_rng(1)
    x = sp.csr_matrix(rng.random((80, 12)) * (rng.random((80, 12)) > 0.6))
    y = np.array([1] * 6 + [0] * 74, dtype=np.int8)
    ours = model_train(x, y, ModelSpec("svm", 0.11, "ratio", ratio=9.8))
    ref = LinearSVC(loss="squared_hinge", C=0.11, random_state=0).fit(
        x, y, sample_weight=_asreview_balanced(y, 9.8)
    )
    assert ours.scores(x) == pytest.approx(ref.decision_function(x), abs=1e-4)
    assert ModelSpec("svm", 0.11, "ratio").version() == "svm-0.11-r9.8"
    assert ModelSpec().version() == "svm-0.11-r9.8"  # the default: ASReview 3.0.8's
    # more weight on the includes than class balance gives: every score moves up
    plain = model_train(x, y, ModelSpec("svm", 0.11, "class"))
    assert ours.intercept > plain.intercept
