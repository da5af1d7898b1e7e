"""Review backups: every model that belongs to a review is covered, and a bad, foreign or truncated backup
is refused with a clear message, changing nothing. (Round trip: tests/synthesis/test_backup_roundtrip.py)"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError

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


def _refused(content: bytes, message: str):
    before = _counts()
    with pytest.raises(BackupError, match=message):
        review_restore(content=content, slug="copy")
    assert _counts() == before


def test_a_json_backup_restores_a_duplicate_pointing_at_its_restored_original(small):
    copy = review_restore(content=backup_build(small).content(), slug="copy")
    duplicate = Record.objects.get(review=copy, title="Its duplicate")
    assert duplicate.duplicate_of.review == copy and duplicate.duplicate_of.title == "First"


def test_a_truncated_json_backup_is_refused(small):
    content = backup_build(small).content()
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
    _refused(backup.content(), "names reviewapp.Record id 999999")
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
    _refused(backup.content()[:-200], "zip is damaged or truncated")


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
