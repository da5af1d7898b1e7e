"""Read a study CSV into :class:`StudyData` and write results as JSON-ready dicts (pure, no Django).

Columns (names case-insensitive, extra columns ignored, UTF-8 with or without BOM, LF or CRLF):

* ``study`` (optional; the data line number otherwise) and an optional subgroup column;
* binary (RR, OR, RD): ``ai, n1i, ci, n2i`` (events and totals, treatment then control) or
  ``ai, bi, ci, di`` (events and non-events);
* continuous (MD, SMD): ``m1i, sd1i, n1i, m2i, sd2i, n2i``;
* generic (GEN): ``yi`` with ``vi`` or ``sei``, or an estimate (``yi`` or ``estimate``) with its 95%
  CI ``ci_lb, ci_ub`` on the analysis scale (SE = (ub - lb) / (2 x 1.959964)). The same columns
  work with the other measures when there are no arm columns (ai/m1i): effects already computed,
  on the log scale for RR and OR (the output then carries the exponentiated copies).

Errors name the 1-based data line (the first line after the header is 1) and the column.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .analysis import BINARY, CONTINUOUS, MEASURES, Pooled, StudyData, SubgroupResult
from .effects import Z_975, EffectSizes, Tables


class CsvInputError(ValueError):
    def __init__(self, message: str, *, row: int | None = None, column: str | None = None) -> None:
        where = []
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
        self.row = row
        self.column = column


@dataclass(frozen=True)
class _Table:
    header: dict[str, str]  # lower-case name -> name as written
    rows: list[tuple[int, dict[str, str]]]  # (1-based data line, lower-case name -> cell)


def _read(text: str) -> _Table:
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        raw_header = next(reader)
    except StopIteration:
        raise CsvInputError("the file is empty") from None
    header = {h.strip().lower(): h.strip() for h in raw_header if h.strip()}
    names = [h.strip().lower() for h in raw_header]
    rows = []
    for n, cells in enumerate(reader, start=1):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(names) and any(c.strip() for c in cells[len(names) :]):
            raise CsvInputError(f"{len(cells)} cells but the header has {len(names)} columns", row=n)
        rows.append((n, {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(names)}))
    if not rows:
        raise CsvInputError("no data rows")
    return _Table(header, rows)


def _number(table: _Table, row: int, cells: Mapping[str, str], column: str) -> float:
    raw = cells.get(column, "")
    name = table.header.get(column, column)
    if raw == "":
        raise CsvInputError("empty cell, a number is needed", row=row, column=name)
    try:
        value = float(raw)
    except ValueError:
        raise CsvInputError(f"'{raw}' is not a number", row=row, column=name) from None
    if not math.isfinite(value):
        raise CsvInputError(f"'{raw}' is not a finite number", row=row, column=name)
    return value


def _require(table: _Table, columns: Iterable[str], measure: str) -> None:
    missing = [c for c in columns if c not in table.header]
    if missing:
        raise CsvInputError(
            f"missing column(s) {', '.join(missing)} needed for {measure}; "
            f"the file has {', '.join(table.header.values())}"
        )


def _column(table: _Table, column: str) -> list[float]:
    return [_number(table, n, cells, column) for n, cells in table.rows]


def _check(
    table: _Table, values: list[float], column: str, ok: Callable[[float], bool], message: str
) -> None:
    for (n, _), value in zip(table.rows, values):
        if not ok(value):
            raise CsvInputError(message.format(value=_fmt(value)), row=n, column=table.header[column])


def _fmt(x: float) -> str:
    return str(int(x)) if x == int(x) else repr(x)


def parse_csv(text: str, measure: str, *, subgroup: str | None = None) -> StudyData:
    """Parse and validate a study CSV for ``measure`` (MD, SMD, RR, OR, RD, GEN)."""
    if measure not in MEASURES:
        raise CsvInputError(f"unknown measure {measure!r}; one of {', '.join(sorted(MEASURES))}")
    table = _read(text)
    labels = tuple(cells.get("study") or str(n) for n, cells in table.rows)
    groups = None
    if subgroup is not None:
        key = subgroup.strip().lower()
        if key not in table.header:
            raise CsvInputError(
                f"subgroup column '{subgroup}' is not in the file; it has {', '.join(table.header.values())}"
            )
        groups = tuple(cells.get(key, "") for _, cells in table.rows)
        for (n, _), g in zip(table.rows, groups):
            if g == "":
                raise CsvInputError("empty subgroup", row=n, column=table.header[key])
    precomputed = ("yi" in table.header or "estimate" in table.header) and not (
        {"ai", "m1i"} & set(table.header)
    )
    if measure in BINARY and not precomputed:
        data = _binary(table, measure)
    elif measure in CONTINUOUS and not precomputed:
        data = _continuous(table, measure)
    else:  # GEN, or effect sizes already computed for RR/OR/RD (log scale), MD, SMD
        data = _generic(table)
    return StudyData(labels=labels, groups=groups, **data)


def _binary(table: _Table, measure: str) -> dict[str, Any]:
    arm1 = "bi" if "n1i" not in table.header and "bi" in table.header else "n1i"
    arm2 = "di" if "n2i" not in table.header and "di" in table.header else "n2i"
    if (arm1 == "bi") != (arm2 == "di"):
        raise CsvInputError("give totals n1i and n2i, or non-events bi and di, for both arms")
    missing = [c for c in ("ai", arm1, "ci", arm2) if c not in table.header]
    if missing:
        alt = {"n1i": "n1i (or bi)", "n2i": "n2i (or di)"}
        raise CsvInputError(
            f"missing column(s) {', '.join(alt.get(c, c) for c in missing)} needed for {measure}; "
            f"the file has {', '.join(table.header.values())}"
        )
    ai, ci = _column(table, "ai"), _column(table, "ci")
    x1, x2 = _column(table, arm1), _column(table, arm2)
    for col, vals in (("ai", ai), ("ci", ci)):
        _check(table, vals, col, lambda v: v >= 0, "event count {value} is negative")
    if arm1 == "bi":
        for col, vals in (("bi", x1), ("di", x2)):
            _check(table, vals, col, lambda v: v >= 0, "non-event count {value} is negative")
        n1 = [a + b for a, b in zip(ai, x1)]
        n2 = [c + d for c, d in zip(ci, x2)]
        for col, vals in (("bi", n1), ("di", n2)):
            _check(table, vals, col, lambda v: v > 0, "group size {value} must be > 0")
    else:
        n1, n2 = x1, x2
        for col, vals in (("n1i", n1), ("n2i", n2)):
            _check(table, vals, col, lambda v: v > 0, "group size {value} must be > 0")
        for (n, _), a, t in zip(table.rows, ai, n1):
            if a > t:
                raise CsvInputError(
                    f"{_fmt(a)} events > {_fmt(t)} participants (n1i)", row=n, column=table.header["ai"]
                )
        for (n, _), c, t in zip(table.rows, ci, n2):
            if c > t:
                raise CsvInputError(
                    f"{_fmt(c)} events > {_fmt(t)} participants (n2i)", row=n, column=table.header["ci"]
                )
    return {"tables": Tables.from_counts(ai, n1, ci, n2)}


def _continuous(table: _Table, measure: str) -> dict[str, Any]:
    cols = ["m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"]
    _require(table, cols, measure)
    values = {c: _column(table, c) for c in cols}
    for col in ("sd1i", "sd2i"):
        _check(table, values[col], col, lambda v: v > 0, "standard deviation {value} must be > 0")
    for col in ("n1i", "n2i"):
        _check(table, values[col], col, lambda v: v > 0, "group size {value} must be > 0")
    if measure == "SMD":
        for (n, _), a, b in zip(table.rows, values["n1i"], values["n2i"]):
            if a + b <= 3:
                raise CsvInputError("SMD needs n1i + n2i > 3", row=n, column=table.header["n1i"])
    arms = tuple(np.asarray(values[c], dtype=np.float64) for c in cols)
    return {"arms": arms}


def _generic(table: _Table) -> dict[str, Any]:
    est = "yi" if "yi" in table.header else "estimate"
    if "vi" in table.header:
        _require(table, [est, "vi"], "GEN")
        vi = _column(table, "vi")
        _check(table, vi, "vi", lambda v: v > 0, "sampling variance {value} must be > 0")
    elif "sei" in table.header:
        _require(table, [est, "sei"], "GEN")
        sei = _column(table, "sei")
        _check(table, sei, "sei", lambda v: v > 0, "standard error {value} must be > 0")
        vi = [s * s for s in sei]
    elif "ci_lb" in table.header or "ci_ub" in table.header:
        _require(table, [est, "ci_lb", "ci_ub"], "GEN")
        lb, ub = _column(table, "ci_lb"), _column(table, "ci_ub")
        yi0 = _column(table, est)
        for (n, _), lo, hi, y in zip(table.rows, lb, ub, yi0):
            if not lo < hi:
                raise CsvInputError("ci_lb must be below ci_ub", row=n, column=table.header["ci_lb"])
            if not lo <= y <= hi:
                raise CsvInputError("the estimate lies outside its CI", row=n, column=table.header[est])
        vi = [((hi - lo) / (2 * Z_975)) ** 2 for lo, hi in zip(lb, ub)]
    else:
        raise CsvInputError("GEN needs yi with vi, sei, or ci_lb and ci_ub columns")
    yi = _column(table, est)
    return {"effects": EffectSizes("GEN", np.asarray(yi, dtype=np.float64), np.asarray(vi, dtype=np.float64))}


# --- output --------------------------------------------------------------------------------------


def _clean(x: float | None) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return float(x)


def _exp(x: float | None) -> float | None:
    return None if x is None else _clean(math.exp(x))


def pooled_block(result: Pooled) -> dict[str, Any]:
    """The JSON block of one model (overall or one subgroup), keys as the issue's contract."""
    block: dict[str, Any] = {
        "k": result.k,
        "estimate": _clean(result.estimate),
        "se": _clean(result.se),
        result.stat_name: _clean(result.stat),
    }
    if result.df is not None:
        block["df"] = result.df
    block.update(
        {
            "pval": _clean(result.pval),
            "ci_lb": _clean(result.ci_lb),
            "ci_ub": _clean(result.ci_ub),
            "tau2": _clean(result.tau2),
            "se_tau2": _clean(result.se_tau2),
            "tau2_ci_lb": _clean(result.tau2_ci_lb),
            "tau2_ci_ub": _clean(result.tau2_ci_ub),
            "tau2_ci_lb_at_bound": result.tau2_ci_lb_at_bound,
            "tau2_ci_ub_at_bound": result.tau2_ci_ub_at_bound,
            "I2": _clean(result.I2),
            "H2": _clean(result.H2),
            "Q": _clean(result.Q),
            "Q_df": result.Q_df,
            "Q_p": _clean(result.Q_p),
            "pi_lb": _clean(result.pi_lb),
            "pi_ub": _clean(result.pi_ub),
        }
    )
    if result.is_ratio:
        for key in ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub"):
            block[f"{key}_exp"] = _exp(block[key])
    block["studies"] = [
        {"study": s.study, "yi": _clean(s.yi), "vi": _clean(s.vi), "weight": _clean(s.weight)}
        for s in result.studies
    ]
    return block


def result_json(result: Pooled, subgroups: SubgroupResult | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "measure": result.measure,
        "method": result.method,
        "model": "random" if result.is_random else "fixed",
        "test": result.test,
        "level": result.level,
    }
    out.update(pooled_block(result))
    if subgroups is None:
        out.update({"subgroups": {}, "Q_between": None, "Q_between_df": None, "Q_between_p": None})
    else:
        out["subgroups"] = {name: pooled_block(p) for name, p in subgroups.subgroups}
        out["Q_between"] = _clean(subgroups.Q_between)
        out["Q_between_df"] = subgroups.Q_between_df
        out["Q_between_p"] = _clean(subgroups.Q_between_p)
    return out
