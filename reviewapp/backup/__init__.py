"""Lossless backup and restore of one review: every row of every model in `registry.BACKUP_MODELS`, the
users they name, and the stored files (import files, full-text PDFs).

The walk is generic: each app registers its models (`registry.backup_models`), and plan.py finds
for each one its path to the review (`review`, or through a foreign key to another backed-up model, like
`form__review`), its foreign keys, its file fields and the order rows must be written in (a foreign key's
target first; a key to the model itself is set in a second pass). A model that reaches a review but is
neither registered nor skipped on purpose (`registry.backup_skip`, for derived tables such as the screening
work list) makes every backup fail, so a new model cannot be left out silently.

Format: a JSON document (`backup.json`), or a zip holding it and the files under `files/`. Stored files
are streamed in chunks (from storage into the zip; checked, then restored, from the zip), never held in
memory whole; the JSON document is. Rows keep their old ids; a restore writes new rows (new ids) and
renumbers every reference: foreign keys, the integer id columns registered with `ids=`, and the
audit-event data keys of `registry.backup_event_ids`. Users are matched by username; a user missing from
the database is created inactive, with no usable password, so an owner must reactivate them
(`manage.py changepassword`). Timestamps (created_at, updated_at, ...) are kept.
"""

from .archive import Backup, backup_build, backup_read, backup_save, review_backup
from .plan import BackupError, ModelPlan, backup_plan, coverage_problems, reaches_review
from .restore import review_restore

__all__ = [
    "Backup",
    "BackupError",
    "ModelPlan",
    "backup_build",
    "backup_plan",
    "backup_read",
    "backup_save",
    "coverage_problems",
    "reaches_review",
    "review_backup",
    "review_restore",
]
