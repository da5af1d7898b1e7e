"""Review backups: every model that belongs to a review is covered, and a bad, foreign or truncated backup
is refused with a clear message, changing nothing. (Round trip: tests/synthesis/test_backup_roundtrip.py)"""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import tempfile
import tracemalloc
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from reviewapp import registry
from reviewapp.backup import BackupError, backup_build, backup_plan, coverage_problems, review_restore
from reviewapp.models import AuditEvent, Record, Review
from screening.models import Retrieval, RetrievalStatus

from ..factories import RecordFactory

pytestmark = pytest.mark.django_db


def test_every_model_that_belongs_to_a_review_is_backed_up_or_skipped_on_purpose():
    assert coverage_problems() == []
    labels = {plan.label for plan in backup_plan()}
    assert {"screening.Vote", "extraction.Consensus", "rob.Assessment", "synthesis.AnalysisRun"} <= labels
    assert "screening.QueueItem" in registry.BACKUP_SKIPPED


def test_a_model_left_out_of_the_registry_fails_every_backup(monkeypatch, review):
    models = {k: v for k, v in registry.BACKUP_MODELS.items() if k != "screening.Vote"}
    monkeypatch.setattr(registry, "BACKUP_MODELS", models)
    assert coverage_problems() == [
        "screening.Vote belongs to reviews but is not in backups (registry.backup_models)"
    ]
    with pytest.raises(BackupError, match="screening.Vote"):
        backup_build(review)


def test_rows_are_written_after_the_rows_they_point_at():
    order = [plan.label for plan in backup_plan()]
    assert order.index("reviewapp.Study") < order.index("reviewapp.Record")
    assert order.index("extraction.Extraction") < order.index("extraction.Consensus")
    assert order[-1] == "reviewapp.AuditEvent"
    record = next(plan for plan in backup_plan() if plan.label == "reviewapp.Record")
    assert record.deferred == ["duplicate_of_id"]  # a key to its own table, set in a second pass
    version = next(plan for plan in backup_plan() if plan.label == "extraction.FormVersion")
    assert version.review_path == "form__review"


@pytest.fixture
def small(review, alice):
    first = RecordFactory(review=review, batch__source__review=review, title="First")
    RecordFactory(batch=first.batch, duplicate_of=first, title="Its duplicate")
    return review


def _counts():
    User = get_user_model()
    return Review.objects.count(), Record.objects.count(), AuditEvent.objects.count(), User.objects.count()


def _content(backup) -> bytes:
    buffer = io.BytesIO()
    backup.write(buffer)
    return buffer.getvalue()


def _refused(content: bytes, message: str):
    before = _counts()
    with pytest.raises(BackupError, match=message):
        review_restore(source=io.BytesIO(content), slug="copy")
    assert _counts() == before


def test_a_json_backup_restores_a_duplicate_pointing_at_its_restored_original(small):
    copy = review_restore(source=io.BytesIO(_content(backup_build(small))), slug="copy")
    duplicate = Record.objects.get(review=copy, title="Its duplicate")
    assert duplicate.duplicate_of.review == copy and duplicate.duplicate_of.title == "First"


def test_a_truncated_json_backup_is_refused(small):
    content = _content(backup_build(small))
    _refused(content[: len(content) // 2], "Not a complete backup: the JSON is invalid at line 1")


def test_a_foreign_file_is_refused(small):
    _refused(json.dumps({"records": []}).encode(), "Not a review backup")
    _refused(b"\x89PNG\r\n\x1a\n\x00\xff", "neither a zip nor UTF-8 JSON")


def test_a_backup_missing_rows_is_refused(small):
    data = backup_build(small).data
    data["tables"]["reviewapp.Record"].pop()
    _refused(json.dumps(data).encode(), "reviewapp.Record: the backup holds 1 rows but says 2: truncated")


def test_a_backup_from_another_schema_is_refused(small):
    data = backup_build(small).data
    data["fields"]["reviewapp.Record"].append("colour")
    _refused(json.dumps(data).encode(), r"reviewapp.Record: the backup's columns differ .*unknown: colour")


def test_a_row_naming_a_row_outside_the_backup_rolls_everything_back(small):
    data = backup_build(small).data
    data["tables"]["reviewapp.Record"][1]["batch_id"] = 999_999
    _refused(json.dumps(data).encode(), "names reviewapp.ImportBatch id 999999")


def _with_pdf(review):
    record = Record.objects.filter(review=review).first()
    retrieval = Retrieval(review=review, record=record, status=RetrievalStatus.RETRIEVED)
    retrieval.file.save("r.pdf", ContentFile(b"%PDF-1.4 test"), save=False)
    retrieval.save()
    return retrieval


def _media_files(settings) -> set[str]:
    from pathlib import Path

    return {str(p) for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}


def test_a_restore_failing_after_its_files_were_written_removes_them(small, settings):
    _with_pdf(small)
    backup = backup_build(small)
    event = {"id": 1, "review_id": small.pk, "actor_id": None, "verb": "x", "record_id": 999_999}
    event |= {
        "other_record_id": None,
        "batch_id": None,
        "data": {},
        "created_at": "2026-01-01T00:00:00+00:00",
    }
    backup.data["tables"]["reviewapp.AuditEvent"].append(event)
    backup.data["counts"]["reviewapp.AuditEvent"] += 1
    files = _media_files(settings)
    _refused(_content(backup), "names reviewapp.Record id 999999")
    assert _media_files(settings) == files


def test_a_damaged_zip_is_refused(small):
    _with_pdf(small)
    backup = backup_build(small)
    assert backup.is_zip
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("backup.json", json.dumps(backup.data))
        for name in backup.files:
            archive.writestr("files/" + name, b"%PDF-1.4 changed")
    _refused(buffer.getvalue(), "is damaged \\(checksum differs\\)")
    _refused(_content(backup)[:-200], "zip is damaged or truncated")
    stored = io.BytesIO()  # a member's bytes changed in place: its zip CRC no longer matches
    with zipfile.ZipFile(stored, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("backup.json", json.dumps(backup.data))
        for name in backup.files:
            archive.writestr("files/" + name, b"%PDF-1.4 test")
    flipped = stored.getvalue().replace(b"%PDF-1.4 test", b"%PDF-1.4 TEST")
    _refused(flipped, "The zip is damaged: files/fulltext/.*\\.pdf fails its checksum\\.")


def test_backup_and_import_commands_round_trip_a_zip(small, tmp_path, capsys):
    _with_pdf(small)
    out = tmp_path / "small.zip"
    call_command("backup_review", small.slug, "--out", str(out), "--json")
    summary = json.loads(capsys.readouterr().out)
    assert summary["files"] == 1 and zipfile.is_zipfile(out)
    call_command("import_review", str(out), "--slug", "small-copy", "--json")
    assert json.loads(capsys.readouterr().out)["review"] == "small-copy"
    copy = Review.objects.get(slug="small-copy")
    assert Retrieval.objects.get(review=copy).file.read() == b"%PDF-1.4 test"
    with pytest.raises(CommandError, match="name the output \\*.zip"):
        call_command("backup_review", small.slug, "--out", str(tmp_path / "small.json"))
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "reviewapp-review-backup", "version": 1, "tab')
    with pytest.raises(CommandError, match="bad.json: Not a complete backup.*Nothing was changed"):
        call_command("import_review", str(bad))


def test_a_zip_member_the_backup_does_not_list_is_ignored(small, settings):
    _with_pdf(small)
    other = Record.objects.filter(review=small).last()
    lost = Retrieval(review=small, record=other, status=RetrievalStatus.RETRIEVED)
    lost.file.save("lost.pdf", ContentFile(b"%PDF-1.4 lost"), save=False)
    lost.save()
    lost.file.storage.delete(lost.file.name)  # gone before the backup: kept by name only
    backup = backup_build(small)
    assert backup.data["missing_files"] == [lost.file.name]
    buffer = io.BytesIO()
    backup.write(buffer)
    with zipfile.ZipFile(buffer, "a") as archive:  # members the backup's JSON does not list
        archive.writestr("files/" + lost.file.name, b"%PDF-1.4 planted")
        archive.writestr("files/retrievals/planted.pdf", b"%PDF-1.4 planted")
        archive.writestr("../outside.txt", b"planted")
    files = _media_files(settings)

    copy = review_restore(source=io.BytesIO(buffer.getvalue()), slug="copy")

    restored = Retrieval.objects.get(review=copy, record__title="First").file
    assert _media_files(settings) - files == {restored.path}
    assert restored.read() == b"%PDF-1.4 test"
    assert Retrieval.objects.get(review=copy, record__title="Its duplicate").file.name == lost.file.name


def _failing_after_first_read(monkeypatch):
    """Storage files open normally the first time (the backup's checksum) and fail mid-copy after."""
    original, opened = FileSystemStorage.open, []

    class Failing(io.BytesIO):
        def read(self, size=-1):
            if self.tell():
                raise OSError(5, "Input/output error")
            return super().read(4)

    def open_(self, name, mode="rb"):
        opened.append(name)
        if len(opened) == 1:
            return original(self, name, mode)
        return File(Failing(b"%PDF-1.4 test"), name=name)

    monkeypatch.setattr(FileSystemStorage, "open", open_)
    return opened


def test_a_backup_failing_while_written_leaves_the_previous_file_and_no_part_file(
    small, tmp_path, monkeypatch
):
    _with_pdf(small)
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "small.zip"
    out.write_bytes(b"yesterday's backup")
    opened = _failing_after_first_read(monkeypatch)

    with pytest.raises(CommandError, match="small.zip: Input/output error"):
        call_command("backup_review", small.slug, "--out", str(out))

    assert len(opened) == 2  # it failed while copying the file into the zip
    assert out.read_bytes() == b"yesterday's backup"
    assert sorted(p.name for p in out.parent.iterdir()) == ["small.zip"]


@pytest.mark.parametrize("with_pdf", [False, True], ids=["json", "zip"])
def test_the_backup_command_writes_a_file_only_its_owner_can_read(small, tmp_path, with_pdf):
    if with_pdf:
        _with_pdf(small)
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / ("small.zip" if with_pdf else "small.json")
    out.write_bytes(b"an older backup, readable by all")
    out.chmod(0o644)

    call_command("backup_review", small.slug, "--out", str(out))

    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert zipfile.is_zipfile(out) == with_pdf
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]


def _summary(review) -> dict:
    backup = backup_build(review)
    records = Record.objects.filter(review=review).select_related("duplicate_of").order_by("title")
    return {
        "counts": backup.data["counts"],
        "files": sorted(backup.data["files"].values()),
        "records": [(r.title, r.duplicate_of.title if r.duplicate_of else None) for r in records],
        "members": sorted(review.memberships.values_list("user__username", "is_owner")),
        "verbs": list(review.events.order_by("id").values_list("verb", flat=True)),
    }


def test_a_restore_from_a_file_object_and_from_a_path_give_the_same_review(small, tmp_path):
    _with_pdf(small)
    path = tmp_path / "small.zip"
    call_command("backup_review", small.slug, "--out", str(path))

    from_path = review_restore(source=str(path), slug="from-path")
    with path.open("rb") as handle:
        from_file = review_restore(source=handle, slug="from-file")
        assert not handle.closed  # the caller's file is the caller's to close

    assert _summary(from_file) == _summary(from_path)
    assert _summary(from_path)["records"] == [("First", None), ("Its duplicate", "First")]
    assert Retrieval.objects.get(review=from_file).file.read() == b"%PDF-1.4 test"


def test_backing_up_and_restoring_a_20_mb_file_never_holds_it_in_memory(small):
    size = 20 * 1024 * 1024
    review_restore(source=io.BytesIO(_content(backup_build(small))), slug="warm-up")  # imports its modules
    record = Record.objects.filter(review=small).first()
    retrieval = Retrieval(review=small, record=record, status=RetrievalStatus.RETRIEVED)
    digest = hashlib.sha256()
    with tempfile.TemporaryFile() as big:
        for _ in range(size // (1024 * 1024)):
            chunk = os.urandom(1024 * 1024)  # incompressible, so the zip holds all of it
            digest.update(chunk)
            big.write(chunk)
        big.seek(0)
        retrieval.file.save("big.pdf", File(big), save=False)
    retrieval.save()

    tracemalloc.start()
    try:
        with tempfile.TemporaryFile() as out:
            backup_build(small).write(out)
            written = out.tell()
            out.seek(0)
            copy = review_restore(source=out, slug="copy")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert written > size
    with Retrieval.objects.get(review=copy).file.open("rb") as restored:
        assert hashlib.sha256(restored.read()).hexdigest() == digest.hexdigest()
    assert peak < 8 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"


def test_the_backup_download_streams_a_zip_that_restores(client, small, alice):
    _with_pdf(small)
    client.force_login(alice)

    response = client.get(reverse("synthesis:backup-download", args=[small.slug]))

    assert response.streaming and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="{small.slug}-backup.zip"'
    copy = review_restore(source=io.BytesIO(response.getvalue()), slug="copy")
    assert Retrieval.objects.get(review=copy).file.read() == b"%PDF-1.4 test"
