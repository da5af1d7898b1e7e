"""The seed review's Table 3 (ROBINS-I for Lian 2022, Chin 2025, Jiang 2011), read from the seed text in
../shared/seeds/ (read in place, never copied)."""

import os

from tests.conftest import shared

SEED = shared("..", "seeds", "003_e448a89d27c1ab08.txt")
DASH = " – "  # the seed separates judgement and support with an en dash


def seed_table3() -> list[list[str]]:
    """Rows of Table 3 as tab-separated in the seed: header, seven domains, overall."""
    assert os.path.exists(SEED), SEED
    with open(SEED, encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("ROBINS-I domain\t"))
    rows = []
    for line in lines[start:]:
        rows.append(line.split("\t"))
        if line.startswith("Overall risk of bias"):
            return rows
    raise AssertionError("Table 3 has no overall row")


def split_cell(cell: str) -> tuple[str, str]:
    level, _, support = cell.partition(DASH)
    return level.strip(), support.strip()
