"""A Celery worker whose analyses are slow (each run sleeps before it computes), so that
faults_worker_kill.py can SIGKILL it in the middle of an analysis. Arguments are the `celery worker` ones."""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings")

import django  # noqa: E402

django.setup()

from reviewapp.celery import app  # noqa: E402
from synthesis import services  # noqa: E402

_compute = services.run_analysis


def _slow(*args, **kwargs):
    kwargs["progress"](0, 1, "computing (slowed down for the fault test)")
    time.sleep(float(os.environ.get("SLOW_ANALYSIS_SECONDS", "60")))
    return _compute(*args, **kwargs)


services.run_analysis = _slow
app.worker_main(sys.argv[1:] or ["worker", "-P", "solo"])
