"""Fuzzing the importers (hypothesis): random bytes and mutated real exports either parse or fail with the
importer's own ParseError — never another exception — and an import that fails leaves nothing behind."""

import io
import itertools
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewapp.importers import FORMATS, ParsedRecord, ParseError, parse
from reviewapp.models import ImportStatus, Record

from ..conftest import shared

REAL = {
    "ris": ("formats", "ris_by_database", "citesource_pubmed_46.ris"),
    "medline": ("formats", "pubmed_medline", "synthesisr_PubMed_example.txt"),
    "endnote-xml": ("formats", "endnote_xml", "asysd_zotero_export_endnote.xml"),
    "csv": ("formats", "scopus", "litstudy_scopus.csv"),
    "wos": ("formats", "wos", "wosfile_wos_plaintext.txt"),
}
BIBTEX = (
    b"@article{a1, title={Umbilical cord MSCs in type 2 diabetes}, author={Zang, Li and Hao, H.},"
    b" year={2022}, journal={Stem Cell Res Ther}, doi={10.1186/x}}\n"
    b"@inproceedings{b2, title={Exosomes and wound healing}, author={Wang, Q.}, year=2021}\n"
)
_HEADS: dict[str, bytes] = {}
_SOURCES = itertools.count(1)


def _head(fmt: str) -> bytes:
    """The first 24 KB of a real export of that format (read once)."""
    if fmt not in _HEADS:
        if fmt == "bibtex":
            _HEADS[fmt] = BIBTEX * 20
        else:
            with open(shared(*REAL[fmt]), "rb") as handle:
                _HEADS[fmt] = handle.read(24 * 1024)
    return _HEADS[fmt]


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
def mutated(draw, fmt: str) -> bytes:
    data = bytearray(_head(fmt))
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


@pytest.mark.parametrize("fmt", [*REAL, "bibtex"])
def test_mutated_real_exports_parse_or_fail_with_a_parse_error(fmt):
    @FUZZ
    @given(data=mutated(fmt))
    def check(data):
        _only_parse_errors(data, "auto")
        _only_parse_errors(data, fmt)

    check()


@pytest.mark.django_db
@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=mutated("ris"))
def test_a_mutated_import_either_stores_every_record_or_nothing(review, alice, data):
    from reviewapp.services.imports import import_run, import_start
    from reviewapp.services.reviews import source_create

    source = source_create(review=review, actor=alice, name=f"Fuzz {next(_SOURCES)}")  # examples share the DB
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
            file_name="fuzz.ris",
            force=True,
        )
    except Exception as refused:  # refused up front (empty, binary...): a ValidationError, nothing stored
        assert type(refused).__name__ == "ValidationError"
        assert not Record.objects.filter(source=source).exists()
        return
    batch = import_run(batch_id=batch.pk)
    stored = Record.objects.filter(batch=batch).count()
    if batch.status == ImportStatus.SUCCEEDED:
        assert stored == expected == batch.records_count
    else:
        assert batch.status == ImportStatus.FAILED and batch.error
        assert stored == 0 and expected == 0
