import time

from django.core.management.base import CommandError

from ... import jobs
from ...services.duplicates import dedup_run_now
from ..base import ReviewCommand


class Command(ReviewCommand):
    help = "Find duplicate records: merge the sure ones, leave the uncertain pairs for a person to decide."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("slug")

    def handle(self, *args, **options):
        review = self.review(options["slug"])
        started = time.perf_counter()
        with self.progress(options, "Finding duplicates", _described):
            run = dedup_run_now(review=review, actor=self.owner_of(review))
        if not run.is_finished:
            raise CommandError(
                f"A duplicate search of '{review.slug}' is already {run.status}; try again later."
            )
        summary = {
            "review": review.slug,
            "records_checked": run.records_checked,
            "candidates": run.candidates_found,
            "auto_merged": run.auto_merged,
            "queued_for_review": run.queued_for_review,
            "seconds": round(time.perf_counter() - started, 2),
        }
        self.finish(
            options,
            summary,
            f"Checked {run.records_checked} records: {run.auto_merged} merged automatically, "
            f"{run.queued_for_review} pairs queued for a decision.",
        )


def _described(job, progress: dict) -> tuple[float | None, str]:
    fraction = jobs.fraction(progress.get("done"), progress.get("total"))
    return fraction, f"{fraction:.0%}"
