"""Export a review's data: records with all decisions, the included records (RIS), extraction data, risk of
bias, analysis results, or all of them (one XLSX sheet or JSON key per section). Lives in synthesis, the top
layer, because it reads every app's data."""

from django.core.management.base import CommandError

from reviewapp.management.base import ReviewCommand
from synthesis import exports


class Command(ReviewCommand):
    help = (
        "Export a review: --what records|included|extraction|rob|analyses|all (default records) as "
        "--format csv|xlsx|json|ris. RIS holds the included records; csv holds one section."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("slug")
        parser.add_argument("--format", required=True, choices=list(exports.FORMATS))
        parser.add_argument("--what", default=None, choices=[*exports.SECTIONS, exports.ALL])
        parser.add_argument("--out", required=True, help="Output file path")

    def handle(self, *args, **options):
        review = self.review(options["slug"])
        fmt = options["format"]
        what = options["what"] or ("included" if fmt == "ris" else "records")
        try:
            content, rows = exports.render(review, what, fmt)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        try:
            with open(options["out"], "wb") as out:
                out.write(content)
        except OSError as exc:
            raise CommandError(f"{options['out']}: {exc.strerror}") from exc
        exports.export_log(review=review, actor=self.owner_of(review), what=what, fmt=fmt, rows=rows,
                           filters={"via": "command line"})  # fmt: skip
        summary = {"review": review.slug, "what": what, "format": fmt, "out": options["out"], "rows": rows}
        if what == "records":
            summary["records"] = rows  # the key earlier versions printed
        self.finish(options, summary, f"Wrote {rows} {what} rows to {options['out']}.")
