"""Validating an outcome row: arm numbers, confidence intervals, estimates, units."""

from __future__ import annotations

from collections.abc import Iterable

from ..forms_schema import Problem
from .conversions import arm_mean_sd
from .data import RATIO_SCALES, ArmData, DataType, Measure, OutcomeData

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
