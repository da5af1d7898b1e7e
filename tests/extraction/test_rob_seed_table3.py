"""Seed acceptance (issue 7, point 4, pure half): entering the seed's Table 3 gives overall "Serious" for
Lian 2022, Chin 2025 and Jiang 2011, and the rendered table matches Table 3 domain by domain. The seed's
"Moderate/serious" (Chin 2025, selection of the reported result) is not a ROBINS-I level: it is refused
until the assessor chooses one level and records why."""

import pytest

from extraction.rob.tools import AmbiguousJudgement, InvalidJudgement, get_tool
from extraction.rob.tools.tables import (
    ReasonRequired,
    assess_study,
    csv_text,
    enter_judgement,
    judgement_table,
    traffic_light_rows,
)

from .rob_seed import seed_table3, split_cell

ROBINS = get_tool("robins_i")
# The seed's row labels, in the order of the ROBINS-I domains (Sterne et al. 2016).
SEED_LABELS = {
    "Bias due to confounding": "d1",
    "Bias in selection of participants": "d2",
    "Classification of interventions": "d3",
    "Deviations from intended interventions": "d4",
    "Missing data": "d5",
    "Measurement of outcomes": "d6",
    "Selection of reported results": "d7",
}
CHOSEN_REASON = "Retrospective registry analysis without a protocol; partial reporting of 12-month outcomes."


def enter_seed(choice: str) -> list:
    table = seed_table3()
    studies = table[0][1:]
    assessments = []
    for col, study in enumerate(studies, start=1):
        entries = []
        for row in table[1:-1]:
            level, support = split_cell(row[col])
            domain = SEED_LABELS[row[0]]
            try:
                entries.append(enter_judgement(ROBINS, domain, level, support=support))
            except AmbiguousJudgement:
                entries.append(
                    enter_judgement(
                        ROBINS, domain, level, support=support, choice=choice, reason=CHOSEN_REASON
                    )
                )
        assessments.append(assess_study(ROBINS, study, entries))
    return assessments


def test_seed_table_has_three_studies_seven_domains_and_overall_row():
    table = seed_table3()

    assert [c.split(" [")[0] for c in table[0][1:]] == [
        "Lian et al., 2022",
        "Chin et al., 2025",
        "Jiang et al., 2011",
    ]
    assert [row[0] for row in table[1:-1]] == list(SEED_LABELS)
    assert table[-1] == ["Overall risk of bias", "Serious", "Serious", "Serious"]


def test_moderate_serious_is_refused_naming_the_domain_and_asking_for_one_level():
    with pytest.raises(AmbiguousJudgement) as refused:
        enter_judgement(ROBINS, "d7", "Moderate/serious", support="retrospective analysis, partial reporting")

    message = str(refused.value)
    assert "D7 Bias in selection of the reported result" in message
    assert "choose one (Moderate or Serious)" in message and "record why" in message
    assert refused.value.candidates == ("moderate", "serious")


def test_choosing_one_of_the_two_levels_needs_a_reason_and_must_be_one_of_them():
    with pytest.raises(ReasonRequired, match="D7"):
        enter_judgement(ROBINS, "d7", "Moderate/serious", choice="serious")
    with pytest.raises(AmbiguousJudgement):
        enter_judgement(ROBINS, "d7", "Moderate/serious", reason=CHOSEN_REASON)
    with pytest.raises(InvalidJudgement, match="choose Moderate or Serious"):
        enter_judgement(ROBINS, "d7", "Moderate/serious", choice="low", reason=CHOSEN_REASON)

    entry = enter_judgement(ROBINS, "d7", "Moderate/serious", choice="serious", reason=CHOSEN_REASON)
    assert (entry.judgement, entry.reason) == ("serious", CHOSEN_REASON)


@pytest.mark.parametrize("choice", ["moderate", "serious"])
def test_entering_table_3_gives_serious_overall_for_all_three_studies(choice):
    assessments = enter_seed(choice)

    assert [a.overall for a in assessments] == ["serious", "serious", "serious"]
    assert all(a.overall_proposal.judgement == "serious" for a in assessments)
    chin = assessments[1]
    assert chin.entries["d7"].judgement == choice and chin.entries["d7"].reason == CHOSEN_REASON


@pytest.mark.parametrize("choice, label", [("moderate", "Moderate"), ("serious", "Serious")])
def test_rendered_table_matches_table_3_domain_by_domain(choice, label):
    seed = seed_table3()
    rendered = judgement_table(ROBINS, enter_seed(choice))

    assert rendered[0][1:] == seed[0][1:]
    assert [row[0] for row in rendered[1:-1]] == [ROBINS.domain(k).name for k in SEED_LABELS.values()]
    for ours, theirs in zip(rendered[1:], seed[1:]):
        for col in (1, 2, 3):
            if theirs[col].startswith("Moderate/serious"):
                assert ours[col] == f"{label} – retrospective analysis, partial reporting"
            else:
                assert ours[col] == theirs[col], (theirs[0], col)


def test_traffic_light_rows_and_csv_for_exports():
    rows = traffic_light_rows(ROBINS, enter_seed("serious"))

    assert rows[0] == ["Study", "D1", "D2", "D3", "D4", "D5", "D6", "D7", "Overall"]
    assert rows[1] == [
        "Lian et al., 2022 [24] (n=16)",
        "Serious",
        "Serious",
        "Low",
        "Moderate",
        "Moderate",
        "Low",
        "Moderate",
        "Serious",
    ]
    assert rows[2][5] == "Serious" and rows[2][7] == "Serious"
    text = csv_text(rows)
    assert text.splitlines()[0] == "Study,D1,D2,D3,D4,D5,D6,D7,Overall"
    assert '"Chin et al., 2025 [25] (n=218)",Serious' in text


def test_csv_neutralises_cells_a_spreadsheet_would_run_as_formulas():
    text = csv_text([["Study"], ['=HYPERLINK("http://x","y")'], ["+1"], ["Smith 2020"]])

    assert text.splitlines()[1:] == ['"\'=HYPERLINK(""http://x"",""y"")"', "'+1", "Smith 2020"]


def test_departing_from_a_proposal_needs_a_written_reason():
    proposal = ROBINS.propose_domain("d6", {"6.1": "N", "6.2": "Y", "6.3": "Y", "6.4": "N"})

    with pytest.raises(ReasonRequired, match="proposes Low"):
        enter_judgement(ROBINS, "d6", "Moderate", proposal=proposal)
    entry = enter_judgement(
        ROBINS, "d6", "Moderate", proposal=proposal, reason="HbA1c assay changed mid-study."
    )
    assert (entry.judgement, entry.proposed) == ("moderate", "low")
    assert enter_judgement(ROBINS, "d6", "Low", proposal=proposal).reason == ""


def test_overall_override_needs_a_reason():
    entries = [enter_judgement(ROBINS, k, "Low") for k in ROBINS.domain_keys]

    with pytest.raises(ReasonRequired, match="overall rule gives Low"):
        assess_study(ROBINS, "Study", entries, overall="Moderate")
    raised = assess_study(ROBINS, "Study", entries, overall="Moderate", overall_reason="Small pilot study.")
    assert (raised.overall, raised.overall_proposal.judgement) == ("moderate", "low")


def test_a_study_with_a_domain_unjudged_is_refused():
    with pytest.raises(InvalidJudgement, match="judge D7 first"):
        assess_study(ROBINS, "Lian", [enter_judgement(ROBINS, f"d{i}", "Low") for i in range(1, 7)])
