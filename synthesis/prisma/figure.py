"""The PRISMA 2020 flow diagram as PNG or PDF, drawn with matplotlib from the same layout as the SVG.

matplotlib is already a dependency (forest plots); converting the SVG instead would need CairoSVG and
its C library bindings. In the PDF every box carries its link (matplotlib writes `url` as a PDF link).
"""

from __future__ import annotations

import io

from .flow import PrismaCounts
from .layout import FONT_SIZE, LINE_HEIGHT, PAD, layout
from .svg import FILL, STROKE, Link, _href

DPI = 96.0  # layout units are CSS pixels
FORMATS = ("png", "pdf")


def render_figure(counts: PrismaCounts, fmt: str = "png", link: Link = None, *, scale: float = 2.0) -> bytes:
    """PNG (at `scale` x screen resolution) or PDF bytes of the diagram."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not '{fmt}'")
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch, Rectangle
    from matplotlib.path import Path

    counts.check()
    drawn = layout(counts)
    figure = Figure(figsize=(drawn.width / DPI, drawn.height / DPI), dpi=DPI)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, drawn.width)
    axes.set_ylim(drawn.height, 0)
    axes.axis("off")
    points = FONT_SIZE * 72 / DPI
    for box in drawn.boxes:
        rect = Rectangle(
            (box.x, box.y),
            box.w,
            box.h,
            facecolor=FILL[box.style],
            edgecolor=STROKE[box.style],
            linewidth=0.9,
        )
        href = _href(link, box.key) if box.style == "box" else None
        if href:
            rect.set_url(href)
        axes.add_patch(rect)
        if box.vertical:
            axes.text(box.cx, box.cy, box.lines[0].text, rotation=90, ha="center", va="center",
                      fontsize=points, fontweight="bold")  # fmt: skip
        elif box.style != "box":
            top = box.cy - LINE_HEIGHT * (len(box.lines) - 1) / 2
            for number, line in enumerate(box.lines):
                axes.text(box.cx, top + number * LINE_HEIGHT, line.text, ha="center", va="center",
                          fontsize=points, fontweight="bold")  # fmt: skip
        else:
            for number, line in enumerate(box.lines):
                text = axes.text(
                    box.x + PAD + line.indent * 12,
                    box.y + PAD + LINE_HEIGHT * (number + 0.5),
                    line.text,
                    ha="left",
                    va="center",
                    fontsize=points,
                    fontweight="bold" if line.bold else "normal",
                    fontstyle="italic" if line.italic else "normal",
                )
                line_href = _href(link, line.key or box.key)
                if line_href:
                    text.set_url(line_href)
    for arrow in drawn.arrows:
        codes = [Path.MOVETO] + [Path.LINETO] * (len(arrow.points) - 1)
        axes.add_patch(
            FancyArrowPatch(
                path=Path(arrow.points, codes),
                arrowstyle="-|>",
                mutation_scale=12,
                linewidth=1.0,
                color="black",
            )  # fmt: skip
        )
    out = io.BytesIO()
    figure.savefig(out, format=fmt, dpi=DPI * scale if fmt == "png" else DPI, facecolor="white")
    return out.getvalue()
