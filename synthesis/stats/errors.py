"""Errors the statistics engine raises instead of returning a number it cannot stand behind."""

from __future__ import annotations


class StatsError(Exception):
    """Base class: the engine could not produce a trustworthy result."""


class StatsInputError(StatsError, ValueError):
    """The data cannot be analysed as given; ``index`` (0-based study) and ``field`` locate it."""

    def __init__(self, message: str, *, index: int | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.index = index
        self.field = field


class ConvergenceError(StatsError):
    """An iterative estimator (REML/ML/EB Fisher scoring, Paule-Mandel, a Q-profile root) did not converge."""
