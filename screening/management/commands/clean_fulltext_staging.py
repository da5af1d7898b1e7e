"""Remove bulk full-text uploads left staged (uploaded, never attached nor discarded) for over a day.

Run it daily (cron, or a Celery beat entry): `manage.py clean_fulltext_staging [--hours 24]`. Each new bulk
upload also cleans its own review's stale batches."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from ...services.fulltext import STAGING_MAX_AGE, staging_clean


class Command(BaseCommand):
    help = "Remove staged bulk full-text uploads untouched for longer than --hours (default 24)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours",
            type=float,
            default=STAGING_MAX_AGE.total_seconds() / 3600,
            help="Age in hours after which an unfinished bulk upload is removed (default 24).",
        )

    def handle(self, *args, **options):
        hours = options["hours"]
        if hours < 0:
            raise CommandError(f"--hours must be 0 or more, not {hours:g}.")
        removed = staging_clean(older_than=timedelta(hours=hours))
        self.stdout.write(
            f"Removed {removed} staged bulk upload{'' if removed == 1 else 's'} older than {hours:g} h."
        )
