"""Properties that hold for any valid input (hypothesis), and the engine's refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synthesis.stats import (
    Control,
    ConvergenceError,
    Spec,
    StatsInputError,
    StudyData,
    Tables,
    binary,
    generic,
    pool,
    rma,
)
from synthesis.stats.effects import cmi, continuous, sei_from_ci
from synthesis.stats.rma import TAU2_METHODS

METHODS = ("EE", *TAU2_METHODS)
studies = st.integers(min_value=2, max_value=25).flatmap(
    lambda k: st.tuples(
        st.lists(st.floats(-3, 3, allow_nan=False), min_size=k, max_size=k),
        st.lists(st.floats(0.001, 2.0, allow_nan=False), min_size=k, max_size=k),
    )
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=studies, method=st.sampled_from(METHODS), knha=st.booleans())
def test_any_valid_input_gives_a_coherent_result(data, method, knha):
    yi, vi = data
    spec = Spec(measure="GEN", method=method, test="knha" if knha else "z")
    study_data = StudyData(labels=tuple(str(i) for i in range(len(yi))), effects=generic(yi, vi))
    try:
        res = pool(study_data, spec)
    except ConvergenceError:
        return  # reported as such, never as a number
    weights = [s.weight for s in res.studies]
    assert math.isclose(sum(weights), 100.0, rel_tol=1e-9)
    assert all(w > 0 for w in weights)
    assert res.ci_lb <= res.estimate <= res.ci_ub
    assert res.tau2 >= 0
    assert 0 <= res.I2 <= 100
    assert (0 if method == "EE" else 1 - 1e-12) <= res.H2  # a fixed-effect H² is Q/df, may be < 1
    assert 0 <= res.Q_p <= 1
    if res.se > 0:  # Knapp-Hartung on identical estimates scales the SE to 0, and metafor's z is NaN
        assert 0 <= res.pval <= 1
    if method != "EE":
        assert res.pi_lb is not None and res.pi_ub is not None
        assert res.pi_lb <= res.ci_lb and res.ci_ub <= res.pi_ub
        assert res.tau2_ci_lb is not None and res.tau2_ci_ub is not None
        assert 0 <= res.tau2_ci_lb <= res.tau2_ci_ub


@settings(max_examples=60, deadline=None)
@given(
    tables=st.lists(
        st.tuples(st.integers(0, 30), st.integers(1, 30), st.integers(0, 30), st.integers(1, 30)),
        min_size=2,
        max_size=12,
    ),
    measure=st.sampled_from(["RR", "OR", "RD"]),
)
def test_zero_cells_never_give_infinite_effects(tables, measure):
    ai = [min(a, n) for a, n, _, _ in tables]
    ci = [min(c, n) for _, _, c, n in tables]
    t = Tables.from_counts(ai, [n for _, n, _, _ in tables], ci, [n for _, _, _, n in tables])
    effects = binary(measure, t)
    assert np.all(np.isfinite(effects.yi)) and np.all(effects.vi > 0)


@given(m=st.integers(10, 10_000))
def test_hedges_correction_shrinks_towards_one(m):
    c = float(cmi(np.array([float(m)]))[0])
    assert 0 < c < 1
    assert abs(c - (1 - 3 / (4 * m - 1))) < 0.01 / m  # the usual approximation


def test_fisher_scoring_that_cannot_converge_raises_instead_of_returning_a_number():
    yi = [-0.89, -1.59, -1.35, -1.44, -0.22, -0.79, -1.62, 0.01, -0.47, -1.37, -0.34, 0.45, -0.02]
    vi = [0.33, 0.19, 0.42, 0.02, 0.05, 0.007, 0.22, 0.004, 0.06, 0.07, 0.012, 0.53, 0.07]
    with pytest.raises(ConvergenceError, match="did not converge"):
        rma(yi, vi, method="REML", control=Control(maxiter=1))


def test_paule_mandel_root_search_that_cannot_converge_raises():
    with pytest.raises(ConvergenceError):
        rma([0.1, 0.9, 2.0, -1.5], [0.01, 0.02, 0.01, 0.03], method="PM", control=Control(maxiter=1))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        (
            {"m1i": [1, 2], "sd1i": [-1, 1], "n1i": [10, 10], "m2i": [1, 1], "sd2i": [1, 1], "n2i": [10, 10]},
            "sd1i",
        ),
        (
            {"m1i": [1, 2], "sd1i": [1, 1], "n1i": [10, 0], "m2i": [1, 1], "sd2i": [1, 1], "n2i": [10, 10]},
            "n1i",
        ),
    ],
)
def test_bad_arm_data_is_refused_naming_the_study_and_field(kwargs, field):
    with pytest.raises(StatsInputError) as exc:
        continuous("MD", **kwargs)
    assert exc.value.field == field and exc.value.index == (0 if field == "sd1i" else 1)


def test_more_events_than_participants_is_refused():
    with pytest.raises(StatsInputError) as exc:
        Tables.from_counts([3, 12], [10, 10], [1, 1], [10, 10])
    assert exc.value.index == 1 and exc.value.field == "ai"


def test_random_effects_with_one_study_is_refused_by_the_model():
    with pytest.raises(StatsInputError):
        rma([0.1, 0.2], [0.1, 0.1], method="REML", X=np.ones((2, 2)) * [1, 0] + [0, 1] * np.array([[0], [1]]))


def test_se_from_a_95_percent_ci():
    assert math.isclose(sei_from_ci(-1.0, 1.0), 1 / 1.959963984540054)
    assert math.isclose(sei_from_ci(0.5, 2.0, log_scale=True), math.log(4) / (2 * 1.959963984540054))


def _assert_coherent(res, method: str) -> None:
    """The properties every pooled result keeps: study weights (percent) sum to 100, the CI contains the
    estimate, tau² >= 0, I² in [0, 100]."""
    weights = [s.weight for s in res.studies if s.weight is not None]
    assert weights and math.isclose(sum(weights), 100.0, rel_tol=1e-9)
    assert all(w >= 0 for w in weights)
    assert res.ci_lb <= res.estimate <= res.ci_ub
    assert res.tau2 >= 0
    assert 0 <= res.I2 <= 100
    assert 0 <= res.Q_p <= 1
    if method in ("MH", "PETO", "EE"):
        assert res.tau2 == 0


two_by_two = st.lists(
    st.tuples(st.integers(0, 40), st.integers(1, 40), st.integers(0, 40), st.integers(1, 40)),
    min_size=2,
    max_size=15,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tables=two_by_two,
    measure_method=st.sampled_from(
        [(m, method) for m in ("RR", "OR", "RD") for method in ("MH", *METHODS)] + [("OR", "PETO")]
    ),
)
def test_any_valid_set_of_2x2_tables_gives_a_coherent_result(tables, measure_method):
    measure, method = measure_method
    ai = [min(a, n) for a, n, _, _ in tables]
    ci = [min(c, n) for _, _, c, n in tables]
    data = StudyData(
        labels=tuple(str(i) for i in range(len(tables))),
        tables=Tables.from_counts(ai, [n for _, n, _, _ in tables], ci, [n for _, _, _, n in tables]),
    )
    # every arm of every study with at least one event and one participant without: nothing to refuse
    ordinary = all(0 < a < n1 and 0 < c < n2 for a, (_, n1, _, n2), c in zip(ai, tables, ci, strict=True))
    try:
        res = pool(data, Spec(measure=measure, method=method))
    except ConvergenceError:
        return  # an iterative tau² estimator that did not converge says so, never a wrong number
    except StatsInputError:
        if ordinary:
            raise  # a refusal of tables that have events and non-events in every arm is a bug
        return  # refused with a reason (e.g. no study with an estimable effect), never a wrong number
    _assert_coherent(res, method)


@pytest.mark.parametrize(
    ("measure", "counts"),
    [
        # study 2: every participant of both arms had the event (the first has none): variance exactly 0
        ("RR", ([0, 2], [2, 2], [0, 1], [2, 1])),
        ("RD", ([0, 2], [2, 2], [0, 1], [2, 1])),
        # the same, where rounding makes the variance a hair below 0 (sqrt of a negative)
        ("RR", ([1, 2, 0], [1, 2, 1], [3, 3, 0], [3, 3, 1])),
        ("RD", ([3, 1], [3, 1], [0, 0], [2, 1])),  # risk 1 against 0 in every study
    ],
)
def test_mantel_haenszel_without_variance_is_refused_with_a_reason(measure, counts):
    """Found by the property test above: these crashed the analysis (ZeroDivisionError, math domain
    error) instead of saying why no confidence interval can be given."""
    data = StudyData(labels=("a", "b", "c")[: len(counts[0])], tables=Tables.from_counts(*counts))
    with pytest.raises(StatsInputError, match="variance"):
        pool(data, Spec(measure=measure, method="MH"))


arm_data = st.integers(min_value=2, max_value=15).flatmap(
    lambda k: st.lists(
        st.tuples(
            st.floats(-50, 50, allow_nan=False),
            st.floats(0.1, 20, allow_nan=False),
            st.integers(2, 300),
            st.floats(-50, 50, allow_nan=False),
            st.floats(0.1, 20, allow_nan=False),
            st.integers(2, 300),
        ),
        min_size=k,
        max_size=k,
    )
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(arms=arm_data, measure=st.sampled_from(["MD", "SMD"]), method=st.sampled_from(METHODS))
def test_any_valid_arm_data_gives_a_coherent_result(arms, measure, method):
    columns = tuple(np.array(column, dtype=float) for column in zip(*arms))
    data = StudyData(labels=tuple(str(i) for i in range(len(arms))), arms=columns)
    try:
        res = pool(data, Spec(measure=measure, method=method))
    except ConvergenceError:
        return
    _assert_coherent(res, method)
