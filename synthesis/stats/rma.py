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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import special

from .errors import ConvergenceError, StatsInputError
from .zeroin import R_DEFAULT_TOL, RootNotBracketedError, uniroot

Array = npt.NDArray[np.float64]
Method = Literal["EE", "FE", "DL", "REML", "ML", "PM", "HE", "HS", "SJ", "EB"]
Test = Literal["z", "t", "knha"]
FIXED_METHODS = frozenset({"EE", "FE"})
TAU2_METHODS = ("DL", "REML", "ML", "PM", "HE", "HS", "SJ", "EB")
METHODS = frozenset(FIXED_METHODS | set(TAU2_METHODS))
MACHINE_EPS = 2.220446049250313e-16


@dataclass(frozen=True)
class Control:
    """metafor's ``control`` defaults for ``rma.uni``."""

    threshold: float = 1e-5
    maxiter: int = 100
    stepadj: float = 1.0
    tau2_min: float = 0.0
    tol: float = R_DEFAULT_TOL
    ll0check: bool = True
    ci_tol: float = R_DEFAULT_TOL  # confint()'s own uniroot tolerance


DEFAULT_CONTROL = Control()


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


# --- linear algebra on P = W - W X (X'WX)^-1 X'W -------------------------------------------------


def _p_matrix(w: Array, X: Array | None) -> Array:
    if X is None:
        return np.diag(w) - np.outer(w, w) / w.sum()
    wx = X * w[:, None]
    return np.diag(w) - wx @ np.linalg.solve(X.T @ wx, wx.T)


def _ypy(y: Array, w: Array, X: Array | None) -> float:
    """y'Py: the weighted residual sum of squares."""
    if X is None:
        sw = w.sum()
        r = y - (w @ y) / sw
        return float(w @ (r * r))
    wx = X * w[:, None]
    beta = np.linalg.solve(X.T @ wx, wx.T @ y)
    r = y - X @ beta
    return float(w @ (r * r))


def _reml_terms(y: Array, w: Array, X: Array | None) -> tuple[float, float, float, float]:
    """(y'Py, y'PPy, tr P, tr PP) for the Fisher scoring steps."""
    if X is None:
        sw = w.sum()
        r = y - (w @ y) / sw
        py = w * r
        w2 = w @ w
        trp = sw - w2 / sw
        trpp = w2 - 2 * ((w * w) @ w) / sw + (w2 / sw) ** 2
        return float(py @ r), float(py @ py), float(trp), float(trpp)
    P = _p_matrix(w, X)
    py = P @ y
    return float(y @ py), float(py @ py), float(np.trace(P)), float((P * P).sum())


def _logdet_xwx(w: Array, X: Array | None) -> float:
    if X is None:
        return math.log(w.sum())
    return float(np.linalg.slogdet(X.T @ (X * w[:, None]))[1])


def _mad(x: Array) -> float:
    """R's mad(): 1.4826 * median(|x - median(x)|)."""
    return 1.4826 * float(np.median(np.abs(x - np.median(x))))


# --- tau² estimators -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tau2:
    tau2: float
    se: float
    iterations: int = 0


def _hedges_start(ymc: Array, vi: Array, X: Array | None, k: int, p: int) -> tuple[float, Array, Array]:
    P0 = _p_matrix(np.ones(k), X)
    pv = P0 * vi[None, :]
    rss = float(ymc @ P0 @ ymc)
    return (rss - float(np.trace(pv))) / (k - p), P0, pv


def _tau2_dl(ymc: Array, vi: Array, X: Array | None, k: int, p: int) -> _Tau2:
    w = 1 / vi
    rss, _, trp, trpp = _reml_terms(ymc, w, X)
    tau2 = max(0.0, (rss - (k - p)) / trp)
    se = math.sqrt(1 / trp**2 * (2 * (k - p) + 4 * tau2 * trp + 2 * tau2**2 * trpp))
    return _Tau2(tau2, se)


def _tau2_hs(ymc: Array, vi: Array, X: Array | None, k: int, p: int) -> _Tau2:
    w = 1 / vi
    rss, _, trp, trpp = _reml_terms(ymc, w, X)
    sw = float(w.sum())
    tau2 = max(0.0, (rss - k) / sw)
    se = math.sqrt(1 / sw**2 * (2 * (k - p) + 4 * tau2 * trp + 2 * tau2**2 * trpp))
    return _Tau2(tau2, se)


def _tau2_he(ymc: Array, vi: Array, X: Array | None, k: int, p: int) -> _Tau2:
    raw, _, pv = _hedges_start(ymc, vi, X, k, p)
    tau2 = max(0.0, raw)
    trpv = float(np.trace(pv))
    se = math.sqrt(
        1 / (k - p) ** 2 * (2 * float((pv * pv.T).sum()) + 4 * tau2 * trpv + 2 * tau2**2 * (k - p))
    )
    return _Tau2(tau2, se)


def _tau2_sj(ymc: Array, vi: Array, X: Array | None, k: int, p: int) -> _Tau2:
    tau0 = float(np.var(ymc))  # var(ymci) * (k - 1) / k
    w = 1 / (vi + tau0)
    P = _p_matrix(w, X)
    rss = float(ymc @ P @ ymc)
    pv = P * vi[None, :]
    tau2 = max(0.0, tau0 * rss / (k - p))
    se = math.sqrt(
        tau0**2
        / (k - p) ** 2
        * (
            2 * float((pv * pv.T).sum())
            + 4 * tau2 * float((pv * P).sum())
            + 2 * tau2**2 * float((P * P).sum())
        )
    )
    return _Tau2(tau2, se)


def _se_pm(vi: Array, tau2: float, k: int, p: int) -> float:
    w = 1 / (vi + tau2)
    return math.sqrt(2 * k**2 / (k - p) / float(w.sum()) ** 2)


def _tau2_pm(ymc: Array, vi: Array, X: Array | None, k: int, p: int, con: Control) -> _Tau2:
    target = k - p
    tau2_max = max(100.0, 10 * _mad(ymc) ** 2)

    def qe(t: float) -> float:
        return _ypy(ymc, 1 / (vi + t), X) - target

    f_min = qe(con.tau2_min)
    if f_min < 0:
        tau2 = con.tau2_min
    else:
        f_max = qe(tau2_max)
        if f_max > 0:
            raise ConvergenceError(
                f"Paule-Mandel: no root below tau2.max = {tau2_max:g} (metafor: 'Value of tau2.max too low')"
            )
        root = uniroot(
            qe, con.tau2_min, tau2_max, tol=con.tol, maxiter=con.maxiter, f_lower=f_min, f_upper=f_max
        )
        if not root.converged:
            raise ConvergenceError(f"Paule-Mandel: uniroot did not converge in {con.maxiter} iterations")
        tau2 = root.root
    tau2 = max(con.tau2_min, tau2)
    return _Tau2(tau2, _se_pm(vi, tau2, k, p), 0)


def _loglik0_check(ymc: Array, vi: Array, X: Array | None, k: int, p: int, tau2: float, reml: bool) -> float:
    """Log likelihood at tau2 (ML or REML, metafor's ll0check form)."""
    w = 1 / (vi + tau2)
    rss = _ypy(ymc, w, X)
    if reml:
        return (
            -0.5 * (k - p) * math.log(2 * math.pi)
            - 0.5 * float(np.log(vi + tau2).sum())
            - 0.5 * _logdet_xwx(w, X)
            - 0.5 * rss
        )
    return -0.5 * k * math.log(2 * math.pi) - 0.5 * float(np.log(vi + tau2).sum()) - 0.5 * rss


def _tau2_fisher(ymc: Array, vi: Array, X: Array | None, k: int, p: int, method: str, con: Control) -> _Tau2:
    start, _, _ = _hedges_start(ymc, vi, X, k, p)
    tau2 = max(0.0, start, con.tau2_min)
    change = con.threshold + 1
    iterations = 0
    while change > con.threshold:
        iterations += 1
        old = tau2
        w = 1 / (vi + tau2)
        ypy, yppy, trp, trpp = _reml_terms(ymc, w, X)
        if method == "ML":
            adj = (yppy - float(w.sum())) / float(w @ w)
        elif method == "REML":
            adj = (yppy - trp) / trpp
        else:  # EB
            adj = (ypy * k / (k - p) - k) / float(w.sum())
        adj *= con.stepadj
        if math.isnan(adj):
            adj = 0.0
        while tau2 + adj < con.tau2_min:
            adj /= 2
        tau2 = tau2 + adj
        change = abs(old - tau2)
        if iterations > con.maxiter:
            raise ConvergenceError(
                f"{method}: Fisher scoring did not converge in {con.maxiter} iterations (metafor stops too)"
            )
    if method in ("ML", "REML") and con.ll0check and tau2 > con.threshold:
        ll0 = _loglik0_check(ymc, vi, X, k, p, 0.0, method == "REML")
        ll = _loglik0_check(ymc, vi, X, k, p, tau2, method == "REML")
        if ll0 - ll > con.tol:
            tau2 = 0.0  # metafor: "may have gotten stuck at a local maximum. Setting tau^2 = 0"
    tau2 = max(con.tau2_min, tau2)
    w = 1 / (vi + tau2)
    if method == "ML":
        se = math.sqrt(2 / float(w @ w))
    elif method == "REML":
        se = math.sqrt(2 / _reml_terms(ymc, w, X)[3])
    else:
        se = _se_pm(vi, tau2, k, p)
    return _Tau2(tau2, se, iterations)


def estimate_tau2(
    yi: Array, vi: Array, X: Array | None, method: str, con: Control = DEFAULT_CONTROL
) -> tuple[float, float | None, int]:
    """(tau², its SE, iterations) by ``method``; fixed-effect methods give (0, None, 0)."""
    k = yi.shape[0]
    p = 1 if X is None else X.shape[1]
    if method in FIXED_METHODS or k == 1:
        return 0.0, None, 0
    ymc = yi - yi.mean()
    if method == "DL":
        res = _tau2_dl(ymc, vi, X, k, p)
    elif method == "HS":
        res = _tau2_hs(ymc, vi, X, k, p)
    elif method == "HE":
        res = _tau2_he(ymc, vi, X, k, p)
    elif method == "SJ":
        res = _tau2_sj(ymc, vi, X, k, p)
    elif method == "PM":
        res = _tau2_pm(ymc, vi, X, k, p, con)
    elif method in ("REML", "ML", "EB"):
        res = _tau2_fisher(ymc, vi, X, k, p, method, con)
    else:
        raise StatsInputError(f"unknown tau² method {method!r}", field="method")
    return res.tau2, res.se, res.iterations


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
    ypy, _, trp, _ = _reml_terms(ymc, 1 / v, X)
    return max(0.0, ypy), (k - p) / trp


# --- Q-profile confidence interval for tau² (metafor confint.rma.uni, type="QP") ----------------


@dataclass(frozen=True)
class Tau2CI:
    lb: float
    ub: float
    lb_at_bound: bool  # the limit is the search bound (metafor prints '<' or '>'), not a root
    ub_at_bound: bool


def tau2_confint(fit: RmaFit, level: float = 95.0, control: Control = DEFAULT_CONTROL) -> Tau2CI | None:
    """Q-profile CI for tau² exactly as metafor's ``confint()``; None for fixed-effect or k = 1."""
    if fit.is_fixed or fit.k == 1:
        return None
    k, p = fit.k, fit.p
    y, v, X = fit.yi, fit.vi, fit.X
    tau2_min = min(0.0, fit.tau2)
    tau2_max = max(100.0, fit.tau2 * 10, tau2_min * 10)
    alpha = (100 - level) / 100
    crit_u = float(special.chdtri(k - p, alpha / 2))
    crit_l = float(special.chdtri(k - p, 1 - alpha / 2))

    def qe(t: float) -> float:
        return _ypy(y, 1 / (v + t), X)

    q_max, q_min = qe(tau2_max), qe(tau2_min)
    lb = ub = math.nan
    lb_bound = ub_bound = False
    if q_min < crit_l:
        lb = ub = tau2_min
        lb_bound = ub_bound = True
    elif q_max > crit_l:
        ub, ub_bound = tau2_max, True
    else:
        ub = _qp_root(qe, crit_l, tau2_min, tau2_max, q_min, q_max, control.ci_tol)
    if q_max > crit_u:
        lb = ub = tau2_max
        lb_bound = ub_bound = True
    elif q_min < crit_u:
        lb, lb_bound = tau2_min, tau2_min > 0
    else:
        lb = _qp_root(qe, crit_u, tau2_min, tau2_max, q_min, q_max, control.ci_tol)
    return Tau2CI(lb, ub, lb_bound, ub_bound)


def _qp_root(
    qe: Callable[[float], float], target: float, lo: float, hi: float, q_lo: float, q_hi: float, tol: float
) -> float:

    def f(t: float) -> float:
        return qe(t) - target

    try:
        root = uniroot(f, lo, hi, tol=tol, maxiter=1000, f_lower=q_lo - target, f_upper=q_hi - target)
    except RootNotBracketedError:
        return math.nan
    if not root.converged:
        raise ConvergenceError("Q-profile CI for tau²: root search did not converge")
    return root.root
