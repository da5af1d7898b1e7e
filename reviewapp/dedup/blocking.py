"""Blocking: only records that share some cheap key are ever compared.

Each record emits a handful of keys (identifiers, whole title, first and last title words, first
author + year, volume + page, year + page, abstract opening). Records sharing a key form a block.
Small blocks yield all their pairs; an oversized block ("Wang" in 2015, a generic title) yields only
pairs of records that sit next to each other when the block is sorted by title, so the number of
pairs grows linearly with the number of records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from .prepare import Prepared

BLOCK_CAP = 30  # beyond this a block is compared by sorted neighbourhood only
WINDOW = 6  # neighbours each record meets in an oversized block
_TITLE_WORDS = 4  # words in the title-start / title-end keys; a typo spoils at most one of them
_ABSTRACT_KEY_CHARS = 60


def _identifier_keys(rec: Prepared) -> Iterator[str]:
    if rec.doi:
        yield rec.doi
    if rec.pmid:
        yield "pmid" + rec.pmid
    yield from rec.registry_ids


def _title_keys(rec: Prepared) -> Iterator[str]:
    if rec.title_key:
        yield rec.title_key
    yield from rec.title_alts  # the two halves of "Titre [Title]"


def _title_end_keys(rec: Prepared) -> Iterator[str]:
    words = rec.title.split()
    if len(words) > _TITLE_WORDS:
        yield "^" + " ".join(words[:_TITLE_WORDS])
        yield "$" + " ".join(words[-_TITLE_WORDS:])


def _author_keys(rec: Prepared) -> Iterator[str]:
    if rec.surnames and rec.year:
        yield f"{rec.surnames[0]}:{rec.year}"


def _page_keys(rec: Prepared) -> Iterator[str]:
    if rec.page_first and rec.volume:
        yield f"v{rec.volume}:{rec.page_first}"
    if rec.page_first and rec.year:
        yield f"y{rec.year}:{rec.page_first}"


def _abstract_keys(rec: Prepared) -> Iterator[str]:
    if len(rec.abstract) >= _ABSTRACT_KEY_CHARS:
        yield rec.abstract[:_ABSTRACT_KEY_CHARS]


# One family at a time, so only one family's blocks are in memory at once.
KEY_FAMILIES = (_identifier_keys, _title_keys, _title_end_keys, _author_keys, _page_keys, _abstract_keys)


def candidate_pairs(records: list[Prepared]) -> list[int]:
    """Every pair to compare, encoded as ``i * n + j`` with i < j (ints are far lighter than tuples)."""
    n = len(records)
    pairs: set[int] = set()
    for family in KEY_FAMILIES:
        blocks: dict[str, list[int]] = defaultdict(list)
        for rec in records:
            for key in family(rec):
                blocks[key].append(rec.index)
        for members in blocks.values():
            if len(members) > 1:
                pairs.update(_block_pairs(members, records, n))
    return sorted(pairs)


def _block_pairs(members: list[int], records: list[Prepared], n: int) -> Iterator[int]:
    """All pairs of a small block; title-sorted neighbours in an oversized one."""
    if len(members) <= BLOCK_CAP:
        for pos, i in enumerate(members):
            for j in members[pos + 1 :]:
                yield i * n + j if i < j else j * n + i
        return
    ordered = sorted(members, key=lambda index: records[index].title_key)
    for pos, i in enumerate(ordered):
        for j in ordered[pos + 1 : pos + 1 + WINDOW]:
            yield i * n + j if i < j else j * n + i
