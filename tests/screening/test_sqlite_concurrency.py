"""A double-submitted vote with reads alongside, on a SQLite file chosen through DATABASE_URL=sqlite:///...
or by default: every request answers (no 500 "database is locked") and the vote is stored once.

Runs `sqlite_double_submit.py` in a fresh process, since the settings are read once per process and the
suite's own SQLite database is in memory. (PostgreSQL: test_concurrency.py.)
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 8


@pytest.mark.parametrize("how", ["url", "default"])
def test_a_double_submit_on_sqlite_answers_every_request_and_stores_one_vote(tmp_path, how):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CELERY_", "REDIS_")) and k not in {"DATABASE_URL", "SQLITE_PATH"}
    }
    database = tmp_path / "reviewapp.sqlite3"
    env.update(DJANGO_SETTINGS_MODULE="reviewapp.settings", PYTHONPATH=str(ROOT), TASKS_MODE="eager")
    if how == "url":
        env["DATABASE_URL"] = f"sqlite:///{database}"
    else:
        env["SQLITE_PATH"] = str(database)
    script = Path(__file__).with_name("sqlite_double_submit.py")
    out = subprocess.run(
        [sys.executable, str(script), str(ROUNDS)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert (found["vendor"], found["database"]) == ("sqlite", str(database))
    for votes_and_reads in found["rounds"]:
        first, second, *reads = votes_and_reads
        assert sorted([first, second], key=str) == [200, 201], votes_and_reads
        assert reads == [200, 200], votes_and_reads
    assert found["votes"] == [1] * ROUNDS
    assert found["events"] == [1] * ROUNDS
