"""A small line chart laid out for inline SVG (server-side, no JavaScript): screening progress over time.

Pure Python, no Django. The template draws the polylines, axes and labels this module computes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    label: str
    css_class: str
    points: str  # "x,y x,y ..." for <polyline points>
    last: int


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    top: int
    plot_width: int
    plot_height: int
    lines: tuple[Line, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    empty: bool


def cumulative(daily: Sequence[tuple[dt.date, int]]) -> list[tuple[dt.date, int]]:
    total, out = 0, []
    for day, count in sorted(daily):
        total += count
        out.append((day, total))
    return out


def _nice_max(value: int) -> int:
    if value <= 5:
        return 5
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 2.5, 5, 10):
        top = int(step * magnitude)
        if top >= value:
            return top
    return value


def line_chart(
    series: Sequence[tuple[str, str, Sequence[tuple[dt.date, int]]]], *, width: int = 640, height: int = 220
) -> Chart:
    """Lay out cumulative series [(label, css_class, [(day, total), ...]), ...] on shared axes."""
    left, top, right, bottom = 48, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    days = sorted({day for _, _, points in series for day, _ in points})
    if not days:
        return Chart(width, height, left, top, plot_w, plot_h, (), (), (), True)
    first, last = days[0] - dt.timedelta(days=1), days[-1]  # the day before anything happened: all zero
    span = max((last - first).days, 1)
    y_max = _nice_max(max((total for _, _, points in series for _, total in points), default=0))

    def x(day: dt.date) -> float:
        return round(left + plot_w * (day - first).days / span, 1)

    def y(value: int) -> float:
        return round(top + plot_h * (1 - value / y_max), 1)

    lines = []
    for label, css_class, points in series:
        coords = [(x(first), y(0))] if points and points[0][0] != first else []
        coords += [(x(day), y(total)) for day, total in points]
        if points and points[-1][0] != last:
            coords.append((x(last), y(points[-1][1])))
        lines.append(
            Line(label, css_class, " ".join(f"{a},{b}" for a, b in coords), points[-1][1] if points else 0)
        )
    x_ticks = tuple(Tick(x(day), day.isoformat()) for day in (first, last))
    y_ticks = tuple(Tick(y(v), f"{v:,}") for v in (0, y_max // 2, y_max))
    return Chart(width, height, left, top, plot_w, plot_h, tuple(lines), x_ticks, y_ticks, False)
