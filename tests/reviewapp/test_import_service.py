"""Import service: all-or-nothing, every real export with its MANIFEST count, text survives, events."""

import functools
import io
import json

import pytest

from reviewapp.models import AuditEvent, ImportBatch, ImportStatus, Record
from reviewapp.services.imports import import_file_now, import_run, import_start
from reviewapp.services.reviews import source_create

from ..conftest import shared

pytestmark = pytest.mark.django_db


def _manifest_formats():
    with open(shared("MANIFEST.json")) as handle:
        return [(e["file"], e["records"]) for e in json.load(handle) if e["file"].startswith("formats/")]


@pytest.fixture
def source(review, alice):
    return source_create(review=review, actor=alice, name="Scopus")


@pytest.mark.parametrize("relpath, expected", _manifest_formats())
def test_every_real_export_imports_with_its_manifest_count(review, alice, source, relpath, expected):
    batch = import_file_now(review=review, source=source, actor=alice, path=shared(relpath))
    assert batch.status == ImportStatus.SUCCEEDED, batch.error
    assert batch.records_count == expected
    assert Record.objects.filter(batch=batch).count() == expected
    assert not Record.objects.filter(batch=batch, raw="").exists()


def test_a_file_broken_in_the_middle_adds_nothing_and_says_where(review, alice, source, monkeypatch):
    from reviewapp.services import record_copy

    # SQLite inserts 1,000 rows at a time, more than the ~600 entries before the break: in chunks of 10,
    # the entries before it are written, and only the import's transaction can take them back
    monkeypatch.setattr(record_copy, "_write_batches", functools.partial(record_copy._write_batches, size=10))
    path = shared("formats", "endnote_xml", "asysd_zotero_export_endnote.xml")
    with open(path, "rb") as handle:
        xml = handle.read()
    broken = xml[: len(xml) // 2] + b"<unclosed><</records>"
    batch = import_start(
        review=review, source=source, actor=alice, fileobj=io.BytesIO(broken), file_name="broken.xml"
    )
    batch = import_run(batch_id=batch.pk)
    assert batch.status == ImportStatus.FAILED
    assert "broken.xml" in batch.error and "line" in batch.error
    assert Record.objects.count() == 0
    assert AuditEvent.objects.filter(verb="import.failed", batch=batch).exists()


def test_running_an_import_twice_stores_its_records_once(review, alice, source):
    path = shared("formats", "scopus", "asysd_scopus.ris")
    with open(path, "rb") as handle:
        batch = import_start(review=review, source=source, actor=alice, fileobj=handle, file_name="s.ris")
    import_run(batch_id=batch.pk)
    import_run(batch_id=batch.pk)
    assert Record.objects.count() == 10


def test_non_latin_titles_survive_unchanged(review, alice, source):
    text = (
        "TY  - JOUR\r\nTI  - Мезенхимальные стромальные клетки при диабете 2 типа\r\n"
        "AB  - Қант диабеті; β-cell function improved\r\nPY  - 2024\r\nER  - \r\n"
    )
    batch = import_start(
        review=review,
        source=source,
        actor=alice,
        fileobj=io.BytesIO(text.encode("utf-8-sig")),
        file_name="ru.ris",
    )
    import_run(batch_id=batch.pk)
    record = Record.objects.get()
    assert record.title == "Мезенхимальные стромальные клетки при диабете 2 типа"
    assert "Қант диабеті; β-cell" in record.abstract
    assert record.year == 2024


def test_an_import_leaves_one_event_with_counts(review, alice, source):
    batch = import_file_now(
        review=review,
        source=source,
        actor=alice,
        path=shared("formats", "pubmed_medline", "synthesisr_PubMed_example.txt"),
    )
    event = AuditEvent.objects.get(verb="import.succeeded")
    assert event.batch == batch and event.actor == alice and event.data["records"] == 3


@pytest.mark.parametrize(
    "relpath",
    [
        ("formats", "endnote_xml", "asysd_ris_export.ris.txt"),  # RIS ID tags
        ("dedup", "dedupe-sweep", "copper.xml"),  # EndNote rec-number
        ("formats", "pubmed_medline", "metaknowledge_medline_test.medline.txt"),  # PMID
        ("formats", "ctgov", "ctg-studies_urology.csv"),  # NCT Number
        ("formats", "scopus", "litstudy_scopus.csv"),  # EID
    ],
)
def test_the_identifier_each_entry_had_in_its_file_is_kept_as_source_key(review, alice, source, relpath):
    import_file_now(review=review, source=source, actor=alice, path=shared(*relpath))
    assert not Record.objects.filter(source_key="").exists()


def test_dois_are_normalised_on_import(review, alice, source):
    import_file_now(
        review=review,
        source=source,
        actor=alice,
        path=shared("formats", "ris_by_database", "citesource_scopus_255.ris"),
    )
    dois = list(Record.objects.exclude(doi="").values_list("doi", flat=True))
    assert len(dois) > 200
    assert all(not d.startswith(("http", "doi:")) and d == d.lower() and d.startswith("10.") for d in dois)


def test_failed_import_does_not_block_a_retry_of_the_same_file(review, alice, source):
    broken = import_start(
        review=review,
        source=source,
        actor=alice,
        fileobj=io.BytesIO(b"<?xml version='1.0'?><xml><records><record>"),
        file_name="x.xml",
    )
    assert import_run(batch_id=broken.pk).status == ImportStatus.FAILED
    again = import_start(
        review=review,
        source=source,
        actor=alice,
        fileobj=io.BytesIO(b"<?xml version='1.0'?><xml><records><record>"),
        file_name="x.xml",
    )
    assert again.pk != broken.pk
    assert ImportBatch.objects.count() == 2


def test_an_unexpected_error_marks_the_import_failed_so_the_file_can_be_retried(
    review, alice, source, monkeypatch
):
    from reviewapp.services import imports as services

    path = shared("formats", "scopus", "asysd_scopus.ris")
    with open(path, "rb") as handle:
        batch = import_start(review=review, source=source, actor=alice, fileobj=handle, file_name="s.ris")
    monkeypatch.setattr(services, "write_records", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        import_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED and "stopped unexpectedly" in batch.error
    assert Record.objects.count() == 0
    monkeypatch.undo()
    assert import_file_now(review=review, source=source, actor=alice, path=path).records_count == 10
