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
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from reviewapp import registry
from reviewapp.backup import (
    BackupError,
    archive,
    backup_build,
    backup_plan,
    backup_save,
    coverage_problems,
    restore,
    review_restore,
)
from reviewapp.models import AuditEvent, Record, Review
from screening.models import Retrieval, RetrievalStatus

from ..factories import RecordFactory, ReviewFactory

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


def _written(review):
    """A backup of the review as written (the checksums are taken while writing), and its bytes."""
    backup = backup_build(review)
    return backup, _content(backup)


def _refused(content: bytes, message: str, slug: str | None = "copy"):
    before, files = _counts(), _media_files()
    with pytest.raises(BackupError, match=message):
        review_restore(source=io.BytesIO(content), slug=slug)
    assert _counts() == before
    assert _media_files() == files


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


def _media_files(settings=django_settings) -> set[str]:
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
    backup, content = _written(small)
    assert backup.is_zip
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("backup.json", json.dumps(backup.data))
        for name in backup.files:
            archive.writestr("files/" + name, b"%PDF-1.4 tEst")  # the same size, other bytes
    _refused(buffer.getvalue(), "is damaged \\(checksum differs\\)")
    shorter = io.BytesIO()
    with zipfile.ZipFile(shorter, "w") as archive:
        archive.writestr("backup.json", json.dumps(backup.data))
        for name in backup.files:
            archive.writestr("files/" + name, b"%PDF")
    _refused(shorter.getvalue(), "is damaged \\(its size differs\\)")
    _refused(content[:-200], "zip is damaged or truncated")
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


def _lost(review):
    """A retrieval whose PDF is gone from storage before the backup: the backup lists it as missing."""
    other = Record.objects.filter(review=review).last()
    lost = Retrieval(
        review=review, record=other, status=RetrievalStatus.RETRIEVED, url="https://example.org/lost"
    )
    lost.file.save("lost.pdf", ContentFile(b"%PDF-1.4 lost"), save=False)
    lost.save()
    lost.file.storage.delete(lost.file.name)
    return lost


def test_a_zip_member_the_backup_does_not_list_is_ignored_and_a_missing_file_is_blanked(small):
    _with_pdf(small)
    lost = _lost(small)
    backup, content = _written(small)
    assert backup.data["missing_files"] == {lost.file.name: "not in storage"}
    buffer = io.BytesIO(content)
    with zipfile.ZipFile(buffer, "a") as archive:  # members the backup's JSON does not list
        archive.writestr("files/" + lost.file.name, b"%PDF-1.4 planted")
        archive.writestr("files/retrievals/planted.pdf", b"%PDF-1.4 planted")
        archive.writestr("../outside.txt", b"planted")
    files = _media_files()

    copy = review_restore(source=io.BytesIO(buffer.getvalue()), slug="copy")

    restored = Retrieval.objects.get(review=copy, record__title="First").file
    assert _media_files() - files == {restored.path}
    assert restored.read() == b"%PDF-1.4 test"
    # the missing file's name is not kept: it may be another review's file by now
    assert Retrieval.objects.get(review=copy, record__title="Its duplicate").file.name == ""
    event = AuditEvent.objects.get(review=copy, verb="review.restored")
    assert event.data["files_missing"] == [lost.file.name]


@pytest.mark.parametrize("zipped", [False, True], ids=["json", "zip"])
def test_a_row_naming_a_file_the_backup_does_not_hold_is_refused(small, zipped):
    other = ReviewFactory(slug="other")
    RecordFactory(review=other, batch__source__review=other, title="Secret")
    secret = _with_pdf(other).file.name  # fulltext/<other review>/<record>.pdf
    own = _with_pdf(small)
    if not zipped:  # the review's own PDF is gone: a JSON backup listing it as missing
        own.file.storage.delete(own.file.name)
    backup = backup_build(small)
    assert backup.is_zip == zipped
    row = backup.data["tables"]["screening.Retrieval"][0]
    row["file"] = secret  # a crafted backup, or one from a server where the names mean other files

    _refused(
        _content(backup),
        f"screening.Retrieval row {row['id']}: file names the file {secret}, which is neither among "
        "the backup's files nor listed as missing",
    )


def _failing_mid_copy(monkeypatch):
    """Stored files open, then fail after the first bytes are read (while copied into the zip)."""
    opened = []

    class Failing(io.BytesIO):
        def read(self, size=-1):
            if self.tell():
                raise OSError(5, "Input/output error")
            return super().read(4)

    def open_(self, name, mode="rb"):
        opened.append(name)
        return File(Failing(b"%PDF-1.4 test"), name=name)

    monkeypatch.setattr(FileSystemStorage, "open", open_)
    return opened


def test_a_backup_failing_while_written_leaves_the_previous_file_no_part_file_and_no_event(
    small, tmp_path, monkeypatch
):
    _with_pdf(small)
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "small.zip"
    out.write_bytes(b"yesterday's backup")
    opened = _failing_mid_copy(monkeypatch)

    with pytest.raises(CommandError, match="small.zip: Input/output error"):
        call_command("backup_review", small.slug, "--out", str(out))

    assert len(opened) == 1  # read once, while copying it into the zip
    assert out.read_bytes() == b"yesterday's backup"
    assert sorted(p.name for p in out.parent.iterdir()) == ["small.zip"]
    assert not small.events.filter(verb="review.backed_up").exists()


def test_a_file_replaced_after_the_rows_were_read_is_backed_up_as_copied(small):
    retrieval = _with_pdf(small)
    backup = backup_build(small)
    with retrieval.file.storage.open(retrieval.file.name, "wb") as handle:
        handle.write(b"%PDF-1.4 replaced")  # e.g. a reviewer uploads a corrected PDF meanwhile

    copy = review_restore(source=io.BytesIO(_content(backup)), slug="copy")

    assert Retrieval.objects.get(review=copy).file.read() == b"%PDF-1.4 replaced"
    assert backup.data["file_sizes"] == {retrieval.file.name: len(b"%PDF-1.4 replaced")}


def test_a_file_deleted_after_the_rows_were_read_is_listed_missing_and_the_download_works(
    client, small, alice, monkeypatch
):
    retrieval = _with_pdf(small)
    retrieval.url = "https://example.org/report"  # retrieved, so the row still has its link
    retrieval.save()
    build = archive.backup_build

    def build_then_delete(review):
        backup = build(review)
        retrieval.file.storage.delete(retrieval.file.name)
        return backup

    monkeypatch.setattr(archive, "backup_build", build_then_delete)
    client.force_login(alice)

    response = client.get(reverse("synthesis:backup-download", args=[small.slug]))

    assert response.status_code == 200
    content = response.getvalue()
    with zipfile.ZipFile(io.BytesIO(content)) as written:
        data = json.loads(written.read("backup.json"))
        assert written.namelist() == ["backup.json"]
    assert data["files"] == {} and data["missing_files"] == {retrieval.file.name: "No such file or directory"}
    event = small.events.get(verb="review.backed_up")
    assert event.data["files_missing"] == [retrieval.file.name] and event.data["files"] == 0
    copy = review_restore(source=io.BytesIO(content), slug="copy")
    assert Retrieval.objects.get(review=copy).file.name == ""


def test_a_zip_writes_its_json_last_and_an_older_zip_with_the_json_first_restores(small):
    _with_pdf(small)
    backup, content = _written(small)
    with zipfile.ZipFile(io.BytesIO(content)) as written:
        assert written.namelist()[-1] == "backup.json" and len(written.namelist()) == 2
    older = io.BytesIO()
    with zipfile.ZipFile(older, "w") as archive_:
        archive_.writestr("backup.json", json.dumps(backup.data))
        for name in backup.files:
            archive_.writestr("files/" + name, b"%PDF-1.4 test")

    copy = review_restore(source=io.BytesIO(older.getvalue()), slug="copy")

    assert Retrieval.objects.get(review=copy).file.read() == b"%PDF-1.4 test"


def test_a_backup_json_over_the_limit_is_refused_before_it_is_read(small, settings, monkeypatch):
    _with_pdf(small)
    _backup, content = _written(small)
    settings.BACKUP_JSON_MAX_BYTES = 1000
    parsed = []
    monkeypatch.setattr(archive, "_parse", lambda text: parsed.append(text))

    _refused(content, r"backup.json is \d+ bytes, more than BACKUP_JSON_MAX_BYTES \(1000 bytes\)")
    _refused(b"{" * 1001, "more than BACKUP_JSON_MAX_BYTES")  # a plain JSON file too
    assert parsed == []


def test_two_backups_saved_to_one_path_at_once_do_not_clobber_each_other(small, tmp_path):
    out = tmp_path / "small.json"
    first, second = backup_build(small), backup_build(small)
    second.data["created_at"] = "second"
    write = first.write

    def write_while_another_run_saves(handle):
        backup_save(backup=second, path=out)  # the other run starts and finishes meanwhile
        write(handle)

    first.write = write_while_another_run_saves  # type: ignore[method-assign]

    backup_save(backup=first, path=out)

    assert json.loads(out.read_bytes())["created_at"] == first.data["created_at"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.json"]


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
    backup, _ = _written(review)
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


def _set(path: str, value):
    """A mutation of a backup's data: the value at a path like "tables/reviewapp.Record/0/title"."""

    def mutate(data):
        *parents, last = path.split("/")
        node = data
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if value is _DELETE:
            del node[int(last) if isinstance(node, list) else last]
        else:
            node[int(last) if isinstance(node, list) else last] = value

    return mutate


_DELETE = object()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (_set("files", []), "The backup's 'files' section is a list, not an object: edited or damaged"),
        (_set("tables", []), "The backup's 'tables' section is a list, not an object"),
        (_set("review", _DELETE), "The backup has no 'review' section"),
        (_set("missing_files", "x"), "'missing_files' section is text, not a list or an object"),
        (_set("counts/reviewapp.Record", "2"), "reviewapp.Record: the backup holds 2 rows but says '2'"),
        (_set("tables/reviewapp.Record", {}), "The backup's table reviewapp.Record is an object, not a list"),
        (
            _set("tables/reviewapp.Record/0/title", _DELETE),
            r"reviewapp.Record row 1: its columns differ from the table's \(missing: title; unknown: -\)",
        ),
        (_set("tables/reviewapp.Record/0/id", "1"), "The id of reviewapp.Record row 1 is text, not a number"),
        (_set("tables/reviewapp.Record/0/batch_id", [1]), r"reviewapp.Record row \d+: batch_id is a list"),
        (_set("users/0", 5), "User 1 of the backup is a number, not an object"),
        (_set("fields/reviewapp.Record", "title"), "column list of reviewapp.Record is text, not a list"),
    ],
    ids=[
        "files-list",
        "tables-list",
        "no-review",
        "missing-text",
        "count-text",
        "table-object",
        "row-missing-key",
        "id-text",
        "fk-list",
        "user-number",
        "fields-text",
    ],
)
def test_a_malformed_backup_is_refused_with_the_reason(small, mutate, message):
    data = backup_build(small).data
    mutate(data)
    _refused(json.dumps(data).encode(), message)


def test_a_value_a_column_cannot_hold_is_refused_naming_table_row_and_column(small):
    data = backup_build(small).data
    row = data["tables"]["reviewapp.Record"][0]
    row["created_at"] = "yesterday"
    _refused(json.dumps(data).encode(), f"reviewapp.Record row {row['id']}, column created_at: .*yesterday")


def test_rows_the_database_refuses_are_a_refusal_naming_the_table_and_leave_no_files(small):
    _with_pdf(small)
    backup = backup_build(small)
    rows = backup.data["tables"]["screening.Retrieval"]
    rows.append({**rows[0], "id": rows[0]["id"] + 1})  # a second full text for the same record
    backup.data["counts"]["screening.Retrieval"] += 1
    _refused(_content(backup), "^screening.Retrieval: .*(UNIQUE|unique)")  # _refused: media unchanged


def test_a_slug_taken_by_a_restore_racing_this_one_is_a_refusal(small, monkeypatch):
    content = _content(backup_build(small))
    monkeypatch.setattr(restore, "slug_free", lambda slug: None)  # the other restore committed meanwhile
    _refused(
        content, f"A review with the slug '{small.slug}' exists already; choose another slug.", slug=None
    )


def test_the_backups_own_slug_must_be_a_slug(small):
    data = backup_build(small).data
    data["review"] = "x/y"
    _refused(json.dumps(data).encode(), "The backup's review slug 'x/y' is not a valid slug")
    data["review"] = ["x"]
    _refused(json.dumps(data).encode(), "The backup's 'review' section is a list, not text")


@pytest.mark.parametrize("slug", ["a b", "x/y", "x" * 81, "ümlaut"])
def test_an_explicit_slug_must_be_a_slug(small, slug):
    _refused(_content(backup_build(small)), f"The slug '{slug}' is not a valid slug", slug=slug)


def test_a_reserved_slug_is_refused_whether_given_or_the_backups_own(small):
    data = backup_build(small).data
    _refused(json.dumps(data).encode(), "The slug 'new' is reserved", slug="new")
    data["review"] = "restore"
    _refused(json.dumps(data).encode(), "The slug 'restore' is reserved", slug=None)
    assert review_restore(source=io.BytesIO(json.dumps(data).encode()), slug="copy").slug == "copy"


def test_import_review_says_why_and_that_nothing_changed(small, tmp_path):
    with pytest.raises(
        CommandError, match=r"nowhere.zip: No such file or directory\. Nothing was changed\.$"
    ):
        call_command("import_review", str(tmp_path / "nowhere.zip"))
    saved = tmp_path / "small.json"
    backup_save(backup=backup_build(small), path=saved)
    taken = r"exists already; choose another slug \(use --slug NEW\)\. Nothing was changed\.$"
    with pytest.raises(CommandError, match=f"small.json: A review with the slug '{small.slug}' {taken}"):
        call_command("import_review", str(saved))


def test_a_retrieved_full_text_whose_pdf_was_missing_is_refused_saying_so(small):
    """A retrieved full text must have a PDF or a link: with its PDF lost and no link, the row cannot be
    restored without the file's old name, which is never kept; the refusal says which file."""
    lost = _lost(small)
    Retrieval.objects.filter(pk=lost.pk).update(url="")
    blanked = rf"Rows naming a file the backup lists as missing get no file \({lost.file.name}\)"
    _refused(_content(backup_build(small)), rf"^screening.Retrieval: .*{blanked}")
