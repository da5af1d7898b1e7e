"""Which included reports are probably reports of the same study: shared trial registry ids or DOIs.

Pure Python, no Django. Reports are linked when they share a normalised registry id (NCT01234567,
ISRCTN12345678, ChiCTR..., ...) or a DOI; linked reports form a group (transitively). A group is suggested
unless all its reports are already in one study.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_SPACES = re.compile(r"[\s\-_]+")


@dataclass(frozen=True)
class Report:
    id: int
    registry_ids: Sequence[str] = ()
    doi: str = ""
    study_id: int | None = None


@dataclass(frozen=True)
class Suggestion:
    report_ids: tuple[int, ...]
    shared: tuple[str, ...]  # the identifiers that link them, e.g. ("NCT01234567", "doi:10.1/x")
    study_ids: tuple[int, ...] = field(default=())  # studies some of these reports are in already


def normalise_registry_id(value: str) -> str:
    return _SPACES.sub("", value or "").upper()


def normalise_doi(value: str) -> str:
    return _DOI_PREFIX.sub("", (value or "").strip()).strip().lower()


def _keys(report: Report) -> set[str]:
    keys = {normalise_registry_id(rid) for rid in report.registry_ids if normalise_registry_id(rid)}
    doi = normalise_doi(report.doi)
    if doi:
        keys.add(f"doi:{doi}")
    return keys


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def suggest_groups(reports: Iterable[Report]) -> list[Suggestion]:
    """Groups of two or more reports that share an identifier and are not yet all in one study."""
    reports = list(reports)
    by_key: dict[str, list[int]] = defaultdict(list)
    for report in reports:
        for key in _keys(report):
            by_key[key].append(report.id)
    links = _UnionFind()
    for ids in by_key.values():
        for other in ids[1:]:
            links.union(ids[0], other)
    groups: dict[int, list[Report]] = defaultdict(list)
    for report in reports:
        if report.id in links.parent:
            groups[links.find(report.id)].append(report)
    suggestions = [_suggestion(members, by_key) for members in groups.values() if len(members) > 1]
    return sorted((s for s in suggestions if s is not None), key=lambda s: s.report_ids)


def _suggestion(members: list[Report], by_key: dict[str, list[int]]) -> Suggestion | None:
    studies = {m.study_id for m in members}
    if len(studies) == 1 and None not in studies:
        return None  # already grouped
    ids = tuple(sorted(m.id for m in members))
    shared = tuple(sorted(key for key, key_ids in by_key.items() if len(key_ids) > 1 and key_ids[0] in ids))
    return Suggestion(ids, shared, tuple(sorted(s for s in studies if s is not None)))
