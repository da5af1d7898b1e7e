"""What the fault scripts share: a throwaway PostgreSQL cluster and a private Redis (never the machine's
shared services), production-like settings, gunicorn / Celery worker processes, a tiny review.

Each script starts what it needs on its own ports under /tmp and removes it at the end."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres(*cmd: str) -> list[str]:
    """initdb/pg_ctl refuse to run as root: run them as the postgres user when we are root."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else list(cmd)


class PrivatePostgres:
    """initdb a cluster in /tmp, listening on 127.0.0.1:port only (trust auth); stop/start/restart it."""

    def __init__(self, port: int = 55432):
        self.port = port
        self.dir = tempfile.mkdtemp(prefix="ra-faults-pg-")
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "pg.log")
        subprocess.run(
            _as_postgres(
                str(PG_BIN / "initdb"), "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8"
            ),
            check=True,
            capture_output=True,
        )
        self.url = f"postgres://postgres@127.0.0.1:{port}"

    def _ctl(self, *args: str) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off"
        subprocess.run(
            _as_postgres(str(PG_BIN / "pg_ctl"), "-D", self.data, "-l", self.log, "-o", options, "-w", *args),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        self._ctl("start")

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast")

    def create_db(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"{self.url}/postgres", autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        return f"{self.url}/{name}"

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRedis:
    def __init__(self, port: int = 56379):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(50):
            if (
                subprocess.run(
                    ["redis-cli", "-p", str(self.port), "ping"], capture_output=True
                ).stdout.strip()
                == b"PONG"
            ):
                return
            time.sleep(0.1)
        raise SystemExit("private redis did not start")

    def stop(self) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


def app_env(database_url: str, **extra: str) -> dict:
    import secrets

    return dict(
        os.environ,
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="reviewapp.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_HSTS_SECONDS="0",
        MEDIA_ROOT=os.path.join(tempfile.gettempdir(), "ra-faults-media"),
        CELERY_BROKER_URL=extra.pop("CELERY_BROKER_URL", ""),
        **extra,
    )


def django_here(env: dict) -> None:
    """Set up Django in this process with the scripts' environment, and migrate."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def gunicorn(env: dict, port: int, workers: int = 2) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "reviewapp.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--access-logfile",
            "/dev/null",
            "--log-level",
            "error",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(600):  # a busy machine can take minutes to import Django in each worker
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2)
            return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def worker(env: dict, queue: str, *, script: str | None = None) -> subprocess.Popen:
    """A Celery worker (solo pool: the task runs in this very process, so SIGKILL kills it mid-task)."""
    argv = ["worker", "-P", "solo", "-Q", queue, "--without-heartbeat", "--without-gossip", "-l", "warning"]
    cmd = [sys.executable, script, *argv] if script else [str(BIN / "celery"), "-A", "reviewapp", *argv]
    return subprocess.Popen(cmd, cwd=ROOT, env=env)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def tiny_review(n_records: int = 20):
    """A review with an owner `alice`, reviewers `bob`/`carol`, an arbiter `dave`, `n_records` records;
    returns (review, tokens by username)."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from reviewapp.models import ImportBatch, Membership, Record, Review, SearchSource

    review = Review.objects.create(slug="faults", title="Fault injection review")
    tokens = {}
    for name, role in (
        ("alice", "is_owner"),
        ("bob", "is_reviewer"),
        ("carol", "is_reviewer"),
        ("dave", "is_arbiter"),
    ):
        user = get_user_model().objects.create_user(name, password="faults-pass-1")
        Membership.objects.create(review=review, user=user, **{role: True})
        tokens[name] = Token.objects.create(user=user).key
    source = SearchSource.objects.create(review=review, name="PubMed")
    batch = ImportBatch.objects.create(
        review=review, source=source, file_name="seed.ris", sha256="1" * 64, status="succeeded", format="ris"
    )
    Record.objects.bulk_create(
        Record(
            review=review,
            source=source,
            batch=batch,
            position=i,
            source_key=f"K{i}",
            raw="",
            title=f"Umbilical cord MSCs in type 2 diabetes {i}",
            abstract="Background.",
            sort_key=i * 7919 % 1000,
        )
        for i in range(1, n_records + 1)
    )
    from screening.services.worklist import worklist_build

    worklist_build(review_id=review.pk)  # what an import does (as a task) once its records are stored
    return review, tokens


def synthetic_ris(path: str, n: int) -> str:
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(
                f"TY  - JOUR\nTI  - Synthetic trial {i} of perinatal stem cells in type 2 diabetes\n"
                f"AU  - Smith, J.\nPY  - {2000 + i % 25}\nJO  - Stem Cell Res Ther\nDO  - 10.1000/fault.{i}\n"
                f"AB  - {'Background: umbilical cord mesenchymal stromal cells. ' * 20}\nER  - \n\n"
            )
    return path
