"""Fault: PostgreSQL restarted under load. Requests must fail cleanly (503 JSON for the API, a 503 page
for people, never a 500) while it is down, and everything must work again once it is back.

Starts a throwaway PostgreSQL cluster (127.0.0.1:55432, in /tmp) and gunicorn (2 workers, 127.0.0.1:8398);
4 client threads read the API and a page while the cluster is stopped for --down seconds and started again.
Prints a JSON summary; exit status 0 when the contract held.

    .venv/bin/python benchmarks/faults_pg_restart.py [--down 4] [--after 8]
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections import Counter

import requests
from faults_common import PrivatePostgres, app_env, django_here, gunicorn, stop, tiny_review

PORT = 8398


def _sessions(base: str, token: str) -> list:
    """An API client (token) and a signed-in browser session (bob), made before the fault."""
    api = requests.Session()
    api.headers["Authorization"] = f"Token {token}"
    page = requests.Session()
    login = page.get(f"{base}/accounts/login/")
    signed_in = page.post(
        f"{base}/accounts/login/",
        data={
            "username": "bob",
            "password": "faults-pass-1",
            "csrfmiddlewaretoken": login.cookies["csrftoken"],
        },
        headers={"Referer": f"{base}/accounts/login/"},
        allow_redirects=False,
    )
    assert signed_in.status_code == 302, signed_in.status_code
    return [(api, f"{base}/api/v1/reviews/faults/records/", "api"), (page, f"{base}/reviews/faults/", "page")]


def _client(urls: list, log: list, stop_at: list) -> None:
    while not stop_at:
        for session, url, kind in urls:
            started = time.monotonic()
            try:
                r = session.get(url, timeout=15, allow_redirects=False)
                log.append((started, kind, r.status_code, r.headers.get("Content-Type", "").split(";")[0]))
            except requests.RequestException as exc:
                log.append((started, kind, type(exc).__name__, ""))
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--down", type=float, default=4.0, help="seconds PostgreSQL stays stopped")
    parser.add_argument("--after", type=float, default=8.0, help="seconds of load after it is back")
    args = parser.parse_args()
    pg = PrivatePostgres()
    server = None
    try:
        pg.start()
        env = app_env(pg.create_db("ra_faults"), TASKS_MODE="eager")
        django_here(env)
        _review, tokens = tiny_review()
        from django.db import connections

        connections.close_all()
        server = gunicorn(env, PORT)
        base = f"http://127.0.0.1:{PORT}"
        log: list = []
        done: list = []
        clients = [_sessions(base, tokens["bob"]) for _ in range(4)]
        threads = [threading.Thread(target=_client, args=(urls, log, done)) for urls in clients]
        for t in threads:
            t.start()
        time.sleep(4)
        down_at = time.monotonic()
        pg.stop()
        time.sleep(args.down)
        pg.start()
        up_at = time.monotonic()
        time.sleep(args.after)
        done.append(True)
        for t in threads:
            t.join(timeout=30)
        print(json.dumps(_summary(log, down_at, up_at), indent=1))
    finally:
        if server:
            stop(server)
        pg.remove()


def _summary(log, down_at, up_at) -> dict:
    phases = {"before": Counter(), "during": Counter(), "after_first_2s": Counter(), "after": Counter()}
    for started, kind, status, ctype in log:
        phase = (
            "before"
            if started < down_at
            else "during"
            if started < up_at
            else "after_first_2s"
            if started < up_at + 2
            else "after"
        )
        phases[phase][f"{kind} {status} {ctype}"] += 1
    flat = [(kind, status, ctype) for _, kind, status, ctype in log]
    ok_200 = {"api": (200, "application/json"), "page": (200, "text/html")}
    clean_503 = {"api": (503, "application/json"), "page": (503, "text/html")}
    result = {phase: dict(c) for phase, c in phases.items()}
    result["server_errors_500"] = sum(1 for _, status, _ in flat if status == 500)
    result["unclean_during_outage"] = sum(
        1
        for started, kind, status, ctype in log
        if down_at <= started < up_at and (status, ctype) not in (ok_200[kind], clean_503[kind])
    )
    result["recovered"] = all(
        (status, ctype) == ok_200[kind] for started, kind, status, ctype in log if started >= up_at + 2
    )
    result["outage_seen"] = sum(1 for _, status, _ in flat if status == 503) > 0
    result["contract_held"] = (
        result["server_errors_500"] == 0 and result["unclean_during_outage"] == 0 and result["recovered"]
    )
    return result


if __name__ == "__main__":
    main()
