"""The PRISMA 2020 flow diagram as SVG (pure Python): every box and line is a link to its records.

`link` turns a box key into an address: a format string with `{box}` (e.g.
"/reviews/x/synthesis/prisma/records/?box={box}"), a function, or None for no links. Every text
comes from the counts (database names, exclusion reasons are typed by people) and is escaped.
"""

from __future__ import annotations

from collections.abc import Callable
from xml.sax.saxutils import escape, quoteattr

from .flow import PrismaCounts
from .layout import FONT_SIZE, LINE_HEIGHT, PAD, Box, Layout, layout

FILL = {"box": "#ffffff", "header": "#ffc000", "header-other": "#d9d9d9", "phase": "#9dc3e6"}
STROKE = {"box": "#000000", "header": "#bf9000", "header-other": "#7f7f7f", "phase": "#2f5597"}
FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"

Link = str | Callable[[str], str] | None


def _href(link: Link, key: str) -> str | None:
    if link is None or not key:
        return None
    return link(key) if callable(link) else link.format(box=key)


def render_svg(counts: PrismaCounts, link: Link = None, *, title: str = "PRISMA 2020 flow diagram") -> str:
    """The diagram of `counts` (checked first: a diagram that does not add up is refused)."""
    counts.check()
    drawn = layout(counts)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{drawn.width:.0f}" height="{drawn.height:.0f}" '
        f'viewBox="0 0 {drawn.width:.0f} {drawn.height:.0f}" role="img" aria-labelledby="prisma-title" '
        f'font-family="{FONT}" font-size="{FONT_SIZE:g}" class="prisma-diagram">',
        f'<title id="prisma-title">{escape(title)}</title>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#000"/></marker></defs>',
        f'<rect x="0" y="0" width="{drawn.width:.0f}" height="{drawn.height:.0f}" fill="#ffffff"/>',
    ]
    parts += [_box(box, link) for box in drawn.boxes]
    parts += [_arrow(points) for points in (a.points for a in drawn.arrows)]
    parts.append("</svg>")
    return "\n".join(parts)


def _arrow(points) -> str:
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return (
        f'<polyline points="{path}" fill="none" stroke="#000" stroke-width="1.3" marker-end="url(#arrow)"/>'
    )


def _open_link(href: str | None) -> str:
    return f"<a href={quoteattr(href)}>" if href else ""


def _close_link(href: str | None) -> str:
    return "</a>" if href else ""


def _box(box: Box, link: Link) -> str:
    href = _href(link, box.key) if box.style == "box" else None
    rx = 8 if box.style == "phase" else 0
    out = [f'<g class="prisma-box prisma-{box.style}" data-box={quoteattr(box.key)}>']
    out.append(
        f'{_open_link(href)}<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.1f}" '
        f'height="{box.h:.1f}" rx="{rx}" fill="{FILL[box.style]}" stroke="{STROKE[box.style]}" '
        f'stroke-width="1.2"/>{_close_link(href)}'
    )
    if box.vertical:
        cx, cy = box.cx, box.cy
        out.append(
            f'<text x="{cx:.1f}" y="{cy:.1f}" text-anchor="middle" dominant-baseline="central" '
            f'font-weight="bold" transform="rotate(-90 {cx:.1f} {cy:.1f})">{escape(box.lines[0].text)}</text>'
        )
    elif box.style != "box":
        top = box.cy - LINE_HEIGHT * (len(box.lines) - 1) / 2
        for number, line in enumerate(box.lines):
            out.append(
                f'<text x="{box.cx:.1f}" y="{top + number * LINE_HEIGHT:.1f}" text-anchor="middle" '
                f'dominant-baseline="central" font-weight="bold">{escape(line.text)}</text>'
            )
    else:
        for number, line in enumerate(box.lines):
            line_href = _href(link, line.key or box.key)
            y = box.y + PAD + LINE_HEIGHT * (number + 0.5)
            style = (' font-weight="bold"' if line.bold else "") + (
                ' font-style="italic"' if line.italic else ""
            )
            out.append(
                f'{_open_link(line_href)}<text x="{box.x + PAD + line.indent * 12:.1f}" y="{y:.1f}" '
                f'dominant-baseline="central" data-key={quoteattr(line.key or box.key)}{style}>'
                f"{escape(line.text)}</text>{_close_link(line_href)}"
            )
    out.append("</g>")
    return "".join(out)


__all__ = ["Layout", "render_svg"]
