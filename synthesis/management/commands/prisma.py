"""`manage.py prisma <slug> --json`: the PRISMA 2020 counts (PRISMA2020 R package field names, plus the
per-source rows); `--svg/--png/--pdf FILE` write the diagram, `--csv FILE` the R package's template.
`--round N`: one round of searching; N >= 2 is an update, in the template for updated reviews
(`previous_studies`, `previous_reports`, `total_studies`, `total_reports`)."""

import csv
import json

from django.core.management.base import CommandError

from reviewapp.management.base import ReviewCommand
from reviewapp.selectors import rounds_of
from synthesis.prisma import render_figure, render_svg
from synthesis.prisma_selectors import prisma_counts


class Command(ReviewCommand):
    help = "Print the PRISMA 2020 counts of a review; write the flow diagram as SVG, PNG or PDF."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("slug")
        parser.add_argument("--svg", metavar="FILE")
        parser.add_argument("--png", metavar="FILE")
        parser.add_argument("--pdf", metavar="FILE")
        parser.add_argument("--csv", metavar="FILE", help="The PRISMA2020 R package's CSV template (data,n)")
        parser.add_argument(
            "--round",
            type=int,
            metavar="N",
            help="One round of searching (2 or more: an update of the review)",
        )

    def handle(self, *args, **options):
        review = self.review(options["slug"])
        number = options["round"]
        title = f"PRISMA 2020 flow diagram: {review.title}"
        if number is not None:
            chosen = rounds_of(review).filter(number=number).first()
            if chosen is None:
                known = ", ".join(str(r.number) for r in rounds_of(review)) or "none yet"
                raise CommandError(f"--round {number}: no such round in '{review.slug}' (rounds: {known}).")
            title += f", round {number} ({chosen.label}, {chosen.date:%Y-%m-%d})"
        counts = prisma_counts(review, number)
        if options["svg"]:
            with open(options["svg"], "w", encoding="utf-8") as out:
                out.write(render_svg(counts, title=title))
        for fmt in ("png", "pdf"):
            if options[fmt]:
                with open(options[fmt], "wb") as out:
                    out.write(render_figure(counts, fmt))
        if options["csv"]:
            with open(options["csv"], "w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(["data", "n"])
                writer.writerows(counts.to_prisma2020_csv_rows())
        data = counts.to_prisma2020()
        if options["json"]:
            self.stdout.write(json.dumps(data))
            return
        lines = [f"{key}: {value}" for key, value in data.items() if not isinstance(value, list)]
        self.stdout.write("\n".join(lines))
