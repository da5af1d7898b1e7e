"""Snapshot every decision reviewapp.dedup makes on the benchmark sets, to prove a change left them alone.

    .venv/bin/python benchmarks/dedup_snapshot.py save before.json        # before the change
    .venv/bin/python benchmarks/dedup_snapshot.py check before.json       # after: exit 1 on any difference
    .venv/bin/python benchmarks/dedup_snapshot.py save s.json --sets diabetes cardiac --no-grid

For each labelled set, its stress variant (``dedup_bench.perturb``) and the two dedupe-sweep libraries it
keeps every candidate of ``find_duplicates`` (ids, decision, score, reasons, guard); for the labelled sets
also every compared pair with its evidence (``compare_all``) and the candidates at every point of the
leave-one-set-out grid (``decide_all``). Speed work must leave all of these identical.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dedup_bench as bench  # noqa: E402

from reviewapp.dedup import Candidate, compare_all, decide_all, find_duplicates  # noqa: E402

SMALL_SETS = ("diabetes", "neuroimaging", "cardiac", "special_cases")


def _rows(candidates: list[Candidate]) -> list[list]:
    return sorted([str(c.a), str(c.b), c.decision, c.score, list(c.reasons), c.guard] for c in candidates)


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


def _records(name: str, stressed: bool) -> list:
    records = bench.load_bib_dedupe_csv(bench.set_dir(name) / "records_pre_merged.csv")
    return bench.perturb(records, seed=name) if stressed else records


def snapshot(names: list[str], grid: bool) -> dict:
    out: dict = {}
    runs = [(n, False) for n in names] + [(n, True) for n in names]
    for name, stressed in runs:
        key = name + (bench.STRESSED if stressed else "")
        records = _records(name, stressed)
        start, cpu = time.perf_counter(), time.process_time()
        rows = _rows(find_duplicates(records))
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        out[key] = {"candidates": rows, "digest": _digest(rows)}
        print(f"{key:<24} {len(rows):>6} candidates  {wall:6.2f} s wall {cpu:6.2f} s CPU", file=sys.stderr)
        if grid:
            compared = compare_all(records)
            evidence = sorted(
                [str(a.record_id), str(b.record_id), dataclasses.asdict(ev)] for a, b, ev in compared
            )
            out[key]["evidence"] = _digest(evidence)
            out[key]["compared"] = len(evidence)
            out[key]["grid"] = [_digest(_rows(decide_all(compared, t))) for t in bench.GRID]
    for name in bench.SWEEP_SETS:
        rows = _rows(find_duplicates(bench.sweep_records(name)[1]))
        out["sweep:" + name] = {"candidates": rows, "digest": _digest(rows)}
        print(f"{'sweep:' + name:<24} {len(rows):>6} candidates", file=sys.stderr)
    return out


def check(before: dict, after: dict) -> list[str]:
    problems = []
    for key, old in before.items():
        new = after.get(key)
        if new is None:
            problems.append(f"{key}: not in the new snapshot")
            continue
        for field in ("digest", "evidence", "compared", "grid"):
            if field in old and old[field] != new.get(field):
                problems.append(f"{key}: {field} differs")
        if old["digest"] != new["digest"]:
            gone = {json.dumps(r) for r in old["candidates"]} - {json.dumps(r) for r in new["candidates"]}
            came = {json.dumps(r) for r in new["candidates"]} - {json.dumps(r) for r in old["candidates"]}
            problems.extend(f"  - {row}" for row in sorted(gone)[:10])
            problems.extend(f"  + {row}" for row in sorted(came)[:10])
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("action", choices=("save", "check"))
    parser.add_argument("path", type=Path)
    parser.add_argument("--sets", nargs="+", choices=bench.SETS, default=list(SMALL_SETS))
    parser.add_argument("--no-grid", action="store_true", help="skip compare_all and the threshold grid")
    args = parser.parse_args(argv)
    result = snapshot(args.sets, grid=not args.no_grid)
    if args.action == "save":
        args.path.write_text(json.dumps(result))
        return 0
    before = json.loads(args.path.read_text())
    before = {key: value for key, value in before.items() if key in result}
    problems = check(before, result)
    print("\n".join(problems) or f"identical: {', '.join(before)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
