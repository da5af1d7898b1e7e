"""Inter-rater agreement for screening decisions: Cohen's kappa, Fleiss' kappa, Gwet's AC1, percent agreement.

Pure Python (standard library only), no Django. Inputs are plain labels ("include", "exclude", ...) and the
results are frozen dataclasses with ``as_dict()`` for JSON.

Conventions shared by every statistic here:

* Proportions (observed/expected agreement) are fractions in [0, 1], not percentages.
* Confidence intervals are Wald intervals, ``value ± z * se`` with z from the normal distribution, clipped to
  [-1, 1]. Published software sometimes uses Student's t instead (AgreeStat, R irrCAC), which only widens the
  interval slightly for small n.
* A coefficient that is mathematically undefined (no items, every rating in one category, ...) comes back with
  ``None`` in the value fields and a sentence in ``undefined_reason``; it never raises and never returns NaN.
  Malformed input (raters rating different items, unknown labels) raises ``ValueError``.

Which standard error is which:

* Cohen's kappa: ``se`` is the large-sample (non-null) standard error of Fleiss, Cohen & Everitt (1969), the
  one SAS PROC FREQ prints as "ASE"; it is the one used for the confidence interval. ``se_null`` is their
  standard error under H0: kappa = 0, for a z test only.
* Fleiss' kappa: ``se`` is Gwet's (2008, Psychometrika 73:407) large-sample linearisation variance,
  conditional on the raters (subjects are the random sample); it is the one used for the confidence interval.
  ``se_null`` is the Fleiss, Nee & Landis (1979) standard error under H0: kappa = 0 (the corrected form of the
  Fleiss 1971 formula, as in R irr::kappam.fleiss), for a z test only.
* Gwet's AC1: ``se`` is from Gwet's (2008, BJMSP 61:29) variance estimators. With exactly two ratings on every
  item it is his two-rater closed form, which equals ``sum((ac1_i* - ac1)^2) / n^2`` over the per-item
  linearised terms ac1_i*; otherwise it is his multiple-rater form ``sum((ac1_i* - ac1)^2) / (n (n - 1))``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from statistics import NormalDist, fmean

__all__ = [
    "AC1Result",
    "KappaResult",
    "RatingCounts",
    "cohen_kappa",
    "cohen_kappa_from_table",
    "fleiss_kappa",
    "gwet_ac1",
    "percent_agreement",
]

Rating = str | None  # None marks a missing rating (only gwet_ac1 and percent_agreement accept gaps)

_ONE = 1.0 - 1e-12  # chance agreement at or above this is treated as exactly 1


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class KappaResult:
    """Cohen's (two raters) or Fleiss' (m raters) kappa with its precision."""

    method: str  # "cohen" or "fleiss"
    kappa: float | None
    se: float | None  # large-sample SE, used for the CI (see module docstring for which one)
    se_null: float | None  # SE under H0: kappa = 0, for a z test only
    ci_low: float | None
    ci_high: float | None
    observed_agreement: float | None
    expected_agreement: float | None
    n: int  # items
    n_raters: int  # ratings per item
    categories: tuple[str, ...]
    confidence: float
    se_method: str
    undefined_reason: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "categories": list(self.categories)}


@dataclass(frozen=True)
class AC1Result:
    """Gwet's first-order agreement coefficient with its precision."""

    ac1: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    observed_agreement: float | None
    expected_agreement: float | None
    n: int  # items with at least one rating
    n_raters: int  # ratings per item (the largest, when items have different numbers)
    categories: tuple[str, ...]
    confidence: float
    se_method: str
    undefined_reason: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "categories": list(self.categories)}


_SE_COHEN = "Fleiss, Cohen & Everitt (1969) large-sample SE; se_null is their SE under kappa = 0"
_SE_FLEISS = "Gwet (2008) linearisation SE; se_null is Fleiss, Nee & Landis (1979) SE under kappa = 0"
_SE_AC1 = "Gwet (2008) SE: two-rater closed form with two ratings per item, else the multiple-rater form"


# --- input: items x categories counts ------------------------------------------------------


@dataclass(frozen=True)
class RatingCounts:
    """How many raters put each item in each category: ``rows[i][k]`` for item i and ``categories[k]``.

    This is the table Fleiss (1971) works from. Build it from raw ratings with :meth:`from_ratings`, or
    directly when only the published counts are known.
    """

    rows: tuple[tuple[int, ...], ...]
    categories: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", tuple(tuple(row) for row in self.rows))
        object.__setattr__(self, "categories", tuple(self.categories))
        _check_unique(self.categories)
        for row in self.rows:
            if len(row) != len(self.categories):
                raise ValueError(f"a row has {len(row)} counts for {len(self.categories)} categories")
            if any(not isinstance(x, int) or x < 0 for x in row):
                raise ValueError(f"counts must be non-negative integers, got {row}")

    @classmethod
    def from_ratings(
        cls, ratings: Sequence[Sequence[Rating]], categories: Sequence[str] | None = None
    ) -> RatingCounts:
        """Count raw ratings given as one row per item, one column per rater (None = not rated)."""
        for row in ratings:
            if isinstance(row, str):
                raise TypeError("each item needs a sequence of ratings, not a single string")
        cats = _resolve_categories((x for row in ratings for x in row), categories)
        index = {c: k for k, c in enumerate(cats)}
        return cls(tuple(_count_row(row, index) for row in ratings), cats)


def _count_row(row: Sequence[Rating], index: dict[str, int]) -> tuple[int, ...]:
    counts = [0] * len(index)
    for label in row:
        if label is not None:
            counts[index[label]] += 1
    return tuple(counts)


def _check_unique(categories: Sequence[str]) -> None:
    if len(set(categories)) != len(categories):
        raise ValueError(f"categories must be distinct, got {list(categories)}")


def _resolve_categories(labels: Iterable[Rating], declared: Sequence[str] | None) -> tuple[str, ...]:
    """The declared categories (checking every label is one of them), else the labels in first-seen order."""
    seen = tuple(dict.fromkeys(x for x in labels if x is not None))
    if declared is None:
        return seen
    cats = tuple(declared)
    _check_unique(cats)
    unknown = [x for x in seen if x not in set(cats)]
    if unknown:
        raise ValueError(f"ratings outside the declared categories: {unknown[:5]}")
    return cats


def _as_counts(
    ratings: Sequence[Sequence[Rating]] | RatingCounts, categories: Sequence[str] | None
) -> RatingCounts:
    if not isinstance(ratings, RatingCounts):
        return RatingCounts.from_ratings(ratings, categories)
    if categories is not None and tuple(categories) != ratings.categories:
        raise ValueError("categories disagree with the RatingCounts table; leave categories out")
    return ratings


# --- shared arithmetic ------------------------------------------------------------------------


def _z(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    return NormalDist().inv_cdf(0.5 + confidence / 2.0)


def _wald_interval(value: float, se: float | None, confidence: float) -> tuple[float | None, float | None]:
    if se is None:
        return None, None
    half = _z(confidence) * se
    return max(-1.0, value - half), min(1.0, value + half)


def _linearised_se(coef: float, terms: Sequence[float], *, two_rater_form: bool = False) -> float | None:
    """Gwet's variance estimator: the spread of per-item linearised terms around the coefficient.

    The multiple-rater form divides by n(n - 1); Gwet's two-rater closed form is the same sum over n^2.
    """
    n = len(terms)
    if n < 2:
        return None
    denominator = n * n if two_rater_form else n * (n - 1)
    return math.sqrt(sum((t - coef) ** 2 for t in terms) / denominator)


def _pairwise_agreement(row: Sequence[int]) -> float:
    """Share of agreeing rater pairs on one item with at least two ratings."""
    r = sum(row)
    return sum(x * (x - 1) for x in row) / (r * (r - 1))


# --- Cohen's kappa ----------------------------------------------------------------------------


def cohen_kappa(
    a: Sequence[str],
    b: Sequence[str],
    *,
    categories: Sequence[str] | None = None,
    confidence: float = 0.95,
) -> KappaResult:
    """Cohen's (1960) kappa for two raters who rated the same items; ``a[i]`` and ``b[i]`` rate item i.

    ``categories`` fixes the scale (and its order in the result); by default it is the labels seen.
    Kappa is undefined, and returned as None with a reason, when there are no items or when both raters put
    every item in the same single category (chance agreement is then 1 and kappa is 0/0).
    """
    if len(a) != len(b):
        raise ValueError(f"both raters must rate the same items: got {len(a)} and {len(b)} ratings")
    if any(x is None for x in (*a, *b)):
        raise ValueError("Cohen's kappa needs both ratings for every item; drop items rated only once")
    cats = _resolve_categories((*a, *b), categories)
    index = {c: k for k, c in enumerate(cats)}
    table = [[0] * len(cats) for _ in cats]
    for x, y in zip(a, b, strict=True):
        table[index[x]][index[y]] += 1
    return cohen_kappa_from_table(table, categories=cats, confidence=confidence)


def cohen_kappa_from_table(
    table: Sequence[Sequence[int]],
    *,
    categories: Sequence[str] | None = None,
    confidence: float = 0.95,
) -> KappaResult:
    """Cohen's kappa from a q x q table: ``table[i][j]`` counts items rater A put in i and rater B in j."""
    _z(confidence)
    cats = _table_categories(table, categories)
    n = sum(sum(row) for row in table)
    if n == 0:
        return _undefined_kappa("cohen", 0, 2, cats, confidence, "no items have been rated by both raters")
    p = [[x / n for x in row] for row in table]
    rows = [sum(row) for row in p]
    cols = [sum(col) for col in zip(*p, strict=True)]
    po = sum(p[i][i] for i in range(len(p)))
    pe = sum(r * c for r, c in zip(rows, cols, strict=True))
    if pe >= _ONE:
        reason = "both raters put every item in the same category, so chance agreement is 1 and kappa is 0/0"
        return _undefined_kappa("cohen", n, 2, cats, confidence, reason, po, pe)
    kappa = (po - pe) / (1.0 - pe)
    se = math.sqrt(_fce_variance(p, rows, cols, kappa, pe) / n)
    se_null = math.sqrt(_fce_null_variance(rows, cols, pe) / n)
    low, high = _wald_interval(kappa, se, confidence)
    return KappaResult("cohen", kappa, se, se_null, low, high, po, pe, n, 2, cats, confidence, _SE_COHEN)


def _table_categories(table: Sequence[Sequence[int]], categories: Sequence[str] | None) -> tuple[str, ...]:
    q = len(table)
    if any(len(row) != q for row in table):
        raise ValueError("a contingency table must be square (q x q)")
    if any(not isinstance(x, int) or x < 0 for row in table for x in row):
        raise ValueError("contingency table cells must be non-negative integers")
    cats = tuple(categories) if categories is not None else tuple(str(k + 1) for k in range(q))
    if len(cats) != q:
        raise ValueError(f"{len(cats)} categories for a {q} x {q} table")
    _check_unique(cats)
    return cats


def _fce_variance(
    p: list[list[float]], rows: list[float], cols: list[float], kappa: float, pe: float
) -> float:
    """n * Var(kappa), Fleiss, Cohen & Everitt (1969), eq. 13 (valid whatever the true kappa)."""
    q, w = len(p), 1.0 - kappa
    diagonal = sum(p[i][i] * (1.0 - (rows[i] + cols[i]) * w) ** 2 for i in range(q))
    off = sum(p[i][j] * (cols[i] + rows[j]) ** 2 for i in range(q) for j in range(q) if i != j)
    return max(0.0, (diagonal + w * w * off - (kappa - pe * w) ** 2) / (1.0 - pe) ** 2)


def _fce_null_variance(rows: list[float], cols: list[float], pe: float) -> float:
    """n * Var(kappa) when the raters are independent (kappa = 0), Fleiss, Cohen & Everitt (1969)."""
    cross = sum(r * c * (r + c) for r, c in zip(rows, cols, strict=True))
    return max(0.0, (pe + pe * pe - cross) / (1.0 - pe) ** 2)


def _undefined_kappa(
    method: str,
    n: int,
    n_raters: int,
    cats: tuple[str, ...],
    confidence: float,
    reason: str,
    po: float | None = None,
    pe: float | None = None,
) -> KappaResult:
    se_method = _SE_COHEN if method == "cohen" else _SE_FLEISS
    blank = (None, None, None, None, None)
    return KappaResult(method, *blank, po, pe, n, n_raters, cats, confidence, se_method, reason)


# --- Fleiss' kappa ----------------------------------------------------------------------------


def fleiss_kappa(
    ratings: Sequence[Sequence[str]] | RatingCounts,
    *,
    categories: Sequence[str] | None = None,
    confidence: float = 0.95,
) -> KappaResult:
    """Fleiss' (1971) kappa for items each rated by the same number m >= 2 of raters.

    ``ratings`` is either one row of labels per item (the raters need not be the same people from item to
    item) or a :class:`RatingCounts` table. Items with different numbers of ratings raise ``ValueError``;
    use :func:`gwet_ac1`, which allows gaps, for such data.
    """
    _z(confidence)
    counts = _as_counts(ratings, categories)
    rows, cats = counts.rows, counts.categories
    if not rows:
        return _undefined_kappa("fleiss", 0, 0, cats, confidence, "no items have been rated")
    m = _common_rater_count(rows)
    n = len(rows)
    shares = [sum(col) / (n * m) for col in zip(*rows, strict=True)]
    po = fmean(_pairwise_agreement(row) for row in rows)
    pe = sum(s * s for s in shares)
    if pe >= _ONE:
        reason = "every rating is in the same category, so chance agreement is 1 and kappa is 0/0"
        return _undefined_kappa("fleiss", n, m, cats, confidence, reason, po, pe)
    kappa = (po - pe) / (1.0 - pe)
    se = _linearised_se(kappa, _fleiss_terms(rows, shares, kappa, pe))
    low, high = _wald_interval(kappa, se, confidence)
    se_null = _fleiss_null_se(shares, n, m)
    return KappaResult("fleiss", kappa, se, se_null, low, high, po, pe, n, m, cats, confidence, _SE_FLEISS)


def _common_rater_count(rows: Sequence[Sequence[int]]) -> int:
    sizes = {sum(row) for row in rows}
    if len(sizes) != 1:
        raise ValueError(
            f"Fleiss' kappa needs the same number of ratings for every item, got {sorted(sizes)}; "
            "use gwet_ac1 for incomplete data"
        )
    m = sizes.pop()
    if m < 2:
        raise ValueError("Fleiss' kappa needs at least two ratings per item")
    return m


def _fleiss_terms(rows: Sequence[Sequence[int]], shares: list[float], kappa: float, pe: float) -> list[float]:
    """Gwet's (2008) linearised per-item contributions kappa_i* (their mean is kappa)."""
    terms = []
    for row in rows:
        m = sum(row)
        kappa_i = (_pairwise_agreement(row) - pe) / (1.0 - pe)
        pe_i = sum(x / m * s for x, s in zip(row, shares, strict=True))
        terms.append(kappa_i - 2.0 * (1.0 - kappa) * (pe_i - pe) / (1.0 - pe))
    return terms


def _fleiss_null_se(shares: list[float], n: int, m: int) -> float:
    """Fleiss, Nee & Landis (1979): SE of kappa when agreement is only by chance."""
    pq = sum(s * (1.0 - s) for s in shares)
    skew = sum(s * (1.0 - s) * (1.0 - 2.0 * s) for s in shares)  # sum p_j q_j (q_j - p_j)
    variance = 2.0 / (n * m * (m - 1)) * (pq * pq - skew) / (pq * pq)
    return math.sqrt(max(0.0, variance))


# --- Gwet's AC1 -------------------------------------------------------------------------------


def gwet_ac1(
    ratings: Sequence[Sequence[Rating]] | RatingCounts,
    *,
    categories: Sequence[str] | None = None,
    confidence: float = 0.95,
) -> AC1Result:
    """Gwet's (2008) AC1 for two or more raters; items may have different numbers of ratings (None = gap).

    Observed agreement averages the items with at least two ratings; category prevalence uses every item
    with at least one. Pass ``categories`` to declare the whole scale: with ("include", "exclude") declared
    and every rating "include", AC1 is 1, whereas with only the labels seen there is one category and AC1
    is undefined.
    """
    _z(confidence)
    counts = _as_counts(ratings, categories)
    rows = [row for row in counts.rows if sum(row) > 0]
    cats, n = counts.categories, len(rows)
    n_raters = max((sum(row) for row in rows), default=0)
    reason = _ac1_undefined_reason(rows, cats)
    if reason:
        return _undefined_ac1(n, n_raters, cats, confidence, reason)
    prevalence = _prevalence(rows)
    po = fmean(_pairwise_agreement(row) for row in rows if sum(row) >= 2)
    pe = sum(p * (1.0 - p) for p in prevalence) / (len(cats) - 1)
    ac1 = (po - pe) / (1.0 - pe)
    two_raters = all(sum(row) == 2 for row in rows)
    se = _linearised_se(ac1, _ac1_terms(rows, prevalence, ac1, pe), two_rater_form=two_raters)
    low, high = _wald_interval(ac1, se, confidence)
    return AC1Result(ac1, se, low, high, po, pe, n, n_raters, cats, confidence, _SE_AC1)


def _ac1_undefined_reason(rows: Sequence[Sequence[int]], cats: tuple[str, ...]) -> str | None:
    if not rows:
        return "no items have been rated"
    if len(cats) < 2:
        return "AC1 needs at least two categories; pass categories= to declare the whole scale"
    if all(sum(row) < 2 for row in rows):
        return "no item has been rated by two or more raters"
    return None


def _prevalence(rows: Sequence[Sequence[int]]) -> list[float]:
    """pi_k: the mean over items of the share of that item's ratings in category k."""
    return [fmean(row[k] / sum(row) for row in rows) for k in range(len(rows[0]))]


def _ac1_terms(rows: Sequence[Sequence[int]], prevalence: list[float], ac1: float, pe: float) -> list[float]:
    """Gwet's (2008) linearised per-item contributions ac1_i* (their mean is AC1)."""
    n, q = len(rows), len(prevalence)
    n_multi = sum(1 for row in rows if sum(row) >= 2)
    terms = []
    for row in rows:
        r = sum(row)
        ac1_i = n / n_multi * (_pairwise_agreement(row) - pe) / (1.0 - pe) if r >= 2 else 0.0
        pe_i = sum(x / r * (1.0 - p) for x, p in zip(row, prevalence, strict=True)) / (q - 1)
        terms.append(ac1_i - 2.0 * (1.0 - ac1) * (pe_i - pe) / (1.0 - pe))
    return terms


def _undefined_ac1(n: int, n_raters: int, cats: tuple[str, ...], confidence: float, reason: str) -> AC1Result:
    return AC1Result(None, None, None, None, None, None, n, n_raters, cats, confidence, _SE_AC1, reason)


# --- percent agreement ------------------------------------------------------------------------


def percent_agreement(
    ratings: Sequence[Sequence[Rating]] | RatingCounts,
    *,
    categories: Sequence[str] | None = None,
) -> float | None:
    """Observed agreement as a fraction in [0, 1]: the share of agreeing rater pairs, averaged over items.

    With two raters this is simply the share of items they rated alike. Items with fewer than two ratings
    are skipped; None when no item has two.
    """
    counts = _as_counts(ratings, categories)
    shares = [_pairwise_agreement(row) for row in counts.rows if sum(row) >= 2]
    return fmean(shares) if shares else None
