"""Queue background work after the current transaction commits, in whichever mode the site runs.

celery: a worker picks it up (production). thread: a background thread of this process (the
embedded `make run` mode, so pages can show progress). eager: run right after commit (tests).
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, transaction

log = logging.getLogger(__name__)
_executor: ThreadPoolExecutor | None = None


def _run_in_thread(task, args) -> None:
    try:
        task(*args)
    except Exception:  # the task records its own failure; this only keeps the thread alive
        log.exception("background task %s failed", getattr(task, "name", task))
    finally:
        close_old_connections()


def enqueue(task, *args) -> None:
    """Run `task(*args)` once the surrounding transaction has committed."""

    def dispatch() -> None:
        global _executor
        mode = settings.TASKS_MODE
        if mode == "celery":
            task.delay(*args)
        elif mode == "thread":
            if _executor is None:
                _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reviewapp-task")
            _executor.submit(_run_in_thread, task, args)
        else:
            task(*args)

    transaction.on_commit(dispatch)
