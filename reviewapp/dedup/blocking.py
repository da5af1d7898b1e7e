"""Blocking: only records that share some cheap key are ever compared.

Each record emits a handful of keys (identifiers, title words, first author + year, volume + page,
abstract opening). Records sharing a key form a block. Small blocks yield all their pairs; an
oversized block (a common surname, "Cochrane Database Syst Rev") yields only pairs of records that
sit next to each other when the block is sorted by title, so the number of pairs grows linearly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from .prepare import Prepared

BLOCK_CAP = 30  # beyond this a block is compared by sorted neighbourhood only
WINDOW = 6  # neighbours each record meets in an oversized block
_TITLE_WORDS = 4  # words in the title-start / title-end keys; a typo spoils at most one of them
_ABSTRACT_KEY_CHARS = 60


def record_keys(rec: Prepared) -> Iterator[str]:
    """The blocking keys of one record; prefixes keep the key families apart."""
    if rec.doi:
        yield "d" + rec.doi
    if rec.pmid:
        yield "p" + rec.pmid
    for registry_id in rec.registry_ids:
        yield "r" + registry_id
    if rec.title_key:
        yield "t" + rec.title_key
        if len(rec.words) > _TITLE_WORDS:
            yield "f" + " ".join(rec.words[:_TITLE_WORDS])
            yield "l" + " ".join(rec.words[-_TITLE_WORDS:])
    if rec.surnames and rec.year:
        yield f"a{rec.surnames[0]}:{rec.year}"
    if rec.page_first and rec.volume:
        yield f"v{rec.volume}:{rec.page_first}"
    if rec.page_first and rec.year:
        yield f"y{rec.year}:{rec.page_first}"
    if len(rec.abstract) >= _ABSTRACT_KEY_CHARS:
        yield "b" + rec.abstract[:_ABSTRACT_KEY_CHARS]


def candidate_pairs(records: list[Prepared]) -> list[int]:
    """Every pair to compare, encoded as ``i * n + j`` with i < j (ints are far lighter than tuples)."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for rec in records:
        for key in record_keys(rec):
            blocks[key].append(rec.index)
    n = len(records)
    pairs: set[int] = set()
    for members in blocks.values():
        if len(members) > 1:
            pairs.update(_block_pairs(members, records, n))
    return sorted(pairs)


def _block_pairs(members: list[int], records: list[Prepared], n: int) -> Iterator[int]:
    if len(members) <= BLOCK_CAP:
        for pos, i in enumerate(members):
            for j in members[pos + 1 :]:
                yield i * n + j if i < j else j * n + i
        return
    ordered = sorted(members, key=lambda index: records[index].title_key)
    for pos, i in enumerate(ordered):
        for j in ordered[pos + 1 : pos + 1 + WINDOW]:
            yield i * n + j if i < j else j * n + i
