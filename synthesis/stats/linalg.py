"""Quantities of P = W - W X (X'WX)^-1 X'W that every estimator needs, with closed forms for the
intercept-only model (the common case, and the fast one)."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


def p_matrix(w: Array, X: Array | None) -> Array:
    if X is None:
        return np.diag(w) - np.outer(w, w) / w.sum()
    wx = X * w[:, None]
    return np.diag(w) - wx @ np.linalg.solve(X.T @ wx, wx.T)


def ypy(y: Array, w: Array, X: Array | None) -> float:
    """y'Py: the weighted residual sum of squares."""
    if X is None:
        sw = w.sum()
        r = y - (w @ y) / sw
        return float(w @ (r * r))
    wx = X * w[:, None]
    beta = np.linalg.solve(X.T @ wx, wx.T @ y)
    r = y - X @ beta
    return float(w @ (r * r))


def reml_terms(y: Array, w: Array, X: Array | None) -> tuple[float, float, float, float]:
    """(y'Py, y'PPy, tr P, tr PP) for the Fisher scoring steps."""
    if X is None:
        sw = w.sum()
        r = y - (w @ y) / sw
        py = w * r
        w2 = w @ w
        trp = sw - w2 / sw
        trpp = w2 - 2 * ((w * w) @ w) / sw + (w2 / sw) ** 2
        return float(py @ r), float(py @ py), float(trp), float(trpp)
    P = p_matrix(w, X)
    py = P @ y
    return float(y @ py), float(py @ py), float(np.trace(P)), float((P * P).sum())


def logdet_xwx(w: Array, X: Array | None) -> float:
    if X is None:
        return math.log(w.sum())
    return float(np.linalg.slogdet(X.T @ (X * w[:, None]))[1])


def r_mad(x: Array) -> float:
    """R's mad(): 1.4826 * median(|x - median(x)|)."""
    return 1.4826 * float(np.median(np.abs(x - np.median(x))))
