"""The plain values that go into and come out of duplicate detection."""

from __future__ import annotations

from dataclasses import dataclass

AUTO = "auto"
REVIEW = "review"


@dataclass(frozen=True, slots=True)
class DedupRecord:
    """One bibliographic record as the matcher sees it; every field but ``id`` may be empty."""

    id: int | str
    title: str = ""
    authors: tuple[str, ...] = ()
    year: int | None = None
    journal: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    doi: str = ""  # lower case without URL prefix is expected, but anything DOI-like is tolerated
    pmid: str = ""
    registry_ids: tuple[str, ...] = ()  # NCT numbers
    abstract: str = ""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A pair of records judged to be the same publication (``auto``) or possibly so (``review``)."""

    a: int | str  # the two record ids, ``a`` sorts before ``b``
    b: int | str
    score: float  # 0..1
    decision: str  # AUTO or REVIEW
    reasons: tuple[str, ...]  # human-readable evidence, e.g. ("same DOI", "title 0.98")
    guard: str = ""  # why the pair is not merged automatically ("identifiers conflict: different DOI")
