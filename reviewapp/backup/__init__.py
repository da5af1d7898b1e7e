"""Lossless backup and restore of one review: every row of every model in `registry.BACKUP_MODELS`, the
users they name, and the stored files (import files, full-text PDFs).

The walk is generic: each app registers its models (`registry.backup_models`), and plan.py finds
for each one its path to the review (`review`, or through a foreign key to another backed-up model, like
`form__review`), its foreign keys, its file fields and the order rows must be written in (a foreign key's
target first; a key to the model itself is set in a second pass). A model that reaches a review but is
neither registered nor skipped on purpose (`registry.backup_skip`, for derived tables such as the screening
work list) makes every backup fail, so a new model cannot be left out silently.

Format: a JSON document (`backup.json`), or a zip holding the files under `files/` and then the JSON
(written last, with each file's checksum and size taken while it was copied; a reader finds it wherever it
is). Stored files are streamed in chunks (from storage into the zip; checked, then restored, from the
zip), never held in memory whole; the JSON document is (up to BACKUP_JSON_MAX_BYTES). A row may only name
a file the backup holds or lists as missing; a missing one is blanked on the restored row.

Rows keep their old ids; a restore writes new rows (new ids) and
renumbers every reference: foreign keys, the integer id columns registered with `ids=`, and the
audit-event data keys of `registry.backup_event_ids`. Users are matched by username; a user missing from
the database is created inactive, with no usable password, so an owner must reactivate them
(`manage.py changepassword`). Timestamps (created_at, updated_at, ...) are kept.
"""

from .archive import Backup, backup_build, backup_read, backup_save, review_backup_write
from .check import backup_check, slug_check
from .plan import BackupError, ModelPlan, backup_plan, coverage_problems, reaches_review
from .restore import SlugTakenError, review_restore, slug_free

__all__ = [
    "Backup",
    "BackupError",
    "ModelPlan",
    "SlugTakenError",
    "backup_build",
    "backup_check",
    "backup_plan",
    "backup_read",
    "backup_save",
    "coverage_problems",
    "reaches_review",
    "review_backup_write",
    "review_restore",
    "slug_check",
    "slug_free",
]
