"""One analysis run, start to finish, on plain data (no Django): pool, subgroups, Egger, sensitivity
analyses, forest and funnel plots. Raises `synthesis.stats.StatsError` (non-convergence, unusable data)
with a text people can act on; never returns a partial result."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .inputs import Definition, study_data
from .plots import arm_columns, forest_plot, funnel_plot
from .stats import (
    ENGINE_VERSION,
    Spec,
    StatsError,
    StatsInputError,
    egger_test,
    leave_one_out,
    pool,
    subgroup_analysis,
)
from .stats.csvio import pooled_block, result_json

Progress = Callable[[int, int, str], None]
HIGH_RISK = frozenset({"high", "serious", "critical"})


@dataclass(frozen=True)
class Outcome:
    results: dict[str, Any]
    forest_svg: str
    funnel_svg: str


def _nothing(done: int, total: int, step: str) -> None:
    return None


def run_analysis(
    inputs: list[dict],
    definition: Definition,
    *,
    kind: str = "primary",
    risk: dict[int, str] | None = None,
    favours: tuple[str, str] = ("Favours treatment", "Favours control"),
    title: str | None = None,
    progress: Progress = _nothing,
) -> Outcome:
    """Compute one run. `kind`: primary, leave_one_out, or risk_of_bias (studies whose overall risk of
    bias, `risk[study_id]`, is high/serious/critical are left out, and say so in `inputs`)."""
    if kind == "risk_of_bias":
        inputs = without_high_risk(inputs, risk or {})
    used = [e for e in inputs if e["used"]]
    spec = Spec(measure=definition.measure, method=definition.method, test=definition.test)
    if not used:
        raise StatsInputError("no study has data this analysis can use (see the studies left out)")
    if spec.is_random and len(used) < 2:
        raise StatsInputError(f"random effects need at least 2 studies; {len(used)} has usable data")
    data = study_data(inputs, definition.measure)
    steps = 4 + (data.k if kind == "leave_one_out" else 0)
    progress(1, steps, "pooling")
    result = pool(data, spec)
    subgroups, subgroup_error = None, None
    if data.groups is not None:
        try:
            subgroups = subgroup_analysis(data, spec)
        except StatsError as exc:
            subgroup_error = f"Subgroup analysis not possible: {exc}"
    out = result_json(result, subgroups)
    out.update(engine=ENGINE_VERSION, kind=kind, subgroup_error=subgroup_error, egger=_egger(result, spec))
    progress(2, steps, "subgroups and Egger's test")
    if kind == "leave_one_out":
        out["leave_one_out"] = _leave_one_out(data, spec, progress, steps)
    if kind == "risk_of_bias":
        out["left_out_for_risk"] = [e["study"] for e in inputs if e.get("risk_excluded")]
    forest = forest_plot(
        result,
        subgroups=subgroups,
        arms=arm_columns(data, definition.measure),
        favours=favours,
        title=title,
        fmt="svg",
    )
    progress(steps - 1, steps, "plots")
    funnel = funnel_plot(result, egger=_egger_fit(result, spec), fmt="svg")
    out["inputs_used"] = len(used)
    return Outcome(out, forest.decode(), funnel.decode())


def without_high_risk(inputs: list[dict], risk: dict[int, str]) -> list[dict]:
    out = []
    for entry in inputs:
        level = (risk.get(entry["study_id"]) or "").casefold()
        if entry["used"] and level in HIGH_RISK:
            entry = {**entry, "used": False, "risk_excluded": True, "reason": f"overall risk of bias {level}"}
        out.append({**entry, "risk_of_bias": level or None})
    return out


def _egger_fit(result, spec: Spec):
    studies = [s for s in result.studies if s.yi is not None and s.vi is not None]
    if len(studies) < 3:
        return None
    method = spec.method if spec.method not in ("MH", "PETO") else "EE"
    try:
        return egger_test(
            [s.yi for s in studies], [s.vi for s in studies], model="rma", method=method, test=spec.test
        )
    except StatsError:
        return None


def _egger(result, spec: Spec) -> dict[str, Any] | None:
    fit = _egger_fit(result, spec)
    if fit is None:
        return None
    return {
        "stat": fit.stat,
        "df": fit.df,
        "pval": fit.pval,
        "slope": fit.slope,
        "limit_estimate": fit.limit_estimate,
    }


def _leave_one_out(data, spec: Spec, progress: Progress, steps: int) -> list[dict]:
    rows = []
    for i, r in enumerate(leave_one_out(data, spec)):
        progress(3 + i, steps, f"leave-one-out ({i + 1} of {data.k})")
        block = pooled_block(r.result) if r.result else {"error": r.error}
        block.pop("studies", None)
        rows.append({"omitted": r.omitted, **block})
    return rows


def definition_from(stored: dict[str, Any]) -> Definition:
    excluded = {int(k): v for k, v in (stored.get("excluded") or {}).items()}
    names = ("measure", "method", "test", "subgroup_field", "treatment_arm", "control_arm")
    return Definition(**{n: stored[n] for n in names if n in stored}, excluded=excluded)


def render_plot(inputs: list[dict], stored: dict[str, Any], plot: str) -> bytes:
    """A stored run's forest or funnel plot again, as PNG, from exactly the inputs it used."""
    definition = definition_from(stored)
    spec = Spec(measure=definition.measure, method=definition.method, test=definition.test)
    data = study_data(inputs, definition.measure)
    result = pool(data, spec)
    if plot == "funnel":
        return funnel_plot(result, egger=_egger_fit(result, spec), fmt="png")
    subgroups = None
    if data.groups is not None:
        try:
            subgroups = subgroup_analysis(data, spec)
        except StatsError:
            subgroups = None
    plot_settings = stored.get("plot") or {}
    favours = tuple(plot_settings.get("favours") or ("Favours treatment", "Favours control"))
    return forest_plot(
        result,
        subgroups=subgroups,
        arms=arm_columns(data, definition.measure),
        favours=favours,  # type: ignore[arg-type]
        title=plot_settings.get("title"),
        fmt="png",
    )
