"""`manage.py start_round <slug> --label L [--date YYYY-MM-DD]`: the searches were run again; the imports
that follow form this update round and are de-duplicated against every record already in the review."""

import datetime as dt

from django.core.management.base import CommandError

from ...services.rounds import round_start
from ..base import ReviewCommand


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date {value}: give the date as YYYY-MM-DD.") from exc


class Command(ReviewCommand):
    help = "Start an update round of a living review (the searches were run again)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("slug")
        parser.add_argument("--label", required=True, help='e.g. "Update 2026"')
        parser.add_argument("--date", help="When the searches were run again (YYYY-MM-DD; default today)")
        parser.add_argument("--owner", help="Who starts it (default: the review's first owner)")

    def handle(self, *args, **options):
        review = self.review(options["slug"])
        date = _date(options["date"]) if options["date"] else None
        started = round_start(
            review=review, actor=self.owner_of(review, options["owner"]), label=options["label"], date=date
        )
        summary = {
            "review": review.slug,
            "round": started.number,
            "label": started.label,
            "date": started.date,
        }
        self.finish(options, summary, f"Round {started.number} ('{started.label}', {started.date}) started.")
