from django.core.management.base import CommandError

from ...services.exports import export_review
from ..base import ReviewCommand


class Command(ReviewCommand):
    help = "Export every record of a review with its fields, sources and duplicate status."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("slug")
        parser.add_argument("--format", required=True, choices=["json", "csv"])
        parser.add_argument("--out", required=True, help="Output file path")

    def handle(self, *args, **options):
        review = self.review(options["slug"])
        try:
            with open(options["out"], "w", encoding="utf-8", newline="") as out:
                count = export_review(review=review, fmt=options["format"], out=out)
        except OSError as exc:
            raise CommandError(f"{options['out']}: {exc.strerror}") from exc
        self.finish(
            options,
            {"review": review.slug, "format": options["format"], "out": options["out"], "records": count},
            f"Wrote {count} records to {options['out']}.",
        )
