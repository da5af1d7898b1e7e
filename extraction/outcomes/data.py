"""Outcome rows as plain data: data types, measures, conversion methods; reading and writing a row."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any

from ..forms_schema import Problem

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
