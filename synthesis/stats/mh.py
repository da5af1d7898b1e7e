"""Mantel-Haenszel (metafor ``rma.mh``) and Peto (metafor ``rma.peto``) fixed-effect pooling.

MH variances: Robins-Breslow-Greenland for the log OR, Greenland-Robins for the log RR and the RD.
The pooled estimate uses the raw tables (no continuity correction: metafor's ``add[2] = 0``), and
tables with no events in either arm stay in (they carry weight only for the RD). Cochran's Q, I²
and H² use the per-study escalc estimates with 1/2 added to zero cells and double-zero studies
dropped (metafor's ``drop00[1] = TRUE``), around the MH/Peto estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy import special

from .effects import BinaryMeasure, EffectSizes, Tables, ZeroCellRule, binary
from .errors import StatsInputError

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class FixedFit:
    """A Mantel-Haenszel or Peto result (intercept only, z test, tau² = 0)."""

    method: str
    measure: str
    k: int
    estimate: float
    se: float
    zval: float
    pval: float
    ci_lb: float
    ci_ub: float
    Q: float
    Q_df: int
    Q_p: float
    I2: float
    H2: float
    weights: Array = field(repr=False)  # percent, over all k tables
    effects: EffectSizes = field(repr=False)  # escalc yi/vi (NaN where dropped)
    tau2: float = 0.0
    test: str = "z"
    crit: float = 0.0


def _z_block(beta: float, se: float, level: float) -> tuple[float, float, float, float, float]:
    crit = float(-special.ndtri((100 - level) / 200))
    zval = beta / se
    pval = float(2 * special.ndtr(-abs(zval)))
    return zval, pval, beta - crit * se, beta + crit * se, crit


def _q_block(effects: EffectSizes, beta: float) -> tuple[float, int, float, float, float]:
    ok = effects.usable
    yi, vi = effects.yi[ok], effects.vi[ok]
    k_yi = int(ok.sum())
    if k_yi <= 1:
        return 0.0, max(k_yi - 1, 0), 1.0, 0.0, 1.0
    Q = max(0.0, float(((yi - beta) ** 2 / vi).sum()))
    df = k_yi - 1
    return Q, df, float(special.chdtrc(df, Q)), max(0.0, 100 * (Q - df) / Q) if Q > 0 else 0.0, Q / df


def mantel_haenszel(
    measure: BinaryMeasure,
    tables: Tables,
    *,
    add: float = 0.5,
    to: ZeroCellRule = "only0",
    drop00: bool = True,
    level: float = 95.0,
) -> FixedFit:
    """``rma.mh(measure=, ai=, bi=, ci=, di=)`` for OR, RR or RD."""
    if measure not in ("OR", "RR", "RD"):
        raise StatsInputError("Mantel-Haenszel works with OR, RR and RD", field="measure")
    effects = binary(measure, tables, add=add, to=to, drop00=drop00)
    a, b, c, d = tables.ai, tables.bi, tables.ci, tables.di
    n1, n2 = a + b, c + d
    N = n1 + n2
    if measure == "OR":
        beta, se, w = _mh_or(a, b, c, d, N)
    elif measure == "RR":
        beta, se, w = _mh_rr(a, b, c, d, n1, n2, N)
    else:
        beta, se, w = _mh_rd(a, c, n1, n2, N)
    zval, pval, lb, ub, crit = _z_block(beta, se, level)
    Q, df, Qp, I2, H2 = _q_block(effects, beta)
    return FixedFit(
        "MH",
        measure,
        tables.k,
        beta,
        se,
        zval,
        pval,
        lb,
        ub,
        Q,
        df,
        Qp,
        I2,
        H2,
        w / w.sum() * 100,
        effects,
        crit=crit,
    )


def _mh_or(a: Array, b: Array, c: Array, d: Array, N: Array) -> tuple[float, float, Array]:
    Pi = a / N + d / N
    Qi = b / N + c / N
    Ri = (a / N) * d
    Si = (b / N) * c
    R, S = float(Ri.sum()), float(Si.sum())
    if R == 0 or S == 0:
        raise StatsInputError("Mantel-Haenszel OR is not estimable (no discordant information)")
    se = math.sqrt(
        0.5 * ((Pi * Ri).sum() / R**2 + (Pi * Si + Qi * Ri).sum() / (R * S) + (Qi * Si).sum() / S**2)
    )
    return math.log(R / S), se, (b / N) * c


def _mh_rr(
    a: Array, b: Array, c: Array, d: Array, n1: Array, n2: Array, N: Array
) -> tuple[float, float, Array]:
    R = float((a * (n2 / N)).sum())
    S = float((c * (n1 / N)).sum())
    if a.sum() == 0 or c.sum() == 0:
        raise StatsInputError("Mantel-Haenszel RR is not estimable (no events in one arm of every study)")
    plus, minus = (n1 / N) * (n2 / N) * (a + c), (a / N) * c
    se = _se("RR", float((plus - minus).sum()), float((plus + minus).sum()), R * S)
    return math.log(R / S), se, (c / N) * (a + b)


def _mh_rd(a: Array, c: Array, n1: Array, n2: Array, N: Array) -> tuple[float, float, Array]:
    denom = float((n1 * (n2 / N)).sum())
    beta = float((a * (n2 / N) - c * (n1 / N)).sum()) / denom
    x = c * (n1 / N) ** 2 - a * (n2 / N) ** 2 + (n1 / N) * (n2 / N) * (n2 - n1) / 2
    y = a * (n2 - c) / N + c * (n1 - a) / N
    num = beta * float(x.sum()) + float(y.sum()) / 2
    scale = abs(beta) * float(np.abs(x).sum()) + float(np.abs(y).sum()) / 2
    return beta, _se("RD", num, scale, denom**2), (n1 / N) * n2


def _se(measure: str, numerator: float, scale: float, denominator: float) -> float:
    """sqrt(numerator / denominator), refusing a variance that is zero: `scale` (the size of the terms
    summed into `numerator`) tells rounding below or just above 0 from a real, small variance."""
    if not numerator > 1e-12 * scale or not math.isfinite(numerator / denominator):
        raise StatsInputError(
            f"Mantel-Haenszel {measure} has no variance: in every study each arm had the event in all or "
            "none of its participants, so no confidence interval can be given"
        )
    return math.sqrt(numerator / denominator)


def peto(
    tables: Tables,
    *,
    add: float = 0.5,
    to: ZeroCellRule = "only0",
    drop00: bool = True,
    level: float = 95.0,
) -> FixedFit:
    """``rma.peto(ai=, bi=, ci=, di=)``: Peto's one-step log odds ratio."""
    effects = binary("PETO", tables, add=add, to=to, drop00=drop00)
    a, b, c, d = tables.ai, tables.bi, tables.ci, tables.di
    n1, n2 = a + b, c + d
    N = n1 + n2
    xt, yt = a + c, b + d
    Ei = xt * n1 / N
    Vi = xt * yt * (n1 / N) * (n2 / N) / (N - 1)
    sum_v = float(Vi.sum())
    if sum_v == 0:
        raise StatsInputError(
            "one of the two outcomes never occurred in any study; Peto's method cannot be used"
        )
    beta = float((a - Ei).sum()) / sum_v
    se = math.sqrt(1 / sum_v)
    zval, pval, lb, ub, crit = _z_block(beta, se, level)
    pos = Vi > 0
    Q = max(
        0.0, float(((a - Ei)[pos] ** 2 / Vi[pos]).sum()) - float((a - Ei).sum()) ** 2 / float(Vi[pos].sum())
    )
    k_yi = int(effects.usable.sum())
    df = k_yi - 1
    if int(pos.sum()) > 1:
        Qp = float(special.chdtrc(df, Q))
        I2 = max(0.0, 100 * (Q - df) / Q) if Q > 0 else 0.0
        H2 = Q / df
    else:
        Qp, I2, H2 = 1.0, 0.0, 1.0
    return FixedFit(
        "PETO",
        "OR",
        tables.k,
        beta,
        se,
        zval,
        pval,
        lb,
        ub,
        Q,
        df,
        Qp,
        I2,
        H2,
        Vi / sum_v * 100,
        effects,
        crit=crit,
    )
