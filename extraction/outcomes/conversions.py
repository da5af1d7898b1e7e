"""Conversions to mean/SD (or estimate/SE), each saying which formula it used (Handbook 6.5, Wan 2014)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from scipy import stats

from .data import FORMULAS, RATIO_SCALES, ArmData, DataType, Method, OutcomeData

SMALL_SAMPLE = 60  # Handbook 6.5.2.2: "say fewer than 60 participants in each group" -> t distribution

# Wan et al. 2014, Table 1: xi(n) = 2 E(Z_(n)) for n = 1..50 (range, scenarios S1 and S2).
WAN_XI = (
    0.000, 1.128, 1.693, 2.059, 2.326, 2.534, 2.704, 2.847, 2.970, 3.078,
    3.173, 3.259, 3.336, 3.407, 3.472, 3.532, 3.588, 3.640, 3.689, 3.735,
    3.778, 3.819, 3.858, 3.895, 3.931, 3.964, 3.997, 4.027, 4.057, 4.086,
    4.113, 4.139, 4.165, 4.189, 4.213, 4.236, 4.259, 4.280, 4.301, 4.322,
    4.341, 4.361, 4.379, 4.398, 4.415, 4.433, 4.450, 4.466, 4.482, 4.498,
)  # fmt: skip
# Wan et al. 2014, Table 2: eta(n) for n = 4Q + 1, Q = 1..50 (interquartile range, scenarios S2 and S3).
WAN_ETA = (
    0.990, 1.144, 1.206, 1.239, 1.260, 1.274, 1.284, 1.292, 1.298, 1.303,
    1.307, 1.311, 1.313, 1.316, 1.318, 1.320, 1.322, 1.323, 1.324, 1.326,
    1.327, 1.328, 1.329, 1.330, 1.330, 1.331, 1.332, 1.332, 1.333, 1.333,
    1.334, 1.334, 1.335, 1.335, 1.336, 1.336, 1.336, 1.337, 1.337, 1.337,
    1.338, 1.338, 1.338, 1.338, 1.339, 1.339, 1.339, 1.339, 1.339, 1.340,
)  # fmt: skip


# --- conversions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Derived:
    """A mean/SD (or estimate/SE) ready for analysis, and how it was obtained."""

    value: float  # the mean (arm) or the estimate (difference)
    spread: float  # the SD (arm) or the SE (difference)
    n: int | None
    method: Method
    detail: dict = field(default_factory=dict)  # intermediate numbers (t, xi, eta, ...)

    @property
    def formula(self) -> str:
        return FORMULAS[self.method]


def z_for(level: float) -> float:
    return float(stats.norm.ppf(0.5 + level / 2))


def t_for(level: float, df: int) -> float:
    return float(stats.t.ppf(0.5 + level / 2, df))


def wan_xi(n: int) -> float:
    """xi(n) of Wan 2014: Table 1 for n <= 50, else 2 Phi^-1((n - 0.375)/(n + 0.25))."""
    if n <= len(WAN_XI):
        return WAN_XI[n - 1]
    return 2 * float(stats.norm.ppf((n - 0.375) / (n + 0.25)))


def wan_eta(n: int) -> float:
    """eta(n) of Wan 2014: Table 2 for n = 4Q + 1 <= 201 (Q rounded up), else its closed form."""
    q = math.ceil((n - 1) / 4)
    if 1 <= q <= len(WAN_ETA):
        return WAN_ETA[q - 1]
    return 2 * float(stats.norm.ppf((0.75 * n - 0.125) / (n + 0.25)))


def sd_from_se(se: float, n: int) -> float:
    return math.sqrt(n) * se


def sd_from_ci(low: float, high: float, n: int, level: float = 0.95) -> tuple[float, Method, float]:
    """(SD, method, divisor) from the CI of one group's mean; t with N-1 df when N < 60."""
    if n < SMALL_SAMPLE:
        divisor, method = 2 * t_for(level, n - 1), Method.SD_FROM_CI_T
    else:
        divisor, method = 2 * z_for(level), Method.SD_FROM_CI_Z
    return math.sqrt(n) * (high - low) / divisor, method, divisor


def arm_mean_sd(arm: ArmData, level: float = 0.95) -> Derived | None:
    """Mean and SD of one arm from what was reported, or None if they cannot be derived."""
    n, mean = arm.n, arm.mean
    if n is None or n <= 0:
        return None
    if mean is not None and arm.sd is not None:
        return Derived(mean, arm.sd, n, Method.REPORTED)
    if mean is not None and arm.se is not None:
        return Derived(mean, sd_from_se(arm.se, n), n, Method.SD_FROM_SE)
    if mean is not None and arm.ci_low is not None and arm.ci_high is not None and n > 1:
        sd, method, divisor = sd_from_ci(arm.ci_low, arm.ci_high, n, level)
        return Derived(mean, sd, n, method, {"divisor": divisor})
    return _wan(arm, n)


def _wan(arm: ArmData, n: int) -> Derived | None:
    m, q1, q3, a, b = arm.median, arm.q1, arm.q3, arm.minimum, arm.maximum
    if m is None:
        return None
    if q1 is not None and q3 is not None and a is not None and b is not None:
        xi, eta = wan_xi(n), wan_eta(n)
        mean = (a + 2 * q1 + 2 * m + 2 * q3 + b) / 8
        sd = (b - a) / (2 * xi) + (q3 - q1) / (2 * eta)
        return Derived(mean, sd, n, Method.WAN_IQR_RANGE, {"xi": xi, "eta": eta})
    if q1 is not None and q3 is not None:
        eta = wan_eta(n)
        return Derived((q1 + m + q3) / 3, (q3 - q1) / eta, n, Method.WAN_IQR, {"eta": eta})
    if a is not None and b is not None and n > 1:
        xi = wan_xi(n)
        return Derived((a + 2 * m + b) / 4, (b - a) / xi, n, Method.WAN_RANGE, {"xi": xi})
    return None


def difference_se(row: OutcomeData) -> Derived | None:
    """Estimate and SE of a reported difference (mean difference or generic estimate).

    Ratio scales (OR, RR, HR, ...) are returned on the log scale. For a mean difference with small arms
    (any n < 60) the CI and P value are read with t on N1+N2-2 df, as the Handbook asks."""
    if row.estimate is None:
        return None
    ratio = row.data_type == DataType.GENERIC and row.scale.upper() in RATIO_SCALES
    estimate = math.log(row.estimate) if ratio else row.estimate
    ns = [a.n for a in row.arms if a.n]
    df = (
        sum(ns) - 2
        if len(ns) == 2 and min(ns) < SMALL_SAMPLE and row.data_type == DataType.CONTINUOUS
        else None
    )
    n_total = sum(ns) if ns else None
    if row.se is not None:
        return Derived(estimate, row.se, n_total, Method.REPORTED)
    if row.ci_low is not None and row.ci_high is not None:
        if ratio:
            z = z_for(row.ci_level)
            se = (math.log(row.ci_high) - math.log(row.ci_low)) / (2 * z)
            return Derived(estimate, se, n_total, Method.SE_FROM_LOG_CI, {"z": z})
        if df:
            t = t_for(row.ci_level, df)
            return Derived(
                estimate, (row.ci_high - row.ci_low) / (2 * t), n_total, Method.SE_FROM_CI_T, {"t": t}
            )
        z = z_for(row.ci_level)
        return Derived(estimate, (row.ci_high - row.ci_low) / (2 * z), n_total, Method.SE_FROM_CI_Z, {"z": z})
    if row.p_value is not None and estimate != 0:
        if df:
            t = float(stats.t.isf(row.p_value / 2, df))
            return Derived(estimate, abs(estimate) / t, n_total, Method.SE_FROM_P_T, {"t": t})
        z = float(stats.norm.isf(row.p_value / 2))
        return Derived(estimate, abs(estimate) / z, n_total, Method.SE_FROM_P_Z, {"z": z})
    return None


def sd_from_difference_se(se: float, n1: int, n2: int) -> float:
    """The within-group SD implied by the SE of a difference in means (Handbook 6.5.2.3)."""
    return se / math.sqrt(1 / n1 + 1 / n2)
