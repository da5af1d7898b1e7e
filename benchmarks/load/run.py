"""`make bench-load`: 20 reviewers + 2 arbiters on a 100,000-record review for 5 minutes, under gunicorn
and PostgreSQL, driven by locust (headless, 127.0.0.1 only); then the checks. Prints one JSON summary.

1. (Re)creates the database `ra_load` on --pg, migrates, loads the records with COPY (as
   benchmarks/screening_bench.py does), 20 reviewers, 2 arbiters, an owner, API tokens; builds each
   reviewer's work list once (what the first visit would otherwise do inside a request).
2. Starts gunicorn on 127.0.0.1:--port with production settings (DEBUG off), runs
   benchmarks/load/locustfile.py for --minutes, stops gunicorn.
3. Checks: every vote the API acknowledged (201) is stored exactly once (no (record, stage, reviewer) twice,
   the count equals the 201s, one `vote.cast` audit event each), verdicts/conflicts are consistent, and the
   PRISMA 2020 boxes add up (PrismaCounts.check()).

    .venv/bin/python benchmarks/load/run.py [--pg postgres://postgres@127.0.0.1:5432] [--records 100000]
        [--minutes 5] [--port 8399] [--workers 3] [--db ra_load] [--redis redis://127.0.0.1:6379/7]

--redis is the cache the gunicorn workers share, as in production (the soft claims on a record being read
for its last vote live there); '' leaves each worker its own memory cache.

--db names the database (and the /tmp files of the run), so two people on one machine can each run it.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
DB = "ra_load"
USERS_FILE = "/tmp/ra_load_users.json"
COUNTS_FILE = "/tmp/ra_load_counts.json"
CSV_PREFIX = "/tmp/ra_load"


def _use_database(name: str) -> None:
    global DB, USERS_FILE, COUNTS_FILE, CSV_PREFIX
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"--db {name!r}: letters, digits and _ only")
    DB, USERS_FILE, COUNTS_FILE, CSV_PREFIX = (
        name,
        f"/tmp/{name}_users.json",
        f"/tmp/{name}_counts.json",
        f"/tmp/{name}",
    )


REDIS = {"url": ""}


def _env(pg: str) -> dict:
    return dict(
        os.environ,
        DATABASE_URL=f"{pg}/{DB}",
        DJANGO_SETTINGS_MODULE="reviewapp.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_HSTS_SECONDS="0",
        TASKS_MODE="eager",
        CELERY_BROKER_URL="",
        REDIS_URL=REDIS["url"],  # the cache the gunicorn workers share (as in production), or none
    )


def setup(pg: str, n_records: int) -> dict:
    import psycopg

    with psycopg.connect(f"{pg}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DB}")
        admin.execute(f"CREATE DATABASE {DB}")
    os.environ.update(_env(pg))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from rest_framework.authtoken.models import Token
    from screening_bench import ABSTRACT, _copy

    from reviewapp.models import ImportBatch, Membership, Record, Review, SearchSource
    from reviewapp.services.record_copy import RECORD_COLUMNS
    from screening.services.worklist import worklist_ensure_synced

    call_command("migrate", verbosity=0)
    User = get_user_model()
    review = Review.objects.create(slug="load", title="Load test review", records_version=1)
    owner = User.objects.create_user("owner", password="load-pass-1")
    Membership.objects.create(review=review, user=owner, is_owner=True)
    people = {"reviewers": [], "arbiters": []}
    for kind, n, role in (("reviewers", 20, "is_reviewer"), ("arbiters", 2, "is_arbiter")):
        for i in range(1, n + 1):
            user = User.objects.create_user(f"{kind[0]}{i:02d}", password="load-pass-1")
            Membership.objects.create(review=review, user=user, **{role: True})
            people[kind].append({"username": user.username, "token": Token.objects.create(user=user).key})
    source = SearchSource.objects.create(review=review, name="PubMed")
    batch = ImportBatch.objects.create(
        review=review,
        source=source,
        file_name="load.ris",
        sha256="0" * 64,
        status="succeeded",
        format="ris",
        records_count=n_records,
    )
    now = dt.datetime.now(dt.UTC)

    def row(i: int) -> tuple:  # the COPY row of record i
        return (
            review.pk,
            source.pk,
            batch.pk,
            i,
            f"K{i}",
            f"TY  - JOUR\nTI  - Record {i}\nER  - ",
            f"Umbilical cord MSCs in type 2 diabetes: trial {i}",
            ABSTRACT,
            '["Smith, J.", "Doe, A."]',
            2000 + i % 25,
            "Stem Cell Res Ther",
            "",
            "",
            "",
            f"10.1000/load.{i}",
            "",
            "[]",
            "[]",
            "",
            "",
            "",
            int(hashlib.sha256(f"{review.seed}:{i}".encode()).hexdigest()[:12], 16),
            "",
            "",
            now,
            now,
        )

    started = time.perf_counter()
    with transaction.atomic():
        _copy(Record._meta.db_table, RECORD_COLUMNS, (row(i) for i in range(1, n_records + 1)))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    for person in people["reviewers"]:
        worklist_ensure_synced(
            review=review, stage="title_abstract", reviewer=User.objects.get(username=person["username"])
        )
    worklists = time.perf_counter() - started
    with open(USERS_FILE, "w") as fh:
        json.dump({"slug": review.slug, **people}, fh)
    return {"records": n_records, "load_seconds": round(loaded, 1), "worklists_seconds": round(worklists, 1)}


def serve_and_load(pg: str, port: int, workers: int, minutes: float) -> dict:
    env = _env(pg)
    bin_dir = Path(sys.executable).parent
    gunicorn = subprocess.Popen(
        [
            str(bin_dir / "gunicorn"),
            "reviewapp.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "-k",
            "gthread",
            "--threads",
            "4",
            "--keep-alive",
            "30",
            "--timeout",
            "120",
            "--access-logfile",
            "/dev/null",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/accounts/login/")
        locust = subprocess.run(
            [
                str(bin_dir / "locust"),
                "-f",
                str(ROOT / "benchmarks/load/locustfile.py"),
                "--headless",
                "-u",
                "22",
                "-r",
                "22",
                "-t",
                f"{int(minutes * 60)}s",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                CSV_PREFIX,
                "--only-summary",
                "--stop-timeout",
                "10",
            ],
            cwd=ROOT,
            env=dict(env, LOAD_USERS=USERS_FILE, LOAD_COUNTS=COUNTS_FILE),
            capture_output=True,
            text=True,
            timeout=minutes * 60 + 180,
        )
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=60)
    if locust.returncode not in (0, 1):  # 1: some requests failed (reported below)
        raise SystemExit(locust.stdout[-3000:] + locust.stderr[-3000:])
    return _stats()


def _wait_for(url: str) -> None:
    for _ in range(600):  # a busy machine can take minutes to import Django in each worker
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer on {url}")


def _stats() -> dict:
    rows = {}
    with open(f"{CSV_PREFIX}_stats.csv") as fh:
        for r in csv.DictReader(fh):
            rows[r["Name"]] = {
                "requests": int(r["Request Count"]),
                "failures": int(r["Failure Count"]),
                "p50_ms": float(r["50%"] or 0),
                "p95_ms": float(r["95%"] or 0),
                "p99_ms": float(r["99%"] or 0),
                "rps": round(float(r["Requests/s"]), 1),
            }
    return rows


def verify() -> dict:
    from django.db import connection
    from django.db.models import Count

    from reviewapp.models import AuditEvent, Review
    from screening.models import Conflict, Verdict, Vote
    from synthesis.prisma_selectors import prisma_counts

    with open(COUNTS_FILE) as fh:
        sent = json.load(fh)
    review = Review.objects.get(slug="load")
    connection.close()
    votes = Vote.objects.filter(review=review)
    twice = votes.values("record", "stage", "reviewer").annotate(n=Count("id")).filter(n__gt=1).count()
    over = votes.values("record", "stage").annotate(n=Count("id")).filter(n__gt=review.votes_required).count()
    cast_events = AuditEvent.objects.filter(review=review, verb="vote.cast").count()
    both = Verdict.objects.filter(
        review=review, record__in=Conflict.objects.filter(review=review, status="open").values("record")
    ).count()
    counts = prisma_counts(review)
    counts.check()  # raises PrismaArithmeticError if a box does not add up
    result = {
        "votes_acknowledged_201": sent.get("votes_created", 0),
        # a reviewer voting on a record two others completed meanwhile: a 400, counted apart (not a failure)
        "votes_refused_complete": sent.get("votes_refused_complete", 0),
        "votes_stored": votes.count(),
        "vote_cast_events": cast_events,
        "same_vote_stored_twice": twice,
        "records_with_more_votes_than_required": over,
        "records_with_a_verdict_and_an_open_conflict": both,
        "verdicts": Verdict.objects.filter(review=review).count(),
        "conflicts_open": Conflict.objects.filter(review=review, status="open").count(),
        "conflicts_resolved": Conflict.objects.filter(review=review, status="resolved").count(),
        "prisma_adds_up": True,
        "prisma": counts.leaves(),
        "sent": sent,
    }
    result["every_vote_stored_exactly_once"] = (
        twice == 0 and over == 0 and result["votes_stored"] == result["votes_acknowledged_201"] == cast_events
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--port", type=int, default=8399)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--db", default=DB)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/7", help="the shared cache; '' for none")
    args = parser.parse_args()
    _use_database(args.db)
    REDIS["url"] = args.redis
    if args.redis:
        import redis

        redis.Redis.from_url(args.redis).flushdb()  # its own database number: no claims from an earlier run
    summary = {"setup": setup(args.pg, args.records)}
    summary["requests"] = serve_and_load(args.pg, args.port, args.workers, args.minutes)
    summary["checks"] = verify()
    summary["minutes"] = args.minutes
    summary["cache"] = args.redis or "per-process memory"
    print(json.dumps(summary, indent=1, default=str))
    ok = (
        summary["checks"]["every_vote_stored_exactly_once"]
        and summary["requests"]["Aggregated"]["failures"] == 0
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
