"""Fault: Redis (the Celery broker) goes down and comes back. Expected: screening keeps working (pages and
votes, progress: the cache on that Redis misses instead of failing), every page says background work is
paused, starting an import answers 202 and the import is
failed at once with that explanation (never a 500, never a job stuck in "queued"), and once Redis is back
the banner goes and imports run again.

Starts a throwaway PostgreSQL cluster (127.0.0.1:55434), a private Redis (127.0.0.1:56381), gunicorn
(127.0.0.1:8397) in celery mode and a Celery worker. Prints a JSON summary; exit 0 when the contract held.

    .venv/bin/python benchmarks/faults_redis_down.py
"""

from __future__ import annotations

import json
import sys
import time

import requests
from faults_common import PrivatePostgres, PrivateRedis, app_env, django_here, gunicorn, stop, tiny_review
from faults_common import worker as start_worker

PORT = 8397
RIS = b"TY  - JOUR\nTI  - Umbilical cord MSCs in type 2 diabetes\nPY  - 2021\nER  - \n"
CHECK_EVERY = 16  # the banner trusts a broker answer for 15 s (reviewapp.jobs.BROKER_CHECK_EVERY)


def _look(base, page, api, n: int) -> dict:
    screen = page.get(f"{base}/reviews/faults/screening/screen/title_abstract/")
    progress = api.get(f"{base}/api/v1/reviews/faults/screening/progress/")  # the cache is on that Redis too
    fragment = page.get(f"{base}/reviews/faults/screening/screen/title_abstract/progress/")
    nxt = api.get(f"{base}/api/v1/reviews/faults/screening/queue/next/").json()["record"]
    vote = api.post(
        f"{base}/api/v1/reviews/faults/screening/votes/",
        json={"record": nxt["id"], "decision": "include"},
    )
    upload = api.post(
        f"{base}/api/v1/reviews/faults/imports/",
        files={"file": (f"export-{n}.ris", RIS.replace(b"2021", str(2000 + n).encode()))},
        data={"source_name": "PubMed"},
    )
    for _ in range(240):  # the worker may be slow on a busy machine: wait for it to finish the import
        batch = api.get(f"{base}/api/v1/reviews/faults/imports/{upload.json()['id']}/").json()
        if batch["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.5)
    return {
        "screening_page": screen.status_code,
        "banner": 'data-testid="background-paused"' in screen.text,
        "progress_api": progress.status_code,
        "progress_page": fragment.status_code,
        "vote": vote.status_code,
        "import_answer": upload.status_code,
        "import_status": batch["status"],
        "import_error": batch.get("error", ""),
    }


def main() -> None:
    pg, redis = PrivatePostgres(port=55434), PrivateRedis(port=56381)
    server = worker = None
    try:
        pg.start()
        redis.start()
        env = app_env(pg.create_db("ra_faults"), TASKS_MODE="celery", CELERY_BROKER_URL=redis.url)
        django_here(env)
        _review, tokens = tiny_review()
        from django.db import connections

        connections.close_all()
        server = gunicorn(env, PORT)
        worker = start_worker(env, "celery")
        base = f"http://127.0.0.1:{PORT}"
        api = requests.Session()
        api.headers["Authorization"] = f"Token {tokens['bob']}"
        owner = requests.Session()
        owner.headers["Authorization"] = f"Token {tokens['alice']}"
        page = requests.Session()
        login = page.get(f"{base}/accounts/login/")
        page.post(
            f"{base}/accounts/login/",
            data={
                "username": "bob",
                "password": "faults-pass-1",
                "csrfmiddlewaretoken": login.cookies["csrftoken"],
            },
            headers={"Referer": f"{base}/accounts/login/"},
        )
        both = _Both(api, owner)
        summary = {"up": _look(base, page, both, 1)}
        redis.stop()
        time.sleep(CHECK_EVERY)
        summary["down"] = _look(base, page, both, 2)
        redis.start()
        stop(worker)
        worker = start_worker(env, "celery")
        time.sleep(CHECK_EVERY)
        summary["back"] = _look(base, page, both, 3)
        up, down, back = summary["up"], summary["down"], summary["back"]
        summary["contract_held"] = (
            up["screening_page"] == down["screening_page"] == back["screening_page"] == 200
            and all(look[k] == 200 for look in (up, down, back) for k in ("progress_api", "progress_page"))
            and not up["banner"]
            and down["banner"]
            and not back["banner"]
            and down["vote"] == 201
            and down["import_answer"] == 202
            and down["import_status"] == "failed"
            and "paused" in down["import_error"]
            and back["import_status"] == "succeeded"
        )
        print(json.dumps(summary, indent=1))
        sys.exit(0 if summary["contract_held"] else 1)
    finally:
        for proc in (worker, server):
            if proc:
                stop(proc)
        redis.stop()
        pg.remove()


class _Both:
    """Votes as the reviewer, imports as the owner."""

    def __init__(self, reviewer, owner):
        self.reviewer, self.owner = reviewer, owner

    def get(self, url, **kw):
        return (self.owner if "/imports/" in url else self.reviewer).get(url, **kw)

    def post(self, url, **kw):
        return (self.owner if "/imports/" in url else self.reviewer).post(url, **kw)


if __name__ == "__main__":
    main()
