"""Parse speed and peak memory of our RIS importer against ``rispy.load`` on a 100,000-record file.

    .venv/bin/python benchmarks/parse_bench.py [--records 100000] [--path benchmarks/.data/large.ris]

Prints one line of JSON. Each parser runs in its own child process so that one's peak RSS
does not hide the other's. ``make_large_ris`` is reused by the database import benchmark.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(__file__).resolve().parent / ".data"
SHARED_FORMATS = Path(os.environ.get("REVIEWAPP_SHARED_DATA", "/work/shared/data")) / "formats"
# Real exports from several databases, so the synthetic file mixes their RIS dialects.
TEMPLATE_FILES = (
    "ris_by_database/citesource_scopus_255.ris",
    "ris_by_database/citesource_WoS_79.ris",
    "ris_by_database/citesource_medline_84.ris",
    "ris_by_database/citesource_pubmed_46.ris",
    "endnote_xml/asysd_ris_export.ris.txt",
    "other_db/synthesisr_Ovid_ris_example.ris",
)
FALLBACK_TEMPLATE = """TY  - JOUR
TI  - Effect of an exercise programme on falls in older adults: a randomised trial
AU  - Smith, Jane
AU  - Müller, Jürgen
AU  - Иванов, Иван
T2  - Journal of Synthetic Studies
PY  - 2020///
VL  - 12
IS  - 3
SP  - 101
EP  - 109
DO  - 10.1000/synthetic
KW  - falls
KW  - exercise
AB  - {abstract}
ER  - """.format(abstract="Background: a synthetic abstract sentence with β-blockers. " * 38)
_TITLE_LINE = re.compile(r"^(TI|T1)  - (.*)$", re.MULTILINE)
_DOI_LINE = re.compile(r"^DO  - (.*)$", re.MULTILINE)
_ID_LINE = re.compile(r"^ID  - .*\n", re.MULTILINE)


def load_templates() -> list[str]:
    """Whole TY..ER entries from the shared real exports (or one built-in entry if they are absent)."""
    templates = []
    for name in TEMPLATE_FILES:
        path = SHARED_FORMATS / name
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
        for chunk in text.split("\nER  -"):
            start = chunk.find("TY  - ")
            if start >= 0:
                templates.append(chunk[start:].rstrip() + "\nER  - ")
    return templates or [FALLBACK_TEMPLATE]


def vary(template: str, number: int) -> str:
    """A copy of ``template`` with a unique ID, title and DOI, so no two synthetic records are duplicates."""
    entry = _ID_LINE.sub("", template)
    entry = entry.replace("\n", f"\nID  - synthetic-{number:07d}\n", 1)
    entry = _TITLE_LINE.sub(lambda m: f"{m.group(1)}  - {m.group(2)} (variant {number})", entry, count=1)
    return _DOI_LINE.sub(lambda m: f"DO  - {m.group(1).strip()}.v{number}", entry, count=1)


def make_large_ris(path: Path | str, n: int = 100_000) -> Path:
    """Write (or reuse) a UTF-8-with-BOM RIS file of ``n`` varied real records; return its path."""
    path = Path(path)
    meta = path.with_suffix(path.suffix + ".json")
    if path.exists() and meta.exists() and json.loads(meta.read_text()).get("records") == n:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    templates = load_templates()
    with path.open("w", encoding="utf-8-sig", newline="\n") as out:
        for number in range(n):
            out.write(vary(templates[number % len(templates)], number))
            out.write("\n\n")
    meta.write_text(json.dumps({"records": n, "bytes": path.stat().st_size}))
    return path


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _run_ours(path: Path) -> int:
    from reviewapp.importers import parse

    with path.open("rb") as stream:
        return sum(1 for _ in parse(stream, filename=path.name))


def _run_rispy(path: Path) -> int:
    import rispy

    with path.open(encoding="utf-8") as stream:  # rispy's documented usage
        return len(rispy.load(stream))


def _import_parser(parser: str) -> None:
    """Import before the clock starts: module loading is not parsing."""
    sys.path.insert(0, str(ROOT))
    __import__("reviewapp.importers" if parser == "ours" else "rispy")


def worker(parser: str, path: Path) -> dict[str, float | int | str]:
    """Time one parser in this process and report its own peak RSS.

    CPU time is reported next to wall time because this machine is shared: when other jobs
    compete for its two cores, wall time says more about them than about the parser.
    """
    _import_parser(parser)
    started, cpu_started = time.perf_counter(), time.process_time()
    records = _run_ours(path) if parser == "ours" else _run_rispy(path)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return {
        "records": records,
        "seconds": round(elapsed, 3),
        "records_per_s": round(records / elapsed),
        "cpu_seconds": round(cpu, 3),
        "records_per_cpu_s": round(records / cpu),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


def _in_child(parser: str, path: Path) -> dict[str, float | int | str]:
    command = [sys.executable, __file__, "--worker", parser, "--path", str(path)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--records", type=int, default=100_000)
    args.add_argument("--path", type=Path, default=None)
    args.add_argument("--worker", choices=("ours", "rispy"))
    args.add_argument("--skip-rispy", action="store_true")
    options = args.parse_args()
    path = options.path or DATA_DIR / f"large_{options.records}.ris"
    if options.worker:
        print(json.dumps(worker(options.worker, path)))
        return
    make_large_ris(path, options.records)
    result: dict[str, object] = {"file": str(path), "mb": round(path.stat().st_size / 2**20, 1)}
    result["load_avg_1m"] = round(os.getloadavg()[0], 2)
    result["ours"] = _in_child("ours", path)
    if not options.skip_rispy:
        result["rispy"] = _in_child("rispy", path)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
