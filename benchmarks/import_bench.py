"""End-to-end import benchmark: a 100,000-record RIS file parsed, normalised and stored in PostgreSQL.

Prints one JSON line comparing our import (records/s, peak RSS of the importing process, records stored)
with rispy's parse-only figures on the same file. Each measurement runs in a fresh subprocess so peak
RSS is that run's own. Needs PostgreSQL: BENCH_DATABASE_URL (default the local server).

    .venv/bin/python benchmarks/import_bench.py [--records 100000] [--runs 1]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / ".data"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/reviewapp_bench"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_import(path: str) -> dict:
    """Runs in the subprocess: fresh schema, one review, import the file, report."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings")
    os.environ["TASKS_MODE"] = "eager"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)
    from reviewapp.models import Record
    from reviewapp.services.imports import import_file_now
    from reviewapp.services.reviews import review_create, source_create

    owner = get_user_model().objects.create(username="bench")
    review = review_create(slug="bench", title="Import benchmark", owner=owner)
    source = source_create(review=review, actor=owner, name="Synthetic RIS")
    before = _peak_rss_mb()
    cpu_before = time.process_time()
    started = time.perf_counter()
    batch = import_file_now(review=review, source=source, actor=owner, path=path)
    seconds = time.perf_counter() - started
    python_cpu = time.process_time() - cpu_before
    stored = Record.objects.filter(batch=batch).count()
    return {
        "status": batch.status,
        "error": batch.error,
        "records": batch.records_count,
        "stored": stored,
        "seconds": round(seconds, 2),
        "records_per_s": round(batch.records_count / seconds),
        "python_cpu_s": round(python_cpu, 2),
        "peak_rss_mb": round(_peak_rss_mb()),
        "rss_before_import_mb": round(before),
    }


def child_rispy(path: str) -> dict:
    import rispy

    started = time.perf_counter()
    with open(path, encoding="utf-8") as handle:  # as a user would open it: BOM not stripped
        entries = rispy.load(handle)
    seconds = time.perf_counter() - started
    return {
        "records": len(entries),
        "seconds": round(seconds, 2),
        "records_per_s": round(len(entries) / seconds),
        "peak_rss_mb": round(_peak_rss_mb()),
    }


def _run_child(kind: str, path: Path, env: dict) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, f"--child-{kind}", str(path)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--child-import")
    parser.add_argument("--child-rispy")
    args = parser.parse_args()
    if args.child_import:
        print(json.dumps(child_import(args.child_import)))
        return
    if args.child_rispy:
        print(json.dumps(child_rispy(args.child_rispy)))
        return
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from parse_bench import make_large_ris

    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"large_{args.records}.ris"
    if not path.exists():
        make_large_ris(path, args.records)
    env = dict(os.environ, DATABASE_URL=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    env.pop("CELERY_BROKER_URL", None)
    _ensure_database(env["DATABASE_URL"])
    ours = [_run_child("import", path, env) for _ in range(args.runs)]
    rispy = _run_child("rispy", path, env)
    best = statistics.median(r["records_per_s"] for r in ours)
    result = {
        "benchmark": "import",
        "file_mb": round(path.stat().st_size / 2**20, 1),
        "records": args.records,
        "ours": ours,
        "ours_median_records_per_s": best,
        "rispy_parse_only": rispy,
        "rispy_lost_records": args.records - rispy["records"],
        "targets": {"records_per_s": 15000, "peak_rss_mb": 300},
    }
    print(json.dumps(result))


def _ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[-1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    main()
