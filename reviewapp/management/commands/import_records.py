import os

from django.core.management.base import CommandError

from ... import jobs
from ...importers.base import FORMATS
from ...models import ImportStatus
from ...services.imports import import_file_now
from ...services.reviews import source_get_or_create
from ..base import ReviewCommand


class Command(ReviewCommand):
    help = "Import an exported search result file into a review's search source (created if missing)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("slug")
        parser.add_argument("file")
        parser.add_argument("--source", required=True, help='Search source name, e.g. "PubMed/MEDLINE"')
        parser.add_argument("--format", default="auto", choices=["auto", *FORMATS])
        parser.add_argument(
            "--force", action="store_true", help="Import even if this file was imported before."
        )

    def handle(self, *args, **options):
        review = self.review(options["slug"])
        path = options["file"]
        if not os.path.isfile(path):
            raise CommandError(f"{path}: no such file.")
        actor = self.owner_of(review)
        source = source_get_or_create(review=review, actor=actor, name=options["source"])
        with self.progress(options, f"Importing {os.path.basename(path)}", _described):
            batch = import_file_now(
                review=review,
                source=source,
                actor=actor,
                path=path,
                fmt=options["format"],
                force=options["force"],
            )
        if batch.status == ImportStatus.FAILED:
            raise CommandError(batch.error)
        summary = {
            "review": review.slug,
            "source": source.name,
            "file": batch.file_name,
            "format": batch.format,
            "records": batch.records_count,
            "import_id": batch.pk,
            "sha256": batch.sha256,
            "status": batch.status,
        }
        self.finish(
            options,
            summary,
            f"Imported {batch.records_count} records from {batch.file_name} ({batch.format}) into "
            f"'{source.name}'.",
        )


def _described(batch, progress: dict) -> tuple[float | None, str]:
    """Records read so far and the share of the file; in an update round, then the comparison with the
    records already in the review, as a percent."""
    if "total" in progress:
        fraction = jobs.fraction(progress.get("done"), progress["total"])
        records = progress.get("records", 0)
        return fraction, f"{records:,} records read; comparing with the review {fraction:.0%}"
    fraction = jobs.fraction(progress.get("bytes"), batch.size) if batch.size else None
    share = f" ({fraction:.0%} of the file)" if fraction is not None else ""
    return fraction, f"{progress.get('records', 0):,} records read{share}"
