"""Record importers: real exports from every database, the shared cleaners, encodings and errors.

No database: the importers are pure Python. Real files are read in place from shared/data;
small inputs are built as bytes in the test so each case shows exactly what it feeds in.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from reviewapp.importers import FORMATS, ParsedRecord, ParseError, detect_format, parse
from reviewapp.importers import normalize as norm
from reviewapp.importers.encoding import decode

SHARED_DATA = Path(
    os.environ.get("REVIEWAPP_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data")
)

# Where each folder's exports come from decides the format detection must find.
EXPECTED_FORMAT = {
    "formats/ctgov/ctg-studies_urology.csv": "csv",
    "formats/endnote_xml/asysd_zotero_export_endnote.xml": "endnote-xml",
    "formats/endnote_xml/asysd_ris_export.ris.txt": "ris",
    "formats/other_db/litstudy_ieee.csv": "csv",
    "formats/other_db/litstudy_springer.csv": "csv",
    "formats/other_db/synthesisr_Ovid_ris_example.ris": "ris",
    "formats/pubmed_medline/colrev_nbib_data.nbib.txt": "medline",
    "formats/pubmed_medline/metaknowledge_medline_test.medline.txt": "medline",
    "formats/pubmed_medline/synthesisr_PubMed_example.txt": "medline",
    "formats/scopus/litstudy_scopus.csv": "csv",
    "formats/wos/wosfile_wos_tab_delimited_win_utf8.txt": "csv",
    "formats/wos/wosfile_wos_plaintext.txt": "wos",
    "formats/wos/metaknowledge_testFile.isi.txt": "wos",
    "formats/wos/synthesisr_WoS_ciw_example.ciw.txt": "wos",
    "formats/wos/synthesisr_WoS_txt_example.txt": "wos",
    "dedup/dedupe-sweep/copper.xml": "endnote-xml",
    "dedup/dedupe-sweep/tafenoquine.xml": "endnote-xml",
}


def shared(relpath: str) -> Path:
    return SHARED_DATA / relpath


def manifest_exports() -> list[tuple[str, int]]:
    entries = json.loads(shared("MANIFEST.json").read_text())
    wanted = [e for e in entries if e["file"].startswith(("formats/", "dedup/dedupe-sweep/"))]
    return [(entry["file"], entry["records"]) for entry in wanted]


def parse_file(relpath: str) -> list[ParsedRecord]:
    with shared(relpath).open("rb") as stream:
        return list(parse(stream, filename=relpath))


def parse_bytes(data: bytes, filename: str = "upload.ris", fmt: str = "auto") -> list[ParsedRecord]:
    return list(parse(io.BytesIO(data), filename=filename, fmt=fmt))


def ris(*entries: str) -> str:
    return "\n".join(f"TY  - JOUR\n{entry}\nER  - \n" for entry in entries)


# --- every real export -------------------------------------------------------------------------


@pytest.mark.parametrize(("relpath", "expected"), manifest_exports())
def test_every_real_export_parses_with_its_manifest_count(relpath, expected):
    records = parse_file(relpath)

    assert len(records) == expected
    assert all(record.raw.strip() for record in records)
    assert all(record.line >= 1 for record in records)


@pytest.mark.parametrize(("relpath", "expected"), manifest_exports())
def test_every_real_export_is_detected_by_its_content(relpath, expected):
    head = shared(relpath).read_bytes()[:65536]

    assert detect_format(head, filename="upload.dat") == EXPECTED_FORMAT.get(relpath, "ris")


@pytest.mark.parametrize(
    "relpath",
    [path for path, _ in manifest_exports() if "ris_edge_cases" not in path],
)
def test_real_exports_fill_titles_authors_and_years(relpath):
    records = parse_file(relpath)
    titled = sum(1 for record in records if record.title)
    dated = sum(1 for record in records if record.year)
    authored = sum(1 for record in records if record.authors)

    assert titled == len(records)
    assert dated == len(records)
    if "ctgov" not in relpath:  # registry records have sponsors, not authors
        assert authored >= 0.8 * len(records)  # Scopus lists proceedings volumes with no author


# --- RIS dialects --------------------------------------------------------------------------------


def test_pubmed_ris_fields():
    first = parse_file("formats/ris_by_database/citesource_pubmed_46.ris")[0]

    assert first.title == (
        "Psychosocial Perspective on Problem Gambling: The role of Social Relationships, "
        "Resilience, and COVID-19 Worry."
    )
    assert first.authors == ["Sirola, Anu", "Nyrhinen, Jussi", "Wilska, Terhi-Anna"]
    assert (first.year, first.journal, first.pages) == (2023, "Journal of gambling studies", "1-19")
    assert first.doi == "10.1007/s10899-022-10185-9"
    assert first.language == "eng"
    assert first.keywords[:3] == ["COVID-19", "Resilience", "Gambling"]
    assert first.raw.startswith("TY  - JOUR\nTI  - Psychosocial") and first.raw.endswith("ER  - ")


def test_web_of_science_ris_keeps_accession_number_and_splits_bare_carriage_returns():
    first = parse_file("formats/ris_by_database/citesource_WoS_79.ris")[0]

    assert first.source_key == "WOS:000440314900007"
    assert first.journal == "CANADIAN JOURNAL ON AGING-REVUE CANADIENNE DU VIEILLISSEMENT"
    assert (first.volume, first.issue, first.pages, first.year) == ("37", "3", "318-332", 2018)
    assert first.doi == "10.1017/s071498081800017x"
    assert first.authors[4] == "van der Maas, M"


def test_ovid_medline_ris_takes_the_pmid_from_the_ovid_link_and_the_year_from_a_slashed_date():
    first = parse_file("formats/ris_by_database/citesource_medline_84.ris")[0]

    assert first.pmid == "39012781"
    assert first.year == 2024
    assert first.journal == "Diabetes care"
    assert first.doi == "10.2337/dc24-0703"


def test_scopus_ris_uses_the_eid_from_its_link_as_source_key():
    first = parse_file("formats/ris_by_database/citesource_scopus_255.ris")[0]

    assert first.source_key == "2-s2.0-85141483180"
    assert first.journal == "Addictive Behaviors"
    assert first.doi == "10.1016/j.addbeh.2022.107538"
    assert first.keywords == ["Concerned significant others", "Gambling harm", "Health", "HILDA", "Wellbeing"]


def test_ovid_ris_with_numbered_preamble_reads_t1_a1_y1_jf_and_a_doi_url():
    records = parse_file("formats/other_db/synthesisr_Ovid_ris_example.ris")
    first = records[0]

    assert first.line == 2  # line 1 is Ovid's "1."
    assert first.source_key == "20203152553"
    assert first.title == "Detection of retention trees on clearcuts, a 50-year perspective."
    assert first.authors == ["Holmstrom, E.", "Nordstrom, E.", "Lariviere, D.", "Wallin, I."]
    assert (first.year, first.journal, first.pages) == (2020, "Open Journal of Forestry", "110-123")
    assert first.doi == "10.4236/ojf.2020.101008"
    assert first.abstract.startswith("Changes in clearcut management over time")


def test_endnote_ris_expands_short_page_ranges_and_reads_pmids_from_accession_numbers():
    records = parse_file("formats/endnote_xml/asysd_ris_export.ris.txt")
    first = records[0]

    assert (first.source_key, first.pages, first.journal) == ("57530", "1535-1541", "Hum Mol Genet")
    assert first.doi == "10.1093/hmg/6.9.1535"
    assert {"12130773", "27025652"} <= {record.pmid for record in records}


def test_ris_text_between_entries_is_ignored():
    records = parse_file("formats/ris_edge_cases/rispy_example_extraneous_data.ris")

    assert [record.title for record in records] == ["Title of reference", "The title of the reference"]
    assert records[0].line == 5
    assert records[0].raw.startswith("TY  - JOUR") and "Provider" not in records[0].raw


def test_ris_multi_line_values_are_joined_even_when_a_line_starts_with_er():
    records = parse_file("formats/ris_edge_cases/rispy_example_multiline.ris")

    assert [record.abstract for record in records] == [
        "first line, ER then second line and at the end the last line"
    ] * 3
    assert [record.line for record in records] == [1, 8, 17]


def test_ris_cyrillic_title_and_abstract_survive_unchanged():
    record = parse_file("formats/ris_edge_cases/rispy_example_utf_chars.ris")[0]

    title = "Состояние рецепторного аппарата эндометрия и метаболизм эстрогенов при гиперплазиях эндометрия"
    assert record.title.startswith(title)
    assert record.abstract.startswith(title)
    assert record.authors[0] == "Dobrokhotova, Yu E."
    assert (record.volume, record.pages) == ("8", "52-57")


def test_cochrane_central_ris_reads_pmid_from_an_and_ignores_the_central_doi_link():
    # Constructed in the layout of a Cochrane Library CENTRAL export.
    text = ris(
        "ID  - CN-01234567\nAU  - Lee, K.\nTI  - Exercise after stroke: a randomised trial\n"
        "JO  - Stroke\nPY  - 2019\nVL  - 50\nIS  - 2\nSP  - 100\nEP  - 109\n"
        "KW  - Exercise\nKW  - Stroke\nAN  - PUBMED 30612345, EMBASE 626012345\n"
        "UR  - https://www.cochranelibrary.com/central/doi/10.1002/central/CN-01234567/full\n"
        "N1  - Registered as NCT01234567"
    )
    record = parse_bytes(text.encode())[0]

    assert record.source_key == "CN-01234567"
    assert record.pmid == "30612345"
    assert record.doi == ""
    assert record.registry_ids == ["NCT01234567"]
    assert (record.journal, record.pages, record.year) == ("Stroke", "100-109", 2019)


def test_ris_entry_without_er_is_closed_by_the_next_ty():
    text = "TY  - JOUR\nTI  - One\nTY  - JOUR\nTI  - Two\nER  - \nTY  - JOUR\nTI  - Three\nER  - \n"

    records = parse_bytes(text.encode())

    assert [(record.title, record.line) for record in records] == [("One", 1), ("Two", 3), ("Three", 6)]


def test_ris_file_without_any_er_lines_is_read_entry_by_entry():
    text = "TY  - JOUR\nTI  - One\n\nTY  - JOUR\nTI  - Two\n"

    assert [record.title for record in parse_bytes(text.encode())] == ["One", "Two"]


def test_ris_file_cut_off_in_its_last_entry_is_refused_naming_the_line():
    text = ris("TI  - Whole") + "\nTY  - JOUR\nTI  - Cut off in the mid"

    with pytest.raises(ParseError, match=r"no closing 'ER  -' line.*looks truncated") as error:
        parse_bytes(text.encode(), filename="cut.ris")
    assert error.value.line == 5
    assert str(error.value).startswith("cut.ris (line 5):")


def test_ris_file_whose_last_er_has_no_newline_is_complete():
    assert [r.title for r in parse_bytes(b"TY  - JOUR\nTI  - A\nER  - \nTY  - JOUR\nTI  - B\nER  -")] == [
        "A",
        "B",
    ]


def test_ris_entry_with_tags_but_no_ty_is_an_error_naming_its_line():
    text = ris("TI  - Fine") + "\nAU  - Orphan, A.\nTI  - No type\nER  - \n"

    with pytest.raises(ParseError, match=r"RIS entry starting at line 5 has no TY tag") as error:
        parse_bytes(text.encode(), filename="orphan.ris")
    assert error.value.line == 5
    assert "orphan.ris" in str(error.value)


# --- MEDLINE, Web of Science, spreadsheets, EndNote XML, BibTeX -------------------------------------


def test_medline_prefers_full_author_names_and_reads_doi_pages_and_issue():
    first = parse_file("formats/pubmed_medline/metaknowledge_medline_test.medline.txt")[0]

    assert (first.source_key, first.pmid) == ("26524502", "26524502")
    assert first.title == "Bioinformatic survey of ABC transporters in dermatophytes."
    assert first.authors == ["Gadzalski, Marek", "Ciesielska, Anita", "Staczek, Pawel"]
    assert (first.year, first.journal, first.volume, first.issue) == (2016, "Gene", "576", "1 Pt 3")
    assert first.pages == "466-475"
    assert first.doi == "10.1016/j.gene.2015.10.064"
    assert first.abstract.startswith(
        "ATP binding cassette (ABC) transporters constitute a very large and ubiquitous superfamily"
    )
    assert first.keywords[:2] == ["ABC transporters", "Dermatophytes"]


def test_medline_trial_registration_in_an_abstract_becomes_a_registry_id():
    records = parse_file("formats/pubmed_medline/metaknowledge_medline_test.medline.txt")

    trial = next(record for record in records if record.pmid == "26802979")
    assert trial.registry_ids == ["NCT00005014"]


def test_eric_nbib_without_pmid_uses_its_own_id_and_doi_link():
    record = parse_file("formats/pubmed_medline/colrev_nbib_data.nbib.txt")[0]

    assert (record.source_key, record.pmid, record.doi) == ("EJ1131633", "", "10.1000/123456789")
    assert record.publication_type == "Journal Articles; Reports - Research"
    assert record.keywords == ["Keyword 1", "Keyword 2", "Keyword 3"]


def test_wos_plain_text_joins_continuation_lines_and_lists_authors_one_per_line():
    first = parse_file("formats/wos/wosfile_wos_plaintext.txt")[0]

    assert first.title == (
        "Knowledge networks as channels and conduits: The effects of spillovers in the Boston "
        "biotechnology community"
    )
    assert first.authors == ["Owen-Smith, J", "Powell, WW"]
    assert first.source_key == "WOS:000220015600001"
    assert first.keywords[:5] == [
        "knowledge networks",
        "economic geography",
        "spillovers",
        "biotechnology",
        "patenting",
    ]
    assert first.raw.startswith("PT J\n") and first.raw.endswith("ER")


def test_medline_records_without_blank_lines_between_them_split_at_each_pmid():
    text = "PMID- 101\nTI  - First\n      continued\nFAU - Doe, Jane\nPMID- 102\nTI  - Second\n"

    records = parse_bytes(text.encode(), filename="pubmed.nbib")

    assert [(record.pmid, record.title, record.line) for record in records] == [
        ("101", "First continued", 1),
        ("102", "Second", 5),
    ]


def test_wos_record_missing_its_er_is_closed_by_the_next_pt():
    text = "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nTI One\nPT J\nTI Two\n   wrapped\nER\nEF\n"

    records = parse_bytes(text.encode(), filename="savedrecs.txt")

    assert [(record.title, record.line) for record in records] == [("One", 3), ("Two wrapped", 5)]


def test_scopus_author_full_names_lose_their_scopus_ids():
    header = "Author full names,Title,Year,EID\n"
    csv_text = header + '"Phillips, James C. (57202138757); Braun, R. (7402220509)",T,2005,2-s2\n'

    record = parse_bytes(csv_text.encode(), filename="scopus.csv")[0]

    assert record.authors == ["Phillips, James C.", "Braun, R."]


def test_wos_plain_text_and_tab_delimited_exports_of_one_search_agree():
    plain = parse_file("formats/wos/wosfile_wos_plaintext.txt")
    tabbed = parse_file("formats/wos/wosfile_wos_tab_delimited_win_utf8.txt")

    def key_fields(record: ParsedRecord) -> tuple:
        return (record.source_key, record.title, record.authors, record.year, record.doi, record.journal)

    assert [key_fields(record) for record in plain] == [key_fields(record) for record in tabbed]


def test_scopus_csv_maps_columns_by_name_and_realigns_rows_with_a_surplus_field():
    records = parse_file("formats/scopus/litstudy_scopus.csv")
    first, shifted = records[0], next(record for record in records if record.line == 6)

    assert first.source_key == "2-s2.0-27344436659"
    assert first.authors[:2] == ["Phillips J.C.", "Braun R."]
    assert (first.title, first.year, first.pages) == (
        "Scalable molecular dynamics with NAMD",
        2005,
        "1781-1802",
    )
    assert first.raw.startswith('"Phillips J.C., Braun R.')
    # This row has 46 cells under a 45-column header; columns after "Funding Text 1" moved right.
    assert (shifted.source_key, shifted.pmid, shifted.language) == (
        "2-s2.0-85138069321",
        "35994517",
        "English",
    )
    assert shifted.publication_type == "Article"


def test_ieee_and_springer_csv_authors_are_split():
    ieee = parse_file("formats/other_db/litstudy_ieee.csv")[0]
    springer = parse_file("formats/other_db/litstudy_springer.csv")[0]

    assert ieee.authors == ["P. Kogge", "J. Shalf"]
    assert (ieee.pages, ieee.doi) == ("16-26", "10.1109/mcse.2013.95")
    assert springer.authors == ["Araz R. Aliev", "Nigar T. Ismayilova"]
    assert springer.doi == "10.1007/978-3-030-92127-9_33"


def test_clinicaltrials_csv_uses_the_nct_number_as_source_key_and_registry_id():
    first = parse_file("formats/ctgov/ctg-studies_urology.csv")[0]

    assert first.source_key == "NCT06600893"
    assert first.registry_ids[0] == "NCT06600893"
    assert first.line == 2
    assert first.url == "https://clinicaltrials.gov/study/NCT06600893"
    assert "Erectile Dysfunctions" in first.keywords
    assert first.raw.startswith("NCT06600893,Sham-Controlled")


def test_endnote_xml_reads_styled_text_and_uses_record_numbers():
    records = parse_file("dedup/dedupe-sweep/copper.xml")
    first = records[0]

    assert first.source_key == "258"
    assert first.line == 1  # XML records are numbered, not located by line
    assert first.title.startswith("Zinc, copper, CD4 T-cell count and some hematological parameters")
    assert first.authors[:2] == ["Asemota, E. A.", "Okafor, I. M."]
    assert (first.journal, first.volume, first.issue, first.pages) == (
        "Integrative Medicine Research",
        "7",
        "1",
        "53-60",
    )
    assert first.doi == "10.1016/j.imr.2018.01.008"
    assert first.raw.startswith("<record>") and first.raw.endswith("</record>")
    assert records[1].line == 2


def test_endnote_xml_record_tag_cut_by_a_read_boundary_is_still_found():
    head = "<xml><records><record><notes>"
    tail = "</notes><titles><title>First</title></titles></record>"
    padding = 128 * 1024 - len("<record") - len(head) - len(tail)  # 128 KB ends right after "<record"
    xml = (
        f"{head}{'x' * padding}{tail}<record><titles><title>Second</title></titles></record></records></xml>"
    )

    records = parse_bytes(xml.encode(), filename="cut.xml")

    assert [record.title for record in records] == ["First", "Second"]
    assert len(records[0].raw) > padding
    assert records[1].raw == "<record><titles><title>Second</title></titles></record>"


def test_endnote_xml_saved_as_utf16_is_read():
    xml = '<?xml version="1.0" encoding="UTF-16"?><xml><records><record><titles><title>Ωμέγα-3</title>'
    xml += "</titles></record></records></xml>"

    records = parse_bytes(xml.encode("utf-16"), filename="library.xml")

    assert [record.title for record in records] == ["Ωμέγα-3"]


def test_zotero_endnote_xml_finds_a_trial_registration_in_an_abstract():
    records = parse_file("formats/endnote_xml/asysd_zotero_export_endnote.xml")

    assert [record.registry_ids for record in records if record.registry_ids] == [["NCT00712660"]]
    assert records[0].pages == "1032-1038" and records[0].issue == "3"


def test_bibtex_entries_with_macros_accents_and_corporate_authors():
    text = r"""
@string{jbio = "Journal of " # "Biology"}
% a comment between entries
@Article{smith2020,
  author = {M{\"u}ller, J{\"o}rg and {World Health Organization} and Smith, Jane},
  title = {{DNA} repair in {\beta}-cells: a trial},
  journal = jbio,
  year = 2020,
  month = mar,
  volume = "12", number = {3},
  pages = {101--109},
  doi = {https://doi.org/10.1000/XYZ.1},
  keywords = {repair; beta cells},
  note = {ClinicalTrials.gov NCT01234567}
}
@inproceedings{doe2019, title = "Conference talk", author = "Doe, John",
  booktitle = {Proc. Conf.}, year = {2019}}
"""
    first, second = parse_bytes(text.encode(), filename="refs.bib")

    assert first.source_key == "smith2020"
    assert first.authors == ["Müller, Jörg", "World Health Organization", "Smith, Jane"]
    assert first.title == "DNA repair in β-cells: a trial"
    assert (first.journal, first.year, first.volume, first.issue) == ("Journal of Biology", 2020, "12", "3")
    assert (first.pages, first.doi) == ("101-109", "10.1000/xyz.1")
    assert first.keywords == ["repair", "beta cells"]
    assert first.registry_ids == ["NCT01234567"]
    assert (first.publication_type, first.line) == ("article", 4)
    assert (second.journal, second.publication_type) == ("Proc. Conf.", "inproceedings")


def test_bibtex_entry_that_is_never_closed_is_an_error():
    with pytest.raises(ParseError, match="BibTeX entry starting at line 1 is never closed"):
        parse_bytes(b"@article{a, title = {Open\n", filename="refs.bib")


# --- cleaners ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("10.1000/ABC.123", "10.1000/abc.123"),
        ("https://doi.org/10.1000/abc", "10.1000/abc"),
        ("http://dx.doi.org/10.4236/ojf.2020.101008", "10.4236/ojf.2020.101008"),
        ("doi:10.1000/abc.", "10.1000/abc"),
        ("DOI: 10.1000/abc;", "10.1000/abc"),
        ("10.1016/j.gene.2015.10.064 [doi]", "10.1016/j.gene.2015.10.064"),
        ("10.1016%2fj.addbeh.2022.107538", "10.1016/j.addbeh.2022.107538"),
        ("Article", ""),
        ("", ""),
    ],
)
def test_doi_normalisation(raw, expected):
    assert norm.doi(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2020", 2020),
        ("2020 Mar-Apr", 2020),
        ("2019///", 2019),
        ("2021/05/03", 2021),
        ("DEC 16 2020", 2020),
        ("20151207", 2015),
        ("4 Feb 2014", 2014),
        ("SEP", None),
        ("", None),
        ("12345", None),
    ],
)
def test_year_from_messy_dates(raw, expected):
    assert norm.year(raw) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("1781", "1802", "1781-1802"),
        ("466-75", "", "466-475"),
        ("1535-41", "", "1535-1541"),
        ("101--109", "", "101-109"),
        ("e0815", "", "e0815"),
        ("12", "12", "12"),
        ("S12", "S19", "S12-S19"),
    ],
)
def test_page_ranges(start, end, expected):
    assert norm.pages(start, end) == expected


def test_clean_unescapes_html_entities_and_collapses_whitespace():
    assert norm.clean("  Effects of &beta;-blockers &amp;\n   statins ") == "Effects of β-blockers & statins"


def test_registry_ids_are_found_once_each_in_order():
    text = "Registered NCT01234567 (see nct 00000000? no) and NCT 07654321; again NCT01234567."

    assert norm.registry_ids(text) == ["NCT01234567", "NCT07654321"]


# --- encodings and line endings -------------------------------------------------------------------

TWO_ENTRIES = ris("TI  - First entry", "TI  - Second entry")


def test_utf8_bom_does_not_lose_the_first_entry():
    records = parse_bytes(b"\xef\xbb\xbf" + TWO_ENTRIES.encode())

    assert [record.title for record in records] == ["First entry", "Second entry"]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_exports_with_bom_are_decoded(codec):
    bom = {"utf-16": b"", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[codec]
    text = ris("TI  - Ελληνικά β-blockers", "TI  - Second")

    records = parse_bytes(bom + text.encode(codec))

    assert [record.title for record in records] == ["Ελληνικά β-blockers", "Second"]


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"\xef\xbb\xbfBOM\r\nline", "BOM\nline"),
        ("\ufeffEndNote β\r\n".encode("utf-16-le"), "EndNote β\n"),
        ("\ufeffbig endian\r".encode("utf-16-be"), "big endian\n"),
        ("Müller\rCafé".encode("latin-1"), "Müller\nCafé"),
        ("Ωμέγα".encode(), "Ωμέγα"),
    ],
)
def test_decode_handles_boms_utf16_latin1_and_line_endings(data, text):
    assert decode(data) == text


def test_latin1_export_is_decoded_when_it_is_not_valid_utf8():
    records = parse_bytes(ris("AU  - Müller, Jürgen\nTI  - Ärzte in Österreich").encode("latin-1"))

    assert records[0].authors == ["Müller, Jürgen"]
    assert records[0].title == "Ärzte in Österreich"


def test_windows_1252_quotes_in_a_non_utf8_file_become_curly_quotes():
    records = parse_bytes(ris("TI  - \x93Quoted\x94 \x96 dash, caf\xe9").encode("latin-1"))

    assert records[0].title == "\u201cQuoted\u201d \u2013 dash, café"


def test_latin1_ris_whose_first_entries_are_plain_ascii_decodes_every_entry():
    text = ris("TI  - Plain ASCII first", "TI  - Études café") * 3

    records = parse_bytes(text.replace("\n", "\r\n").encode("latin-1"))

    assert [record.title for record in records][:2] == ["Plain ASCII first", "Études café"]
    assert len(records) == 6


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_crlf_and_bare_cr_line_endings_give_the_same_records_and_lines(newline):
    records = parse_bytes(TWO_ENTRIES.replace("\n", newline).encode())

    assert [(record.title, record.line) for record in records] == [("First entry", 1), ("Second entry", 5)]
    assert "\r" not in records[0].raw


def test_non_latin_scripts_survive_unchanged_after_entity_unescape():
    kazakh = "Қазақстандағы балалардың денсаулығы"
    text = ris(f"TI  - {kazakh} &amp; β-адреноблокаторы\nAB  - Мақсаты: бағалау. Résumé: ω-3 &lt; 5 mg")

    record = parse_bytes(text.encode())[0]

    assert record.title == f"{kazakh} & β-адреноблокаторы"
    assert record.abstract == "Мақсаты: бағалау. Résumé: ω-3 < 5 mg"


def test_records_are_yielded_before_the_whole_file_is_read():
    body = "".join(ris(f"TI  - Entry {number}\nAB  - {'x' * 2000}") for number in range(2000))
    stream = io.BytesIO(b"\xef\xbb\xbf" + body.encode())

    first = next(parse(stream, filename="big.ris"))

    assert first.title == "Entry 0"
    assert stream.tell() < len(stream.getvalue()) / 4


# --- files that are not exports -------------------------------------------------------------------


def test_pdf_renamed_to_ris_is_rejected_with_a_clear_reason():
    with pytest.raises(ParseError) as error:
        parse_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", filename="search.ris")

    assert (
        str(error.value) == "search.ris (line 1): not a RIS file: line 1 starts with '%PDF' (a PDF document)"
    )


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"  \n\r\n", b"\xff\xfe"])
def test_empty_file_is_rejected(data):
    with pytest.raises(ParseError, match="empty.ris: file is empty"):
        parse_bytes(data, filename="empty.ris")


def test_broken_xml_names_the_line_and_the_problem():
    xml = b'<?xml version="1.0"?>\n<xml><records>\n<record><titles><title>A</titles>\n</record>\n'

    with pytest.raises(ParseError, match=r"endnote.xml \(line 3\): broken XML at line 3: mismatched tag"):
        parse_bytes(xml, filename="endnote.xml")


def test_xml_that_is_not_endnote_is_rejected():
    with pytest.raises(ParseError, match="not EndNote XML"):
        parse_bytes(
            b'<?xml version="1.0"?>\n<PubmedArticleSet><PubmedArticle/></PubmedArticleSet>', filename="p.xml"
        )


@pytest.mark.parametrize(
    ("data", "filename", "reason"),
    [
        (b"<xml><records></records></xml>", "empty.xml", "no <record> elements found"),
        (b"Title,Authors,Year\n", "empty.csv", "header row but no data rows"),
        (
            b"Record #1 of 0\nProvider: Ovid\n",
            "nothing.ris",
            "not a RIS file: line 1 starts with 'Record #1 of 0'",
        ),
    ],
)
def test_file_with_zero_entries_is_an_error(data, filename, reason):
    with pytest.raises(ParseError, match=reason):
        parse_bytes(data, filename=filename)


def test_binary_junk_is_rejected():
    with pytest.raises(ParseError, match="binary data"):
        parse_bytes(bytes(range(256)) * 4, filename="junk.ris")


def test_unknown_format_name_is_rejected():
    with pytest.raises(ParseError, match="unknown format 'docx'"):
        parse_bytes(TWO_ENTRIES.encode(), fmt="docx")


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_explicit_format_still_rejects_a_pdf(fmt):
    with pytest.raises(ParseError, match="PDF document"):
        parse_bytes(b"%PDF-1.4 junk", fmt=fmt)


def test_a_giant_title_is_refused_naming_the_entry_and_the_limit():
    text = ris("TI  - Fine") + "\n" + ris("TI  - " + "A" * 5_000)

    with pytest.raises(ParseError, match=r"title is 5,000 characters long, over the limit of 4,000") as error:
        parse_bytes(text.encode(), filename="huge.ris")
    assert error.value.line == 5


def test_an_absurd_author_list_is_refused():
    authors = "\n".join(f"AU  - Author{i}, A." for i in range(10_001))
    text = f"TY  - JOUR\nTI  - Many hands\n{authors}\nER  - \n"

    with pytest.raises(ParseError, match=r"authors list has 10,001 items"):
        parse_bytes(text.encode(), filename="authors.ris")


def test_long_but_real_fields_are_kept_whole():
    abstract = "Background. " + "word " * 8_000  # ~40,000 characters, like a long structured abstract
    records = parse_bytes(ris(f"TI  - Long one\nAB  - {abstract}").encode())

    assert records[0].abstract == abstract.strip()


def test_csv_quote_that_never_closes_is_refused_instead_of_swallowing_rows():
    text = (
        'Title,Year,Abstract\n"Fine",2020,"two\nlines"\n"Broken,2021,abc\nNext title,2022,x\nThird,2023,y\n'
    )

    with pytest.raises(
        ParseError, match=r"quoted cell that starts on line 4 is not closed properly"
    ) as error:
        parse_bytes(text.encode(), filename="broken.csv")
    assert error.value.line == 4
