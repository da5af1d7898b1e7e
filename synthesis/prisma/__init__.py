"""PRISMA 2020 flow diagram: arithmetic, PRISMA2020 field names, layout and drawing (no Django).

counts = PrismaCounts(databases=(Entry("PubMed", 520),), ...).check()
counts.to_prisma2020()                       # {"database_results": 520, ...}
render_svg(counts, link="/records/?box={box}")
render_figure(counts, "pdf")
"""

from .figure import render_figure
from .flow import OTHER_KINDS, Column, Entry, PrismaArithmeticError, PrismaCounts
from .layout import layout
from .svg import render_svg

__all__ = [
    "OTHER_KINDS",
    "Column",
    "Entry",
    "PrismaArithmeticError",
    "PrismaCounts",
    "layout",
    "render_figure",
    "render_svg",
]
