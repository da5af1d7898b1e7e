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
