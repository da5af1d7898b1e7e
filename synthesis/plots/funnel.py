"""Funnel plot: effect (log axis for ratios) against SE (0 at the top), the pseudo 95% confidence
region estimate ± 1.96 SE, and Egger's regression line (effect = intercept + slope x SE)."""

from __future__ import annotations

import math

import numpy as np

from synthesis.stats.analysis import Pooled
from synthesis.stats.egger import EggerResult, egger_line

from ._common import (
    FONT_SIZE,
    INK,
    PI_COLOUR,
    POOLED_COLOUR,
    STUDY_COLOUR,
    Format,
    fmt_p,
    new_figure,
    ratio_axis,
    render,
)
from .forest import MEASURE_NAMES

Z = 1.959963984540054


def funnel_plot(
    result: Pooled,
    *,
    egger: EggerResult | None = None,
    title: str | None = None,
    fmt: Format = "svg",
    dpi: int = 150,
) -> bytes:
    studies = [s for s in result.studies if s.yi is not None and s.vi is not None]
    yi = np.array([s.yi for s in studies], dtype=float)
    se = np.sqrt(np.array([s.vi for s in studies], dtype=float))
    se_max = float(se.max()) * 1.1 if se.size else 1.0
    fig = new_figure(6.4, 5.6)
    ax = fig.add_axes((0.12, 0.25, 0.83, 0.64 if title else 0.7))
    est = result.estimate
    ratio = result.is_ratio
    conv = np.exp if ratio else (lambda v: v)
    grid = np.linspace(0, se_max, 60)
    left, right = est - Z * grid, est + Z * grid
    ax.fill_betweenx(
        grid,
        conv(left),
        conv(right),
        facecolor="#dde6ef",
        edgecolor="#7f8c99",
        linestyle="--",
        linewidth=0.8,
        zorder=0,
        label="Pseudo 95% confidence region",
    )
    ax.plot(conv(left), grid, color="#7f8c99", lw=0.8, ls="--", zorder=1)
    ax.plot(conv(right), grid, color="#7f8c99", lw=0.8, ls="--", zorder=1)
    ax.axvline(float(conv(est)), color=POOLED_COLOUR, lw=1.0, zorder=1, label="Pooled estimate")
    ax.scatter(
        conv(yi), se, s=22, color=STUDY_COLOUR, edgecolor="white", linewidth=0.5, zorder=3, label="Studies"
    )
    if egger is not None:
        line_x, line_se = egger_line(egger, se_max)
        ax.plot(
            conv(line_x),
            line_se,
            color=PI_COLOUR,
            lw=1.2,
            zorder=2,
            label=f"Egger's test: {'t' if egger.df else 'z'} = {egger.stat:.2f}, {fmt_p(egger.pval)}",
        )
    lo = min(float(left[-1]), float(yi.min()) if yi.size else est)
    hi = max(float(right[-1]), float(yi.max()) if yi.size else est)
    pad = 0.05 * (hi - lo)
    if ratio:
        ratio_axis(ax, math.exp(lo - pad), math.exp(hi + pad))
    else:
        ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(se_max, 0)
    ax.set_xlabel(
        MEASURE_NAMES.get(result.measure, result.measure) + (" (log scale)" if ratio else ""),
        fontsize=FONT_SIZE,
    )
    ax.set_ylabel("Standard error", fontsize=FONT_SIZE)
    ax.tick_params(labelsize=FONT_SIZE)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(fontsize=FONT_SIZE - 1, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2)
    if title:
        fig.text(
            0.12,
            0.97,
            title,
            ha="left",
            va="top",
            fontsize=FONT_SIZE + 2,
            fontweight="bold",
            color=INK,
            parse_math=False,
        )
    return render(fig, fmt, dpi)
