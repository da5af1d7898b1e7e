"""Fuzzing the importers (hypothesis): random bytes and mutated real exports either parse or fail with the
importer's own ParseError — never another exception — and an import that fails leaves nothing behind."""

import functools
import io
import itertools
import json
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewapp.importers import FORMATS, ParsedRecord, ParseError, detect_format, parse
from reviewapp.models import AuditEvent, ImportStatus, Record

from ..conftest import shared


def _real_exports() -> dict[str, str]:
    """Every real export in ../shared/data (MANIFEST.json), by path, with the format it is detected as."""
    with open(shared("MANIFEST.json")) as handle:
        files = [entry["file"] for entry in json.load(handle) if entry["file"].startswith("formats/")]
    found = {}
    for relpath in files:
        with open(shared(relpath), "rb") as handle:
            found[relpath] = detect_format(handle.read(64 * 1024), relpath)
    return found


REAL = _real_exports()
# One real export per format for the import-service test (BibTeX: no real export in the shared data).
BY_FORMAT = {
    "ris": "formats/ris_by_database/citesource_pubmed_46.ris",
    "medline": "formats/pubmed_medline/synthesisr_PubMed_example.txt",
    "endnote-xml": "formats/endnote_xml/asysd_zotero_export_endnote.xml",
    "csv": "formats/scopus/litstudy_scopus.csv",
    "wos": "formats/wos/wosfile_wos_plaintext.txt",
}
BIBTEX = (
    b"@article{a1, title={Umbilical cord MSCs in type 2 diabetes}, author={Zang, Li and Hao, H.},"
    b" year={2022}, journal={Stem Cell Res Ther}, doi={10.1186/x}}\n"
    b"@inproceedings{b2, title={Exosomes and wound healing}, author={Wang, Q.}, year=2021}\n"
)
SEED_BYTES = 24 * 1024
# Where an entry ends, per format, and what closes the file after the last whole entry kept.
_ENTRY_END = {
    "ris": (rb"\nER  -[^\n]*\n", b""),
    "endnote-xml": (rb"</record>", b"</records></xml>\n"),
    "wos": (rb"\nER\r?\n", b"EF\n"),
    "medline": (rb"\r?\n\r?\n", b""),
    "csv": (rb"\n", b""),
}
_SEEDS: dict[str, bytes] = {}
_SOURCES = itertools.count(1)


def _seed(name: str) -> bytes:
    """A valid export to mutate: the real file, cut after its last whole entry within 24 KB (read once)."""
    if name not in _SEEDS:
        if name == "bibtex":
            _SEEDS[name] = BIBTEX * 20
        else:
            with open(shared(name), "rb") as handle:
                data = handle.read()
            if len(data) > SEED_BYTES:
                end, closing = _ENTRY_END[REAL[name]]
                cut = max(found.end() for found in re.finditer(end, data[:SEED_BYTES]))
                data = data[:cut] + closing
            _SEEDS[name] = data
    return _SEEDS[name]


def _parse_all(data: bytes, fmt: str = "auto") -> list[ParsedRecord]:
    return list(parse(io.BytesIO(data), filename="fuzz.dat", fmt=fmt))


def _only_parse_errors(data: bytes, fmt: str = "auto") -> None:
    try:
        records = _parse_all(data, fmt)
    except ParseError as error:
        assert error.message.startswith("fuzz.dat")
        return
    assert records and all(isinstance(record, ParsedRecord) for record in records)


@st.composite
def mutated(draw, name: str) -> bytes:
    data = bytearray(_seed(name))
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["delete", "insert", "flip", "truncate", "repeat"]))
        if kind == "delete":
            del data[where : where + draw(st.integers(1, 400))]
        elif kind == "insert":
            data[where:where] = draw(st.binary(min_size=1, max_size=40))
        elif kind == "flip" and where < len(data):
            data[where] = draw(st.integers(0, 255))
        elif kind == "truncate":
            del data[where:]
        elif kind == "repeat":
            data[where:where] = data[where : where + draw(st.integers(1, 800))]
    return bytes(data)


FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", 60)), deadline=None, derandomize=True)


@FUZZ
@given(data=st.binary(max_size=4096), fmt=st.sampled_from(["auto", *FORMATS]))
def test_random_bytes_parse_or_fail_with_a_parse_error(data, fmt):
    _only_parse_errors(data, fmt)


@FUZZ
@given(text=st.text(max_size=2000), fmt=st.sampled_from(["auto", *FORMATS]))
def test_random_text_parses_or_fails_with_a_parse_error(text, fmt):
    _only_parse_errors(text.encode("utf-8"), fmt)


def test_every_importer_is_fuzzed_from_a_real_export():
    assert set(REAL.values()) | {"bibtex"} == set(FORMATS)
    assert set(BY_FORMAT) | {"bibtex"} == set(FORMATS)


@pytest.mark.parametrize("name", [*REAL, "bibtex"])
def test_the_seeds_are_valid_exports(name):
    fmt = REAL.get(name, "bibtex")
    assert detect_format(_seed(name)[:65536], "seed") == fmt
    assert len(_parse_all(_seed(name), fmt)) >= 1  # parses whole, without an error


@pytest.mark.parametrize("name", [*REAL, "bibtex"])
def test_mutated_real_exports_parse_or_fail_with_a_parse_error(name):
    @FUZZ
    @given(data=mutated(name))
    def check(data):
        _only_parse_errors(data, "auto")
        _only_parse_errors(data, REAL.get(name, "bibtex"))

    check()


SUFFIX = {"ris": "ris", "medline": "nbib", "endnote-xml": "xml", "csv": "csv", "wos": "ciw", "bibtex": "bib"}


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", [*BY_FORMAT, "bibtex"])
def test_a_mutated_import_either_stores_every_record_or_nothing(review, alice, fmt, monkeypatch):
    from reviewapp.services import record_copy
    from reviewapp.services.imports import import_run, import_start
    from reviewapp.services.reviews import source_create

    # SQLite inserts in chunks of 1,000 rows, more than a seed holds: with chunks of 2 rows, the entries
    # before a parse error are written before it, and only the import's transaction can take them back.
    # (PostgreSQL: one COPY, see record_copy.)
    monkeypatch.setattr(record_copy, "_write_batches", functools.partial(record_copy._write_batches, size=2))

    @settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(data=mutated(BY_FORMAT.get(fmt, "bibtex")))
    def check(data):
        # examples share the database: each gets a source of its own
        source = source_create(review=review, actor=alice, name=f"Fuzz {next(_SOURCES)}")
        try:
            expected = len(_parse_all(data))
        except ParseError:
            expected = 0
        try:
            batch = import_start(
                review=review,
                source=source,
                actor=alice,
                fileobj=io.BytesIO(data),
                file_name=f"fuzz.{SUFFIX[fmt]}",
                force=True,
            )
        except Exception as refused:  # refused up front (empty, binary...): a ValidationError, nothing stored
            assert type(refused).__name__ == "ValidationError"
            assert not Record.objects.filter(source=source).exists()
            return
        batch = import_run(batch_id=batch.pk)
        stored = Record.objects.filter(source=source).count()
        if batch.status == ImportStatus.SUCCEEDED:
            assert stored == expected == batch.records_count
        else:  # a parse error, possibly after many good entries: none of them is kept
            assert batch.status == ImportStatus.FAILED and batch.error
            assert stored == 0 and expected == 0
            assert not AuditEvent.objects.filter(batch=batch, verb="import.succeeded").exists()

    check()
