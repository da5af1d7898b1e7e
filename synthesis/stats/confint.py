"""Q-profile confidence interval for tau², exactly as metafor's ``confint()`` (type "QP") finds it:
R's ``uniroot`` at its default tolerance on [min(0, tau²), max(100, 10 tau²)]."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from scipy import special

from .errors import ConvergenceError
from .linalg import ypy
from .rma import RmaFit
from .tau2 import DEFAULT_CONTROL, Control
from .zeroin import RootNotBracketedError, uniroot


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
        return ypy(y, 1 / (v + t), X)

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
