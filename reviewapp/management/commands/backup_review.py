from django.core.management.base import CommandError

from ...backup import BackupError, backup_save, review_backup
from ..base import ReviewCommand


class Command(ReviewCommand):
    help = (
        "Back up one review losslessly: a JSON file, or a zip with the stored files (import files, full-text "
        "PDFs) when it has any. Restore it with import_review."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("slug")
        parser.add_argument(
            "--out",
            required=True,
            help="Output file (.json, or .zip when files are stored), mode 0600, replaced only when complete",
        )

    def handle(self, *args, **options):
        review = self.review(options["slug"])
        try:
            backup = review_backup(review=review)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        out = options["out"]
        if backup.is_zip and not out.endswith(".zip"):
            raise CommandError(
                f"The review stores {len(backup.files)} files: name the output *.zip, not {out}."
            )
        try:
            backup_save(backup=backup, path=out)  # FILE.part (0600), renamed onto FILE when complete
        except OSError as exc:
            raise CommandError(f"{exc.filename or out}: {exc.strerror}") from exc
        rows = sum(backup.data["counts"].values())
        summary = {"review": review.slug, "out": out, "rows": rows, "files": len(backup.files)}
        missing = backup.data["missing_files"]
        if missing:
            summary["missing_files"] = missing
        self.finish(options, summary, f"Wrote {rows} rows and {len(backup.files)} files to {out}.")
