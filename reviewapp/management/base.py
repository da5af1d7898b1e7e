"""Shared behaviour of the admin commands: a `--json` one-line summary and clear errors."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from .. import jobs
from ..models import Review


class ProgressPrinter:
    """A job's progress on the console (stderr, so ``--json`` output stays one clean line): one line
    rewritten in place on a terminal (at most 5 times a second, the last state when the job ends), else a
    line each time the job passes the next 10 % (or every 10 s when it cannot say how far it is)."""

    def __init__(self, stream, label: str, describe: Callable[[object, dict], tuple[float | None, str]]):
        self.stream, self.label, self.describe = stream, label, describe
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.last_at, self.last_fraction = 0.0, -1.0
        self.latest = self.written = ""
        self.lock = threading.Lock()  # reports may come from a task's thread

    def _write(self, text: str, ending: str | None = None) -> None:
        self.stream.write(text, style_func=lambda plain: plain, ending=ending)  # progress, not an error
        self.stream.flush()

    def __call__(self, job, progress: dict) -> None:
        with self.lock:
            self._report(*self.describe(job, progress))

    def _report(self, fraction: float | None, text: str) -> None:
        self.latest, now = text, time.monotonic()
        if self.tty:
            if now - self.last_at >= 0.2:
                self._write(f"\r{self.label}: {text}\033[K", ending="")
                self.written, self.last_at = text, now
            return
        if fraction is not None and fraction < self.last_fraction:  # the job's next phase starts from 0
            self.last_fraction = -1.0
        step = fraction is not None and int(fraction * 10) > int(self.last_fraction * 10)
        if step or (fraction is None and now - self.last_at >= 10):
            self._write(f"{self.label}: {text}")
            self.written, self.last_at = text, now
            self.last_fraction = fraction if fraction is not None else self.last_fraction

    def close(self) -> None:
        with self.lock:
            self._close()

    def _close(self) -> None:
        if not self.tty or not self.latest:
            return
        if self.latest != self.written:
            self._write(f"\r{self.label}: {self.latest}\033[K", ending="")
        self._write("")  # ends the line rewritten in place


class ReviewCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print a one-line JSON summary.")

    def review(self, slug: str) -> Review:
        review = Review.objects.filter(slug=slug).first()
        if review is None:
            raise CommandError(f"No review with the slug '{slug}'.")
        return review

    def owner_of(self, review: Review, username: str | None = None):
        User = get_user_model()
        if username:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user '{username}'.")
            return user
        member = review.memberships.filter(is_owner=True).select_related("user").first()
        return member.user if member else None

    @contextlib.contextmanager
    def progress(self, options, label: str, describe) -> Iterator[None]:
        """Print the progress of the jobs this command runs (none with ``--verbosity 0``)."""
        if options.get("verbosity", 1) == 0:
            yield
            return
        printer = ProgressPrinter(self.stderr, label, describe)
        try:
            with jobs.job_watch(printer):
                yield
        finally:
            printer.close()

    def finish(self, options, summary: dict, text: str) -> None:
        self.stdout.write(json.dumps(summary, default=str) if options["json"] else text)

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except ValidationError as exc:
            messages = (
                [f"{k}: {m}" for k, ms in exc.message_dict.items() for m in ms]
                if hasattr(exc, "error_dict")
                else exc.messages
            )
            raise CommandError("; ".join(messages)) from exc
