from django.core.management.base import CommandError

from ...backup import BackupError, backup_build, review_backup_write
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
        out = options["out"]
        try:
            backup = backup_build(review)
            if backup.is_zip and not out.endswith(".zip"):
                raise CommandError(
                    f"The review stores {len(backup.files)} files: name the output *.zip, not {out}."
                )
            # a part file of its own (0600), renamed onto FILE when complete; then the audit event
            review_backup_write(review=review, out=out, backup=backup)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"{exc.filename or out}: {exc.strerror}") from exc
        rows = sum(backup.data["counts"].values())
        files = len(backup.data["files"])
        summary = {"review": review.slug, "out": out, "rows": rows, "files": files}
        missing = backup.data["missing_files"]
        if missing:
            summary["missing_files"] = missing
        self.finish(options, summary, f"Wrote {rows} rows and {files} files to {out}.")
