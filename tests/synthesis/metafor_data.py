"""Load the reference datasets as engine inputs, and compare numbers the way the issue demands."""

from __future__ import annotations

import csv
import math
from functools import cache
from pathlib import Path

import numpy as np

from synthesis.stats import EffectSizes, Spec, StudyData, Tables
from synthesis.stats.csvio import parse_csv
from tests.conftest import shared

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "meta"
REL, ABS = 1e-6, 1e-8


def close(ours: float | None, ref: float | None) -> bool:
    """relative difference <= 1e-6, or absolute <= 1e-8 near zero; NA must be NA."""
    if ref is None or ours is None:
        return ref is None and ours is None
    return abs(ours - ref) <= max(REL * abs(ref), ABS)


def number(cell: str) -> float | None:
    return None if cell in ("NA", "") else float(cell)


def read_rows(path: str | Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@cache
def dataset(name: str, group_column: str | None = None) -> StudyData:
    if name == "dat.bcg":
        rows = read_rows(shared("meta", "dat.bcg.csv"))
        ai = [float(r["tpos"]) for r in rows]
        ci = [float(r["cpos"]) for r in rows]
        n1 = [float(r["tpos"]) + float(r["tneg"]) for r in rows]
        n2 = [float(r["cpos"]) + float(r["cneg"]) for r in rows]
        groups = tuple(r[group_column] for r in rows) if group_column else None
        return StudyData(
            labels=tuple(f"{r['author']} {r['year']}" for r in rows),
            tables=Tables.from_counts(ai, n1, ci, n2),
            groups=groups,
        )
    if name == "dat.normand1999":
        rows = read_rows(shared("meta", "dat.normand1999.csv"))
        arms = tuple(
            np.array([float(r[c]) for r in rows]) for c in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")
        )
        return StudyData(labels=tuple(r["source"] for r in rows), arms=arms)  # type: ignore[arg-type]
    if name == "kacker2004":
        rows = read_rows(shared("meta", "kacker2004.csv"))
        effects = EffectSizes(
            "GEN", np.array([float(r["yi"]) for r in rows]), np.array([float(r["vi"]) for r in rows])
        )
        return StudyData(labels=tuple(r["study"] for r in rows), effects=effects)
    measure = {"zerocells": "RR", "homogeneous": "GEN"}[name]
    text = (FIXTURES / f"{name}.csv").read_text(encoding="utf-8")
    return parse_csv(text, measure, subgroup=group_column)


def spec_for(measure: str, method: str, test: str, options: str = "") -> Spec:
    extra: dict[str, object] = {}
    if options == "drop00":
        extra["drop00"] = True
    elif options == "to=all":
        extra["to"] = "all"
    return Spec(measure=measure, method=method, test=test, **extra)  # type: ignore[arg-type]


def mismatches(ours: dict[str, float | None], ref: dict[str, float | None]) -> list[str]:
    bad = []
    for key, want in ref.items():
        got = ours.get(key, math.nan) if key in ours else "missing"
        if got == "missing" or not close(got, want):  # type: ignore[arg-type]
            bad.append(f"{key}: ours {got!r} metafor {want!r}")
    return bad
