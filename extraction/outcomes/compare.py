"""Comparing and merging two reviewers' outcome rows."""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .data import ARM_NUMBERS

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
