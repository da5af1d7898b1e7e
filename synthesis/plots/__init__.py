"""Forest and funnel plots as SVG or PNG bytes (pure: matplotlib's Agg/SVG canvases, no Django)."""

from .forest import ArmColumns, arm_columns, forest_plot
from .funnel import funnel_plot

__all__ = ["ArmColumns", "arm_columns", "forest_plot", "funnel_plot"]
