"""Effect sizes and their sampling variances, computed exactly as metafor's ``escalc`` (3.8-1) does.

* ``MD``: m1 - m2, vi = sd1²/n1 + sd2²/n2 (metafor's default ``vtype="LS"``, i.e. unequal variances).
* ``SMD``: Hedges' g = c(m) * (m1 - m2) / sd_pooled with the exact small-sample correction
  c(m) = Γ(m/2) / (√(m/2) Γ((m-1)/2)), m = n1 + n2 - 2, and the large-sample variance
  vi = 1/n1 + 1/n2 + g² / (2 (n1 + n2)).
* ``RR`` / ``OR`` / ``RD``: log risk ratio, log odds ratio, risk difference from 2x2 tables
  (treatment events ``ai`` of ``n1i``, control events ``ci`` of ``n2i``). A study with a zero cell
  gets ``add`` (default 1/2) added to all four cells (metafor's ``to="only0"``); ``to="all"`` adds it
  to every study, ``to="if0all"`` to every study when any has a zero cell, ``to="none"`` never.
  ``drop00=True`` leaves studies with no events (or only events) in both arms out (yi = vi = NaN);
  escalc/rma.uni keep them by default, rma.mh/rma.peto drop them.
* ``PETO``: Peto's log odds ratio (O - E) / V, vi = 1/V (used by the Peto method).
* ``GEN``: yi with vi or sei given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy.special import gammaln

from .errors import StatsInputError

Array = npt.NDArray[np.float64]
BinaryMeasure = Literal["RR", "OR", "RD", "PETO"]
ContinuousMeasure = Literal["MD", "SMD"]
ZeroCellRule = Literal["only0", "all", "if0all", "none"]
RATIO_MEASURES = frozenset({"RR", "OR", "PETO"})
Z_975 = 1.959963984540054  # qnorm(0.975): a 95% CI spans 2 * 1.959964 standard errors


@dataclass(frozen=True)
class EffectSizes:
    """Per-study effect sizes; ``yi``/``vi`` are NaN for studies left out (double zero with drop00)."""

    measure: str
    yi: Array
    vi: Array

    @property
    def k(self) -> int:
        return int(self.yi.shape[0])

    @property
    def usable(self) -> npt.NDArray[np.bool_]:
        return ~(np.isnan(self.yi) | np.isnan(self.vi))


def _array(values: npt.ArrayLike, name: str) -> Array:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise StatsInputError(f"{name} must be a one-dimensional sequence", field=name)
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise StatsInputError(f"{name} is not a finite number", index=int(bad[0]), field=name)
    return arr


def _first(mask: npt.NDArray[np.bool_]) -> int | None:
    idx = np.flatnonzero(mask)
    return int(idx[0]) if idx.size else None


def _check_same_length(**arrays: Array) -> None:
    lengths = {name: arr.shape[0] for name, arr in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise StatsInputError(f"columns differ in length: {lengths}")


def cmi(m: Array) -> Array:
    """Exact Hedges small-sample correction c(m) (metafor's ``.cmicalc``); NaN for m <= 1."""
    with np.errstate(invalid="ignore"):
        out = np.exp(gammaln(m / 2) - np.log(np.sqrt(m / 2)) - gammaln((m - 1) / 2))
    return np.where(m <= 1, np.nan, out)


def continuous(
    measure: ContinuousMeasure,
    m1i: npt.ArrayLike,
    sd1i: npt.ArrayLike,
    n1i: npt.ArrayLike,
    m2i: npt.ArrayLike,
    sd2i: npt.ArrayLike,
    n2i: npt.ArrayLike,
) -> EffectSizes:
    """MD or SMD (Hedges' g) per study, treatment (1) minus control (2)."""
    m1, s1, n1 = _array(m1i, "m1i"), _array(sd1i, "sd1i"), _array(n1i, "n1i")
    m2, s2, n2 = _array(m2i, "m2i"), _array(sd2i, "sd2i"), _array(n2i, "n2i")
    _check_same_length(m1i=m1, sd1i=s1, n1i=n1, m2i=m2, sd2i=s2, n2i=n2)
    for name, arr in (("sd1i", s1), ("sd2i", s2)):
        if (i := _first(arr < 0)) is not None:
            raise StatsInputError("standard deviation is negative", index=i, field=name)
    for name, arr in (("n1i", n1), ("n2i", n2)):
        if (i := _first(arr <= 0)) is not None:
            raise StatsInputError("group size is <= 0", index=i, field=name)
    if measure == "MD":
        return EffectSizes("MD", m1 - m2, s1**2 / n1 + s2**2 / n2)
    if measure != "SMD":
        raise StatsInputError(f"unknown continuous measure {measure!r}", field="measure")
    ni = n1 + n2
    mi = ni - 2
    sdpi = np.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / mi)
    if (i := _first(~(sdpi > 0))) is not None:
        raise StatsInputError("pooled standard deviation is zero", index=i, field="sd1i")
    yi = cmi(mi) * (m1 - m2) / sdpi
    if (i := _first(np.isnan(yi))) is not None:
        raise StatsInputError("SMD needs n1i + n2i > 3", index=i, field="n1i")
    vi = 1 / n1 + 1 / n2 + yi**2 / (2 * ni)
    return EffectSizes("SMD", yi, vi)


@dataclass(frozen=True)
class Tables:
    """2x2 tables a b / c d (treatment events, non-events / control events, non-events)."""

    ai: Array
    bi: Array
    ci: Array
    di: Array

    @classmethod
    def from_counts(
        cls, ai: npt.ArrayLike, n1i: npt.ArrayLike, ci: npt.ArrayLike, n2i: npt.ArrayLike
    ) -> Tables:
        a, n1, c, n2 = _array(ai, "ai"), _array(n1i, "n1i"), _array(ci, "ci"), _array(n2i, "n2i")
        _check_same_length(ai=a, n1i=n1, ci=c, n2i=n2)
        for name, arr in (("n1i", n1), ("n2i", n2)):
            if (i := _first(arr <= 0)) is not None:
                raise StatsInputError("group size is <= 0", index=i, field=name)
        for name, arr in (("ai", a), ("ci", c)):
            if (i := _first(arr < 0)) is not None:
                raise StatsInputError("event count is negative", index=i, field=name)
        for name, ev, tot in (("ai", a, n1), ("ci", c, n2)):
            if (i := _first(ev > tot)) is not None:
                raise StatsInputError("more events than participants", index=i, field=name)
        return cls(a, n1 - a, c, n2 - c)

    @property
    def k(self) -> int:
        return int(self.ai.shape[0])

    def double_zero(self) -> npt.NDArray[np.bool_]:
        """No events in both arms, or only events in both arms (metafor's ``id00``)."""
        return ((self.ai == 0) & (self.ci == 0)) | ((self.bi == 0) & (self.di == 0))

    def any_zero(self) -> npt.NDArray[np.bool_]:
        return (self.ai == 0) | (self.bi == 0) | (self.ci == 0) | (self.di == 0)

    def corrected(self, add: float, to: ZeroCellRule, drop: npt.NDArray[np.bool_] | None = None) -> Tables:
        """Continuity correction: ``add`` to all four cells of the studies ``to`` selects."""
        zero = self.any_zero()
        if drop is not None:
            zero = zero & ~drop
        if to == "all":
            extra = np.full(self.k, add)
        elif to == "only0":
            extra = np.where(zero, add, 0.0)
        elif to == "if0all":
            extra = np.full(self.k, add if zero.any() else 0.0)
        elif to == "none":
            extra = np.zeros(self.k)
        else:
            raise StatsInputError(f"unknown zero-cell rule {to!r}", field="to")
        return Tables(self.ai + extra, self.bi + extra, self.ci + extra, self.di + extra)


def binary(
    measure: BinaryMeasure,
    tables: Tables,
    *,
    add: float = 0.5,
    to: ZeroCellRule = "only0",
    drop00: bool = False,
) -> EffectSizes:
    """log RR, log OR, RD or Peto's log OR per study (metafor ``escalc`` with ``vtype="LS"``)."""
    drop = tables.double_zero() if drop00 else np.zeros(tables.k, dtype=bool)
    t = tables.corrected(add, to, drop)
    a, b, c, d = t.ai, t.bi, t.ci, t.di
    n1, n2 = a + b, c + d
    p1, p2 = a / n1, c / n2
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "RR":
            yi = np.log(p1) - np.log(p2)
            vi = 1 / a - 1 / n1 + 1 / c - 1 / n2
        elif measure == "OR":
            yi = np.log(p1 / (1 - p1)) - np.log(p2 / (1 - p2))
            vi = 1 / a + 1 / b + 1 / c + 1 / d
        elif measure == "RD":
            yi = p1 - p2
            vi = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
        elif measure == "PETO":
            ni = n1 + n2
            xt, yt = a + c, b + d
            ei = xt * n1 / ni
            big_v = xt * yt * (n1 / ni) * (n2 / ni) / (ni - 1)
            yi = (a - ei) / big_v
            vi = 1 / big_v
        else:
            raise StatsInputError(f"unknown binary measure {measure!r}", field="measure")
    yi = np.where(drop, np.nan, yi)
    vi = np.where(drop, np.nan, vi)
    return EffectSizes(measure, yi, vi)


def generic(
    yi: npt.ArrayLike,
    vi: npt.ArrayLike | None = None,
    *,
    sei: npt.ArrayLike | None = None,
    measure: str = "GEN",
) -> EffectSizes:
    """Effect sizes already computed: ``yi`` with ``vi`` or ``sei`` (vi = sei²)."""
    y = _array(yi, "yi")
    if vi is not None:
        v = _array(vi, "vi")
        field = "vi"
    elif sei is not None:
        s = _array(sei, "sei")
        if (i := _first(s < 0)) is not None:
            raise StatsInputError("standard error is negative", index=i, field="sei")
        v = s**2
        field = "sei"
    else:
        raise StatsInputError("give vi or sei", field="vi")
    _check_same_length(yi=y, **{field: v})
    if (i := _first(v < 0)) is not None:
        raise StatsInputError("sampling variance is negative", index=i, field=field)
    return EffectSizes(measure, y, v)


def sei_from_ci(ci_lb: float, ci_ub: float, *, log_scale: bool = False) -> float:
    """SE from a 95% CI: (ub - lb) / (2 * 1.959964), on the log scale for ratios (give lb, ub as ratios)."""
    lb, ub = (math.log(ci_lb), math.log(ci_ub)) if log_scale else (ci_lb, ci_ub)
    return (ub - lb) / (2 * Z_975)
