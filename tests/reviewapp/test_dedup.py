"""Duplicate detection on hand-made records and on the labelled Diabetes set (no database).

The trap tests encode the rule that matters most: two different studies must never be merged
automatically. They may go to the review queue, where a person decides.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from reviewapp.dedup import AUTO, REVIEW, Candidate, DedupRecord, clusters, find_duplicates

DIABETES = Path(__file__).resolve().parents[3] / "shared" / "data" / "dedup" / "bib-dedupe" / "diabetes"

ARTICLE = DedupRecord(
    id=1,
    title="Metformin for weight loss in obese adolescents: a randomised controlled trial",
    authors=("Smith, John", "Jones, Karen", "Brown, Laura"),
    year=2015,
    journal="Diabetes Care",
    volume="38",
    issue="4",
    pages="512-519",
    doi="10.2337/dc14-1234",
    abstract="Background: Obesity in adolescence is common. Methods: We randomised 120 adolescents to "
    "metformin or placebo for 12 months. Results: Metformin reduced body mass index. Conclusions: it helps.",
)


def variant(**changes) -> DedupRecord:
    return dataclasses.replace(ARTICLE, **changes)


def decisions(*records: DedupRecord) -> dict[tuple, str]:
    return {(c.a, c.b): c.decision for c in find_duplicates(records)}


def pair_decision(a: DedupRecord, b: DedupRecord) -> str | None:
    return decisions(a, b).get(tuple(sorted((a.id, b.id))))


# --- exact identifiers ------------------------------------------------------------------------


def test_same_doi_merges_even_when_the_other_fields_are_sparse():
    sparse = DedupRecord(id=2, title=ARTICLE.title.upper(), doi="https://doi.org/10.2337/DC14-1234")

    found = find_duplicates([ARTICLE, sparse])

    assert [(c.a, c.b, c.decision) for c in found] == [(1, 2, AUTO)]
    assert "same DOI" in found[0].reasons


def test_same_pmid_merges():
    a = variant(doi="", pmid="25123456")
    b = DedupRecord(id=2, title=ARTICLE.title, pmid="25123456", year=2015)

    assert pair_decision(a, b) == AUTO


def test_same_trial_registration_merges_two_registry_entries():
    a = DedupRecord(
        id="ctgov", title="Metformin in obese adolescents", registry_ids=("NCT01234567",), year=2012
    )
    b = DedupRecord(id="central", title="Metformin in Obese Adolescents.", registry_ids=("nct 01234567",))

    assert pair_decision(a, b) == AUTO


def test_trial_registration_and_its_results_article_are_not_merged():
    registration = DedupRecord(id="ctgov", title=ARTICLE.title, registry_ids=("NCT01234567",), year=2012)
    article = variant(id="article", registry_ids=("NCT01234567",))

    assert pair_decision(registration, article) != AUTO


# --- fuzzy matching ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {
            "title": "Metformin for weight-loss in obese adolescents - a randomized controlled trial."
        },  # spelling
        {"title": "METFORMIN FOR WEIGHT LOSS IN OBESE ADOLESCENTS: A RANDOMISED CONTROLLED TRIAL"},  # case
        {"title": "Metformin for weight loss in obese adolecents: a randomised controled trial"},  # typos
        {"title": ARTICLE.title + " [Review] [42 refs]"},
        {"authors": ("Smíth, J.", "Jönes, K.", "Brówn, L."), "journal": "Diabetes care."},  # diacritics
        {
            "authors": ("Smith J", "Jones K", "Brown L"),
            "pages": "512-9",
            "journal": "Diabetes Care (New York)",
        },
        {"doi": "", "abstract": ""},  # no identifier at all
    ],
)
def test_same_article_exported_differently_merges(changes):
    other = variant(id=2, doi="", **{k: v for k, v in changes.items() if k != "doi"})

    assert pair_decision(ARTICLE, other) == AUTO


def test_subtitle_and_translation_tags_do_not_prevent_a_match():
    original = variant(
        title="Effect of fluoxetine on sleep in depressed rats. German\nWirkung von Fluoxetin", doi=""
    )
    other = variant(id=2, title="Effect of fluoxetine on sleep in depressed rats", doi="")

    assert pair_decision(original, other) == AUTO


def test_research_field_codes_appended_to_a_title_do_not_prevent_a_match():
    # One database (seen in dedupe-sweep's copper library) appends ANZSRC field-of-research codes.
    coded = variant(
        title=ARTICLE.title + " 11 Medical and Health Sciences 1103 Clinical Sciences 1117 Public Health",
        pages="",
    )
    other = variant(id=2, doi="", journal="Diabetes Care")

    assert pair_decision(coded, other) == AUTO


def test_numbers_closing_an_ordinary_title_are_not_taken_for_field_codes():
    first = variant(title="Metformin in obese adolescents: results at 12 Months", doi="")
    other = variant(
        id=2, title="Metformin in obese adolescents: results at 24 Months", doi="", pages="601-609"
    )

    assert pair_decision(first, other) != AUTO


@pytest.mark.parametrize(
    ("apart", "joined"),
    [("non-immune participants", "nonimmune participants"), ("post operative pain", "postoperative pain")],
)
def test_a_prefix_written_apart_in_one_database_and_joined_in_another_merges(apart, joined):
    # As in dedupe-sweep's tafenoquine library: the online-first record (no pages, a year earlier)
    # against the printed one, whose title also says "double-blind" for "double-blinded".
    online = variant(title=f"Tafenoquine in {apart}: a randomised, double-blinded trial", pages="", volume="",
                     issue="", year=2014, journal="Clinical Infectious Diseases")  # fmt: skip
    printed = variant(
        id=2, title=f"Tafenoquine in {joined}: a randomised, double-blind trial", journal="Clin Infect Dis"
    )

    assert pair_decision(online, printed) == AUTO


def test_a_negation_present_in_only_one_title_still_blocks_the_automatic_merge():
    first = variant(title="Metformin in immune participants: a randomised trial", doi="")
    other = variant(
        id=2, title="Metformin in non immune participants: a randomised trial", doi="", pages="88-95"
    )

    assert pair_decision(first, other) != AUTO


# --- traps: different items that look alike ---------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "Erratum: Metformin for weight loss in obese adolescents: a randomised controlled trial",
        "Correction to: Metformin for weight loss in obese adolescents: a randomised controlled trial",
        "Reply to: Metformin for weight loss in obese adolescents: a randomised controlled trial",
        "Metformin for weight loss in obese adolescents: a randomised controlled trial. Authors' reply",
        "Comment on: Metformin for weight loss in obese adolescents: a randomised controlled trial",
        "Retraction notice to: Metformin for weight loss in obese adolescents: a randomised controlled trial",
    ],
)
def test_notices_about_an_article_are_not_merged_with_it(title):
    notice = variant(id=2, title=title, pages="1020", issue="6", doi="", abstract="")

    assert pair_decision(ARTICLE, notice) != AUTO


def test_erratum_carrying_the_articles_doi_goes_to_review_not_auto():
    erratum = variant(id=2, title="Erratum: " + ARTICLE.title, pages="1020", abstract="")

    assert pair_decision(ARTICLE, erratum) == REVIEW


def test_reply_printed_under_the_letters_title_is_not_merged():
    letter = DedupRecord(
        id=1,
        title="Antidepressants and suicide in adolescents",
        authors=("Green, A.",),
        year=2010,
        journal="BMJ",
        volume="340",
        pages="c1234",
        doi="",
    )
    reply = dataclasses.replace(letter, id=2, authors=("White, B.", "Black, C."))

    assert pair_decision(letter, reply) is None


def test_conference_abstract_is_not_merged_with_the_full_paper():
    abstract = variant(
        id=2,
        journal="Diabetes. Conference: 75th Scientific Sessions of the ADA",
        volume="64",
        issue="Suppl 1",
        pages="A123",
        doi="",
        year=2015,
    )
    no_pages = variant(
        id=3,
        journal="Diabetes Care. Conference: 75th Scientific Sessions",
        volume="",
        issue="",
        pages="",
        doi="",
    )

    found = decisions(ARTICLE, abstract, no_pages)

    assert found.get((1, 2)) != AUTO
    assert found.get((1, 3)) != AUTO


def test_conference_abstract_that_carries_the_articles_doi_is_not_merged():
    abstract = variant(
        id=2,
        journal="Diabetes Care. Conference: 75th Scientific Sessions",
        issue="Suppl 1",
        volume="",
        pages="",
        year=2015,
    )

    assert pair_decision(ARTICLE, abstract) == REVIEW


def test_a_supplement_doi_on_many_abstracts_does_not_chain_them_together():
    abstracts = [
        DedupRecord(
            id=n,
            title=title,
            authors=(author,),
            year=2010,
            journal="Eur Heart J",
            volume="31",
            issue="Suppl 1",
            pages=str(40 + n),
            doi="10.1093/eurheartj/ehq287",
        )
        for n, (title, author) in enumerate(
            [
                ("Remote preconditioning limits infarct size in vivo", "Arishiro, K."),
                ("GSK3 inhibition reduces infarct size via mitochondria", "Andreadou, I."),
                ("Postsystolic velocities quantify low grade myocardial ischaemia", "Hyler, S."),
            ]
        )
    ]
    untitled = DedupRecord(id=9, doi="10.1093/eurheartj/ehq287", year=2010)

    assert [c for c in find_duplicates([*abstracts, untitled]) if c.decision == AUTO] == []


def test_articles_whose_dois_share_a_prefix_are_not_merged():
    a = variant(
        title="Depression in adolescents: a cohort study",
        doi="10.1016/j.jad.2015.01.001",
        pages="1-8",
        abstract="",
    )
    b = variant(
        id=2,
        title="Depression in adults: a cohort study",
        doi="10.1016/j.jad.2015.01.002",
        pages="9-16",
        abstract="",
    )

    assert pair_decision(a, b) != AUTO


@pytest.mark.parametrize(
    ("year", "volume", "doi"),
    [
        (2016, "3", "10.1002/14651858.CD001234.pub3"),  # update with its own DOI
        (2016, "3", ""),  # update without DOIs
        (2013, "3", ""),  # next year's update, same CD number, another issue
    ],
)
def test_updates_of_a_cochrane_review_are_not_merged(year, volume, doi):
    review_kwargs = {
        "title": "Exercise for depression",
        "authors": ("Cooney, G. M.", "Dwan, K.", "Greig, C. A."),
        "journal": "Cochrane Database Syst Rev",
        "pages": "CD004366",
        "abstract": "",
    }
    first = DedupRecord(
        id=1, year=2012, volume="9", doi="10.1002/14651858.CD004366.pub2" if doi else "", **review_kwargs
    )
    update = DedupRecord(id=2, year=year, volume=volume, doi=doi, **review_kwargs)

    assert pair_decision(first, update) != AUTO


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (
            "Ischaemic preconditioning of skeletal muscle. Part I: structural changes",
            "Ischaemic preconditioning of skeletal muscle. Part II: functional changes",
        ),
        (
            "Ischaemic preconditioning of skeletal muscle. Part 1",
            "Ischaemic preconditioning of skeletal muscle. Part 2",
        ),
        (
            "Ischaemic preconditioning of skeletal muscle: part A",
            "Ischaemic preconditioning of skeletal muscle: part B",
        ),
        ("Antidepressant response in type 1 diabetes", "Antidepressant response in type 2 diabetes"),
        ("Fluoxetine and memory in women", "Fluoxetine and memory in men"),
    ],
)
def test_parts_of_a_series_are_not_merged(first, second):
    a = variant(title=first, doi="", pages="", abstract="")
    b = variant(id=2, title=second, doi="", pages="", abstract="")

    assert pair_decision(a, b) != AUTO


def test_protocol_is_not_merged_with_the_trial_results():
    protocol = variant(
        id=2,
        title="Metformin for weight loss in obese adolescents: protocol for a randomised controlled trial",
        journal="BMJ Open",
        volume="3",
        issue="2",
        pages="e002345",
        year=2013,
        doi="",
        abstract="",
    )
    same_year = variant(id=3, title=protocol.title, doi="", pages="", abstract="")

    found = decisions(ARTICLE, protocol, same_year)

    assert found.get((1, 2)) is None
    assert found.get((1, 3)) != AUTO


def test_generic_titles_match_only_on_the_full_citation():
    editorial = DedupRecord(
        id=1,
        title="Editorial",
        authors=("Kasper, S.",),
        year=2017,
        journal="World Journal of Biological Psychiatry",
        volume="18",
        issue="4",
        pages="255",
    )
    next_issue = dataclasses.replace(editorial, id=2, issue="5", pages="331")
    other_author = dataclasses.replace(editorial, id=3, authors=("Moller, H. J.",), pages="256")
    same_item = dataclasses.replace(editorial, id=4, journal="World J Biol Psychiatry")

    found = decisions(editorial, next_issue, other_author, same_item)

    assert found == {(1, 4): AUTO}


# --- records without a title ------------------------------------------------------------------


def test_record_without_title_is_kept_and_matches_on_doi():
    untitled = DedupRecord(id=2, doi="10.2337/dc14-1234", year=2015)
    nothing = DedupRecord(id=3)

    found = find_duplicates([ARTICLE, untitled, nothing])

    assert [(c.a, c.b, c.decision) for c in found] == [(1, 2, AUTO)]


def test_record_without_title_never_merges_on_the_citation_alone():
    untitled = variant(id=2, title="#NAME?", doi="")

    assert pair_decision(ARTICLE, untitled) != AUTO


# --- output shape and clusters ----------------------------------------------------------------


def test_candidates_name_the_smaller_id_first_and_carry_reasons_and_a_score():
    found = find_duplicates([variant(id="b"), variant(id="a", doi="")])

    assert found == [Candidate(a="a", b="b", score=found[0].score, decision=AUTO, reasons=found[0].reasons)]
    assert 0.9 <= found[0].score <= 1.0
    assert {"same title", "same authors", "same journal"} <= set(found[0].reasons)


def test_progress_reports_the_whole_run():
    calls = []

    find_duplicates([ARTICLE, variant(id=2)], progress=lambda done, total: calls.append((done, total)))

    assert calls[-1][0] == calls[-1][1]


def test_clusters_are_transitive():
    groups = clusters([(1, 2), (2, 3), (4, 5), (6, 6)])

    assert sorted(map(sorted, groups)) == [[1, 2, 3], [4, 5], [6]]


def test_clusters_of_no_pairs_is_empty():
    assert clusters([]) == []


# --- the benchmark loader ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Adeli K.Lewis G. F.", ("Adeli, K.", "Lewis, G. F.")),
        ("RawatA.K.LundquistF.", ("Rawat, A.K.", "Lundquist, F.")),
        ("WangH.-T.LiR.", ("Wang, H.-T.", "Li, R.")),
        ("Smith, J. and Doe, A.", ("Smith, J.", "Doe, A.")),
        ("Anonymous", ()),
    ],
)
def test_loader_splits_run_together_author_lists(raw, expected):
    from benchmarks.dedup_bench import split_authors

    assert split_authors(raw) == expected


# --- labelled data ----------------------------------------------------------------------------


@pytest.mark.skipif(not DIABETES.is_dir(), reason="labelled data not available")
def test_diabetes_set_has_no_false_merges_and_finds_nearly_all_duplicates():
    from benchmarks.dedup_bench import evaluate, load_bib_dedupe_csv, load_true_clusters

    records = load_bib_dedupe_csv(DIABETES / "records_pre_merged.csv")
    truth = load_true_clusters(DIABETES / "merged_record_ids.csv")

    auto = [(c.a, c.b) for c in find_duplicates(records) if c.decision == AUTO]
    result = evaluate([str(r.id) for r in records], truth, auto)

    assert result["pair_fp"] == 0
    assert result["FP"] == 0
    assert result["sensitivity"] >= 0.99


# --- guards: identifiers that conflict and generic titles (issue 10) ---------------------------


def _only(a: DedupRecord, b: DedupRecord) -> Candidate | None:
    found = [c for c in find_duplicates([a, b]) if {c.a, c.b} == {a.id, b.id}]
    return found[0] if found else None


@pytest.mark.parametrize(
    "changes, named",
    [
        ({"doi": "10.2337/dc14-9999"}, "different DOI"),
        ({"doi": "", "pmid": "25999999"}, "different PMID"),
        ({"doi": "", "registry_ids": ("NCT07654321",)}, "different trial registration"),
    ],
)
def test_identical_records_whose_identifiers_conflict_are_never_merged_automatically(changes, named):
    first = variant(
        pmid="25123456" if "pmid" in changes else "",
        doi=ARTICLE.doi if changes.get("doi", ARTICLE.doi) else "",
        registry_ids=("NCT01234567",) if "registry_ids" in changes else (),
    )
    second = dataclasses.replace(first, id=2, **changes)

    pair = _only(first, second)

    assert pair is not None and pair.decision == REVIEW  # everything else agrees: a person decides
    assert pair.guard == f"identifiers conflict: {named}"
    assert named in pair.reasons


EDITORIAL_NOTES = DedupRecord(
    id=1,
    title="Editorial Notes",
    authors=("Rai, Arun",),
    year=2016,
    journal="MIS Quarterly",
    volume="40",
    issue="1",
    pages="iii-xviii",
    doi="10.25300/misq/2016/40:1.03",
)


def test_two_editorial_notes_with_different_dois_are_kept_apart():
    """Issue 10's false merge: same editor, journal, volume and pages, different DOIs (issues)."""
    next_issue = dataclasses.replace(EDITORIAL_NOTES, id=2, issue="2", doi="10.25300/misq/2016/40:2.03")

    assert pair_decision(EDITORIAL_NOTES, next_issue) is None


@pytest.mark.parametrize(
    "title",
    [
        "Editor's Comments",
        "Erratum",
        "Reply",
        "Introduction",
        "Preface",
        "Book review",
        "In this issue",
        "Letter to the editor",
        "Abstracts of the 12th Annual Meeting of the Society",
    ],
)
def test_generic_titles_merge_only_when_journal_volume_issue_and_pages_all_agree(title):
    item = dataclasses.replace(EDITORIAL_NOTES, title=title, doi="")
    no_issue = dataclasses.replace(item, id=2, issue="")
    other_issue = dataclasses.replace(item, id=3, issue="2")
    same = dataclasses.replace(item, id=4, journal="MIS Q", authors=("Rai, A.",))

    found = {(c.a, c.b): c for c in find_duplicates([item, no_issue, other_issue, same])}

    assert {pair for pair, c in found.items() if c.decision == AUTO} == {(1, 4)}
    if (1, 2) in found:  # the issue is missing on one side: a person decides, told why
        assert found[(1, 2)].decision == REVIEW
        assert found[(1, 2)].guard.startswith("generic title")


def test_introductions_to_a_yearly_minitrack_are_not_merged():
    """bib-dedupe's special case: the same introduction title in two years of one conference."""
    intro = DedupRecord(
        id=3, title="Introduction to the Minitrack on Crowdsourcing and Digital Workforce in the Gig Economy",
        authors=("Deng, Xuefei", "Taylor, Joseph"), year=2021,
        journal="Proceedings of the Annual Hawaii International Conference on System Sciences",
        doi="10.24251/HICSS.2021.510",
    )  # fmt: skip
    next_year = dataclasses.replace(intro, id=4, year=2022, doi="10.24251/HICSS.2022.544")

    assert pair_decision(intro, next_year) != AUTO


# --- harder exports of one article --------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"journal": "Diabetes Care", "pages": "512-9"},  # page range shortened
        {"journal": "Diabetes Care", "authors": ("Smith, J.", "et al")},  # truncated author list
        {"title": "[" + ARTICLE.title + "]"},  # translated article: English title in brackets
        {"title": "Metformine pour la perte de poids chez les adolescents obeses [" + ARTICLE.title + "]"},
        {"title": ARTICLE.title + " [Article in German]"},
    ],
)
def test_harder_exports_of_the_same_article_still_merge(changes):
    other = variant(id=2, doi="", **changes)

    assert pair_decision(ARTICLE, other) == AUTO


def test_a_journal_and_its_iso4_abbreviation_or_a_conference_and_its_acronym_agree():
    from reviewapp.dedup.compare import journal_similarity
    from reviewapp.dedup.text import journal_words

    for short, full in [
        ("J Am Coll Cardiol", "Journal of the American College of Cardiology"),
        ("Proc Natl Acad Sci U S A", "Proceedings of the National Academy of Sciences of the United States"),
        ("AMCIS 2017 Proceedings", "Americas Conference on Information Systems"),
        ("HICSS", "Proceedings of the Annual Hawaii International Conference on System Sciences"),
    ]:  # fmt: skip
        assert journal_similarity(journal_words(short), journal_words(full)) == 1.0, short
    assert journal_similarity(journal_words("Diabetes"), journal_words("Diabetologia")) < 0.85


def test_a_truncated_author_list_is_reported_as_the_same_first_author_not_the_same_authors():
    """Issue 13 item 8: the chip must not say "same authors" when only the first author matches."""
    truncated = variant(id=2, doi="", authors=("Smith, J.", "et al"))
    first_only = variant(id=3, doi="", authors=("Smith, John", "Miller, Anna", "Young, Paul"))
    whole = variant(id=4, doi="", authors=("Smith J", "Jones K", "Brown L"))

    found = {(c.a, c.b): set(c.reasons) for c in find_duplicates([ARTICLE, truncated, first_only, whole])}

    assert "same first author" in found[(1, 2)] and "same authors" not in found[(1, 2)]
    assert "same authors" not in found.get((1, 3), set())
    assert "same authors" in found[(1, 4)]


SPECIAL = DIABETES.parent / "special_cases"


@pytest.mark.skipif(not SPECIAL.is_dir(), reason="labelled data not available")
def test_bib_dedupe_special_cases_are_all_decided_right():
    from benchmarks.dedup_bench import evaluate, load_bib_dedupe_csv, load_true_clusters

    records = load_bib_dedupe_csv(SPECIAL / "records_pre_merged.csv")
    truth = load_true_clusters(SPECIAL / "merged_record_ids.csv")

    auto = [(c.a, c.b) for c in find_duplicates(records) if c.decision == AUTO]
    result = evaluate([str(r.id) for r in records], truth, auto)

    assert (result["TP"], result["FP"], result["FN"], result["pair_fp"]) == (2, 0, 0, 0)


def test_the_benchmark_unpacks_only_the_depression_files_of_the_wheel(tmp_path, monkeypatch):
    """The wheel's other labelled sets are held out for acceptance: never unpacked or read."""
    import zipfile

    from benchmarks import dedup_bench

    wheel = tmp_path / f"bib_dedupe-{dedup_bench.WHEEL_VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name in dedup_bench.DEPRESSION_FILES:
            archive.writestr(dedup_bench.DEPRESSION_MEMBER + name, "merged_ids\n")
        archive.writestr("bib_dedupe/data/held_out/records_pre_merged.csv", "secret")
    monkeypatch.setattr(dedup_bench, "DATA", tmp_path)
    monkeypatch.setattr(dedup_bench, "DEPRESSION", tmp_path / "bib_dedupe" / "data" / "depression")

    dedup_bench.ensure_depression()

    unpacked = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.csv"))
    assert unpacked == sorted("bib_dedupe/data/depression/" + n for n in dedup_bench.DEPRESSION_FILES)


# --- the fast paths of the normalisers give what the general path gives ---------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "  Åström's β-Cell (2nd ed.)  ",
        "O'BRIEN--SMITH,\tJ.\n",
        "HrubÃ½ J",
        "ℌilbert",  # lower-cases to itself and decomposes to an upper-case "H"
        "Ca2+/calmodulin: 10.1016/J.X",
        "...",
        "",
    ],
)
def test_ascii_fold_and_letters_match_the_general_path(raw):
    import re
    import unicodedata

    from reviewapp.dedup import text

    def general_fold(value: str) -> str:
        if "Ã" in value or "Â" in value:
            value = text.repair_mojibake(value)
        value = unicodedata.normalize("NFKD", value.lower().translate(text._FOLD))
        value = "".join(ch for ch in value if not unicodedata.combining(ch))
        return re.sub(r"[^a-z0-9]+", " ", value).strip()

    for value in (raw, raw.encode("ascii", "ignore").decode()):
        assert text.fold(value) == general_fold(value)
        assert text.letters(value) == re.sub(r"[^a-z]", "", general_fold(value))


def test_title_numbers_fast_exit_keeps_number_words_and_numerals():
    from reviewapp.dedup.text import title_numbers, title_part_letter

    assert title_numbers(["depression", "in", "primary", "care"]) == ""
    assert title_numbers(["part", "ii", "of", "two", "trials"]) == "22"
    assert title_numbers(["phase", "3", "study"]) == "3"
    assert title_part_letter("results part b") == "b"
    assert title_part_letter("a partb result") == ""


def test_find_duplicates_restores_garbage_collection(monkeypatch):
    import gc

    from reviewapp import dedup

    assert gc.isenabled()
    find_duplicates([ARTICLE, dataclasses.replace(ARTICLE, id=2)])
    assert gc.isenabled()

    def broken(a, b):
        raise RuntimeError("compare failed")

    monkeypatch.setattr(dedup, "gather", broken)
    with pytest.raises(RuntimeError):
        find_duplicates([ARTICLE, dataclasses.replace(ARTICLE, id=2)])
    assert gc.isenabled()
    gc.disable()
    try:
        find_duplicates([ARTICLE])
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
