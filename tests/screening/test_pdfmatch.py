"""Matching PDFs to records by file name and content (pure, no database)."""

import zlib

from screening.pdfmatch import Candidate, dois_in_pdf, match_file, match_files

RECORDS = [
    Candidate(1, "10.1016/j.jcyt.2020.01.005", "31234567", "Umbilical cord MSCs in type 2 diabetes: a trial"),
    Candidate(
        2, "10.1186/s13287-021-02345-6", "", "Placental stem cells improve insulin sensitivity in mice"
    ),
    Candidate(3, "10.1016/j.jcyt.2020.01.0051", "", "Another trial"),
    Candidate(4, "", "29876543", "Wharton jelly stromal cells for diabetic foot ulcers"),
]


def test_a_doi_in_the_file_name_matches_however_the_slash_was_written():
    for name in (
        "10.1016_j.jcyt.2020.01.005.pdf",
        "10.1016%2Fj.jcyt.2020.01.005.pdf",
        "Smith 10.1016-j.jcyt.2020.01.005.pdf",
    ):
        match = match_file(name, b"%PDF-1.4", RECORDS)
        assert (match.record_id, match.how) == (1, "doi in file name"), name


def test_the_longer_doi_wins_when_one_is_a_prefix_of_the_other():
    assert match_file("10.1016_j.jcyt.2020.01.0051.pdf", b"%PDF-", RECORDS).record_id == 3


def test_a_pmid_in_the_file_name_matches():
    assert match_file("PMID 29876543.pdf", b"%PDF-", RECORDS).record_id == 4
    assert match_file("31234567.pdf", b"%PDF-", RECORDS).how == "pmid in file name"


def test_a_doi_inside_the_pdf_matches_even_in_a_compressed_stream():
    text = b"BT (https://doi.org/10.1186/s13287-021-02345-6) Tj ET"
    pdf = b"%PDF-1.5\n1 0 obj <</Filter /FlateDecode>> stream\n" + zlib.compress(text) + b"\nendstream"
    assert dois_in_pdf(pdf) == {"10.1186/s13287-021-02345-6"}
    match = match_file("scan_0001.pdf", pdf, RECORDS)
    assert (match.record_id, match.how) == (2, "doi in pdf")


def test_a_file_name_like_the_title_matches_and_a_vague_one_does_not():
    assert (
        match_file("placental stem cells improve insulin sensitivity.pdf", b"%PDF-", RECORDS).record_id == 2
    )
    assert match_file("paper.pdf", b"%PDF-", RECORDS).record_id is None


def test_two_files_for_one_record_are_left_for_a_person():
    matches = match_files([("31234567.pdf", b"%PDF-"), ("10.1016_j.jcyt.2020.01.005.pdf", b"%PDF-")], RECORDS)
    assert [m.record_id for m in matches] == [None, None]
    assert "another file" in matches[0].note
