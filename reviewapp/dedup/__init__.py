"""Duplicate detection for bibliographic records (pure Python, no Django).

    candidates = find_duplicates(records)          # pairs: "auto" merges and a "review" queue
    groups = clusters((c.a, c.b) for c in candidates if c.decision == "auto")

Pipeline, one module each: ``prepare`` normalises every record once (titles without notices or
translations, surnames, journal words, volume/issue/page numbers, DOI/PMID/NCT); ``blocking`` pairs
only records that share a cheap key; ``compare`` measures field agreement with rapidfuzz;
``decide`` turns that evidence into "auto", "review" or nothing. The rules and their reasons are
in ``decide``; ``benchmarks/dedup_bench.py`` measures them on four labelled sets.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from rapidfuzz import fuzz

from .blocking import candidate_pairs
from .cluster import clusters, merges_keeping_apart
from .compare import Evidence, gather, journal_similarity
from .decide import DEFAULT, Thresholds, decide
from .model import AUTO, REVIEW, Candidate, DedupRecord
from .prepare import Prepared, author_key, forget_shared_dois, issue_facts, journal_facts
from .text import surname_key

__all__ = [
    "AUTO", "REVIEW", "Candidate", "DedupRecord", "Thresholds", "clusters", "compare_all", "decide_all",
    "find_duplicates", "merges_keeping_apart",
]  # fmt: skip

_PROGRESS_STEPS = 100
_MIN_TITLE_RATIO = 50  # pairs with less title overlap are compared only on a shared identifier or citation


def find_duplicates(
    records: Iterable[DedupRecord],
    *,
    progress: Callable[[int, int], None] | None = None,
    thresholds: Thresholds = DEFAULT,
) -> list[Candidate]:
    """Pairs of records that are the same publication ("auto") or may be ("review").

    Pipeline: normalise each record once (``prepare``), pair records sharing a blocking key
    (``blocking``), compare the fields of each pair (``compare``) and decide (``decide``).
    Records without a title are kept; they merge on a DOI or PMID only.

    ``progress(done, total)`` is called about a hundred times with ``total`` twice the number
    of records: the first half covers normalising, the second comparing.
    """
    found = []
    with _without_cycle_collection():
        for a, b, ev in _compared(records, progress):
            decision, score, reasons, guard = decide(a, b, ev, thresholds)
            if decision:
                found.append(_candidate(a.record_id, b.record_id, score, decision, reasons, guard))
    _forget_caches()
    return _collapse_review(found)


Compared = list[tuple[Prepared, Prepared, Evidence]]


def compare_all(records: Iterable[DedupRecord]) -> Compared:
    """Every compared pair with its evidence, for deciding many times over (threshold search)."""
    with _without_cycle_collection():
        compared = list(_compared(records, None))
    _forget_caches()
    return compared


def decide_all(compared: Compared, thresholds: Thresholds = DEFAULT) -> list[Candidate]:
    """``find_duplicates`` on pairs already compared by ``compare_all``."""
    found = []
    for a, b, ev in compared:
        decision, score, reasons, guard = decide(a, b, ev, thresholds)
        if decision:
            found.append(_candidate(a.record_id, b.record_id, score, decision, reasons, guard))
    return _collapse_review(found)


def _compared(
    records: Iterable[DedupRecord], progress: Callable[[int, int], None] | None
) -> Iterator[tuple[Prepared, Prepared, Evidence]]:
    records = list(records)
    n = len(records)
    report = _Progress(progress, n)
    prepared = []
    for index, record in enumerate(records):
        prepared.append(Prepared(index, record))
        report(0, index, n)
    forget_shared_dois(prepared)
    codes = candidate_pairs(prepared)
    for done, code in enumerate(codes):
        report(1, done, len(codes))
        a, b = prepared[code // n], prepared[code % n]
        if a.record_id == b.record_id or not _worth_comparing(a, b):
            continue
        yield a, b, gather(a, b)
    report.finish()


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """No cyclic garbage collection while the records are prepared and compared.

    The run allocates a few objects per record and pair and frees them without reference cycles,
    yet each of its allocations counts towards the collector's thresholds: on 80,000 records it ran
    about ten full collections, each walking every live object, a tenth of the run's CPU time.
    Collection resumes (if it was on) when the run ends or fails.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _forget_caches() -> None:
    """The name and journal caches only pay off within one run; a worker should not keep them."""
    for cached in (surname_key, author_key, journal_similarity, journal_facts, issue_facts):
        cached.cache_clear()


class _Progress:
    """Maps phase 0 (normalising) and phase 1 (comparing) onto 0..2n; calls back about every 1 %."""

    def __init__(self, callback: Callable[[int, int], None] | None, n: int) -> None:
        self.callback, self.half = callback, n
        self.step = max(2 * n // _PROGRESS_STEPS, 1)
        self.last = -self.step

    def __call__(self, phase: int, done: int, of: int) -> None:
        if self.callback is None:
            return
        position = phase * self.half + done * self.half // max(of, 1)
        if position - self.last >= self.step:
            self.last = position
            self.callback(position, 2 * self.half)

    def finish(self) -> None:
        if self.callback is not None:
            self.callback(2 * self.half, 2 * self.half)


def _collapse_review(found: list[Candidate]) -> list[Candidate]:
    """One review pair per two groups of auto-merged records, none inside a group.

    A human who confirms "A = B" merges A's and B's whole groups, so the other pairs between the
    same two groups would only ask the same question again.
    """
    auto = [c for c in found if c.decision == AUTO]
    groups = clusters((c.a, c.b) for c in auto)
    group_of = {record_id: n for n, group in enumerate(groups) for record_id in group}
    best: dict[frozenset, Candidate] = {}
    for c in found:
        if c.decision != REVIEW:
            continue
        key = frozenset((group_of.get(c.a, ("record", c.a)), group_of.get(c.b, ("record", c.b))))
        if len(key) == 2 and (key not in best or c.score > best[key].score):
            best[key] = c
    return auto + sorted(best.values(), key=lambda c: -c.score)


def _worth_comparing(a: Prepared, b: Prepared) -> bool:
    """Cheap filter so that most blocked pairs cost one C-level string ratio."""
    if (
        (a.doi and a.doi == b.doi)
        or (a.pmid and a.pmid == b.pmid)
        or not a.registry_ids.isdisjoint(b.registry_ids)
    ):
        return True
    if a.page_first and a.page_first == b.page_first and a.volume == b.volume:
        return True
    if not a.title_key or not b.title_key:
        return False
    if a.title_alts or b.title_alts:
        return True
    return fuzz.ratio(a.title_key, b.title_key, score_cutoff=_MIN_TITLE_RATIO) > 0


def _candidate(
    x: int | str, y: int | str, score: float, decision: str, reasons: tuple[str, ...], guard: str
) -> Candidate:
    try:
        a, b = (x, y) if x < y else (y, x)  # type: ignore[operator]
    except TypeError:  # mixed int and str ids
        a, b = (x, y) if str(x) < str(y) else (y, x)
    return Candidate(a=a, b=b, score=score, decision=decision, reasons=reasons, guard=guard)
