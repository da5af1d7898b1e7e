"""One machinery for background jobs: imports, duplicate searches, and next analyses and exports.

A job is a row of a model that inherits `Job` (ImportBatch, DedupRun, ...). Its life:

    queued --job_claim--> running --job_succeed--> succeeded
                              \\--job_fail / lease expired--> failed     (a failed job can be started again)

- `job_enqueue("app.task_name", pk)` queues the Celery task by name once the transaction commits, in the
  three TASKS_MODE modes (celery: a worker; thread: a background thread of this process; eager: right
  after commit). Services never import tasks modules, tasks import services.
- `job_claim(Model, pk)` is idempotent: one conditional UPDATE (status queued -> running), so a second
  claim of the same job (a redelivered task, a double click) gets None and does nothing.
- `job_progress(job, ...)` keeps progress and the heartbeat in the job's row, where every web process sees
  it. Inside a long transaction (an all-or-nothing import) it writes through a second, autocommit
  connection on PostgreSQL, so the progress is visible before the import commits.
- `job_watch(callback)` lets this process follow every progress report as it happens (the management
  commands print it on the console).
- A running job whose heartbeat is older than JOB_LEASE_SECONDS lost its process (SIGKILL, OOM, a worker
  restart): `job_fail_stale` marks it failed on the next look, so it no longer blocks later runs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.db.utils import DatabaseError
from django.utils import timezone

log = logging.getLogger(__name__)
J = TypeVar("J", bound="Job")
STALE_ERROR = "The job stopped without finishing (its process went away); nothing was kept. Run it again."
HEARTBEAT_EVERY = 2.0  # seconds between progress writes


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)
FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED)


class Job(models.Model):
    """Abstract: the state of one background job, in its own row."""

    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Last sign of life while running")
    progress = models.JSONField(default=dict, blank=True, help_text="done / total and job-specific counts")
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "JOB_LEASE_SECONDS", 600))


# --- enqueue ------------------------------------------------------------------------------------------

_executor_lock = threading.Lock()
_executor: Any = None


def _task(name: str):
    from celery import current_app

    current_app.loader.import_default_modules()  # autodiscovered tasks modules
    return current_app.tasks[name]


def _run_in_thread(name: str, args: tuple) -> None:
    """One task on the pool's thread. Its database connections are closed at the end, also the persistent
    ones (CONN_MAX_AGE): a task is long and rare, and an idle pool thread holding a connection would keep it
    open for the life of the process (a test run's database could not be dropped)."""
    try:
        _task(name)(*args)
    except Exception:  # the task records its own failure; this only keeps the thread alive
        log.exception("background task %s failed", name)
    finally:
        connections.close_all()


PAUSED_ERROR = (
    "Background work is paused: the task queue (Redis) cannot be reached, so this job was not started and "
    "nothing was done. Start it again once background work is back."
)
BROKER_CHECK_EVERY = 15.0  # seconds a broker answer is trusted
_broker_seen: dict[str, float | bool] = {"at": 0.0, "up": True}


def background_paused() -> bool:
    """True when jobs cannot be queued: TASKS_MODE=celery and the broker does not answer. Asked by every
    page (the banner in base.html), so the answer is kept for BROKER_CHECK_EVERY seconds."""
    if settings.TASKS_MODE != "celery":
        return False
    now = time.monotonic()
    if now - float(_broker_seen["at"]) > BROKER_CHECK_EVERY:
        _broker_seen.update(at=now, up=_broker_answers())
    return not _broker_seen["up"]


def _broker_answers() -> bool:
    from celery import current_app

    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
        return True
    except Exception:  # any transport error means the same to people: background work is paused
        log.warning("the task queue (broker) does not answer", exc_info=True)
        return False


def _publish(task_name: str, args: tuple, job: Job | None) -> None:
    """Send the task to the broker; if it cannot be reached the job fails at once with a message saying
    so (nothing half-done, and it can be started again) instead of waiting forever or answering 500."""
    if background_paused():
        error: Exception | None = ConnectionError("broker down (recently checked)")
    else:
        try:
            _task(task_name).apply_async(args=args, retry=False)
            return
        except Exception as exc:  # kombu/redis transport errors; the job keeps the explanation
            error = exc
            _broker_seen.update(at=time.monotonic(), up=False)
    log.warning("could not queue %s%s: %s", task_name, args, error)
    if job is not None:
        job_fail(job, PAUSED_ERROR)


def job_enqueue(task_name: str, *args, job: Job | None = None) -> None:
    """Run the Celery task called `task_name` with `args` once the surrounding transaction commits. Pass
    the `job` row so that, with the broker down, it is failed with PAUSED_ERROR rather than left queued."""

    def dispatch() -> None:
        global _executor
        mode = settings.TASKS_MODE
        if mode == "celery":
            _publish(task_name, args, job)
        elif mode == "thread":
            from concurrent.futures import ThreadPoolExecutor

            with _executor_lock:
                if _executor is None:
                    _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reviewapp-task")
            _executor.submit(_run_in_thread, task_name, args)
        else:
            _task(task_name)(*args)

    transaction.on_commit(dispatch)


# --- claim / progress / succeed / fail -----------------------------------------------------------------


def job_claim(model: type[J], pk: int) -> J | None:
    """Start the queued job `pk`: exactly one caller gets the job (running), every other gets None."""
    now = timezone.now()
    claimed = model.objects.filter(pk=pk, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1, updated_at=now
    )
    if not claimed:
        return None
    _LOCAL.beat(model, pk)
    return model.objects.get(pk=pk)


def job_progress(job: Job, **progress: Any) -> None:
    """Record progress (e.g. done=, total=, records=) and a heartbeat; throttled to one write per
    HEARTBEAT_EVERY seconds. Visible to every web process, also from inside a long transaction."""
    _LOCAL.progress(type(job), job.pk, progress)
    for watcher in tuple(_WATCHERS):
        try:
            watcher(job, progress)
        except Exception:  # a console gone away (BrokenPipe) must not fail the job it watches
            with contextlib.suppress(ValueError):  # nor be tried again on every report (once is enough)
                _WATCHERS.remove(watcher)
            log.warning("progress watcher %r failed and is dropped; the job goes on", watcher, exc_info=True)
    if not _LOCAL.due(type(job), job.pk):
        return
    now = timezone.now()
    table = connection.ops.quote_name(type(job)._meta.db_table)
    aside = connection.in_atomic_block and connection.vendor == "postgresql"
    if aside and _write_aside(table, job.pk, progress, now):
        return
    # Outside a transaction, on SQLite (writers are serialised; the embedded server also reads this
    # process's copy, _LOCAL), or when the job's row was claimed in this very transaction.
    type(job).objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(progress=progress, heartbeat_at=now)


_WATCHERS: list[Callable[[Job, dict], None]] = []


@contextlib.contextmanager
def job_watch(callback: Callable[[Job, dict], None]) -> Iterator[None]:
    """Call ``callback(job, progress)`` on every progress report made in this process while the block
    runs, unthrottled (the caller throttles), from whichever thread reports it (so the callback must be
    thread-safe). A callback that raises is logged, dropped, and does not reach the job. Meant for the
    admin commands, one job at a time; a web process does not watch."""
    _WATCHERS.append(callback)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):  # dropped after it failed
            _WATCHERS.remove(callback)


def job_succeed(job: J, **values: Any) -> bool:
    """Mark the running job succeeded with `values` (its result fields). False if it was no longer
    running (marked failed as stale meanwhile): the caller then rolls its work back."""
    now = timezone.now()
    done = (
        type(job)
        .objects.filter(pk=job.pk, status=JobStatus.RUNNING)
        .update(
            status=JobStatus.SUCCEEDED, finished_at=now, heartbeat_at=now, error="", updated_at=now, **values
        )
    )
    _LOCAL.forget(type(job), job.pk)
    return bool(done)


def job_fail(job: Job, error: str, **values: Any) -> None:
    """Mark the job failed with the error text people see (a failed job can be started again)."""
    now = timezone.now()
    type(job).objects.filter(pk=job.pk).exclude(status=JobStatus.SUCCEEDED).update(
        status=JobStatus.FAILED, error=error[:4000], finished_at=now, updated_at=now, **values
    )
    _LOCAL.forget(type(job), job.pk)


def job_fail_stale(
    model: type[Job],
    *,
    queued: bool | dt.timedelta = False,
    queued_error: str = STALE_ERROR,
    **scope: Any,
) -> int:
    """Fail the running jobs (within `scope`, e.g. review=...) whose heartbeat is older than the lease:
    their process is gone. Jobs this process is running are never stale. With `queued`, also the jobs
    queued for longer than the lease, or than `queued` when it is a time (their task message was lost:
    only for jobs a worker always takes up within that time), with `queued_error`. Returns how many were
    failed."""
    now = timezone.now()
    stale = (
        model.objects.filter(status=JobStatus.RUNNING, **scope)
        .annotate(last_sign=Coalesce("heartbeat_at", "updated_at"))  # rows from before heartbeats
        .filter(last_sign__lt=now - lease())
    )
    stale = stale.exclude(pk__in=_LOCAL.running(model))
    waited = queued if isinstance(queued, dt.timedelta) else lease()
    waiting = model.objects.filter(status=JobStatus.QUEUED, created_at__lt=now - waited, **scope)
    failed = {"status": JobStatus.FAILED, "error": STALE_ERROR, "finished_at": now, "updated_at": now}
    try:
        lost = waiting.update(**{**failed, "error": queued_error}) if queued else 0
        return stale.update(**failed) + lost
    except DatabaseError:  # SQLite busy with the very job's transaction: look again next time
        log.warning("could not check %s for stale jobs", model.__name__)
        return 0


def job_refresh(job: J) -> J:
    """The job as it stands now, failed first if its lease expired (the "next look" of a progress page)."""
    if job.status == JobStatus.RUNNING and job_fail_stale(type(job), pk=job.pk):
        job.refresh_from_db()
    return job


def progress_of(job: Job) -> dict[str, Any]:
    """The job's latest progress: the row's, or this process's fresher copy (SQLite, mid-transaction)."""
    local = _LOCAL.latest(type(job), job.pk)
    return local if local is not None else dict(job.progress or {})


def fraction(done: float | int | None, total: float | int | None) -> float:
    return round(done / total, 4) if done and total else 0.0


# --- internals ------------------------------------------------------------------------------------------


def _write_aside(table: str, pk: int, progress: dict, now) -> bool:
    """UPDATE the job row through a second, autocommit connection (opened per write: one every
    HEARTBEAT_EVERY seconds at most). SKIP LOCKED: if this very transaction holds the row (the job was
    claimed inside it), skip rather than wait on ourselves. False if nothing was written."""
    import json

    side = connections.create_connection(DEFAULT_DB_ALIAS)
    side.settings_dict = dict(connection.settings_dict)  # the test database under pytest
    try:
        with side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET progress = %s, heartbeat_at = %s WHERE id = "  # noqa: S608
                f"(SELECT id FROM {table} WHERE id = %s AND status = 'running' FOR UPDATE SKIP LOCKED)",
                [json.dumps(progress), now, pk],
            )
            return cursor.rowcount > 0
    except DatabaseError:
        log.warning("progress of job %s not written aside", pk, exc_info=True)
        return False
    finally:
        side.close()


class _LocalJobs:
    """This process's running jobs: their latest progress and when their heartbeat was last written."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._beats: dict[tuple[str, int], float] = {}
        self._progress: dict[tuple[str, int], dict] = {}

    @staticmethod
    def _key(model, pk: int) -> tuple[str, int]:
        return (model._meta.label, pk)

    def beat(self, model, pk: int) -> None:
        with self._lock:
            self._beats[self._key(model, pk)] = time.monotonic()

    def progress(self, model, pk: int, progress: dict) -> None:
        with self._lock:
            self._progress[self._key(model, pk)] = dict(progress)
            self._beats.setdefault(self._key(model, pk), 0.0)

    def due(self, model, pk: int) -> bool:
        key, now = self._key(model, pk), time.monotonic()
        with self._lock:
            if now - self._beats.get(key, 0.0) < HEARTBEAT_EVERY:
                return False
            self._beats[key] = now
            return True

    def latest(self, model, pk: int) -> dict | None:
        with self._lock:
            found = self._progress.get(self._key(model, pk))
            return dict(found) if found is not None else None

    def running(self, model) -> list[int]:
        label = model._meta.label
        with self._lock:
            return [pk for (name, pk) in self._beats if name == label]

    def forget(self, model, pk: int) -> None:
        with self._lock:
            self._beats.pop(self._key(model, pk), None)
            self._progress.pop(self._key(model, pk), None)


_LOCAL = _LocalJobs()
