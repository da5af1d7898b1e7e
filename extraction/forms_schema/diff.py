"""Comparing two answer sets field by field (rows matched by key) and merging them into the consensus."""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .answers import is_blank, row_identity, row_name
from .definition import FormSchema, Section

# --- comparing two answer sets -----------------------------------------------------------------------


class DiffKind(StrEnum):
    CHANGED = "changed"  # both answered a field, differently (or one left it blank)
    ROW_ONLY_A = "row_only_a"  # a row only the first answer set has
    ROW_ONLY_B = "row_only_b"


@dataclass(frozen=True)
class Difference:
    kind: DiffKind
    section: str
    field: str  # "" for a whole row
    row: int | None  # 1-based row of the first answer set (or of the second for ROW_ONLY_B)
    row_b: int | None
    row_name: str
    label: str
    a: Any
    b: Any

    @property
    def path(self) -> str:
        """Stable address of the difference, used to record how it was settled."""
        where = self.section
        if self.row is not None or self.row_b is not None:
            where += f"[{self.row_name or self.row or self.row_b}]"
        return f"{where}.{self.field}" if self.field else where


def same_value(a: Any, b: Any) -> bool:
    if is_blank(a) and is_blank(b):
        return True
    if isinstance(a, str) and isinstance(b, str):
        return " ".join(a.split()) == " ".join(b.split())
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return a == b


def _field_diffs(section: Section, a: Mapping, b: Mapping, rows: tuple, name: str) -> Iterable[Difference]:
    for f in section.fields:
        if not same_value(a.get(f.key), b.get(f.key)):
            human = f"{section.title}" + (f" [{name or rows[0] or rows[1]}]" if rows != (None, None) else "")
            yield Difference(
                DiffKind.CHANGED,
                section.key,
                f.key,
                rows[0],
                rows[1],
                name,
                f"{human}: {f.label}",
                a.get(f.key),
                b.get(f.key),
            )


def match_rows(section: Section, rows_a: list, rows_b: list) -> list[tuple[int | None, int | None]]:
    """Pairs of 0-based row indexes (None where one side has no such row), in the first set's order."""
    if not section.row_key:
        n = max(len(rows_a), len(rows_b))
        return [(i if i < len(rows_a) else None, i if i < len(rows_b) else None) for i in range(n)]
    index_b: dict[tuple, int] = {}
    for k, row in enumerate(rows_b):
        index_b.setdefault(row_identity(section, row), k)
    pairs: list[tuple[int | None, int | None]] = []
    used: set[int] = set()
    for i, row in enumerate(rows_a):
        j = index_b.get(row_identity(section, row))
        if j is not None and j not in used:
            used.add(j)
            pairs.append((i, j))
        else:
            pairs.append((i, None))
    pairs.extend((None, j) for j in range(len(rows_b)) if j not in used)
    return pairs


def diff_answers(schema: FormSchema, a: Mapping, b: Mapping) -> list[Difference]:
    """Every difference between two answer sets of the same form version: field by field, row by row."""
    diffs: list[Difference] = []
    for section in schema.sections:
        if not section.repeatable:
            diffs.extend(
                _field_diffs(section, a.get(section.key) or {}, b.get(section.key) or {}, (None, None), "")
            )
            continue
        rows_a, rows_b = a.get(section.key) or [], b.get(section.key) or []
        for i, j in match_rows(section, rows_a, rows_b):
            ra = rows_a[i] if i is not None else {}
            rb = rows_b[j] if j is not None else {}
            name = row_name(section, ra or rb)
            one, two = (i + 1 if i is not None else None), (j + 1 if j is not None else None)
            if i is None or j is None:
                kind = DiffKind.ROW_ONLY_B if i is None else DiffKind.ROW_ONLY_A
                label = f"{section.title}: {section.row_label.lower()} {name or one or two}"
                diffs.append(Difference(kind, section.key, "", one, two, name, label, ra or None, rb or None))
            else:
                diffs.extend(_field_diffs(section, ra, rb, (one, two), name))
    return diffs


def merge_answers(schema: FormSchema, a: Mapping, b: Mapping, decisions: Mapping[str, Mapping]) -> dict:
    """The consensus answer set: `a`, with each difference settled as `decisions[path]` says
    ({"choice": "a"} keeps a, {"choice": "b"} takes b -- adding or dropping a whole row for a row only one
    side has -- and {"choice": "value", "value": v} takes an agreed, already cleaned, new value)."""
    result = copy.deepcopy(dict(a))
    drop: dict[str, set[int]] = {}
    for d in diff_answers(schema, a, b):
        decision = decisions.get(d.path)
        if not decision or decision.get("choice") == "a":
            continue
        choice = decision.get("choice")
        if d.kind == DiffKind.CHANGED:
            value = d.b if choice == "b" else decision.get("value")
            target = result.setdefault(d.section, [] if d.row else {})
            holder = target[d.row - 1] if d.row else target
            if is_blank(value):
                holder.pop(d.field, None)
            else:
                holder[d.field] = copy.deepcopy(value)
        elif d.kind == DiffKind.ROW_ONLY_A and choice == "b" and d.row:
            drop.setdefault(d.section, set()).add(d.row - 1)
        elif d.kind == DiffKind.ROW_ONLY_B and choice == "b":
            result.setdefault(d.section, []).append(copy.deepcopy(d.b))
    for section, rows in drop.items():
        result[section] = [row for i, row in enumerate(result[section]) if i not in rows]
    return result
