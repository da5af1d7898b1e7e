"""PRISMA 2020 arithmetic, the PRISMA2020 R package's field names and the SVG drawing (no database)."""

import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from synthesis.prisma import Column, Entry, PrismaArithmeticError, PrismaCounts, render_figure, render_svg

# The PRISMA2020 CSV template's `data` column (prisma-flowdiagram/PRISMA2020, inst/extdata/PRISMA.csv
# and R/PRISMA_data.R), without the three phase labels.
TEMPLATE_FIELDS = {
    "previous_studies", "previous_reports", "database_results", "database_specific_results",
    "register_results", "register_specific_results", "website_results", "organisation_results",
    "citations_results", "duplicates", "excluded_automatic", "excluded_other", "records_screened",
    "records_excluded", "dbr_sought_reports", "dbr_notretrieved_reports", "other_sought_reports",
    "other_notretrieved_reports", "dbr_assessed", "dbr_excluded", "other_assessed", "other_excluded",
    "new_studies", "new_reports", "total_studies", "total_reports", "total_studies_ma",
}  # fmt: skip

SEED_REASONS = (
    Entry("Only bone marrow- or adipose-derived MSCs", 25),
    Entry("Exclusively in vitro, no diabetic animal model", 20),
    Entry("No diabetes-related outcomes", 15),
    Entry("Reviews, commentaries, abstracts, duplicate data", 12),
)


def seed_counts(**changes) -> PrismaCounts:
    """Figure 1 of the seed review (shared/seeds/003, Results)."""
    counts = PrismaCounts(
        databases=(
            Entry("PubMed/MEDLINE", 520, "source-1"),
            Entry("Web of Science Core Collection", 380, "source-2"),
            Entry("Scopus", 410, "source-3"),
            Entry("Cochrane CENTRAL", 60, "source-4"),
        ),
        registers=(Entry("ClinicalTrials.gov", 30, "source-5"),),
        duplicates=420,
        excluded_other=20,
        records_screened=960,
        records_excluded=870,
        dbr=Column(sought=90, not_retrieved=4, assessed=86, excluded=SEED_REASONS, included=14),
        new_studies=14,
        new_reports=14,
    )
    return replace(counts, **changes)


def test_the_seed_flow_adds_up_and_carries_the_prisma2020_field_names():
    data = seed_counts().check().to_prisma2020()
    assert set(data) >= TEMPLATE_FIELDS
    assert data["database_results"] == 1370 and data["register_results"] == 30
    assert [row["n"] for row in data["database_specific_results"]] == [520, 380, 410, 60]
    assert (data["duplicates"], data["excluded_automatic"], data["excluded_other"]) == (420, 0, 20)
    assert (data["records_screened"], data["records_excluded"]) == (960, 870)
    assert (data["dbr_sought_reports"], data["dbr_notretrieved_reports"], data["dbr_assessed"]) == (90, 4, 86)
    assert [row["n"] for row in data["dbr_excluded"]] == [25, 20, 15, 12]
    assert data["dbr_excluded_total"] == 72
    assert (data["new_studies"], data["new_reports"], data["total_studies"]) == (14, 14, 14)


def test_every_record_is_in_exactly_one_leaf_box():
    counts = seed_counts().check()
    assert sum(counts.leaves().values()) == counts.identified == 1400


@pytest.mark.parametrize(
    ("changes", "box"),
    [
        ({"duplicates": 419}, "records_identified"),
        ({"records_excluded": 871}, "records_screened"),
        ({"dbr": Column(sought=90, not_retrieved=5, assessed=86, excluded=SEED_REASONS, included=14)},
         "dbr_sought_reports"),
        ({"dbr": Column(sought=90, not_retrieved=4, assessed=86, excluded=SEED_REASONS, included=13)},
         "dbr_assessed"),
        ({"new_reports": 15}, "new_reports"),
        ({"new_studies": 15}, "new_studies"),
        ({"excluded_other": -1, "records_screened": 961}, "excluded_other"),
        ({"syntheses": (Entry("HbA1c", 15),)}, "total_studies_ma"),
    ],
)  # fmt: skip
def test_a_box_that_does_not_add_up_is_named(changes, box):
    with pytest.raises(PrismaArithmeticError) as caught:
        seed_counts(**changes).check()
    assert caught.value.box == box
    assert str(caught.value).startswith(f"{box}: ")


def test_records_awaiting_a_decision_keep_the_boxes_adding_up():
    counts = seed_counts(
        records_excluded=860,
        awaiting_screening=10,
        dbr=Column(sought=90, not_retrieved=3, awaiting_retrieval=1, assessed=86, excluded=SEED_REASONS[:3],
                   awaiting_assessment=12, included=14),
    )  # fmt: skip
    assert counts.check().to_prisma2020()["records_awaiting_screening"] == 10
    with pytest.raises(PrismaArithmeticError, match="awaiting_screening 0"):
        replace(counts, awaiting_screening=0, records_excluded=860).check()


def test_other_methods_column_and_previous_studies():
    counts = seed_counts(
        other_sources=((Entry("Reference lists", 7), "citations"), (Entry("Google Scholar", 3), "websites")),
        other_not_sought=4,
        other=Column(
            sought=6, not_retrieved=1, assessed=5, excluded=(Entry("No diabetes outcome", 3),), included=2
        ),
        new_studies=15,
        new_reports=16,
        previous_studies=5,
        previous_reports=7,
    ).check()  # fmt: skip
    data = counts.to_prisma2020()
    assert (data["citations_results"], data["website_results"], data["organisation_results"]) == (7, 3, 0)
    assert (data["other_sought_reports"], data["other_notretrieved_reports"], data["other_assessed"]) == (
        6,
        1,
        5,
    )
    assert (data["total_studies"], data["total_reports"]) == (20, 23)
    assert sum(counts.leaves().values()) == counts.identified == 1410
    rows = dict(counts.to_prisma2020_csv_rows())
    assert rows["dbr_excluded"].startswith("Only bone marrow- or adipose-derived MSCs, 25; ")


def _texts(svg: str) -> str:
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    return " ".join("".join(node.itertext()) for node in root.iter("{http://www.w3.org/2000/svg}text"))


def test_the_svg_is_valid_xml_and_shows_every_number_with_a_link_on_every_box():
    svg = render_svg(seed_counts().check(), "/records/?box={box}")
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    text = _texts(svg).replace("\u00a0", " ")
    for n in (520, 380, 410, 60, 30, 420, 20, 960, 870, 90, 4, 86, 72, 25, 15, 12, 14, "1,370"):
        assert f"(n = {n})" in text
    for label in ("Identification", "Screening", "Included", "Records removed before screening:"):
        assert label in text
    ns = "{http://www.w3.org/2000/svg}"
    boxes = [g for g in root.iter(f"{ns}g") if g.get("class") == "prisma-box prisma-box"]
    assert len(boxes) == 9
    for group in boxes:
        assert group.find(f"{ns}a").get("href") == f"/records/?box={group.get('data-box')}"
    hrefs = {a.get("href") for a in root.iter(f"{ns}a")}
    assert "/records/?box=source-3" in hrefs and "/records/?box=duplicates" in hrefs
    assert "Identification of new studies via other methods" not in text


def test_the_other_methods_column_appears_only_with_such_sources():
    counts = seed_counts(
        other_sources=((Entry("Citation searching", 2), "citations"),),
        other=Column(sought=2, assessed=2, included=2),
        new_studies=16,
        new_reports=16,
    ).check()
    text = _texts(render_svg(counts)).replace("\u00a0", " ")
    assert "Identification of new studies via other methods" in text
    assert "Citation searching (n = 2)" in text


def test_imported_text_is_escaped_in_the_svg():
    counts = seed_counts(databases=(Entry('<script>alert("x")</script> & Co', 1370),)).check()
    svg = render_svg(counts, "/r/?box={box}")
    assert "<script>" not in svg
    assert '<script>alert("x")</script> & Co (n = 1,370)' in _texts(svg).replace("\u00a0", " ")


def test_a_diagram_that_does_not_add_up_is_not_drawn():
    with pytest.raises(PrismaArithmeticError):
        render_svg(seed_counts(duplicates=1))


@pytest.mark.parametrize(("fmt", "magic"), [("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_png_and_pdf_are_drawn(fmt, magic):
    assert render_figure(seed_counts().check(), fmt).startswith(magic)


def test_the_selection_paragraph_says_the_seed_numbers():
    from synthesis.prisma.narrative import selection_paragraphs

    first, second, third = selection_paragraphs(seed_counts())
    assert first.startswith("The searches identified 1,400 records (from PubMed/MEDLINE (n = 520), ")
    assert (
        "Before screening, 420 duplicates and 20 records for other reasons were removed, leaving 960" in first
    )
    assert second.startswith("Of the 960 records screened, 870 were excluded. 90 reports were sought")
    assert (
        "of which 4 could not be retrieved; 86 reports were assessed for eligibility and 72 excluded"
        in second
    )
    assert third == "14 new studies (14 reports) were included in the review."
