"""Connected components of matched pairs: A=B and B=C put A, B and C in one duplicate set."""

from __future__ import annotations

from collections.abc import Hashable, Iterable


def clusters(pairs: Iterable[tuple[Hashable, Hashable]]) -> list[set]:
    """Union-find over the pairs; each returned set holds the ids of one group of duplicates."""
    parent: dict[Hashable, Hashable] = {}

    def root(item: Hashable) -> Hashable:
        parent.setdefault(item, item)
        while parent[item] != item:
            parent[item] = parent[parent[item]]  # path halving keeps the trees flat
            item = parent[item]
        return item

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[rb] = ra
    groups: dict[Hashable, set] = {}
    for item in parent:
        groups.setdefault(root(item), set()).add(item)
    return list(groups.values())


def merges_keeping_apart(
    pairs: Iterable[tuple[Hashable, Hashable]], kept_apart: set
) -> tuple[list[tuple[Hashable, Hashable]], list[tuple[Hashable, Hashable]]]:
    """(accepted, refused): the pairs in their order, refusing each one that would put two records of
    `kept_apart` into one group, directly or through other pairs (A=C and C=B join A and B).

    Living reviews: two records that both already carry screening votes are never merged without a
    person, because one record's votes would be set aside."""
    parent: dict[Hashable, Hashable] = {}
    marked: dict[Hashable, bool] = {}

    def root(item: Hashable) -> Hashable:
        if item not in parent:
            parent[item], marked[item] = item, item in kept_apart
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    accepted, refused = [], []
    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra == rb:
            accepted.append((a, b))
        elif marked[ra] and marked[rb]:
            refused.append((a, b))
        else:
            parent[rb] = ra
            marked[ra] = marked[ra] or marked[rb]
            accepted.append((a, b))
    return accepted, refused
