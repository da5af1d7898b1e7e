"""Screening speed with 100,000 records on PostgreSQL: next record and cast a vote, server time in-process.

A review of 100,000 records (loaded with COPY, not through the import pipeline); bob and carol have ~30,000
votes each (25,000 on the same records: agreements and some conflicts; 5,000 each on records the other has not
seen); dave arbitrates. Then bob and carol screen (next record, vote) while dave resolves conflicts, all
at once in three processes (like three gunicorn workers), through Django's test client (the full middleware,
session auth and DRF stack). Prints one JSON line.

The benchmark creates (and drops) its own database on the server given by --pg:
    .venv/bin/python benchmarks/screening_bench.py [--pg postgres://postgres@127.0.0.1:5432]
        [--records 100000] [--iterations 400] [--keep]

Target (issue 3): p95 under 30 ms for next record and for a vote.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "reviewapp_screening_bench"
ABSTRACT = (
    "Background: mesenchymal stromal cells from the umbilical cord were given to adults with type 2 "
    "diabetes. Methods: randomised, placebo-controlled; HbA1c, C-peptide and insulin dose at 12 months. "
    "Results: HbA1c fell by 1.1 percentage points; no serious adverse events were attributed to the "
    "infusion. Conclusions: perinatal MSCs may improve glycaemic control. "
) * 2


def _setup(pg: str, recreate: bool) -> None:
    import psycopg

    if recreate:
        with psycopg.connect(f"{pg}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
            admin.execute(f"CREATE DATABASE {DB_NAME}")
    os.environ.update(
        DATABASE_URL=f"{pg}/{DB_NAME}",
        DJANGO_SETTINGS_MODULE="reviewapp.settings",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        TASKS_MODE="eager",
        DJANGO_HSTS_SECONDS="0",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _copy(table: str, columns: list[str], rows) -> None:
    from django.db import connection

    connection.ensure_connection()
    with (
        connection.connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _load(n_records: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from reviewapp.models import ImportBatch, Membership, Record, Review, SearchSource
    from reviewapp.services.record_copy import RECORD_COLUMNS

    users = {
        name: get_user_model().objects.create_user(name, password="bench-pass-1")
        for name in ("alice", "bob", "carol", "dave")
    }
    review = Review.objects.create(slug="bench", title="Benchmark review", records_version=1)
    Membership.objects.create(review=review, user=users["alice"], is_owner=True)
    for name, role in (("bob", "is_reviewer"), ("carol", "is_reviewer"), ("dave", "is_arbiter")):
        Membership.objects.create(review=review, user=users[name], **{role: True})
    source = SearchSource.objects.create(review=review, name="PubMed")
    batch = ImportBatch.objects.create(
        review=review,
        source=source,
        file_name="bench.ris",
        sha256="0" * 64,
        status="succeeded",
        format="ris",
        records_count=n_records,
    )
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    with transaction.atomic():
        _copy(
            Record._meta.db_table,
            RECORD_COLUMNS,
            (
                (
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
                    f"10.1000/bench.{i}",
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
                for i in range(1, n_records + 1)
            ),
        )
    load_seconds = time.perf_counter() - started
    ids = list(Record.objects.filter(review=review).order_by("sort_key").values_list("id", flat=True))
    _load_votes(review, users, ids, now)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"review": review, "users": users, "record_load_seconds": round(load_seconds, 1)}


def _load_votes(review, users, ids, now) -> None:
    """bob: the first 30,000 records in queue order; carol: the first 25,000 and 5,000 others."""
    from django.db import transaction

    from screening.models import Conflict, Verdict, Vote

    bob, carol = users["bob"].pk, users["carol"].pk
    both, bob_only, carol_only = ids[:25_000], ids[25_000:30_000], ids[30_000:35_000]
    conflict = {pk for k, pk in enumerate(both) if k % 20 == 0}  # 5% disagree
    votes, verdicts, conflicts = [], [], []
    for k, pk in enumerate(both):
        day = now - dt.timedelta(days=30 - k // 1000)
        carol_says = "exclude" if pk in conflict else ("include" if k % 10 == 0 else "exclude")
        bob_says = "include" if pk in conflict or k % 10 == 0 else "exclude"
        votes += [
            (review.pk, pk, "title_abstract", bob, bob_says, "", day, day),
            (review.pk, pk, "title_abstract", carol, carol_says, "", day, day),
        ]
        if pk in conflict:
            conflicts.append((review.pk, pk, "title_abstract", "open", day, day))
        else:
            verdicts.append((review.pk, pk, "title_abstract", bob_says, "agreement", "", day, day))
    votes += [(review.pk, pk, "title_abstract", bob, "exclude", "", now, now) for pk in bob_only]
    votes += [(review.pk, pk, "title_abstract", carol, "exclude", "", now, now) for pk in carol_only]
    with transaction.atomic():
        _copy(
            Vote._meta.db_table,
            [
                "review_id",
                "record_id",
                "stage",
                "reviewer_id",
                "decision",
                "note",
                "created_at",
                "updated_at",
            ],
            votes,
        )
        _copy(
            Verdict._meta.db_table,
            ["review_id", "record_id", "stage", "decision", "method", "note", "created_at", "updated_at"],
            verdicts,
        )
        _copy(
            Conflict._meta.db_table,
            ["review_id", "record_id", "stage", "status", "created_at", "updated_at"],
            conflicts,
        )


def _percentiles(samples: list[float]) -> dict:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "p50": round(cuts[49], 2),
        "p95": round(cuts[94], 2),
        "max": round(max(samples), 2),
        "n": len(samples),
    }


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def _screen(user, iterations: int, out, barrier) -> None:
    """A reviewer's loop: fetch the next record, vote on it; time both requests."""

    client, nexts, votes = _client(user), [], []
    url = "/api/v1/reviews/bench/screening"
    client.get(f"{url}/queue/next/")  # warm the connection; the queue is already synced
    barrier.wait()
    for i in range(iterations):
        started = time.perf_counter()
        response = client.get(f"{url}/queue/next/")
        nexts.append((time.perf_counter() - started) * 1000)
        record = response.json()["record"]
        decision = "include" if i % 7 == 0 else "exclude"
        started = time.perf_counter()
        answer = client.post(
            f"{url}/votes/",
            {"record": record["id"], "stage": "title_abstract", "decision": decision},
            content_type="application/json",
        )
        votes.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 201, answer.content
    out.put((user.username, {"next": nexts, "vote": votes}))


def _arbitrate(user, iterations: int, out, barrier) -> None:
    from screening.models import Conflict

    client, times = _client(user), []
    url = "/api/v1/reviews/bench/screening"
    open_ids = list(
        Conflict.objects.filter(review__slug="bench", status="open")
        .order_by("id")
        .values_list("id", flat=True)[:iterations]
    )
    barrier.wait()
    for pk in open_ids:
        started = time.perf_counter()
        response = client.post(
            f"{url}/conflicts/{pk}/resolve/",
            {"decision": "include", "note": "bench"},
            content_type="application/json",
        )
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content
    out.put((user.username, {"resolve": times}))


def _work(target, username: str, iterations: int, out, barrier) -> None:
    """One worker process (as one gunicorn worker would be), with its own database connection."""
    from django.contrib.auth import get_user_model
    from django.db import connections

    connections.close_all()
    target(get_user_model().objects.get(username=username), iterations, out, barrier)
    connections.close_all()


def _query_counts(users) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(users["bob"])
    url = "/api/v1/reviews/bench/screening"
    with CaptureQueriesContext(connection) as nxt:
        record = client.get(f"{url}/queue/next/").json()["record"]
    with CaptureQueriesContext(connection) as vote:
        client.post(
            f"{url}/votes/",
            {"record": record["id"], "stage": "title_abstract", "decision": "exclude"},
            content_type="application/json",
        )
    return {"next": len(nxt), "vote": len(vote)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--iterations", type=int, default=400)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    args = parser.parse_args()
    _setup(args.pg, recreate=True)
    loaded = _load(args.records)
    review, users = loaded["review"], loaded["users"]

    from screening.models import QueueItem, Stage, Vote
    from screening.services.worklist import worklist_sync

    sync_ms = {}
    for name in ("bob", "carol"):
        started = time.perf_counter()
        worklist_sync(review=review, stage=Stage.TITLE_ABSTRACT, reviewer=users[name])
        sync_ms[name] = round((time.perf_counter() - started) * 1000, 1)
    queue_rows = QueueItem.objects.filter(review=review).count()
    from django.db import connections

    connections.close_all()  # the worker processes open their own
    context = multiprocessing.get_context("fork")
    queue, barrier = context.Queue(), context.Barrier(3)
    workers = [
        context.Process(target=_work, args=(_screen, "bob", args.iterations, queue, barrier)),
        context.Process(target=_work, args=(_screen, "carol", args.iterations, queue, barrier)),
        context.Process(target=_work, args=(_arbitrate, "dave", args.iterations // 2, queue, barrier)),
    ]
    for worker in workers:
        worker.start()
    out = dict(queue.get(timeout=600) for _ in workers)
    for worker in workers:
        worker.join()
    counts = _query_counts(users)
    result = {
        "benchmark": "screening",
        "records": args.records,
        "votes_before": {"bob": 30_000, "carol": 30_000},
        "votes_after": Vote.objects.filter(review=review).count(),
        "record_load_seconds": loaded["record_load_seconds"],
        "queue_rows_after_sync": queue_rows,
        "queue_sync_ms": sync_ms,
        "next_ms": _percentiles(out["bob"]["next"] + out["carol"]["next"]),
        "vote_ms": _percentiles(out["bob"]["vote"] + out["carol"]["vote"]),
        "resolve_ms": _percentiles(out["dave"]["resolve"]) if out["dave"]["resolve"] else None,
        "queries_per_request": counts,
        "concurrency": "bob and carol screening and dave resolving conflicts at once, one process each",
        "target_p95_ms": 30,
    }
    connections.close_all()
    if not args.keep:
        import psycopg

        with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
