"""Inverse-variance fixed- and random-effects models, as metafor's ``rma.uni`` (3.8-1) fits them.

Every estimator follows metafor's code path, including its numerical choices, because those are
what its published figures are: REML/ML/EB by Fisher scoring from the Hedges (HE) start, stopping
when the change is below ``threshold`` = 1e-5 (at most ``maxiter`` = 100 steps, step halving to stay
>= 0, and REML/ML's check against a local maximum); Paule-Mandel and the Q-profile CI for tau² by
R's ``uniroot`` at its default tolerance (ported in :mod:`.zeroin`). Non-convergence raises
:class:`~.errors.ConvergenceError`; it is never reported as a number.

``X`` (k x p, with an intercept column) allows meta-regression, which Egger's test needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import special

from .errors import StatsInputError
from .linalg import Array, reml_terms
from .tau2 import DEFAULT_CONTROL, FIXED_METHODS, METHODS, TAU2_METHODS, Control, estimate_tau2

Method = Literal["EE", "FE", "DL", "REML", "ML", "PM", "HE", "HS", "SJ", "EB"]
Test = Literal["z", "t", "knha"]
MACHINE_EPS = 2.220446049250313e-16
__all__ = ["DEFAULT_CONTROL", "FIXED_METHODS", "METHODS", "TAU2_METHODS", "Control", "RmaFit", "rma"]


@dataclass(frozen=True)
class RmaFit:
    """A fitted model. For an intercept-only model ``estimate`` etc. are the pooled effect."""

    method: str
    test: str
    k: int
    p: int
    beta: Array
    se_beta: Array
    stat: Array
    pval_beta: Array
    ci_lb_beta: Array
    ci_ub_beta: Array
    ddf: int | None
    crit: float
    tau2: float
    se_tau2: float | None
    I2: float
    H2: float
    vt: float
    Q: float
    Q_df: int
    Q_p: float
    weights: Array
    yi: Array = field(repr=False)
    vi: Array = field(repr=False)
    X: Array | None = field(repr=False)
    iterations: int = 0

    @property
    def estimate(self) -> float:
        return float(self.beta[0])

    @property
    def se(self) -> float:
        return float(self.se_beta[0])

    @property
    def zval(self) -> float:
        return float(self.stat[0])

    @property
    def pval(self) -> float:
        return float(self.pval_beta[0])

    @property
    def ci_lb(self) -> float:
        return float(self.ci_lb_beta[0])

    @property
    def ci_ub(self) -> float:
        return float(self.ci_ub_beta[0])

    @property
    def is_fixed(self) -> bool:
        return self.method in FIXED_METHODS

    def prediction_interval(self) -> tuple[float, float]:
        """metafor ``predict()``: estimate ± crit * sqrt(se² + tau²), crit from z or t(k-p) like the CI."""
        half = self.crit * math.sqrt(self.se**2 + self.tau2)
        return self.estimate - half, self.estimate + half


# --- the model -----------------------------------------------------------------------------------


def _check_inputs(yi: Array, vi: Array, X: Array | None, method: str, test: str) -> None:
    if method not in METHODS:
        raise StatsInputError(f"unknown method {method!r}; one of {sorted(METHODS)}", field="method")
    if test not in ("z", "t", "knha"):
        raise StatsInputError(f"unknown test {test!r}; one of z, t, knha", field="test")
    if yi.shape != vi.shape or yi.ndim != 1:
        raise StatsInputError("yi and vi must be one-dimensional and of the same length")
    k = yi.shape[0]
    if k == 0:
        raise StatsInputError("no studies to analyse")
    for name, arr in (("yi", yi), ("vi", vi)):
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            raise StatsInputError(f"{name} is not a finite number", index=int(bad[0]), field=name)
    bad = np.flatnonzero(vi <= 0)
    if bad.size:
        raise StatsInputError("sampling variance must be > 0", index=int(bad[0]), field="vi")
    p = 1 if X is None else X.shape[1]
    needed = p if method in FIXED_METHODS else p + 1
    if X is not None and X.shape[0] != k:
        raise StatsInputError("model matrix rows differ from the number of studies")
    if k < needed and not (p == 1 and k == 1):
        raise StatsInputError(f"{method} with {p} coefficient(s) needs at least {needed} studies, got {k}")


def rma(
    yi: npt.ArrayLike,
    vi: npt.ArrayLike,
    *,
    method: str = "REML",
    test: str = "z",
    X: npt.ArrayLike | None = None,
    level: float = 95.0,
    control: Control = DEFAULT_CONTROL,
) -> RmaFit:
    """Fit ``rma(yi, vi, method=, test=)`` (metafor's ``rma.uni``); ``X`` adds moderators."""
    y = np.asarray(yi, dtype=np.float64)
    v = np.asarray(vi, dtype=np.float64)
    Xm = None if X is None else np.asarray(X, dtype=np.float64)
    if Xm is not None and Xm.ndim != 2:
        raise StatsInputError("X must be a k x p matrix")
    _check_inputs(y, v, Xm, method, test)
    k = y.shape[0]
    p = 1 if Xm is None else Xm.shape[1]
    if k == 1:
        test = "z"  # metafor: 'Setting argument test="z" since k=1'
    tau2, se_tau2, iterations = estimate_tau2(y, v, Xm, method, control)
    beta, vb, rss_knha, w = _wls_fit(y, v + tau2, Xm)
    if test == "knha":
        vb = vb * (0.0 if rss_knha <= MACHINE_EPS else rss_knha / (k - p))
    se = np.sqrt(np.diag(vb))
    with np.errstate(divide="ignore", invalid="ignore"):  # se = 0 (knha, identical yi): NaN like metafor
        stat = beta / se
    alpha = (100 - level) / 100
    ddf: int | None
    if test in ("t", "knha"):
        ddf = k - p
        pval = 2 * special.stdtr(ddf, -np.abs(stat))
        crit = float(-special.stdtrit(ddf, alpha / 2))
    else:
        ddf = None
        pval = 2 * special.ndtr(-np.abs(stat))
        crit = float(-special.ndtri(alpha / 2))
    Q, vt = _heterogeneity(y, v, Xm, k, p)
    Q_df = k - p
    if k > p:
        Q_p = float(special.chdtrc(Q_df, Q))
        if method in FIXED_METHODS:
            I2 = max(0.0, 100 * (Q - Q_df) / Q) if Q > 0 else 0.0
            H2 = Q / Q_df
        else:
            I2 = 100 * tau2 / (vt + tau2)
            H2 = tau2 / vt + 1
    else:
        Q_p, I2, H2 = 1.0, 0.0, 1.0
    return RmaFit(
        method=method,
        test=test,
        k=k,
        p=p,
        beta=beta,
        se_beta=se,
        stat=stat,
        pval_beta=np.asarray(pval, dtype=np.float64),
        ci_lb_beta=beta - crit * se,
        ci_ub_beta=beta + crit * se,
        ddf=ddf,
        crit=crit,
        tau2=tau2,
        se_tau2=se_tau2,
        I2=I2,
        H2=H2,
        vt=vt,
        Q=Q,
        Q_df=Q_df,
        Q_p=Q_p,
        weights=w / w.sum() * 100,
        yi=y,
        vi=v,
        X=Xm,
        iterations=iterations,
    )


def _wls_fit(y: Array, total_var: Array, X: Array | None) -> tuple[Array, Array, float, Array]:
    """(beta, vb = (X'WX)^-1, weighted RSS, weights) with W = 1 / (vi + tau²)."""
    w = 1 / total_var
    if X is None:
        sw = float(w.sum())
        b = float(w @ y) / sw
        r = y - b
        return np.array([b]), np.array([[1 / sw]]), float(w @ (r * r)), w
    wx = X * w[:, None]
    vb = np.asarray(np.linalg.inv(X.T @ wx), dtype=np.float64)
    beta = vb @ (wx.T @ y)
    r = y - X @ beta
    return beta, vb, float(w @ (r * r)), w


def _heterogeneity(y: Array, v: Array, X: Array | None, k: int, p: int) -> tuple[float, float]:
    """Cochran's Q (fixed-effect weights) and metafor's 'typical' within-study variance (k-p)/tr(P)."""
    if k <= p:
        return 0.0, 0.0
    ymc = y - y.mean()
    ypy, _, trp, _ = reml_terms(ymc, 1 / v, X)
    return max(0.0, ypy), (k - p) / trp
