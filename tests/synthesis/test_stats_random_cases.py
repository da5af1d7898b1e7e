"""60 random meta-analyses (k = 2..40, no to large heterogeneity, effect scales 0.01..100), every
estimator with z and Knapp-Hartung tests, against metafor 3.8-1
(tests/fixtures/meta/random/: the generator, the R script and its output). Where metafor stops with
an error (e.g. Paule-Mandel's 'tau2.max too low'), the engine must raise too, never return a number."""

from __future__ import annotations

from collections import defaultdict

import pytest

from synthesis.stats import StatsError, rma, tau2_confint

from .metafor_data import FIXTURES, mismatches, number, read_rows

CASES: dict[str, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
for _r in read_rows(FIXTURES / "random" / "random_cases.csv"):
    CASES[_r["case"]][0].append(float(_r["yi"]))
    CASES[_r["case"]][1].append(float(_r["vi"]))
RESULTS: dict[str, list[dict[str, str]]] = defaultdict(list)
for _r in read_rows(FIXTURES / "random" / "metafor_random_results.csv"):
    RESULTS[_r["case"]].append(_r)
COLUMNS = (
    "estimate",
    "se",
    "pval",
    "ci_lb",
    "ci_ub",
    "tau2",
    "se_tau2",
    "tau2_ci_lb",
    "tau2_ci_ub",
    "I2",
    "H2",
)
COLUMNS += ("QE", "QEp", "pi_lb", "pi_ub")


def _ours(yi: list[float], vi: list[float], method: str, test: str) -> dict[str, float | None]:
    fit = rma(yi, vi, method=method, test=test)
    ci = tau2_confint(fit)
    pi = fit.prediction_interval() if method != "EE" else (None, None)
    return {
        "estimate": fit.estimate, "se": fit.se, "pval": fit.pval, "ci_lb": fit.ci_lb, "ci_ub": fit.ci_ub,
        "tau2": fit.tau2, "se_tau2": fit.se_tau2, "tau2_ci_lb": None if ci is None else ci.lb,
        "tau2_ci_ub": None if ci is None else ci.ub, "I2": fit.I2, "H2": fit.H2, "QE": fit.Q, "QEp": fit.Q_p,
        "pi_lb": pi[0], "pi_ub": pi[1],
    }  # fmt: skip


@pytest.mark.parametrize("case", sorted(RESULTS, key=int))
def test_random_case_agrees_with_metafor(case):
    yi, vi = CASES[case]
    problems = []
    for row in RESULTS[case]:
        where = f"{row['method']}/{row['test']}"
        if row["error"]:
            with pytest.raises(StatsError):
                rma(yi, vi, method=row["method"], test=row["test"])
            continue
        ref = {col: number(row[col]) for col in COLUMNS}
        problems += [f"{where} {m}" for m in mismatches(_ours(yi, vi, row["method"], row["test"]), ref)]
    assert not problems, "\n".join(problems)


def test_the_random_cases_include_metafor_errors():
    assert sum(1 for rows in RESULTS.values() for r in rows if r["error"]) >= 2
