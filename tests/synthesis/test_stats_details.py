"""Subgroups, leave-one-out, Egger's test, weights and per-study effect sizes against metafor 3.8-1
(tests/fixtures/meta/metafor_extra_details.csv, made by metafor_extra.R next to it)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from synthesis.stats import Pooled, compute_effects, egger_test, leave_one_out, pool, subgroup_analysis

from .metafor_data import FIXTURES, dataset, mismatches, number, read_rows, spec_for

CASES: dict[str, dict[str, float | None]] = defaultdict(dict)
for _row in read_rows(FIXTURES / "metafor_extra_details.csv"):
    CASES[_row["case"]][_row["key"]] = number(_row["value"])
GROUP_COLUMN = {"dat.bcg": "alloc", "zerocells": "arm", "homogeneous": "grp"}


def _model_keys(prefix: str, p: Pooled) -> dict[str, float | None]:
    out = {
        "k": p.k,
        "estimate": p.estimate,
        "se": p.se,
        "zval": p.stat,
        "pval": p.pval,
        "ci_lb": p.ci_lb,
        "ci_ub": p.ci_ub,
        "I2": p.I2,
        "H2": p.H2,
        "QE": p.Q,
        "QEp": p.Q_p,
        "tau2": p.tau2,
        "tau2_ci_lb": p.tau2_ci_lb,
        "tau2_ci_ub": p.tau2_ci_ub,
        "pi_lb": p.pi_lb,
        "pi_ub": p.pi_ub,
    }
    return {prefix + k: v for k, v in out.items()}


def _ours(case: str) -> dict[str, float | None]:
    kind, name, measure, method, test, *rest = case.split("|")
    spec = spec_for(measure, method, test, rest[0] if kind == "weights" and rest else "")
    if kind == "subgroups":
        res = subgroup_analysis(dataset(name, rest[0]), spec)
        out: dict[str, float | None] = {}
        for group, pooled in res.subgroups:
            out.update(_model_keys(f"{group}.", pooled))
        out.update(
            {"Q_between": res.Q_between, "Q_between_df": res.Q_between_df, "Q_between_p": res.Q_between_p}
        )
        return out
    data = dataset(name)
    if kind == "leave1out":
        out = {}
        for i, loo in enumerate(leave_one_out(data, spec), start=1):
            assert loo.result is not None, loo.error
            out.update(_model_keys(f"{i}.", loo.result))
        return out
    if kind == "egger":
        fit = pool(data, spec)
        yi = [s.yi for s in fit.studies if s.yi is not None]
        vi = [s.vi for s in fit.studies if s.vi is not None]
        egger_method = "EE" if method in ("MH", "PETO") else method
        out = {}
        for model in ("rma", "lm"):
            e = egger_test(yi, vi, model=model, method=egger_method, test=test)
            out.update(
                {
                    f"{model}.zval": e.stat,
                    f"{model}.pval": e.pval,
                    f"{model}.est": e.limit_estimate,
                    f"{model}.ci_lb": e.limit_ci_lb,
                    f"{model}.ci_ub": e.limit_ci_ub,
                    f"{model}.slope": e.slope,
                }
            )
        return out
    assert kind == "weights"
    fit = pool(data, spec)
    out = {f"{i}.weight": s.weight for i, s in enumerate(fit.studies, start=1)}
    effects = compute_effects(data, spec)
    for i, (y, v) in enumerate(zip(effects.yi, effects.vi), start=1):
        out[f"{i}.yi"] = None if np.isnan(y) else float(y)
        out[f"{i}.vi"] = None if np.isnan(v) else float(v)
    return out


@pytest.mark.parametrize("case", sorted(CASES))
def test_agrees_with_metafor(case):
    bad = mismatches(_ours(case), CASES[case])
    assert not bad, "\n".join(bad)


def test_every_kind_of_detail_is_covered():
    kinds = {case.split("|")[0] for case in CASES}
    assert kinds == {"subgroups", "leave1out", "egger", "weights"}
