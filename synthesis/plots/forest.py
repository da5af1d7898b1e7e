"""Forest plot in the RevMan layout: study | per-arm data | weight | estimate [95% CI] | plot.

Squares are sized by weight (area), whiskers are the 95% CIs (arrows where clipped), pooled
estimates are diamonds (one per subgroup and the overall), the prediction interval is a bar under
the overall diamond, heterogeneity statistics are written under each pooled row, and ratio
measures are drawn on a log axis with ratio tick labels. The figure grows by one fixed row height
per line, fonts stay fixed, so 2 and 100 studies are equally readable.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Polygon
from matplotlib.transforms import blended_transform_factory

from synthesis.stats.analysis import Pooled, StudyData, SubgroupResult

from ._common import (
    FONT_SIZE,
    INK,
    PI_COLOUR,
    POOLED_COLOUR,
    STUDY_COLOUR,
    SUBGROUP_COLOUR,
    Format,
    fmt_num,
    fmt_p,
    new_figure,
    ratio_axis,
    render,
)

ROW_IN = 0.24  # inches per row
LABEL_IN, PLOT_IN, PAD_IN = 2.6, 3.6, 0.15
# The numeric columns of a row are one monospaced string (one text artist per row instead of four:
# the 100-study plot renders in well under a second), so widths are counted in characters.
MONO = "DejaVu Sans Mono"
CHAR_IN = 0.6021 * FONT_SIZE / 72  # advance width of DejaVu Sans Mono
ARM_CH, WEIGHT_CH, GAP_CH, EST_CH = 16, 7, 3, 26
MEASURE_NAMES = {
    "RR": "Risk ratio",
    "OR": "Odds ratio",
    "RD": "Risk difference",
    "MD": "Mean difference",
    "SMD": "Std. mean difference",
    "GEN": "Estimate",
}
METHOD_NAMES = {"EE": "IV, Fixed", "MH": "M-H, Fixed", "PETO": "Peto, Fixed"}


@dataclass(frozen=True)
class ArmColumns:
    """Per-arm data columns: headers and, per study label, one cell per header."""

    headers: tuple[str, ...]
    cells: dict[str, tuple[str, ...]]


def arm_columns(data: StudyData, measure: str) -> ArmColumns | None:
    """Events/total or mean (SD) n per arm, from the study data (None for generic input)."""
    if data.tables is not None and measure in ("RR", "OR", "RD"):
        t = data.tables
        cells: dict[str, tuple[str, ...]] = {
            label: (f"{t.ai[i]:g}/{t.ai[i] + t.bi[i]:g}", f"{t.ci[i]:g}/{t.ci[i] + t.di[i]:g}")
            for i, label in enumerate(data.labels)
        }
        return ArmColumns(("Treatment\nevents/total", "Control\nevents/total"), cells)
    if data.arms is not None:
        m1, s1, n1, m2, s2, n2 = data.arms
        cells = {
            label: (f"{m1[i]:.3g} ({s1[i]:.3g}) {n1[i]:g}", f"{m2[i]:.3g} ({s2[i]:.3g}) {n2[i]:g}")
            for i, label in enumerate(data.labels)
        }
        return ArmColumns(("Treatment\nmean (SD) n", "Control\nmean (SD) n"), cells)
    return None


@dataclass(frozen=True)
class _Row:
    kind: str  # header | study | pooled | pi | text | blank
    text: str = ""
    yi: float = math.nan
    lb: float = math.nan
    ub: float = math.nan
    weight: float | None = None
    label: str = ""
    colour: str = INK


def _shorten(text: str, limit: int = 42) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _heterogeneity_text(p: Pooled) -> str:
    parts = []
    if p.is_random:
        tau2 = "0" if p.tau2 == 0 else f"{p.tau2:.3f}" if p.tau2 >= 0.001 else f"{p.tau2:.2e}"
        parts.append(f"Tau² = {tau2}")
    parts.append(f"Q = {fmt_num(p.Q)}, df = {p.Q_df} ({fmt_p(p.Q_p)})")
    parts.append(f"I² = {p.I2:.0f}%")
    return "Heterogeneity: " + "; ".join(parts)


def _effect_text(p: Pooled) -> str:
    stat = "t" if p.df is not None else "Z"
    df = f"({p.df})" if p.df is not None else ""
    return f"Test for overall effect: {stat}{df} = {abs(p.stat):.2f} ({fmt_p(p.pval)})"


def _study_rows(pooled: Pooled, weights: dict[str, float | None], crit: float) -> list[_Row]:
    rows = []
    for s in pooled.studies:
        if s.yi is None or s.vi is None:
            rows.append(_Row("study", label=s.study, text="not estimable"))
            continue
        half = crit * math.sqrt(s.vi)
        rows.append(
            _Row("study", label=s.study, yi=s.yi, lb=s.yi - half, ub=s.yi + half, weight=weights.get(s.study))
        )
    return rows


def _pooled_rows(p: Pooled, label: str, colour: str, show_pi: bool) -> list[_Row]:
    rows = [_Row("pooled", label=label, yi=p.estimate, lb=p.ci_lb, ub=p.ci_ub, weight=100.0, colour=colour)]
    if show_pi and p.pi_lb is not None and p.pi_ub is not None:
        rows.append(
            _Row("pi", label="Prediction interval", yi=p.estimate, lb=p.pi_lb, ub=p.pi_ub, colour=PI_COLOUR)
        )
    if p.k > 1:
        rows.append(_Row("text", text=_heterogeneity_text(p)))
    rows.append(_Row("text", text=_effect_text(p)))
    return rows


def _layout(overall: Pooled, subgroups: SubgroupResult | None) -> list[_Row]:
    crit = 1.959963984540054
    weights = {s.study: s.weight for s in overall.studies}
    method = METHOD_NAMES.get(
        overall.method, f"IV, Random, {overall.method}{', HKSJ' if overall.test == 'knha' else ''}"
    )
    rows: list[_Row] = []
    if subgroups is None:
        rows += _study_rows(overall, weights, crit)
        rows.append(_Row("blank"))
    else:
        for name, part in subgroups.subgroups:
            rows.append(_Row("header", text=_shorten(name, 60)))
            rows += _study_rows(part, weights, crit)
            subtotal_weight = sum(weights.get(s.study) or 0.0 for s in part.studies)
            sub = _pooled_rows(part, f"Subtotal ({method})", SUBGROUP_COLOUR, show_pi=False)
            rows.append(_Row(**{**sub[0].__dict__, "weight": subtotal_weight}))
            rows += sub[1:]
            rows.append(_Row("blank"))
    rows += _pooled_rows(overall, f"Total ({method})", POOLED_COLOUR, show_pi=True)
    if subgroups is not None and subgroups.subgroups:
        rows.append(
            _Row(
                "text",
                text=f"Test for subgroup differences: Q = {subgroups.Q_between:.2f}, "
                f"df = {subgroups.Q_between_df} "
                f"({fmt_p(subgroups.Q_between_p)})",
            )
        )
    return rows


def _limits(rows: Sequence[_Row], ratio: bool) -> tuple[float, float]:
    """Axis limits (analysis scale) from the CIs, symmetric about no effect when that fits."""
    lbs = np.array([r.lb for r in rows if r.kind in ("study", "pooled", "pi") and not math.isnan(r.lb)])
    ubs = np.array([r.ub for r in rows if r.kind in ("study", "pooled", "pi") and not math.isnan(r.ub)])
    ys = np.array([r.yi for r in rows if r.kind in ("study", "pooled") and not math.isnan(r.yi)])
    if lbs.size == 0:
        return (-1.0, 1.0)
    lo = min(float(np.quantile(lbs, 0.05)), float(ys.min()))
    hi = max(float(np.quantile(ubs, 0.95)), float(ys.max()))
    span = max(hi - lo, 1e-9)
    lo, hi = lo - 0.08 * span, hi + 0.08 * span
    if lo < 0 < hi:
        half = max(-lo, hi)
        if min(-lo, hi) > half / 4 or ratio:
            lo, hi = -half, half
        else:  # keep room beside no effect for the "favours" label on the short side
            lo, hi = min(lo, -half / 2), max(hi, half / 2)
    elif ratio:
        half = max(abs(lo), abs(hi))
        lo, hi = -half, half
    return lo, hi


def forest_plot(
    overall: Pooled,
    *,
    subgroups: SubgroupResult | None = None,
    arms: ArmColumns | None = None,
    favours: tuple[str, str] = ("Favours treatment", "Favours control"),
    title: str | None = None,
    fmt: Format = "svg",
    dpi: int = 150,
) -> bytes:
    """Render the forest plot of ``overall`` (and its ``subgroups``) as SVG or PNG bytes."""
    rows = _layout(overall, subgroups)
    ratio = overall.is_ratio
    n_arms = len(arms.headers) if arms else 0
    width = PAD_IN * 3 + LABEL_IN + (n_arms * ARM_CH + WEIGHT_CH + GAP_CH + EST_CH) * CHAR_IN + PLOT_IN
    top_in, bottom_in = (0.95 if title else 0.6), 0.75
    height = top_in + bottom_in + ROW_IN * len(rows)
    fig = new_figure(width, height)
    x = _columns(width, n_arms)
    x["digits"] = _digits(overall)
    ax = fig.add_axes((x["plot"], bottom_in / height, PLOT_IN / width, ROW_IN * len(rows) / height))
    ax.set_ylim(len(rows) - 0.5, -0.5)
    lo, hi = _limits(rows, ratio)
    _setup_axis(ax, lo, hi, ratio)
    tr = blended_transform_factory(fig.transFigure, ax.transData)
    _headers(fig, ax, x, arms, overall, height, top_in, title)
    marks = _Marks()
    for i, row in enumerate(rows):
        _draw_row(ax, tr, x, i, row, arms, ratio, lo, hi, marks)
    marks.draw(ax)
    null = 1.0 if ratio else 0.0
    ax.axvline(null, color=INK, lw=0.8, zorder=1)
    centre = math.exp(overall.estimate) if ratio else overall.estimate
    ax.plot([centre, centre], [-0.5, _total_row(rows)], color=POOLED_COLOUR, lw=0.6, ls=(0, (3, 3)), zorder=1)
    for dx, ha, label in ((-6, "right", favours[0]), (6, "left", favours[1])):
        ax.annotate(
            label,
            xy=(null, 0),
            xycoords=("data", "axes fraction"),
            xytext=(dx, -24),
            textcoords="offset points",
            ha=ha,
            va="top",
            fontsize=FONT_SIZE,
            annotation_clip=False,
            parse_math=False,
        )
    return render(fig, fmt, dpi)


def _total_row(rows: Sequence[_Row]) -> int:
    return max(i for i, r in enumerate(rows) if r.kind == "pooled")


def _columns(width: float, n_arms: int) -> dict[str, float]:
    """Positions (figure fractions): left edges of label, numbers and plot; arm centres; weight's
    right edge; the estimate's left edge."""
    nums = PAD_IN + LABEL_IN
    out = {"label": PAD_IN / width, "nums": nums / width}
    for j in range(n_arms):
        out[f"arm{j}"] = (nums + (ARM_CH * j + ARM_CH / 2) * CHAR_IN) / width
    out["weight"] = (nums + (ARM_CH * n_arms + WEIGHT_CH) * CHAR_IN) / width
    out["est"] = (nums + (ARM_CH * n_arms + WEIGHT_CH + GAP_CH) * CHAR_IN) / width
    out["plot"] = (nums + (ARM_CH * n_arms + WEIGHT_CH + GAP_CH + EST_CH) * CHAR_IN + PAD_IN) / width
    out["n_arms"] = n_arms
    return out


def _setup_axis(ax: Axes, lo: float, hi: float, ratio: bool) -> None:
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_yticks([])
    ax.tick_params(axis="x", labelsize=FONT_SIZE, length=3)
    if ratio:
        ratio_axis(ax, math.exp(lo), math.exp(hi))
    else:
        ax.set_xlim(lo, hi)
        ax.locator_params(axis="x", nbins=6)


def _headers(
    fig: Figure,
    ax: Axes,
    x: dict[str, float],
    arms: ArmColumns | None,
    overall: Pooled,
    height: float,
    top_in: float,
    title: str | None,
) -> None:
    y = 1 - (top_in - 0.08) / height
    bold: dict[str, Any] = {"fontsize": FONT_SIZE, "fontweight": "bold", "va": "bottom", "parse_math": False}
    fig.text(x["label"], y, "Study", ha="left", **bold)
    if arms:
        for j, header in enumerate(arms.headers):
            fig.text(x[f"arm{j}"], y, header, ha="center", **bold)
    fig.text(x["weight"], y, "Weight\n(%)", ha="right", **bold)
    measure = MEASURE_NAMES.get(overall.measure, overall.measure)
    fig.text(x["est"], y, f"{measure}\n[95% CI]", ha="left", **bold)
    fig.text(x["plot"] + (1 - x["plot"]) / 2 - 0.01, y, measure, ha="center", **bold)
    if title:
        fig.text(
            x["label"],
            1 - 0.12 / height,
            title,
            ha="left",
            va="top",
            fontsize=FONT_SIZE + 2,
            fontweight="bold",
            parse_math=False,
        )


def _digits(overall: Pooled) -> int:
    """2 decimals, or 4 for small effects such as risk differences."""
    return 2 if overall.is_ratio or max(abs(overall.ci_lb), abs(overall.ci_ub)) >= 0.1 else 4


def _fmt_ci(row: _Row, ratio: bool, digits: int) -> str:
    f = math.exp if ratio else (lambda v: v)
    w = digits + 4  # sign, two integer digits, point: the column lines up in the monospaced string
    return f"{f(row.yi):>{w}.{digits}f} [{f(row.lb):.{digits}f}, {f(row.ub):.{digits}f}]"


@dataclass
class _Marks:
    """Whiskers, arrows and squares collected over all rows and drawn as three artists (fast)."""

    study_lines: list[list[tuple[float, float]]] = field(default_factory=list)
    pi_lines: list[list[tuple[float, float]]] = field(default_factory=list)
    arrows: list[tuple[float, float, str, str]] = field(default_factory=list)
    squares: list[tuple[float, float, float]] = field(default_factory=list)

    def lines(self, pi: bool) -> list[list[tuple[float, float]]]:
        return self.pi_lines if pi else self.study_lines

    def draw(self, ax: Axes) -> None:
        ax.add_collection(LineCollection(self.study_lines, colors=STUDY_COLOUR, linewidths=0.9, zorder=2))
        ax.add_collection(LineCollection(self.pi_lines, colors=PI_COLOUR, linewidths=1.1, zorder=2))
        for side in ("<", ">"):
            pts = [(x, y, c) for x, y, s, c in self.arrows if s == side]
            if pts:
                ax.scatter(
                    [p[0] for p in pts],
                    [p[1] for p in pts],
                    marker=side,
                    s=16,
                    c=[p[2] for p in pts],
                    zorder=2,
                    clip_on=False,
                    linewidths=0,
                )
        if self.squares:
            ax.scatter(
                [q[0] for q in self.squares],
                [q[1] for q in self.squares],
                marker="s",
                s=[q[2] for q in self.squares],
                color=STUDY_COLOUR,
                zorder=3,
                linewidths=0,
            )


def _draw_row(
    ax: Axes,
    tr: object,
    x: dict[str, float],
    i: int,
    row: _Row,
    arms: ArmColumns | None,
    ratio: bool,
    lo: float,
    hi: float,
    marks: _Marks,
) -> None:
    text: dict[str, Any] = {"transform": tr, "va": "center", "fontsize": FONT_SIZE, "parse_math": False}
    if row.kind == "header":
        ax.text(x["label"], i, row.text, ha="left", fontweight="bold", **text)
        return
    if row.kind == "text":
        ax.text(
            x["label"],
            i,
            row.text,
            ha="left",
            fontsize=FONT_SIZE - 1,
            **{k: v for k, v in text.items() if k != "fontsize"},
        )
        return
    if row.kind == "blank":
        return
    bold = row.kind == "pooled"
    ax.text(
        x["label"] + (0.0 if bold or row.kind == "pi" else 0.008),
        i,
        _shorten(row.label),
        ha="left",
        fontweight="bold" if bold else "normal",
        **text,
    )
    n_arms = int(x["n_arms"])
    cells = arms.cells.get(row.label, ("",) * n_arms) if arms and row.kind == "study" else ("",) * n_arms
    numbers = "".join(c[: ARM_CH - 1].center(ARM_CH) for c in cells)
    weight = f"{row.weight:.1f}" if row.weight is not None and row.kind in ("study", "pooled") else ""
    numbers += weight.rjust(WEIGHT_CH) + " " * GAP_CH
    estimable = not math.isnan(row.yi)
    numbers += _fmt_ci(row, ratio, int(x["digits"])) if estimable else ""
    if numbers.strip():
        ax.text(
            x["nums"],
            i,
            numbers.rstrip(),
            ha="left",
            family=MONO,
            fontweight="bold" if bold else "normal",
            **text,
        )
    if not estimable:
        ax.text(x["est"], i, row.text, ha="left", style="italic", **text)
        return
    conv = math.exp if ratio else (lambda v: v)
    if row.kind == "pooled":
        h = 0.34
        ax.add_patch(
            Polygon(
                [(conv(row.lb), i), (conv(row.yi), i - h), (conv(row.ub), i), (conv(row.yi), i + h)],
                closed=True,
                facecolor=row.colour,
                edgecolor=row.colour,
                zorder=3,
            )
        )
        return
    clip_lb, clip_ub = max(row.lb, lo), min(row.ub, hi)
    pi = row.kind == "pi"
    marks.lines(pi).append([(conv(clip_lb), i), (conv(clip_ub), i)])
    for bound, clipped, side in ((row.lb, clip_lb, "<"), (row.ub, clip_ub, ">")):
        if bound != clipped:
            marks.arrows.append((conv(clipped), i, side, PI_COLOUR if pi else STUDY_COLOUR))
        elif pi:
            marks.pi_lines.append([(conv(bound), i - 0.18), (conv(bound), i + 0.18)])
    if row.kind == "study" and lo <= row.yi <= hi:
        side_pt = min(3.0 + 16.0 * math.sqrt(max(row.weight or 0.0, 0.0) / 100.0), 14.0)
        marks.squares.append((conv(row.yi), i, side_pt**2))
