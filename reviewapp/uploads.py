"""Uploaded files: the one check that an upload has a file name we can store it under.

A multipart part sent with `filename=""` never arrives as a file (Django drops it), and one named " ", "/"
or ".." arrives but cannot be stored (the storage refuses the name). Both are answered as a clear message
on the field (a form error, or a JSON 400 from the API), never as a bare 400 page.
"""

from __future__ import annotations

from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.utils.text import get_valid_filename

NO_FILE = (
    "No file arrived: send it as multipart/form-data with a file name "
    '(Content-Disposition: form-data; name="{field}"; filename="export.ris").'
)
NO_FILE_WEB = "Choose at least one file to upload: no file arrived (a file without a name is not sent)."
NO_NAME = (
    "The uploaded file has no usable file name ({name!r}); rename it (e.g. export.ris) and upload it again."
)

# DRF FileField error messages: a blank file name arrives as no file, or as an empty text value
API_FILE_ERRORS = {key: NO_FILE.format(field="file") for key in ("required", "invalid", "no_name", "empty")}
API_FILE_ERRORS["empty"] = "The uploaded file is empty."


def upload_size(fileobj) -> int:
    """An upload's size in bytes: Django's uploads know it; a plain file is measured (and rewound)."""
    size = getattr(fileobj, "size", None)
    if size is None:
        fileobj.seek(0, 2)
        size = fileobj.tell()
        fileobj.seek(0)
    return size


def upload_name(name: str | None, *, field: str = "file") -> str:
    """The name to store an upload under; a ValidationError on `field` when it has none usable."""
    try:
        return get_valid_filename((name or "").strip())
    except SuspiciousFileOperation:
        raise ValidationError({field: NO_NAME.format(name=name or "")}) from None
