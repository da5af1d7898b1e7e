"""R's ``uniroot`` (Brent's zeroin, ``R_zeroin2`` in R's stats/src/zeroin.c), ported step for step.

metafor finds the Paule-Mandel tau² and the Q-profile confidence limits with ``uniroot(..., tol =
.Machine$double.eps^0.25)``, so its published figures are zeroin iterates, not exact roots: a
tolerance of 1.2e-4 is far coarser than the 1e-6 agreement we promise. Reproducing the very same
sequence of iterates (same interpolation/bisection decisions) is the only way to match them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

EPSILON = sys.float_info.epsilon
R_DEFAULT_TOL = EPSILON**0.25


class RootNotBracketedError(ValueError):
    """f(lower) and f(upper) have the same sign (R: 'f() values at end points not of opposite sign')."""


@dataclass(frozen=True)
class Root:
    root: float
    iterations: int
    converged: bool


def uniroot(
    f: Callable[[float], float],
    lower: float,
    upper: float,
    *,
    tol: float = R_DEFAULT_TOL,
    maxiter: int = 1000,
    f_lower: float | None = None,
    f_upper: float | None = None,
) -> Root:
    """R's ``uniroot(f, c(lower, upper), tol=tol, maxiter=maxiter)`` with ``extendInt = "no"``."""
    if not lower < upper:
        raise ValueError("lower < upper is not fulfilled")
    fa = f(lower) if f_lower is None else f_lower
    fb = f(upper) if f_upper is None else f_upper
    if fa != fa or fb != fb:
        raise ValueError("f is NA at an end point")
    if _sign(fa) * _sign(fb) > 0:
        raise RootNotBracketedError("f() values at end points not of opposite sign")
    return _zeroin2(f, lower, upper, fa, fb, tol, maxiter)


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def _zeroin2(
    f: Callable[[float], float], ax: float, bx: float, fa: float, fb: float, tol: float, maxiter: int
) -> Root:
    a, b = ax, bx
    c, fc = a, fa
    if fa == 0.0:
        return Root(a, 0, True)
    if fb == 0.0:
        return Root(b, 0, True)
    remaining = maxiter + 1
    while remaining:
        remaining -= 1
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * EPSILON * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0.0:
            return Root(b, maxiter + 1 - remaining - 1, True)
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                q = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2) and p < abs(prev_step * q / 2):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return Root(b, maxiter, False)
