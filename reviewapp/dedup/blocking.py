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


Blocks = defaultdict[str, list[int]]

# Each family fills its blocks in one loop over the records (a generator per record and family cost
# more than the keys themselves).


def _identifier_keys(records: list[Prepared], blocks: Blocks) -> None:
    for rec in records:
        if rec.doi:
            blocks[rec.doi].append(rec.index)
        if rec.pmid:
            blocks["pmid" + rec.pmid].append(rec.index)
        for key in rec.registry_ids:
            blocks[key].append(rec.index)


def _title_keys(records: list[Prepared], blocks: Blocks) -> None:
    for rec in records:
        if rec.title_key:
            blocks[rec.title_key].append(rec.index)
        for key in rec.title_alts:  # the two halves of "Titre [Title]"
            blocks[key].append(rec.index)


def _title_end_keys(records: list[Prepared], blocks: Blocks) -> None:
    for rec in records:
        words = rec.title.split()
        if len(words) > _TITLE_WORDS:
            blocks["^" + " ".join(words[:_TITLE_WORDS])].append(rec.index)
            blocks["$" + " ".join(words[-_TITLE_WORDS:])].append(rec.index)


def _author_keys(records: list[Prepared], blocks: Blocks) -> None:
    for rec in records:
        if rec.surnames and rec.year:
            blocks[f"{rec.surnames[0]}:{rec.year}"].append(rec.index)


def _page_keys(records: list[Prepared], blocks: Blocks) -> None:
    for rec in records:
        if rec.page_first:
            if rec.volume:
                blocks[f"v{rec.volume}:{rec.page_first}"].append(rec.index)
            if rec.year:
                blocks[f"y{rec.year}:{rec.page_first}"].append(rec.index)


def _abstract_keys(records: list[Prepared], blocks: Blocks) -> None:
    for rec in records:
        if len(rec.abstract) >= _ABSTRACT_KEY_CHARS:
            blocks[rec.abstract[:_ABSTRACT_KEY_CHARS]].append(rec.index)


# One family at a time, so only one family's blocks are in memory at once.
KEY_FAMILIES = (_identifier_keys, _title_keys, _title_end_keys, _author_keys, _page_keys, _abstract_keys)


def candidate_pairs(records: list[Prepared]) -> list[int]:
    """Every pair to compare, encoded as ``i * n + j`` with i < j (ints are far lighter than tuples)."""
    n = len(records)
    pairs: set[int] = set()
    for family in KEY_FAMILIES:
        blocks: Blocks = defaultdict(list)
        family(records, blocks)
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
