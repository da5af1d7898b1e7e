"""From extracted outcome rows to the engine's input, and back to a record of what was used (no Django).

`select_inputs(rows, definition)` walks the rows `extraction.selectors.outcome_data_for_analysis` returns
and decides, per study, what the analysis uses: arm means/SDs (MD, SMD), events/totals (RR, OR, RD) or a
reported estimate with its SE (a mean difference, a generic estimate) -- or why the study is left out (the
owner's reason, a data problem, data of the wrong kind). `study_data(inputs, measure)` turns the used rows
into `synthesis.stats.StudyData`; `fingerprint(definition, inputs)` is the hash that tells whether a stored
result still matches the data and settings (any change to either makes the stored result stale).

Arms: the analysis names its treatment and control arms; unnamed, the first extracted arm is the treatment
and the second the control.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from .stats import EffectSizes, StudyData, Tables, binary, continuous

Array = npt.NDArray[np.float64]

BINARY = ("RR", "OR", "RD")
CONTINUOUS = ("MD", "SMD")
NOT_REPORTED = "Not reported"


@dataclass(frozen=True)
class Definition:
    """The settings of an analysis that decide its inputs and results (a plain copy of the model's)."""

    measure: str
    method: str  # the engine's Spec.method: EE, MH, PETO, or a tau² estimator
    test: str = "z"
    subgroup_field: str = ""
    treatment_arm: str = ""
    control_arm: str = ""
    excluded: Mapping[int, str] = field(default_factory=dict)  # study id -> the owner's reason

    def as_dict(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "method": self.method,
            "test": self.test,
            "subgroup_field": self.subgroup_field,
            "treatment_arm": self.treatment_arm,
            "control_arm": self.control_arm,
            "excluded": {str(k): v for k, v in sorted(self.excluded.items())},
        }


def _norm(text: Any) -> str:
    return " ".join(str(text or "").split()).casefold()


def _pick_arms(arms: list[dict], d: Definition) -> tuple[dict, dict] | str:
    """The (treatment, control) arms, or why they cannot be told apart."""
    if d.treatment_arm or d.control_arm:
        found = []
        for wanted in (d.treatment_arm, d.control_arm):
            match = [a for a in arms if wanted and _norm(wanted) in _norm(a.get("arm"))]
            if len(match) != 1:
                names = ", ".join(str(a.get("arm") or "?") for a in arms) or "none"
                what = "no arm" if not match else "more than one arm"
                return f"{what} matches “{wanted or '(blank)'}” (arms: {names})"
            found.append(match[0])
        if found[0] is found[1]:
            return "the treatment and control names match the same arm"
        return found[0], found[1]
    if len(arms) != 2:
        return (
            f"has {len(arms)} arm{'s' if len(arms) != 1 else ''}: name the treatment and control arms "
            "in the analysis"
        )
    return arms[0], arms[1]


def _arm_entry(arm: dict, *names: str) -> dict:
    out = {"arm": arm.get("arm") or ""}
    out.update({name: arm.get(name) for name in names})
    if "method" in arm:
        out["method"] = arm.get("method")
    return out


def _scale(scale: str) -> str:
    text = _norm(scale).upper()
    return text[4:] if text.startswith("LOG ") else text


def _usable(row: dict, d: Definition) -> dict | str:
    """What the analysis takes from one row: {"kind": "arms"|"tables"|"estimate", ...} or a reason."""
    kind, measure = row["data_type"], d.measure
    if measure in CONTINUOUS and kind == "continuous" and row.get("measure") != "mean_difference":
        arms = _pick_arms(row.get("arms") or [], d)
        if isinstance(arms, str):
            return arms
        for arm in arms:
            if arm.get("mean") is None or arm.get("sd") is None or not arm.get("n"):
                return f"arm {arm.get('arm') or '?'} lacks n, mean or SD"
        t, c = (_arm_entry(a, "mean", "sd", "n") for a in arms)
        return {"kind": "arms", "treatment": t, "control": c, "measure_type": row.get("measure") or ""}
    if measure in BINARY and kind == "binary":
        arms = _pick_arms(row.get("arms") or [], d)
        if isinstance(arms, str):
            return arms
        for arm in arms:
            if arm.get("events") is None or not arm.get("total"):
                return f"arm {arm.get('arm') or '?'} lacks events or total"
        t, c = (_arm_entry(a, "events", "total") for a in arms)
        return {"kind": "tables", "treatment": t, "control": c}
    estimate, se = row.get("estimate"), row.get("se")
    reported_md = kind == "continuous" and row.get("measure") == "mean_difference"
    fits = (
        (measure == "GEN" and (kind == "generic" or reported_md))
        or (measure == "MD" and (reported_md or (kind == "generic" and _scale(row.get("scale", "")) == "MD")))
        or (measure in BINARY and kind == "generic" and _scale(row.get("scale", "")) == measure)
        or (measure == "SMD" and kind == "generic" and _scale(row.get("scale", "")) in ("SMD", "G"))
    )
    if not fits:
        have = f"{kind} data" + (f" ({row.get('scale')})" if row.get("scale") else "")
        return f"has {have}, which a {measure} analysis cannot use"
    if d.method in ("MH", "PETO"):
        name = "Mantel-Haenszel" if d.method == "MH" else "Peto"
        return f"reports an estimate only; {name} needs events per arm"
    if estimate is None or se is None or not se > 0:
        return "the estimate or its SE is missing"
    return {
        "kind": "estimate",
        "yi": estimate,
        "vi": se * se,
        "se": se,
        "scale": row.get("scale") or ("MD" if reported_md else ""),
        "method": row.get("estimate_method"),
    }


def select_inputs(
    rows: Iterable[dict], d: Definition, group_label: Callable[[dict, Any], str] | None = None
) -> list[dict]:
    """One entry per study row: {"study_id", "study", "used": bool, "reason", "group", ...values}."""
    out: list[dict] = []
    seen: set[int] = set()
    for row in rows:
        sid = row["study_id"]
        entry: dict[str, Any] = {
            "study_id": sid,
            "study": row["study_label"],
            "consensus_id": row["consensus_id"],
        }
        entry["group"] = _group(row, d, group_label) if d.subgroup_field else None
        reason: str | None = None
        if sid in seen:
            reason = "a second row for this outcome and time point (another form); the first is used"
        elif sid in d.excluded:
            reason = f"excluded by the owner: {d.excluded[sid]}"
        elif row.get("problems"):
            reason = "data problem: " + "; ".join(row["problems"])
        usable = _usable(row, d) if reason is None else None
        if isinstance(usable, str):
            reason = usable
        seen.add(sid)
        if reason is not None:
            owner = sid in d.excluded and reason.startswith("excluded by the owner")
            out.append({**entry, "used": False, "reason": reason, "owner_excluded": owner})
        else:
            out.append({**entry, "used": True, "reason": "", **(usable if isinstance(usable, dict) else {})})
    return out


def _group(row: dict, d: Definition, group_label) -> str:
    value = (row.get("subgroups") or {}).get(d.subgroup_field)
    if value in (None, "", []):
        return NOT_REPORTED
    text = group_label(row, value) if group_label else str(value)
    return text or NOT_REPORTED


def _labels(used: list[dict]) -> tuple[str, ...]:
    """Study labels, made unique (the forest plot and leave-one-out name studies by label)."""
    labels: list[str] = []
    for entry in used:
        label, n = entry["study"], 2
        while label in labels:
            label, n = f"{entry['study']} ({n})", n + 1
        labels.append(label)
    return tuple(labels)


def study_data(inputs: list[dict], measure: str) -> StudyData:
    """The engine input from the used entries: arm data or tables when every study has them (the forest
    plot then shows them), else yi/vi per study computed as the engine's escalc would."""
    used = [e for e in inputs if e["used"]]
    labels = _labels(used)
    groups = tuple(e["group"] for e in used) if used and used[0].get("group") is not None else None
    kinds = {e["kind"] for e in used}
    if kinds == {"arms"}:
        return StudyData(labels=labels, arms=_arm_arrays(used), groups=groups)
    if kinds == {"tables"}:
        return StudyData(labels=labels, tables=_tables(used), groups=groups)
    yi, vi = [], []
    for e in used:
        if e["kind"] == "estimate":
            y, v = e["yi"], e["vi"]
        elif e["kind"] == "arms":
            fx = continuous(measure, *_arm_arrays([e]))  # type: ignore[arg-type]
            y, v = float(fx.yi[0]), float(fx.vi[0])
        else:
            fx = binary(measure, _tables([e]))  # type: ignore[arg-type]
            y, v = float(fx.yi[0]), float(fx.vi[0])
        yi.append(y)
        vi.append(v)
    effects = EffectSizes(measure, np.array(yi, dtype=float), np.array(vi, dtype=float))
    return StudyData(labels=labels, effects=effects, groups=groups)


def _arm_arrays(used: list[dict]) -> tuple[Array, Array, Array, Array, Array, Array]:
    """m1, sd1, n1 (treatment), m2, sd2, n2 (control)."""
    cols = [(e["treatment"], e["control"]) for e in used]

    def column(side: int, name: str) -> Array:
        return np.array([float(pair[side][name]) for pair in cols], dtype=np.float64)

    return (
        column(0, "mean"),
        column(0, "sd"),
        column(0, "n"),
        column(1, "mean"),
        column(1, "sd"),
        column(1, "n"),
    )


def _tables(used: list[dict]) -> Tables:
    def col(side: str, name: str) -> list[float]:
        return [float(e[side][name]) for e in used]

    return Tables.from_counts(
        col("treatment", "events"),
        col("treatment", "total"),
        col("control", "events"),
        col("control", "total"),
    )


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return None if not math.isfinite(value) else round(value, 12)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def fingerprint(definition: Definition, inputs: list[dict], extra: Any = None) -> str:
    """sha256 of the settings and every input row (used or not): equal fingerprints, equal results."""
    payload = {"definition": definition.as_dict(), "inputs": _clean(inputs), "extra": _clean(extra)}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
