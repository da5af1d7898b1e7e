import time

from ...models import DedupRun
from ...services.duplicates import dedup_run_execute
from ..base import ReviewCommand


class Command(ReviewCommand):
    help = "Find duplicate records: merge the sure ones, queue the uncertain pairs for a person."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("slug")

    def handle(self, *args, **options):
        review = self.review(options["slug"])
        started = time.perf_counter()
        run = DedupRun.objects.create(review=review, created_by=self.owner_of(review))
        run = dedup_run_execute(run_id=run.pk)
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
