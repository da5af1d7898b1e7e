"""robvis-style risk-of-bias figures: the traffic-light table and the summary bar chart (pure, no Django).

Drawn with matplotlib's object API on the Agg canvas (no pyplot state, safe in a web worker). The layout and
colours follow robvis (McGuinness & Higgins, Res Synth Methods 2021): one row per study, one coloured circle
per domain plus Overall, a symbol in each circle (+ low, - some concerns/moderate, x high/serious,
! critical, ? no information/unclear), the domain legend below; and horizontal 100% stacked bars per
domain, optionally weighted (e.g. by each study's weight in the meta-analysis). Sizes are fixed in inches per
row/column, so the figure grows with the number of studies and stays readable from 2 to 60 or more.

Study names are untrusted text: they are drawn as plain text (no mathtext) and written into the SVG as
escaped XML text, so an SVG shows every study name and domain label as searchable text.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from .tools.base import Domain, Level, Tool
from .tools.tables import StudyAssessment

ROW_IN = 0.32  # height of one study row, inches
COL_IN = 0.5  # width of one domain column, inches
CHAR_IN = 0.075  # width of one character of a study name at 9 pt, inches
FONT = 9
_BARE_LABELS = {"some_concerns", "no_information", "unclear"}
_RC: Any = {"svg.fonttype": "none", "svg.hashsalt": "reviewapp-rob", "font.family": "DejaVu Sans"}


def _render(fig: Figure, fmt: str) -> bytes:
    if fmt not in ("svg", "png"):
        raise ValueError(f"format must be 'svg' or 'png', not {fmt!r}")
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {}
    fig.savefig(buf, format=fmt, dpi=150, metadata=metadata)
    return buf.getvalue()


def _title(domain: Domain) -> str:
    """SYRCLE has two items called "Blinding": name the bias type too."""
    return (
        f"{domain.name} ({domain.group.lower()})" if domain.group and domain.group != "Other" else domain.name
    )


def _columns(tool: Tool) -> list[tuple[str, str]]:
    cols = [(d.key, d.label) for d in tool.domains]
    return cols + ([("overall", "Overall")] if tool.has_overall else [])


def _level_of(tool: Tool, a: StudyAssessment, key: str) -> Level:
    return tool.level(a.overall or "") if key == "overall" else tool.level(a.entries[key].judgement)


def traffic_light(tool: Tool, assessments: Sequence[StudyAssessment], *, fmt: str = "svg") -> bytes:
    """Rows = studies, columns = D1..Dn (+ Overall); coloured circles with symbols; legends below."""
    if not assessments:
        raise ValueError("No assessments to plot.")
    cols = _columns(tool)
    n, m = len(assessments), len(cols)
    name_in = max(1.2, CHAR_IN * max(len(a.study) for a in assessments) + 0.3)
    header_in, legend_in, right_in = 0.7, 0.2 * (len(tool.domains) + 1) + 0.25, 1.6
    width_in = max(name_in + COL_IN * m + right_in, 6.5)
    height_in = header_in + ROW_IN * n + legend_in
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(width_in, height_in))
        ax = fig.add_axes(
            (name_in / width_in, legend_in / height_in, COL_IN * m / width_in, ROW_IN * n / height_in)
        )
        _draw_grid(ax, tool, assessments, cols)
        _draw_header(fig, tool, ax, cols, n)
        _draw_judgement_legend(fig, tool, (name_in + COL_IN * m + 0.25) / width_in, 1 - header_in / height_in)
        _draw_domain_legend(fig, tool, name_in / width_in, legend_in / height_in, height_in)
        for i, a in enumerate(assessments):
            ax.text(-0.7, i, a.study, ha="right", va="center", fontsize=FONT, parse_math=False)
        return _render(fig, fmt)


def _draw_grid(ax, tool: Tool, assessments: Sequence[StudyAssessment], cols: list[tuple[str, str]]) -> None:  # type: ignore[no-untyped-def]
    n, m = len(assessments), len(cols)
    ax.set_xlim(-0.5, m - 0.5)
    ax.set_ylim(n - 0.5, -0.5)
    ax.axis("off")
    ax.add_patch(Rectangle((-0.5, -0.5), m, n, facecolor="#F2F2F2", edgecolor="#BFBFBF", lw=0.6, zorder=0))
    for i in range(1, n):
        ax.axhline(i - 0.5, color="#DDDDDD", lw=0.5, zorder=1)
    if tool.has_overall:
        ax.axvline(m - 1.5, color="#BFBFBF", lw=0.8, zorder=1)
    cells = [
        (j, i, _level_of(tool, a, key)) for i, a in enumerate(assessments) for j, (key, _) in enumerate(cols)
    ]
    ax.scatter(
        [j for j, _, _ in cells],
        [i for _, i, _ in cells],
        s=230,
        c=[lv.colour for _, _, lv in cells],
        edgecolors="#333333",
        linewidths=0.5,
        zorder=2,
    )
    for j, i, level in cells:
        ax.text(
            j,
            i,
            level.symbol,
            ha="center",
            va="center",
            fontsize=FONT + 1,
            fontweight="bold",
            zorder=3,
            parse_math=False,
        )


def _draw_header(fig: Figure, tool: Tool, ax, cols: list[tuple[str, str]], n: int) -> None:  # type: ignore[no-untyped-def]
    for j, (_key, label) in enumerate(cols):
        ax.text(j, -0.8, label, ha="center", va="bottom", fontsize=FONT, fontweight="bold", parse_math=False)
    span = len(tool.domains)
    ax.text(
        (span - 1) / 2,
        -0.8 - 0.9 * (0.32 / ROW_IN),
        f"{tool.name}: risk of bias domains",
        ha="center",
        va="bottom",
        fontsize=FONT + 1,
        fontweight="bold",
        parse_math=False,
    )
    ax.text(-0.7, -0.8, "Study", ha="right", va="bottom", fontsize=FONT, fontweight="bold", parse_math=False)


def _draw_judgement_legend(fig: Figure, tool: Tool, x: float, top: float) -> None:
    width, height = fig.get_figwidth(), fig.get_figheight()
    fig.text(x, top - 0.05 / height, "Judgement", ha="left", va="top", fontsize=FONT, fontweight="bold")
    for k, level in enumerate(tool.levels):
        y = top - (0.4 + 0.26 * k) / height
        fig.add_artist(
            Line2D(
                [x + 0.1 / width],
                [y],
                marker="o",
                markersize=12,
                markerfacecolor=level.colour,
                markeredgecolor="#333333",
                markeredgewidth=0.5,
                linestyle="none",
                transform=fig.transFigure,
            )
        )
        fig.text(
            x + 0.1 / width,
            y,
            level.symbol,
            ha="center",
            va="center",
            fontsize=FONT - 1,
            fontweight="bold",
        )
        fig.text(x + 0.25 / width, y, level.label, ha="left", va="center", fontsize=FONT - 1)


def _draw_domain_legend(fig: Figure, tool: Tool, x: float, top: float, height_in: float) -> None:
    line = 0.2 / height_in
    fig.text(x, top - 0.15 / height_in, "Domains:", ha="left", va="top", fontsize=FONT - 1, fontweight="bold")
    for k, d in enumerate(tool.domains, start=1):
        fig.text(
            x,
            top - 0.15 / height_in - k * line,
            f"{d.label}: {_title(d)}.",
            ha="left",
            va="top",
            fontsize=FONT - 1,
            parse_math=False,
        )


def summary_shares(
    tool: Tool, assessments: Sequence[StudyAssessment], *, weighted: bool = False
) -> list[tuple[str, dict[str, float]]]:
    """Per domain (and Overall), the share of studies (or of total weight) at each level, summing to 1."""
    if not assessments:
        raise ValueError("No assessments to summarise.")
    weights = [a.weight if weighted else 1.0 for a in assessments]
    if any(w < 0 for w in weights) or sum(weights) <= 0:
        raise ValueError("Weights must be non-negative and not all zero.")
    out = []
    for key, label in _columns(tool):
        name = "Overall risk of bias" if key == "overall" else tool.domain(key).name
        shares = {lv.key: 0.0 for lv in tool.levels}
        for a, w in zip(assessments, weights):
            shares[_level_of(tool, a, key).key] += w / sum(weights)
        out.append((name if key == "overall" else f"{label}: {_title(tool.domain(key))}", shares))
    return out


def summary_plot(
    tool: Tool, assessments: Sequence[StudyAssessment], *, weighted: bool = False, fmt: str = "svg"
) -> bytes:
    """Horizontal 100% stacked bars, one per domain (Overall last), robvis colours, legend below."""
    rows = summary_shares(tool, assessments, weighted=weighted)
    order = sorted(tool.levels, key=lambda lv: (lv.rank < 0, lv.rank))  # low ... worst, then no information
    label_in = max(2.0, CHAR_IN * max(len(name) for name, _ in rows) * 0.95)
    bar_in = 0.35
    width_in, height_in = label_in + 5.0, bar_in * len(rows) + 1.25
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(width_in, height_in))
        ax = fig.add_axes(
            (label_in / width_in, 0.9 / height_in, 4.6 / width_in, bar_in * len(rows) / height_in)
        )
        for i, (name, shares) in enumerate(rows):
            left = 0.0
            for lv in order:
                ax.barh(
                    i,
                    shares[lv.key] * 100,
                    left=left,
                    height=0.7,
                    color=lv.colour,
                    edgecolor="#333333",
                    lw=0.4,
                )
                left += shares[lv.key] * 100
            ax.text(
                -2,
                i,
                name,
                ha="right",
                va="center",
                fontsize=FONT,
                parse_math=False,
                fontweight="bold" if name.startswith("Overall") else "normal",
            )
        ax.set_xlim(0, 100)
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.set_yticks([])
        ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"], fontsize=FONT - 1)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        handles = [Rectangle((0, 0), 1, 1, facecolor=lv.colour, edgecolor="#333333", lw=0.4) for lv in order]
        labels = [lv.label if lv.key in _BARE_LABELS else f"{lv.label} risk of bias" for lv in order]
        fig.legend(
            handles,
            labels,
            loc="lower center",
            ncol=len(order),
            frameon=False,
            fontsize=FONT - 1,
            bbox_to_anchor=(0.5, 0.0),
        )
        title = f"{tool.name}: {'weighted ' if weighted else ''}summary ({len(assessments)} studies)"
        fig.text(
            0.5, 1 - 0.12 / height_in, title, ha="center", va="top", fontsize=FONT + 1, fontweight="bold"
        )
        return _render(fig, fmt)
