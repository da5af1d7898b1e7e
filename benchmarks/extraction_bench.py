"""Extraction speed: a 60-field form with 4 arms x 6 outcome rows, server time in-process.

Bob's and carol's extractions of one study are filled completely (every field, 4 arms, 6 outcomes x 4 arms);
then, through Django's test client (full middleware, session auth): bob renders his extraction page and
autosaves one field at a time (each save with the version the previous one answered), and the arbiter opens
the comparison of the two extractions. Query counts are recorded per request and must not vary. Prints one
JSON line.

The benchmark creates (and drops) its own database on the server given by --pg (PostgreSQL), or uses a
temporary SQLite file with --sqlite:
    .venv/bin/python benchmarks/extraction_bench.py [--pg postgres://postgres@127.0.0.1:5432] [--sqlite]
        [--iterations 200] [--keep]

Targets (issue 6): page render and one autosave p95 < 50 ms with a constant query count; comparison < 100 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "reviewapp_extraction_bench"
TYPES = ["text", "long_text", "integer", "decimal", "date", "yes_no", "single_choice", "multiple_choice"]


def _setup(pg: str | None, recreate: bool) -> None:
    if pg:
        import psycopg

        if recreate:
            with psycopg.connect(f"{pg}/postgres", autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
                admin.execute(f"CREATE DATABASE {DB_NAME}")
        os.environ["DATABASE_URL"] = f"{pg}/{DB_NAME}"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    os.environ.update(
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


def _field(i: int) -> dict:
    kind = TYPES[i % len(TYPES)]
    field = {"key": f"f{i}", "label": f"Field {i}", "type": kind}
    if kind in ("single_choice", "multiple_choice"):
        field["choices"] = [f"option {c}" for c in range(6)]
    if kind == "decimal":
        field.update(unit="mmol/L", units=["mg/dL"], min=0)
    return field


def _definition() -> dict:
    plain = [
        {"key": f"s{s}", "title": f"Section {s}", "fields": [_field(s * 10 + i) for i in range(10)]}
        for s in range(5)
    ]
    arms = {
        "key": "arms",
        "title": "Arms",
        "repeatable": True,
        "row_label": "Arm",
        "row_key": ["label"],
        "fields": [
            {"key": "label", "label": "Arm", "type": "text"},
            *({"key": f"a{i}", "label": f"Arm field {i}", "type": "decimal", "min": 0} for i in range(9)),
        ],
    }
    return {"title": "Benchmark form (60 fields)", "sections": [*plain, arms]}


def _value(field: dict, seed: int):
    kind = field["type"]
    return {
        "text": f"text {seed}",
        "long_text": f"a longer answer {seed}\nwith two lines",
        "integer": seed,
        "decimal": seed + 0.5,
        "date": "2021-03-04",
        "yes_no": seed % 2 == 0,
        "single_choice": "option 1",
        "multiple_choice": ["option 0", "option 2"],
    }[kind]


def _answers(definition: dict, seed: int) -> dict:
    answers: dict = {}
    for section in definition["sections"][:-1]:
        answers[section["key"]] = {f["key"]: _value(f, seed) for f in section["fields"]}
    answers["arms"] = [
        {"label": f"Arm {a}", **{f"a{i}": float(a * 10 + i + seed) for i in range(9)}} for a in range(4)
    ]
    return answers


def _outcomes(keys: list[str], seed: int) -> list[dict]:
    return [
        {
            "outcome": key,
            "time_point": "12 months",
            "data_type": "continuous",
            "measure": "final",
            "unit": "%",
            "arms": [
                {
                    "arm": f"Arm {a}",
                    "n": 30 + a,
                    "median": 7.0 + seed,
                    "q1": 6.0,
                    "q3": 8.5 + a / 10,
                    "minimum": 4.0,
                    "maximum": 11.0,
                }
                for a in range(4)
            ],
        }
        for key in keys
    ]


def _load() -> dict:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from extraction.models import Extraction, ExtractionStatus
    from extraction.services import consensus as consensus_services
    from extraction.services import forms as form_services
    from extraction.services import measures as measure_services
    from reviewapp.models import Membership, Review, Study

    users = get_user_model()
    review = Review.objects.create(slug="bench", title="Extraction benchmark")
    people = {}
    for name, roles in (
        ("alice", {"is_owner": True}),
        ("bob", {"is_reviewer": True}),
        ("carol", {"is_reviewer": True}),
        ("dave", {"is_arbiter": True}),
    ):
        people[name] = users.objects.create_user(name, password="bench-password-1")
        Membership.objects.create(review=review, user=people[name], **roles)
    study = Study.objects.create(review=review, label="Zang 2022")
    definition = _definition()
    form = form_services.form_create(review=review, actor=people["alice"], definition=definition)
    keys = []
    for i, name in enumerate(
        ["HbA1c", "Fasting glucose", "Postprandial glucose", "C-peptide", "Insulin dose", "HOMA-IR"]
    ):
        keys.append(
            measure_services.outcome_measure_create(
                review=review, actor=people["alice"], name=name, data_type="continuous", unit="%", key=f"o{i}"
            ).key
        )
    version = form_services.latest_version(form)
    extractions = []
    for seed, name in enumerate(("bob", "carol")):
        extractions.append(
            Extraction.objects.create(
                review=review,
                study=study,
                form=form,
                form_version=version,
                reviewer=people[name],
                answers=_answers(definition, seed),
                outcomes=_outcomes(keys, seed),
                status=ExtractionStatus.SUBMITTED,
                submitted_at=timezone.now(),
            )
        )
    conflict = consensus_services.consensus_settle_item(review=review, study_id=study.pk, form_id=form.pk)
    # bob's own draft of a second study: the page he renders and autosaves
    other = Study.objects.create(review=review, label="Lian 2022")
    draft = Extraction.objects.create(
        review=review,
        study=other,
        form=form,
        form_version=version,
        reviewer=people["bob"],
        answers=_answers(definition, 3),
        outcomes=_outcomes(keys, 3),
    )
    return {"people": people, "draft": draft.pk, "conflict": conflict.pk, "review": review}


def _timed(call, queries: list[int]):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        response = call()
        elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise SystemExit(f"HTTP {response.status_code}: {response.content[:300]!r}")
    queries.append(len(captured))
    return elapsed, response


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


def run(iterations: int) -> dict:
    from django.test import Client

    from extraction.models import ExtractionConflict

    data = _load()
    bob, dave = Client(), Client()
    bob.force_login(data["people"]["bob"])
    dave.force_login(data["people"]["dave"])
    base = "/reviews/bench/extraction"
    page_url, save_url = f"{base}/x/{data['draft']}/", f"{base}/x/{data['draft']}/save/"
    compare_url = f"{base}/conflicts/{data['conflict']}/"
    for _ in range(5):  # warm up templates, caches, connections
        bob.get(page_url)
        dave.get(compare_url)
    render, render_q = [], []
    save, save_q = [], []
    compare, compare_q = [], []
    version = None
    for i in range(iterations):
        ms, response = _timed(lambda: bob.get(page_url), render_q)
        render.append(ms)
        if version is None:
            version = int(response.content.decode().split('id="x-version" value="')[1].split('"')[0])
        path = ["s0.f0", "s1.f11", "arms.2.a4", "@outcomes.3.arms.1.median", "s4.f43"][i % 5]
        value = {
            "s0.f0": f"answer {i}",
            "s1.f11": str(i % 7 + 1),
            "arms.2.a4": f"{i}.5",
            "@outcomes.3.arms.1.median": f"7.{i % 10}",
            "s4.f43": str(i),
        }[path]
        body = {"path": path, path: value, "version": version}
        if path == "s1.f11":
            body[f"{path}__unit"] = "mmol/L"
        ms, response = _timed(lambda body=body: bob.post(save_url, body, HTTP_HX_REQUEST="true"), save_q)
        save.append(ms)
        version = int(response.content.decode().split('id="x-version" value="')[1].split('"')[0])
        ms, _ = _timed(lambda: dave.get(compare_url), compare_q)
        compare.append(ms)
    from extraction.selectors import comparison

    differences = len(comparison(ExtractionConflict.objects.get(pk=data["conflict"])))
    return {
        "benchmark": "extraction",
        "fields": 60,
        "arms": 4,
        "outcome_rows": 6,
        "iterations": iterations,
        "differences_compared": differences,
        "render_p95_ms": round(_p95(render), 2),
        "render_median_ms": round(statistics.median(render), 2),
        "render_queries": sorted(set(render_q)),
        "autosave_p95_ms": round(_p95(save), 2),
        "autosave_median_ms": round(statistics.median(save), 2),
        "autosave_queries": sorted(set(save_q)),
        "comparison_p95_ms": round(_p95(compare), 2),
        "comparison_median_ms": round(statistics.median(compare), 2),
        "comparison_queries": sorted(set(compare_q)),
        "targets": {"render_p95_ms": 50, "autosave_p95_ms": 50, "comparison_p95_ms": 100},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--sqlite", action="store_true", help="use a temporary SQLite file instead")
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database afterwards")
    args = parser.parse_args()
    pg = None if args.sqlite else args.pg
    _setup(pg, recreate=True)
    result = run(args.iterations)
    result["database"] = "sqlite" if pg is None else "postgresql"
    print(json.dumps(result))
    if pg and not args.keep:
        from django.db import connections

        connections.close_all()
        import psycopg

        with psycopg.connect(f"{pg}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")


if __name__ == "__main__":
    main()
