"""Egger's regression test for funnel-plot asymmetry, as metafor's ``regtest``.

``model="rma"`` (metafor's default, the figure we report): a meta-regression of yi on sei with the
model's own tau² method and test; the test statistic is that of the sei coefficient, and the
intercept is the 'limit estimate' (the effect of a study with SE 0).
``model="lm"`` (Egger et al. 1997, classic): weighted least squares of yi on sei with weights 1/vi
and a multiplicative dispersion; t test with k - 2 df. Its slope test equals the classic intercept
test of yi/sei on 1/sei.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special

from .errors import StatsInputError
from .rma import rma

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class EggerResult:
    model: str  # "rma" or "lm"
    method: str
    test: str
    stat: float
    df: int | None
    pval: float
    slope: float  # coefficient of sei (the asymmetry)
    limit_estimate: float  # intercept: the effect as sei -> 0
    limit_ci_lb: float
    limit_ci_ub: float


def egger_test(
    yi: npt.ArrayLike, vi: npt.ArrayLike, *, model: str = "rma", method: str = "REML", test: str = "z"
) -> EggerResult:
    y = np.asarray(yi, dtype=np.float64)
    v = np.asarray(vi, dtype=np.float64)
    k = y.shape[0]
    sei = np.sqrt(v)
    if k and np.ptp(sei) <= 1e-12 * max(float(np.max(sei)), 1.0):
        # sei is the predictor: equal standard errors leave the regression undefined (metafor's regtest
        # refuses the rank-deficient model too); it used to crash the whole analysis run (LinAlgError)
        raise StatsInputError("Egger's test needs studies whose standard errors differ.")
    X = np.column_stack([np.ones(k), sei])
    if model == "rma":
        fit = rma(y, v, X=X, method=method, test=test)
        return EggerResult(
            "rma",
            method,
            fit.test,
            float(fit.stat[1]),
            fit.ddf,
            float(fit.pval_beta[1]),
            float(fit.beta[1]),
            float(fit.beta[0]),
            float(fit.ci_lb_beta[0]),
            float(fit.ci_ub_beta[0]),
        )
    if model != "lm":
        raise StatsInputError("Egger model is 'rma' or 'lm'", field="model")
    if k < 3:
        raise StatsInputError("Egger's test needs at least 3 studies")
    w = 1 / v
    wx = X * w[:, None]
    xtwx_inv = np.linalg.inv(X.T @ wx)
    beta = xtwx_inv @ (wx.T @ y)
    r = y - X @ beta
    df = k - 2
    sigma2 = float(w @ (r * r)) / df
    se = np.sqrt(np.diag(xtwx_inv) * sigma2)
    t = float(beta[1] / se[1])
    crit = float(-special.stdtrit(df, 0.025))
    return EggerResult(
        "lm",
        "lm",
        "t",
        t,
        df,
        float(2 * special.stdtr(df, -abs(t))),
        float(beta[1]),
        float(beta[0]),
        float(beta[0] - crit * se[0]),
        float(beta[0] + crit * se[0]),
    )


def egger_line(result: EggerResult, se_max: float, n: int = 50) -> tuple[Array, Array]:
    """Points (effect, se) of the fitted line effect = intercept + slope * se, for a funnel plot."""
    se = np.linspace(0.0, se_max, n)
    return result.limit_estimate + result.slope * se, se


__all__ = ["EggerResult", "egger_line", "egger_test"]
