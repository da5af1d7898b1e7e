"""Duplicate detection for bibliographic records (pure Python, no Django).

    candidates = find_duplicates(records)          # pairs: "auto" merges and a "review" queue
    groups = clusters((c.a, c.b) for c in candidates if c.decision == "auto")

See ``find_duplicates`` for the pipeline and the modules it names for each step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rapidfuzz import fuzz

from .blocking import candidate_pairs
from .cluster import clusters
from .compare import gather
from .decide import decide
from .model import AUTO, REVIEW, Candidate, DedupRecord
from .prepare import Prepared

__all__ = ["AUTO", "REVIEW", "Candidate", "DedupRecord", "clusters", "find_duplicates"]

_PROGRESS_STEPS = 100
_MIN_TITLE_RATIO = 50  # pairs with less title overlap are compared only on a shared identifier or citation


def find_duplicates(
    records: Iterable[DedupRecord], *, progress: Callable[[int, int], None] | None = None
) -> list[Candidate]:
    """Pairs of records that are the same publication ("auto") or may be ("review").

    Pipeline: normalise each record once (``prepare``), pair records sharing a blocking key
    (``blocking``), compare the fields of each pair (``compare``) and decide (``decide``).
    ``progress(done, total)`` is called about a hundred times while pairs are compared.
    Records without a title are kept and can still match on DOI, PMID or a full citation.
    """
    prepared = [Prepared(index, record) for index, record in enumerate(records)]
    codes = candidate_pairs(prepared)
    n, total = len(prepared), len(codes)
    step = max(total // _PROGRESS_STEPS, 1)
    found = []
    for done, code in enumerate(codes):
        if progress and done % step == 0:
            progress(done, total)
        a, b = prepared[code // n], prepared[code % n]
        if a.record_id == b.record_id or not _worth_comparing(a, b):
            continue
        decision, score, reasons = decide(a, b, gather(a, b))
        if decision:
            found.append(_candidate(a.record_id, b.record_id, score, decision, reasons))
    if progress:
        progress(total, total)
    return _collapse_review(found)


def _collapse_review(found: list[Candidate]) -> list[Candidate]:
    """One review pair per two groups of auto-merged records, none inside a group.

    A human who confirms "A = B" merges A's and B's whole groups, so the other pairs between the
    same two groups would only ask the same question again.
    """
    auto = [c for c in found if c.decision == AUTO]
    group_of = {record_id: n for n, group in enumerate(clusters((c.a, c.b) for c in auto)) for record_id in group}
    best: dict[tuple, Candidate] = {}
    for c in found:
        if c.decision != REVIEW:
            continue
        x, y = group_of.get(c.a, ("record", c.a)), group_of.get(c.b, ("record", c.b))
        if x == y:
            continue
        key = (x, y) if str(x) <= str(y) else (y, x)
        if key not in best or c.score > best[key].score:
            best[key] = c
    return auto + sorted(best.values(), key=lambda c: -c.score)


def _worth_comparing(a: Prepared, b: Prepared) -> bool:
    """Cheap filter so that most blocked pairs cost one C-level string ratio."""
    if (a.doi and a.doi == b.doi) or (a.pmid and a.pmid == b.pmid):
        return True
    if a.page_first and a.page_first == b.page_first and a.volume == b.volume:
        return True
    if not a.title_key or not b.title_key:
        return False
    return fuzz.ratio(a.title_key, b.title_key, score_cutoff=_MIN_TITLE_RATIO) > 0


def _candidate(x: int | str, y: int | str, score: float, decision: str, reasons: tuple[str, ...]) -> Candidate:
    try:
        a, b = (x, y) if x < y else (y, x)  # type: ignore[operator]
    except TypeError:  # mixed int and str ids
        a, b = (x, y) if str(x) < str(y) else (y, x)
    return Candidate(a=a, b=b, score=score, decision=decision, reasons=reasons)
