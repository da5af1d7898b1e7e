"""Outcome data per study, outcome and time point, as plain data; validation; conversions to mean/SD.

No Django here. Three kinds of data (Cochrane Handbook ch. 6):
- continuous: per arm n, mean, SD (final values or change from baseline) -- or whatever the paper gave
  instead of the SD (SE, CI of the mean, median with IQR and/or range) -- or a reported mean difference with
  its SE, CI or P value;
- binary: per arm events and total;
- generic: an effect estimate with SE or CI on a stated scale (MD, SMD, OR, RR, HR, their logs, ...).

Conversions say which formula they used (`Derived.method` / `.formula`), so a reader can check every number
that goes into a meta-analysis:
- SD = sqrt(N) x SE                                       (Handbook 6.5.2.2)
- SD = sqrt(N) x (upper - lower) / (2 x t[N-1]) if N < 60, else / (2 x z), z = 1.96 for 95 %  (6.5.2.2)
- SE(MD) = (upper - lower) / (2 x t[N1+N2-2]) (small) or / 3.92; SE(MD) = MD / t from a P value;
  SD = SE(MD) / sqrt(1/N1 + 1/N2)                        (6.5.2.3)
- median, IQR:   mean = (q1 + m + q3) / 3,  SD = (q3 - q1) / eta(n)                     (Wan 2014, S3)
- median, range: mean = (a + 2m + b) / 4,   SD = (b - a) / xi(n)                         (Wan 2014, S1)
- all five:      mean = (a + 2q1 + 2m + 2q3 + b) / 8, SD = (b-a)/(2 xi(n)) + (q3-q1)/(2 eta(n)) (Wan 2014, S2)
  xi(n) and eta(n) from Wan's Tables 1 and 2 for small samples (n <= 50; Q <= 50 with n = 4Q + 1), otherwise
  their closed forms xi(n) = 2 Phi^-1((n - 0.375)/(n + 0.25)), eta(n) = 2 Phi^-1((0.75n - 0.125)/(n + 0.25)).

Wan X, Wang W, Liu J, Tong T. Estimating the sample mean and standard deviation from the sample size, median,
range and/or interquartile range. BMC Med Res Methodol 2014;14:135.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any

from scipy import stats

from .forms_schema import Problem

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

RATIO_SCALES = ("OR", "RR", "HR", "IRR", "ROM")  # reported on the natural scale, analysed as logs


class DataType(StrEnum):
    CONTINUOUS = "continuous"
    BINARY = "binary"
    GENERIC = "generic"


class Measure(StrEnum):
    FINAL = "final"  # values at the time point
    CHANGE = "change"  # change from baseline
    MEAN_DIFFERENCE = "mean_difference"  # a between-arm difference the paper reported


class Method(StrEnum):
    REPORTED = "reported"
    SD_FROM_SE = "sd_from_se"
    SD_FROM_CI_T = "sd_from_ci_t"
    SD_FROM_CI_Z = "sd_from_ci_z"
    WAN_IQR = "wan_median_iqr"
    WAN_RANGE = "wan_median_range"
    WAN_IQR_RANGE = "wan_median_iqr_range"
    SE_FROM_CI_T = "se_from_ci_t"
    SE_FROM_CI_Z = "se_from_ci_z"
    SE_FROM_P_T = "se_from_p_t"
    SE_FROM_P_Z = "se_from_p_z"
    SE_FROM_LOG_CI = "se_from_log_ci"


FORMULAS = {
    Method.REPORTED: "as reported",
    Method.SD_FROM_SE: "SD = √N × SE (Cochrane Handbook 6.5.2.2)",
    Method.SD_FROM_CI_T: "SD = √N × (upper − lower) / (2 × t[N−1]) (Cochrane Handbook 6.5.2.2, N < 60)",
    Method.SD_FROM_CI_Z: "SD = √N × (upper − lower) / (2 × z) (Cochrane Handbook 6.5.2.2)",
    Method.WAN_IQR: "mean = (q1 + median + q3)/3, SD = (q3 − q1)/η(n) (Wan et al. 2014, scenario S3)",
    Method.WAN_RANGE: "mean = (min + 2·median + max)/4, SD = (max − min)/ξ(n) (Wan et al. 2014, scenario S1)",
    Method.WAN_IQR_RANGE: (
        "mean = (min + 2q1 + 2·median + 2q3 + max)/8, SD = (max − min)/(2ξ(n)) + (q3 − q1)/(2η(n)) "
        "(Wan et al. 2014, scenario S2)"
    ),
    Method.SE_FROM_CI_T: "SE = (upper − lower) / (2 × t[N1+N2−2]) (Cochrane Handbook 6.5.2.3, small samples)",
    Method.SE_FROM_CI_Z: "SE = (upper − lower) / (2 × z) (Cochrane Handbook 6.5.2.3)",
    Method.SE_FROM_P_T: "SE = MD / t, t from the P value with N1+N2−2 df (Cochrane Handbook 6.5.2.3)",
    Method.SE_FROM_P_Z: "SE = estimate / z, z from the P value (Cochrane Handbook 6.5.2.3)",
    Method.SE_FROM_LOG_CI: "SE = (ln upper − ln lower) / (2 × z) (Cochrane Handbook 6.3.2, ratio measures)",
}


# --- the data ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArmData:
    arm: str
    n: int | None = None
    mean: float | None = None
    sd: float | None = None
    se: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    median: float | None = None
    q1: float | None = None
    q3: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    events: int | None = None
    total: int | None = None


ARM_NUMBERS = tuple(f.name for f in fields(ArmData) if f.name != "arm")
ARM_INTEGERS = ("n", "events", "total")


@dataclass(frozen=True)
class OutcomeData:
    outcome: str
    time_point: str
    data_type: DataType
    measure: Measure | None = None
    unit: str = ""
    arms: tuple[ArmData, ...] = ()
    estimate: float | None = None
    se: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    ci_level: float = 0.95
    p_value: float | None = None
    scale: str = ""
    note: str = ""

    @property
    def label(self) -> str:
        return f"{self.outcome} at {self.time_point}" if self.time_point else self.outcome


ROW_NUMBERS = ("estimate", "se", "ci_low", "ci_high", "p_value")


def _number(value: Any, name: str, where: str, problems: list[Problem], integer: bool = False):
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        text = value if isinstance(value, int | float) else str(value).strip().replace("\u2212", "-")
        if isinstance(text, str) and text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        number = float(text)
        if not math.isfinite(number) or (integer and not number.is_integer()):
            raise ValueError
    except (TypeError, ValueError):
        kind = "a whole number" if integer else "a number"
        problems.append(Problem(f"{where}.{name}", f"{where}: {name} must be {kind} (got {value!r})."))
        return None
    return int(number) if integer else number


def outcome_from_dict(data: Mapping, where: str = "outcome") -> tuple[OutcomeData | None, list[Problem]]:
    """Parse one stored/posted outcome row; problems name the row, arm and field."""
    problems: list[Problem] = []
    try:
        data_type = DataType(str(data.get("data_type")))
    except ValueError:
        problems.append(
            Problem(f"{where}.data_type", f"{where}: data type must be continuous, binary or generic.")
        )
        return None, problems
    measure = None
    if data_type == DataType.CONTINUOUS:
        try:
            measure = Measure(data.get("measure") or Measure.FINAL)
        except ValueError:
            problems.append(
                Problem(f"{where}.measure", f"{where}: measure must be final, change or mean_difference.")
            )
    arms = []
    for i, arm in enumerate(data.get("arms") or []):
        name = str(arm.get("arm") or "").strip()
        at = f"{where}, arm {name or i + 1}"
        values = {
            k: _number(arm.get(k), k, at, problems, integer=k in ARM_INTEGERS)
            for k in ARM_NUMBERS
            if k in arm
        }
        arms.append(ArmData(arm=name, **values))
    numbers = {k: _number(data.get(k), k, where, problems) for k in ROW_NUMBERS if k in data}
    level = _number(data.get("ci_level"), "ci_level", where, problems) or 0.95
    row = OutcomeData(
        outcome=str(data.get("outcome") or "").strip(),
        time_point=str(data.get("time_point") or "").strip(),
        data_type=data_type,
        measure=measure,
        unit=str(data.get("unit") or "").strip(),
        arms=tuple(arms),
        ci_level=level / 100 if level > 1 else level,
        scale=str(data.get("scale") or "").strip(),
        note=str(data.get("note") or ""),
        **numbers,
    )
    return row, problems


def outcome_to_dict(row: OutcomeData) -> dict:
    """The stored JSON of a row (blank numbers left out)."""
    out = {k: v for k, v in asdict(row).items() if v not in (None, "", ()) and k != "arms"}
    out["arms"] = [{k: v for k, v in asdict(a).items() if v not in (None, "")} for a in row.arms]
    return out


# --- validation -------------------------------------------------------------------------------------


def _ci_problems(low, high, estimate, at: str, what: str, ratio: bool = False) -> list[Problem]:
    problems = []
    if (low is None) != (high is None):
        problems.append(Problem(f"{at}.ci", f"{at}: give both limits of the confidence interval."))
    elif low is not None and high is not None:
        if low >= high:
            problems.append(
                Problem(f"{at}.ci_low", f"{at}: CI lower limit {low:g} must be below the upper {high:g}.")
            )
        elif estimate is not None and not (low <= estimate <= high):
            problems.append(
                Problem(
                    f"{at}.ci_low",
                    f"{at}: the CI {low:g} to {high:g} does not contain the {what} {estimate:g}.",
                )
            )
        if ratio and low <= 0:
            problems.append(Problem(f"{at}.ci_low", f"{at}: a ratio's CI limits must be greater than 0."))
    return problems


def _arm_problems(row: OutcomeData, arm: ArmData, at: str) -> list[Problem]:
    problems: list[Problem] = []
    if row.data_type == DataType.BINARY:
        if arm.total is None or arm.events is None:
            problems.append(Problem(f"{at}.events", f"{at}: needs events and total."))
        elif arm.total <= 0:
            problems.append(Problem(f"{at}.total", f"{at}: total must be greater than 0."))
        elif not 0 <= arm.events <= arm.total:
            problems.append(
                Problem(
                    f"{at}.events", f"{at}: events ({arm.events}) must be between 0 and total ({arm.total})."
                )
            )
        return problems
    if arm.n is not None and arm.n <= 0:
        problems.append(Problem(f"{at}.n", f"{at}: n must be greater than 0."))
    for name in ("sd", "se"):
        value = getattr(arm, name)
        if value is not None and value <= 0:
            problems.append(
                Problem(f"{at}.{name}", f"{at}: {name.upper()} must be greater than 0 (got {value:g}).")
            )
    problems += _ci_problems(arm.ci_low, arm.ci_high, arm.mean, at, "mean")
    order = [
        (k, getattr(arm, k))
        for k in ("minimum", "q1", "median", "q3", "maximum")
        if getattr(arm, k) is not None
    ]
    for (k1, v1), (k2, v2) in zip(order, order[1:]):
        if v1 > v2:
            problems.append(Problem(f"{at}.{k2}", f"{at}: {k1} ({v1:g}) must not exceed {k2} ({v2:g})."))
    if row.measure != Measure.MEAN_DIFFERENCE and arm_mean_sd(arm) is None and not problems:
        problems.append(
            Problem(
                f"{at}.sd",
                f"{at}: needs n with mean and SD (or SE, or CI), or a median with IQR and/or range.",
            )
        )
    return problems


def validate_outcome(row: OutcomeData, where: str = "") -> list[Problem]:
    """Everything wrong with one row, each problem naming the outcome, time point, arm and field."""
    at = where or row.label or "outcome"
    problems: list[Problem] = []
    if not row.outcome:
        problems.append(Problem(f"{at}.outcome", f"{at}: name the outcome."))
    if not 0 < row.ci_level < 1:
        problems.append(Problem(f"{at}.ci_level", f"{at}: CI level must be between 0 and 100 %."))
    names = [a.arm for a in row.arms]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        problems.append(Problem(f"{at}.arms", f"{at}: arm {dup!r} appears twice."))
    for i, arm in enumerate(row.arms):
        problems += _arm_problems(row, arm, f"{at}, arm {arm.arm or i + 1}")
    if row.data_type == DataType.BINARY or (
        row.data_type == DataType.CONTINUOUS and row.measure != Measure.MEAN_DIFFERENCE
    ):
        if len(row.arms) < 1:
            problems.append(Problem(f"{at}.arms", f"{at}: enter the data of each arm."))
        return problems
    problems += _estimate_problems(row, at)
    return problems


def _estimate_problems(row: OutcomeData, at: str) -> list[Problem]:
    problems: list[Problem] = []
    ratio = row.data_type == DataType.GENERIC and row.scale.upper() in RATIO_SCALES
    if row.data_type == DataType.GENERIC and not row.scale:
        problems.append(
            Problem(f"{at}.scale", f"{at}: state the scale of the estimate (e.g. MD, log OR, HR).")
        )
    if row.estimate is None:
        problems.append(Problem(f"{at}.estimate", f"{at}: needs the estimate."))
    elif ratio and row.estimate <= 0:
        problems.append(Problem(f"{at}.estimate", f"{at}: a {row.scale} must be greater than 0."))
    if row.se is not None and row.se <= 0:
        problems.append(Problem(f"{at}.se", f"{at}: SE must be greater than 0 (got {row.se:g})."))
    if row.p_value is not None and not 0 < row.p_value < 1:
        problems.append(Problem(f"{at}.p_value", f"{at}: P value must be between 0 and 1."))
    problems += _ci_problems(row.ci_low, row.ci_high, row.estimate, at, "estimate", ratio)
    if row.se is None and row.ci_low is None and row.p_value is None:
        problems.append(Problem(f"{at}.se", f"{at}: needs the SE, the CI or the P value of the estimate."))
    return problems


def unit_problems(rows: Iterable[tuple[str, OutcomeData]], unit: str = "") -> list[Problem]:
    """Units must agree within an outcome (across studies and time points): against `unit` when the outcome
    names one, else against the first row that states a unit. `rows` are (study label, row)."""
    expected, first = unit.strip(), ""
    problems = []
    for study, row in rows:
        if row.data_type == DataType.BINARY or (
            row.data_type == DataType.GENERIC and row.scale.upper() in RATIO_SCALES
        ):
            continue
        if not expected and row.unit:
            expected, first = row.unit, study
        if row.unit and expected and row.unit.casefold() != expected.casefold():
            source = f"the outcome's unit {expected!r}" if unit else f"{expected!r} used by {first}"
            problems.append(
                Problem(f"{study}.unit", f"{study}, {row.label}: unit {row.unit!r} differs from {source}.")
            )
    return problems


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


# --- comparing and merging two reviewers' outcome rows ------------------------------------------------

OUTCOMES = "@outcomes"
ROW_FIELDS = (
    "data_type",
    "measure",
    "unit",
    "scale",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "ci_level",
    "p_value",
)


def _norm(text: Any) -> str:
    return " ".join(str(text or "").split()).casefold()


def row_identity(row: Mapping) -> tuple[str, str]:
    return _norm(row.get("outcome")), _norm(row.get("time_point"))


def row_title(row: Mapping) -> str:
    return f"{row.get('outcome', '')} @ {row.get('time_point', '')}".strip()


@dataclass(frozen=True)
class RowDifference:
    """One difference between two reviewers' outcome data: a field of a row, of an arm, or a whole row/arm
    only one side has (`field` empty). `path` is stable (names, not positions) for recording settlements."""

    path: str
    label: str
    row: str  # row title, "HbA1c @ 12 months"
    arm: str
    field: str
    a: Any
    b: Any


def _pair_by(items_a: list, items_b: list, key) -> list[tuple[Any, Any]]:
    index_b: dict = {}
    for item in items_b:
        index_b.setdefault(key(item), item)
    pairs, used = [], set()
    for item in items_a:
        other = index_b.get(key(item))
        if other is not None and id(other) not in used:
            used.add(id(other))
        else:
            other = None
        pairs.append((item, other))
    pairs.extend((None, item) for item in items_b if id(item) not in used)
    return pairs


def _same(a: Any, b: Any) -> bool:
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return _norm(a) == _norm(b) if isinstance(a, str) and isinstance(b, str) else a == b


def diff_outcomes(rows_a: list[Mapping], rows_b: list[Mapping]) -> list[RowDifference]:
    """Row by row (matched on outcome + time point), arm by arm (matched on arm name), field by field."""
    diffs: list[RowDifference] = []
    for ra, rb in _pair_by(list(rows_a), list(rows_b), row_identity):
        title = row_title(ra or rb)
        base = f"{OUTCOMES}[{title}]"
        if ra is None or rb is None:
            diffs.append(RowDifference(base, f"Outcome data: {title}", title, "", "", ra, rb))
            continue
        for name in ROW_FIELDS:
            if not _same(ra.get(name), rb.get(name)):
                label = f"Outcome data {title}: {name}"
                diffs.append(
                    RowDifference(f"{base}.{name}", label, title, "", name, ra.get(name), rb.get(name))
                )
        arms = _pair_by(
            list(ra.get("arms") or []), list(rb.get("arms") or []), lambda arm: _norm(arm.get("arm"))
        )
        for aa, ab in arms:
            arm = str((aa or ab).get("arm") or "")
            where = f"{base}.arms[{arm}]"
            if aa is None or ab is None:
                diffs.append(RowDifference(where, f"Outcome data {title}, arm {arm}", title, arm, "", aa, ab))
                continue
            for name in ARM_NUMBERS:
                if not _same(aa.get(name), ab.get(name)):
                    label = f"Outcome data {title}, arm {arm}: {name}"
                    diffs.append(
                        RowDifference(f"{where}.{name}", label, title, arm, name, aa.get(name), ab.get(name))
                    )
    return diffs


def merge_outcomes(
    rows_a: list[Mapping], rows_b: list[Mapping], decisions: Mapping[str, Mapping]
) -> list[dict]:
    """The consensus outcome rows: `rows_a` with each difference settled as `decisions[path]` says
    (see forms_schema.merge_answers for the shape of a decision)."""
    result = [copy.deepcopy(dict(r)) for r in rows_a]
    removed_rows: set[tuple] = set()
    for d in diff_outcomes(rows_a, rows_b):
        decision = decisions.get(d.path) or {}
        choice = decision.get("choice")
        if choice in (None, "a"):
            continue
        if not d.field and not d.arm:  # a whole row one side lacks
            if d.b is None:
                removed_rows.add(row_identity(d.a))
            else:
                result.append(copy.deepcopy(dict(d.b)))
            continue
        row = next(r for r in result if row_title(r) == d.row)
        value = d.b if choice == "b" else decision.get("value")
        if not d.arm:
            _put(row, d.field, value)
            continue
        arms = row.setdefault("arms", [])
        arm = next((x for x in arms if _norm(x.get("arm")) == _norm(d.arm)), None)
        if not d.field:
            if d.b is None and arm is not None:
                arms.remove(arm)
            elif d.b is not None:
                arms.append(copy.deepcopy(dict(d.b)))
            continue
        if arm is not None:
            _put(arm, d.field, value)
    return [r for r in result if row_identity(r) not in removed_rows]


def _put(holder: dict, name: str, value: Any) -> None:
    if value in (None, ""):
        holder.pop(name, None)
    else:
        holder[name] = value
