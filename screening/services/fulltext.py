"""Full-text retrieval of the records included at title/abstract, and the review's exclusion reasons."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.http import Http404
from django.template.defaultfilters import filesizeformat as format_bytes
from django.utils import timezone

from reviewapp.models import Record, Review
from reviewapp.permissions import membership_for
from reviewapp.services.audit import event_log, model_update
from reviewapp.uploads import upload_name

from .. import pdfmatch
from ..models import (
    ExclusionReason,
    Retrieval,
    RetrievalStatus,
    Stage,
    Verdict,
    VerdictDecision,
    Vote,
)
from .worklist import worklist_refresh_record

PDF_CONTENT_TYPES = {"application/pdf", "application/x-pdf"}
PDF_MAGIC = b"%PDF-"


# --- retrieval -----------------------------------------------------------------------------------


def _require_retriever(review: Review, actor) -> None:
    member = membership_for(actor, review)
    if member is None or not (member.is_owner or member.is_reviewer):
        raise PermissionDenied("Full texts are retrieved by the owner or the reviewers.")


def _sought(review: Review, actor, record_id: int) -> tuple[Record, Retrieval | None]:
    """The record, locked, if it was included at title/abstract (and so is sought for retrieval)."""
    _require_retriever(review, actor)
    record = (
        Record.objects.select_for_update(no_key=True)
        .only("id", "review_id", "sort_key", "duplicate_of_id", "removed_reason")
        .filter(review=review, pk=record_id)
        .first()
    )
    if record is None:  # another review's record does not exist for this one
        raise Http404("No such record in this review.")
    if record.duplicate_of_id or record.removed_reason:
        raise ValidationError({"record": "This record was merged into another or removed: not sought."})
    if not Verdict.objects.filter(
        record=record, stage=Stage.TITLE_ABSTRACT, decision=VerdictDecision.INCLUDE
    ).exists():
        raise ValidationError({"record": "Only records included at title/abstract are sought for retrieval."})
    return record, Retrieval.objects.filter(record=record).first()


def _check_pdf(upload) -> str:
    """Refuse anything but a PDF within the size limit; returns the file's sha256."""
    upload_name(getattr(upload, "name", ""))
    if upload.size > settings.FULLTEXT_MAX_BYTES:
        raise ValidationError(
            {
                "file": f"The file is {format_bytes(upload.size)}, larger than the limit of "
                f"{format_bytes(settings.FULLTEXT_MAX_BYTES)}."
            }
        )
    content_type = (getattr(upload, "content_type", "") or "").split(";")[0].strip().lower()
    if content_type not in PDF_CONTENT_TYPES:
        raise ValidationError(
            {"file": "Attach a PDF (the file was sent as “%s”)." % (content_type or "unknown")}
        )
    upload.seek(0)
    if upload.read(len(PDF_MAGIC)) != PDF_MAGIC:
        raise ValidationError({"file": "This file is not a PDF (it does not start with %PDF-)."})
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _save_retrieval(
    review: Review, record: Record, retrieval: Retrieval | None, actor, **values
) -> Retrieval:
    """Save the retrieval and put the report up for (or take it off) full-text screening.

    A replaced PDF stays in storage (its path is in the audit event): nothing is overwritten without a trace.
    """
    retrieval = retrieval or Retrieval(review=review, record=record)
    upload = values.pop("upload", None)
    if upload is not None:
        retrieval.file.save(f"{record.pk}.pdf", upload, save=False)
    for name, value in values.items():
        setattr(retrieval, name, value)
    retrieval.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    retrieval.save()
    worklist_refresh_record(review=review, record=record, stage=Stage.FULL_TEXT)
    return retrieval


def _require_no_fulltext_votes(record: Record) -> None:
    if Vote.objects.filter(record=record, stage=Stage.FULL_TEXT).exists():
        raise ValidationError(
            "Full-text screening of this report has started; its full text can be added to, not withdrawn."
        )


@transaction.atomic
def retrieval_attach_pdf(*, review: Review, actor, record_id: int, upload) -> Retrieval:
    """Store the report's PDF (through Django's storage API) and put the report up for full-text screening."""
    record, retrieval = _sought(review, actor, record_id)
    sha256 = _check_pdf(upload)
    retrieval = _save_retrieval(
        review,
        record,
        retrieval,
        actor,
        upload=upload,
        status=RetrievalStatus.RETRIEVED,
        file_name=(upload.name or "")[:255],
        size=upload.size,
        sha256=sha256,
        not_retrieved_reason="",
    )
    event_log(
        review=review,
        actor=actor,
        verb="retrieval.attached",
        record=record,
        file_name=retrieval.file_name,
        path=retrieval.file.name,
        size=upload.size,
        sha256=sha256,
    )
    return retrieval


@transaction.atomic
def retrieval_link(*, review: Review, actor, record_id: int, url: str) -> Retrieval:
    """Record where the report's full text is (a publisher page, a repository)."""
    record, retrieval = _sought(review, actor, record_id)
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError({"url": "Give an http(s) address."}) from None
    retrieval = _save_retrieval(
        review, record, retrieval, actor, status=RetrievalStatus.RETRIEVED, url=url, not_retrieved_reason=""
    )
    event_log(review=review, actor=actor, verb="retrieval.linked", record=record, url=url)
    return retrieval


@transaction.atomic
def retrieval_not_retrieved(*, review: Review, actor, record_id: int, reason: str) -> Retrieval:
    """Mark the report as sought but not retrieved (PRISMA: reports not retrieved), with the reason."""
    record, retrieval = _sought(review, actor, record_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the report could not be retrieved."})
    _require_no_fulltext_votes(record)
    before = retrieval.status if retrieval else "sought"
    retrieval = _save_retrieval(
        review,
        record,
        retrieval,
        actor,
        status=RetrievalStatus.NOT_RETRIEVED,
        not_retrieved_reason=reason,
        file="",
        url="",
        file_name="",
        size=0,
        sha256="",
    )
    event_log(
        review=review,
        actor=actor,
        verb="retrieval.not_retrieved",
        record=record,
        reason=reason,
        before=before,
    )
    return retrieval


# --- exclusion reasons ---------------------------------------------------------------------------


def _require_owner(review: Review, actor) -> None:
    member = membership_for(actor, review)
    if member is None or not member.is_owner:
        raise PermissionDenied("Only the owner configures exclusion reasons.")


@transaction.atomic
def exclusion_reason_create(
    *, review: Review, actor, label: str, stage: str = Stage.FULL_TEXT
) -> ExclusionReason:
    _require_owner(review, actor)
    label = (label or "").strip()
    if not label:
        raise ValidationError({"label": "A reason needs a text."})
    existing = ExclusionReason.objects.filter(review=review, stage=stage, label=label).first()
    if existing:
        if not existing.is_active:
            return exclusion_reason_update(reason=existing, actor=actor, is_active=True)
        raise ValidationError({"label": "This reason is in the list already."})
    last = ExclusionReason.objects.filter(review=review, stage=stage).aggregate(m=Max("position"))["m"]
    reason = ExclusionReason.objects.create(review=review, stage=stage, label=label, position=(last or 0) + 1)
    event_log(
        review=review,
        actor=actor,
        verb="exclusion_reason.created",
        reason=reason.pk,
        label=label,
        stage=stage,
    )
    return reason


@transaction.atomic
def exclusion_reason_update(
    *,
    reason: ExclusionReason,
    actor,
    label: str | None = None,
    is_active: bool | None = None,
    position: int | None = None,
) -> ExclusionReason:
    """Rename, reorder or (de)activate a reason; a used reason is never deleted, only deactivated."""
    _require_owner(reason.review, actor)
    if label is not None and not label.strip():
        raise ValidationError({"label": "A reason needs a text."})
    fields = {
        "label": label.strip() if label is not None else reason.label,
        "is_active": reason.is_active if is_active is None else is_active,
        "position": reason.position if position is None else position,
    }
    model_update(
        instance=reason,
        fields=fields,
        actor=actor,
        verb="exclusion_reason.updated",
        clean=_unique_reason,
        reason=reason.pk,
    )
    return reason


def _unique_reason(reason: ExclusionReason) -> None:
    others = ExclusionReason.objects.filter(review=reason.review_id, stage=reason.stage, label=reason.label)
    if others.exclude(pk=reason.pk).exists():
        raise ValidationError({"label": "This reason is in the list already."})


@transaction.atomic
def exclusion_reasons_set(
    *, review: Review, actor, labels: list[str], stage: str = Stage.FULL_TEXT
) -> list[ExclusionReason]:
    """Make `labels` the review's active reasons, in this order; reasons left out are deactivated."""
    _require_owner(review, actor)
    wanted = list(dict.fromkeys(label.strip() for label in labels if label and label.strip()))
    current = {reason.label: reason for reason in ExclusionReason.objects.filter(review=review, stage=stage)}
    result = []
    for position, label in enumerate(wanted, start=1):
        reason = current.pop(label, None)
        if reason is None:
            reason = ExclusionReason.objects.create(
                review=review, stage=stage, label=label, position=position
            )
        elif (reason.position, reason.is_active) != (position, True):
            reason.position, reason.is_active = position, True
            reason.save(update_fields=["position", "is_active", "updated_at"])
        result.append(reason)
    for reason in current.values():
        if reason.is_active:
            reason.is_active = False
            reason.save(update_fields=["is_active", "updated_at"])
    event_log(review=review, actor=actor, verb="exclusion_reasons.set", stage=stage, labels=wanted)
    return result


# --- bulk upload of PDFs -------------------------------------------------------------------------
#
# A bulk upload is staged under fulltext/staging/<review id>/<token>/: the checked PDFs (0.pdf, 1.pdf, ...)
# and manifest.json (each file, its match, what happened to it). A staged PDF is removed as soon as it is
# attached (the report keeps its own copy); the whole batch is removed when its uploader discards it, when
# staging it fails half-way, and once it is older than STAGING_MAX_AGE (`staging_clean`: the
# clean_fulltext_staging command, and each new bulk upload for its review).

BULK_MAX_FILES = 100
TOKEN = re.compile(r"^[0-9a-f]{16}$")
STAGING_ROOT = "fulltext/staging"
STAGING_MAX_AGE = timedelta(days=1)


def _staging(review: Review, token: str, name: str = "") -> str:
    return f"{STAGING_ROOT}/{review.pk}/{token}/{name}"


def _listdir(path: str) -> tuple[list[str], list[str]]:
    try:
        return default_storage.listdir(path)
    except (FileNotFoundError, NotADirectoryError):
        return [], []


def _remove_tree(path: str) -> None:
    """Delete a staging directory and everything in it through the storage API."""
    dirs, files = _listdir(path)
    for name in dirs:
        _remove_tree(f"{path}/{name}")
    for name in files:
        default_storage.delete(f"{path}/{name}")
    with contextlib.suppress(OSError):
        default_storage.delete(path)  # FileSystemStorage removes the (now empty) directory


def _last_change(path: str) -> datetime | None:
    """When anything in a staged batch last changed (None: nothing in it)."""
    _, files = _listdir(path)
    times = [default_storage.get_modified_time(f"{path}/{name}") for name in files]
    return max(times) if times else None


def staging_clean(*, older_than: timedelta = STAGING_MAX_AGE, review: Review | None = None, now=None) -> int:
    """Remove staged bulk uploads untouched for longer than `older_than` (of one review, or of all);
    returns how many batches were removed. Empty batch and review directories go too."""
    cutoff = (now or timezone.now()) - older_than
    removed = 0
    review_dirs = [str(review.pk)] if review is not None else _listdir(STAGING_ROOT)[0]
    for review_dir in review_dirs:
        base = f"{STAGING_ROOT}/{review_dir}"
        tokens, _ = _listdir(base)
        for token in tokens:
            changed = _last_change(f"{base}/{token}")
            if changed is None or changed < cutoff:
                _remove_tree(f"{base}/{token}")
                removed += 1
        if not any(_listdir(base)):
            _remove_tree(base)
    return removed


def bulk_candidates(review: Review) -> list[Record]:
    """Reports sought for retrieval that have no full text recorded yet (nothing is ever overwritten)."""
    sought = Verdict.objects.filter(
        record=OuterRef("pk"), stage=Stage.TITLE_ABSTRACT, decision=VerdictDecision.INCLUDE
    )
    return list(
        Record.objects.filter(
            review=review, duplicate_of__isnull=True, removed_reason="", retrieval__isnull=True
        )
        .filter(Exists(sought))
        .only("id", "title", "doi", "pmid", "year")
        .order_by("id")
    )


def _head(upload) -> bytes:
    upload.seek(0)
    head = upload.read(pdfmatch.HEAD_BYTES)
    upload.seek(0)
    return head


@transaction.atomic
def retrieval_bulk_stage(*, review: Review, actor, uploads) -> str:
    """Check and keep several PDFs, and match each to a sought report (screening.pdfmatch). Returns the
    token of the staged batch; nothing is attached until `retrieval_bulk_attach`. Files refused (not a PDF,
    too large, no name) are listed in the batch with the reason, so none goes missing without a word."""
    _require_retriever(review, actor)
    if not uploads:
        raise ValidationError({"files": "Choose the PDF files to upload."})
    if len(uploads) > BULK_MAX_FILES:
        raise ValidationError(
            {"files": f"At most {BULK_MAX_FILES} files at a time (these are {len(uploads)})."}
        )
    staging_clean(review=review)
    token = secrets.token_hex(8)
    candidates = [
        pdfmatch.Candidate(r.pk, r.doi or "", r.pmid or "", r.title or "") for r in bulk_candidates(review)
    ]
    try:
        files, heads = [], []
        for index, upload in enumerate(uploads):
            entry = {"index": index, "name": (upload.name or "")[:255], "size": upload.size, "record": None}
            try:
                entry["sha256"] = _check_pdf(upload)
            except ValidationError as error:
                entry.update(refused=" ".join(error.messages))
            else:
                entry["path"] = default_storage.save(_staging(review, token, f"{index}.pdf"), upload)
                heads.append((entry["name"], _head(upload)))
            files.append(entry)
        staged = [entry for entry in files if "path" in entry]
        for entry, match in zip(staged, pdfmatch.match_files(heads, candidates), strict=True):
            entry.update(record=match.record_id, how=match.how, note=match.note)
        _manifest_save(review, token, files)
        event_log(
            review=review, actor=actor, verb="retrieval.bulk_uploaded", files=len(files), staged=len(staged)
        )
    except BaseException:
        # the transaction rolls the database back; the files staged so far must not outlive it
        _remove_tree(_staging(review, token).rstrip("/"))
        raise
    return token


def _manifest_save(review: Review, token: str, files: list[dict]) -> None:
    path = _staging(review, token, "manifest.json")
    if default_storage.exists(path):
        default_storage.delete(path)
    default_storage.save(path, ContentFile(json.dumps(files).encode()))


def bulk_manifest(review: Review, token: str) -> list[dict] | None:
    """The staged batch's files and their matches, or None for an unknown token."""
    path = _staging(review, token, "manifest.json")
    if not TOKEN.match(token or "") or not default_storage.exists(path):
        return None
    with default_storage.open(path) as handle:
        return json.loads(handle.read())


def retrieval_bulk_attach(*, review: Review, actor, token: str, choices: dict[int, int | None]) -> list[dict]:
    """Attach each staged file to the record chosen for it (`choices`: file index -> record id, None to
    leave it). Each file is attached on its own, so one refused file does not undo the others; files left
    unattached stay in the batch. Returns the batch's files with what happened to each."""
    _require_retriever(review, actor)
    files = bulk_manifest(review, token)
    if files is None:
        raise Http404("No such upload.")
    open_ids = {r.pk for r in bulk_candidates(review)}
    attached: list[str] = []
    for entry in files:
        record_id = choices.get(entry["index"])
        if entry.get("attached") or "path" not in entry or not record_id:
            continue
        entry.pop("error", None)
        if record_id not in open_ids:
            entry["error"] = f"#{record_id} is not a report waiting for its full text (or has one already)."
            continue
        try:
            with transaction.atomic(), default_storage.open(entry["path"]) as handle:
                upload = File(handle, name=entry["name"])
                upload.content_type = (
                    "application/pdf"  # checked by its first bytes when staged, and again now
                )
                retrieval_attach_pdf(review=review, actor=actor, record_id=record_id, upload=upload)
        except (ValidationError, Http404) as error:
            entry["error"] = " ".join(getattr(error, "messages", [str(error)]))
        else:
            entry.update(attached=True, record=record_id)
            attached.append(entry.pop("path"))
    _manifest_save(review, token, files)
    # the report keeps its own copy: the staged one goes once the attachment is committed
    transaction.on_commit(lambda: [default_storage.delete(path) for path in attached])
    return files


@transaction.atomic
def retrieval_bulk_discard(*, review: Review, actor, token: str) -> int:
    """Cancel a staged bulk upload: its files not attached yet and its report are removed (attached files
    stay with their reports). Returns how many staged files were dropped."""
    _require_retriever(review, actor)
    files = bulk_manifest(review, token)
    if files is None:
        raise Http404("No such upload.")
    dropped = sum(1 for entry in files if "path" in entry and not entry.get("attached"))
    event_log(
        review=review,
        actor=actor,
        verb="retrieval.bulk_discarded",
        files=len(files),
        dropped=dropped,
        attached=sum(1 for entry in files if entry.get("attached")),
    )
    transaction.on_commit(lambda: _remove_tree(_staging(review, token).rstrip("/")))
    return dropped
