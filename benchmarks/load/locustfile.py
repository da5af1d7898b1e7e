"""Load scenario (issue #12 point 7): 20 reviewers screening and 2 arbiters resolving conflicts on one
100,000-record review, through the REST API with token auth, against 127.0.0.1 only.

Run it through `make bench-load` (benchmarks/load/run.py sets up the database, gunicorn and the checks).
By hand:  locust -f benchmarks/load/locustfile.py --headless -u 22 -r 22 -t 5m --host http://127.0.0.1:8399
with LOAD_USERS=<the JSON file setup_load.py wrote> and LOAD_COUNTS=<where to write what was sent>.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
from collections import Counter
from urllib.parse import urlparse

from locust import HttpUser, between, events, task

with open(os.environ.get("LOAD_USERS", "/tmp/ra_load_users.json")) as _fh:
    USERS = json.load(_fh)
SLUG = USERS["slug"]
BASE = f"/api/v1/reviews/{SLUG}/screening"
_next = {"reviewer": itertools.count(), "arbiter": itertools.count()}
_lock = threading.Lock()
SENT: Counter = Counter()  # what the API acknowledged: votes created, repeats, conflicts resolved


@events.init.add_listener
def _only_localhost(environment, **kwargs):
    host = urlparse(environment.host or "").hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"this scenario only runs against 127.0.0.1, not {host!r}")


@events.test_stop.add_listener
def _write_counts(environment, **kwargs):
    with open(os.environ.get("LOAD_COUNTS", "/tmp/ra_load_counts.json"), "w") as fh:
        json.dump(dict(SENT), fh)


class _Member(HttpUser):
    abstract = True
    role = ""

    def on_start(self):
        with _lock:
            token = USERS[self.role + "s"][next(_next[self.role]) % len(USERS[self.role + "s"])]["token"]
        self.client.headers["Authorization"] = f"Token {token}"


class Reviewer(_Member):
    """Next record, read it for a moment, vote; now and then look at the progress."""

    fixed_count = 20
    role = "reviewer"
    wait_time = between(0.5, 2.0)

    @task(10)
    def screen(self):
        answer = self.client.get(f"{BASE}/queue/next/?stage=title_abstract", name="queue/next")
        record = answer.json().get("record") if answer.ok else None
        if not record:
            return
        decision = random.choices(["exclude", "include", "maybe"], weights=[7, 2, 1])[0]
        body = {"record": record["id"], "stage": "title_abstract", "decision": decision}
        with self.client.post(f"{BASE}/votes/", json=body, name="votes", catch_response=True) as vote:
            if vote.status_code == 201:
                SENT["votes_created"] += 1
                vote.success()
            elif vote.status_code == 200:
                SENT["votes_repeated"] += 1
                vote.success()
            elif vote.status_code == 400 and "complete" in vote.text:
                SENT["votes_refused_complete"] += 1  # two others were faster: the record closed meanwhile
                vote.success()
            else:
                vote.failure(f"{vote.status_code}: {vote.text[:200]}")

    @task(1)
    def progress(self):
        self.client.get(f"{BASE}/progress/?stage=title_abstract", name="progress")


class Arbiter(_Member):
    """Open conflicts, one at a time: read the two votes, decide."""

    fixed_count = 2
    role = "arbiter"
    wait_time = between(1.0, 3.0)

    @task
    def resolve(self):
        page = self.client.get(f"{BASE}/conflicts/?status=open&page_size=5", name="conflicts")
        conflicts = page.json().get("results", []) if page.ok else []
        if not conflicts:
            return
        conflict = random.choice(conflicts)
        self.client.get(f"{BASE}/conflicts/{conflict['id']}/", name="conflicts/{id}")
        decision = random.choice(["include", "exclude"])
        with self.client.post(
            f"{BASE}/conflicts/{conflict['id']}/resolve/",
            json={"decision": decision, "note": "load test"},
            name="conflicts/{id}/resolve",
            catch_response=True,
        ) as done:
            if done.status_code == 200:
                SENT["conflicts_resolved"] += 1
                done.success()
            elif done.status_code == 400:  # the other arbiter resolved it first
                SENT["conflicts_already_resolved"] += 1
                done.success()
            else:
                done.failure(f"{done.status_code}: {done.text[:200]}")
