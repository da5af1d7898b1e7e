"""tau² estimators exactly as metafor's rma.uni (3.8-1) computes them, with their standard errors.

REML/ML/EB by Fisher scoring from the Hedges (HE) start, stopping when the change is below
``threshold`` (1e-5) within ``maxiter`` (100) steps, halving steps that would go below 0, with
REML/ML's check against a local maximum; Paule-Mandel by R's ``uniroot`` on [0, max(100, 10 mad²)].
Non-convergence raises :class:`~.errors.ConvergenceError`, never a number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import ConvergenceError, StatsInputError
from .linalg import Array, logdet_xwx, p_matrix, r_mad, reml_terms, ypy
from .zeroin import R_DEFAULT_TOL, uniroot

FIXED_METHODS = frozenset({"EE", "FE"})
TAU2_METHODS = ("DL", "REML", "ML", "PM", "HE", "HS", "SJ", "EB")
METHODS = frozenset(FIXED_METHODS | set(TAU2_METHODS))


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
class _Tau2:
    tau2: float
    se: float
    iterations: int = 0


def _hedges_start(ymc: Array, vi: Array, X: Array | None, k: int, p: int) -> tuple[float, Array, Array]:
    P0 = p_matrix(np.ones(k), X)
    pv = P0 * vi[None, :]
    rss = float(ymc @ P0 @ ymc)
    return (rss - float(np.trace(pv))) / (k - p), P0, pv


def _tau2_dl(ymc: Array, vi: Array, X: Array | None, k: int, p: int) -> _Tau2:
    w = 1 / vi
    rss, _, trp, trpp = reml_terms(ymc, w, X)
    tau2 = max(0.0, (rss - (k - p)) / trp)
    se = math.sqrt(1 / trp**2 * (2 * (k - p) + 4 * tau2 * trp + 2 * tau2**2 * trpp))
    return _Tau2(tau2, se)


def _tau2_hs(ymc: Array, vi: Array, X: Array | None, k: int, p: int) -> _Tau2:
    w = 1 / vi
    rss, _, trp, trpp = reml_terms(ymc, w, X)
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
    P = p_matrix(w, X)
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
    tau2_max = max(100.0, 10 * r_mad(ymc) ** 2)

    def qe(t: float) -> float:
        return ypy(ymc, 1 / (vi + t), X) - target

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
    rss = ypy(ymc, w, X)
    if reml:
        return (
            -0.5 * (k - p) * math.log(2 * math.pi)
            - 0.5 * float(np.log(vi + tau2).sum())
            - 0.5 * logdet_xwx(w, X)
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
        ypy, yppy, trp, trpp = reml_terms(ymc, w, X)
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
        se = math.sqrt(2 / reml_terms(ymc, w, X)[3])
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
