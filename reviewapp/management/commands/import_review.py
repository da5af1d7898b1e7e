from django.core.management.base import CommandError

from ...backup import BackupError, SlugTakenError, review_restore
from ..base import ReviewCommand


class Command(ReviewCommand):
    help = (
        "Restore a review backup (from backup_review or the Exports page) as a new review, in this or a "
        "fresh database. Users are matched by username; missing ones are created inactive."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file")
        parser.add_argument("--slug", help="Slug of the new review (default: the backed-up review's)")

    def handle(self, *args, **options):
        try:
            review = review_restore(source=options["file"], slug=options["slug"])
        except OSError as exc:
            raise CommandError(
                f"{exc.filename or options['file']}: {exc.strerror}. Nothing was changed."
            ) from exc
        except SlugTakenError as exc:
            raise CommandError(
                f"{options['file']}: {str(exc).rstrip('.')} (use --slug NEW). Nothing was changed."
            ) from exc
        except BackupError as exc:
            raise CommandError(f"{options['file']}: {exc} Nothing was changed.") from exc
        event = review.events.filter(verb="review.restored").latest("id")
        summary = {
            "review": review.slug,
            "rows": event.data["rows"],
            "users_created": event.data["users_created"],
        }
        created = event.data["users_created"]
        note = f" Created inactive users: {', '.join(created)}." if created else ""
        self.finish(options, summary, f"Restored {event.data['rows']} rows as review '{review.slug}'.{note}")
