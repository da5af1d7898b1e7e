r"""Screening-prioritisation metrics, computed on a screening sequence (pure NumPy, no Django).

A sequence is the labels of the records in the order they were screened: ``found[t] = 1`` if the (t+1)-th
screened record is relevant. N = ``len(found)`` records, R = ``sum(found)`` relevant ones; the recall after
n records is :math:`\mathrm{recall}(n) = \frac{1}{R}\sum_{t<n} found_t`.

Like ASReview (``asreview-insights``, priors excluded by default) the simulation passes the sequence
*without* the prior-knowledge records: they were labelled before the model ran, so they are neither work nor
a discovery.

* **Recall curve**: the points :math:`(n/N, \mathrm{recall}(n))`, n = 0..N.
* **WSS@r**, work saved over sampling (Cohen et al. 2006, J Am Med Inform Assoc 13:206):
  :math:`\mathrm{WSS@r} = \frac{TN + FN}{N} - (1 - r)`, where TN + FN = N − n_r are the records not screened
  when recall first reaches r, i.e. :math:`n_r = \min\{n : \mathrm{recall}(n) \ge r\}`. Random screening
  needs r·N records on average, so WSS@r is the fraction of records saved beyond that. WSS@95 uses r = .95,
  WSS@100 r = 1.
* **RRF@p**, relevant records found (recall) after screening p % of the records:
  :math:`\mathrm{RRF@p} = \mathrm{recall}(\lfloor p N / 100 \rfloor)`. "Recall after 10 % screened" is RRF@10.
* **ATD**, average time to discovery (Ferdinands et al. 2023, Syst Rev 12:100): the time to discovery of
  relevant record i is :math:`TD_i`, the number of records screened up to and including it; ATD is its mean
  over the R relevant records as a fraction of all records:
  :math:`\mathrm{ATD} = \frac{1}{R}\sum_{i=1}^{R} \frac{TD_i}{N}`. (The paper then averages ATD over runs;
  the benchmark does the same over seeds.) Lower is better; random order gives about (N+1)/(2N).

All values are fractions in [0, 1] (the reports multiply by 100).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Metrics", "atd", "metrics_all", "recall_curve", "rrf", "wss"]

_EPS = 1e-9


def _as_array(found: Sequence[int] | np.ndarray) -> np.ndarray:
    arr = np.asarray(found, dtype=np.int64)
    if arr.ndim != 1 or len(arr) == 0:
        raise ValueError("a screening sequence is a non-empty 1-D list of 0/1 labels")
    if arr.sum() == 0:
        raise ValueError("the sequence has no relevant record: recall is undefined")
    return arr


def recall_curve(found: Sequence[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(fraction screened, recall) at n = 0..N."""
    arr = _as_array(found)
    n = len(arr)
    x = np.arange(n + 1) / n
    y = np.concatenate(([0.0], np.cumsum(arr) / arr.sum()))
    return x, y


def records_to_recall(found: Sequence[int] | np.ndarray, r: float) -> int:
    """n_r: records screened when recall first reaches r."""
    arr = _as_array(found)
    needed = math.ceil(r * arr.sum() - _EPS)
    return int(np.searchsorted(np.cumsum(arr), needed) + 1)


def wss(found: Sequence[int] | np.ndarray, r: float = 0.95) -> float:
    arr = _as_array(found)
    return (len(arr) - records_to_recall(arr, r)) / len(arr) - (1.0 - r)


def rrf(found: Sequence[int] | np.ndarray, percent: float = 10.0) -> float:
    arr = _as_array(found)
    n = math.floor(percent * len(arr) / 100.0 + _EPS)
    return float(arr[:n].sum() / arr.sum())


def atd(found: Sequence[int] | np.ndarray) -> float:
    arr = _as_array(found)
    td = np.flatnonzero(arr) + 1
    return float(td.mean() / len(arr))


@dataclass(frozen=True)
class Metrics:
    wss95: float
    wss100: float
    rrf10: float
    atd: float

    def as_percent(self) -> dict[str, float]:
        return {
            "wss95": round(100 * self.wss95, 2),
            "wss100": round(100 * self.wss100, 2),
            "recall_at_10pct": round(100 * self.rrf10, 2),
            "rrf10": round(100 * self.rrf10, 2),
            "atd": round(100 * self.atd, 2),
        }


def metrics_all(found: Sequence[int] | np.ndarray) -> Metrics:
    arr = _as_array(found)
    return Metrics(wss(arr, 0.95), wss(arr, 1.0), rrf(arr, 10.0), atd(arr))
