"""Egger's test regresses on the standard errors: with all of them equal it is undefined and says so
(found by benchmarks/faults_worker_kill.py: four trials with the same n and SDs crashed the run)."""

import pytest

from synthesis.stats.egger import egger_test
from synthesis.stats.errors import StatsError


def test_equal_standard_errors_are_refused_with_a_reason():
    with pytest.raises(StatsError, match="standard errors differ"):
        egger_test([-0.8, -0.5, -1.0, -0.3], [0.0663] * 4)


def test_different_standard_errors_still_give_a_test():
    result = egger_test([-0.8, -0.5, -1.0, -0.3], [0.0663, 0.05, 0.08, 0.07])
    assert 0.0 <= result.pval <= 1.0
