"""Forms (versioned), extraction autosave with optimistic versions, dual extraction and consensus."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from extraction import selectors
from extraction.models import (
    ConflictStatus,
    Consensus,
    ConsensusMethod,
    ExtractionConflict,
    ExtractionRevision,
    ExtractionStatus,
    FormVersion,
)
from extraction.services import consensus as consensus_services
from extraction.services import extractions as extraction_services
from extraction.services import forms as form_services
from extraction.services.extractions import StaleVersion
from reviewapp.models import AuditEvent
from tests.factories import ReviewFactory

from .conftest import SMALL_FORM

pytestmark = pytest.mark.django_db


def start(review, user, study, form):
    return extraction_services.extraction_start(review=review, actor=user, study_id=study.pk, form_id=form.pk)


# --- forms ---------------------------------------------------------------------------------------------


def test_ready_templates_hold_every_seed_variable(review, alice):
    clinical = form_services.form_from_template(review=review, actor=alice, template="clinical")
    schema = form_services.latest_version(clinical).schema
    labels = " | ".join(label for _, label in schema.columns()).lower()
    for variable in (
        "type of diabetes",
        "age, mean",
        "disease duration",
        "hba1c",
        "fasting blood glucose",
        "postprandial blood glucose",
        "c-peptide",
        "daily insulin dose",
        "oral hypoglycaemic drugs",
        "perinatal msc source",
        "total dose",
        "dose per infusion",
        "number of infusions",
        "regimen",
        "route of administration",
        "follow-up duration",
        "adverse events",
        "serious adverse events",
        "design",
        "country",
        "sampling method",
        "comparable control group",
        "inclusion criteria",
    ):
        assert variable in labels, variable
    assert schema.section("arms").repeatable and schema.section("outcome_timepoints").row_key == (
        "outcome",
        "time_point",
    )
    pre = form_services.latest_version(
        form_services.form_from_template(review=review, actor=alice, template="preclinical")
    ).schema
    labels = " | ".join(label for _, label in pre.columns()).lower()
    for variable in (
        "animal species",
        "disease model",
        "product type",
        "perinatal source",
        "dose",
        "regimen",
        "metabolic outcomes",
        "organ-specific outcomes",
        "mechanisms",
    ):
        assert variable in labels, variable


def test_only_the_owner_builds_forms(review, bob):
    with pytest.raises(PermissionDenied):
        form_services.form_create(review=review, actor=bob, definition=SMALL_FORM)


def test_bad_definition_is_refused_with_every_problem(review, alice):
    with pytest.raises(ValidationError) as caught:
        form_services.form_create(
            review=review,
            actor=alice,
            definition={
                "title": "X",
                "sections": [{"key": "a", "fields": [{"key": "n", "label": "N", "type": "float"}]}],
            },
        )
    assert "sections[0].fields[0] (n): type 'float' is not one of" in caught.value.messages[0]


def test_editing_an_unused_form_edits_in_place(review, alice, form):
    edited = dict(SMALL_FORM, title="Trial form v2")
    version = form_services.form_definition_update(form=form, actor=alice, definition=edited)
    assert version.number == 1 and FormVersion.objects.filter(form=form).count() == 1
    form.refresh_from_db()
    assert form.title == "Trial form v2"


def test_editing_a_used_form_makes_a_new_version_and_old_answers_stay(
    review, alice, bob, form, studies, fill
):
    e = fill(start(review, bob, studies[0], form), bob, {"design.country": "China"})
    new = {
        **SMALL_FORM,
        "sections": [{**SMALL_FORM["sections"][0], "fields": SMALL_FORM["sections"][0]["fields"][:1]}],
    }
    version = form_services.form_definition_update(form=form, actor=alice, definition=new)
    assert version.number == 2
    e.refresh_from_db()
    assert e.form_version.number == 1 and e.answers["design"]["country"] == "China"
    assert selectors.cell(e.form_version.schema, e.answers, "design.country") == "China"
    with pytest.raises(ValidationError) as caught:  # moving it would drop the country: refused, listed
        extraction_services.extraction_upgrade(extraction_id=e.pk, actor=bob, expected_version=e.version)
    assert "Design: country is not in the new version." in caught.value.messages
    e.refresh_from_db()
    assert e.form_version.number == 1


def test_export_import_and_copy_between_reviews(review, alice, form):
    data = form_services.form_export(form)
    other = ReviewFactory(slug="other")
    from reviewapp.models import Membership

    Membership.objects.create(review=other, user=alice, is_owner=True)
    imported = form_services.form_import(review=other, actor=alice, data=__import__("json").dumps(data))
    assert form_services.latest_version(imported).definition == form_services.latest_version(form).definition
    copied = form_services.form_copy(form=form, to_review=other, actor=alice)
    assert copied.title == "Trial form (2)" and copied.review == other
    with pytest.raises(ValidationError, match="not JSON"):
        form_services.form_import(review=other, actor=alice, data=b"{nope")


# --- autosave -------------------------------------------------------------------------------------------


def test_autosave_cleans_the_value_and_logs_before_and_after(review, bob, form, studies):
    e = start(review, bob, studies[0], form)
    saved = extraction_services.extraction_answer_set(
        extraction_id=e.pk, actor=bob, path="design.follow_up", value="12,5", expected_version=e.version
    )
    assert saved.extraction.answers == {"design": {"follow_up": 12.5}} and saved.extraction.version == 2
    extraction_services.extraction_answer_set(
        extraction_id=e.pk, actor=bob, path="design.follow_up", value="13", expected_version=2
    )
    events = AuditEvent.objects.filter(verb="extract.answer_changed").order_by("id")
    assert [(ev.data["before"], ev.data["after"]) for ev in events] == [(None, 12.5), (12.5, 13)]


def test_a_second_tab_with_an_old_version_is_refused_clearly(review, bob, form, studies):
    e = start(review, bob, studies[0], form)
    extraction_services.extraction_answer_set(
        extraction_id=e.pk, actor=bob, path="design.country", value="China", expected_version=1
    )
    with pytest.raises(StaleVersion) as caught:  # the other tab still has version 1
        extraction_services.extraction_answer_set(
            extraction_id=e.pk, actor=bob, path="design.country", value="Indonesia", expected_version=1
        )
    assert "changed in another tab or window" in caught.value.messages[0]
    e.refresh_from_db()
    assert e.answers["design"]["country"] == "China"


def test_bad_values_name_the_field_and_change_nothing(review, bob, form, studies, fill):
    e = fill(start(review, bob, studies[0], form), bob, {}, arms=("UC-MSC",))
    with pytest.raises(ValidationError) as caught:
        extraction_services.extraction_answer_set(
            extraction_id=e.pk, actor=bob, path="arms.0.n", value="-3", expected_version=None
        )
    assert caught.value.messages == ["Arms, arm 1: Randomised must be at least 0."]


def test_only_its_reviewer_edits_an_extraction(review, bob, carol, form, studies):
    e = start(review, bob, studies[0], form)
    with pytest.raises(PermissionDenied):
        extraction_services.extraction_answer_set(
            extraction_id=e.pk, actor=carol, path="design.country", value="X", expected_version=None
        )


def test_owner_who_is_not_a_reviewer_cannot_extract(review, alice, form, studies):
    with pytest.raises(PermissionDenied):
        start(review, alice, studies[0], form)


def test_submit_needs_required_fields_and_valid_outcome_data(review, bob, form, studies, hba1c, fill):
    e = fill(start(review, bob, studies[0], form), bob, {}, arms=("UC-MSC",))
    e = extraction_services.extraction_outcome_add(
        extraction_id=e.pk, actor=bob, measure_id=hba1c.pk, time_point="12 months", expected_version=None
    )
    e = fill(
        e,
        bob,
        {
            "@outcomes.0.arms.0.n": 61,
            "@outcomes.0.arms.0.mean": 7.1,
            "@outcomes.0.arms.0.sd": "0",
            "@outcomes.0.unit": "mmol/mol",
        },
    )
    with pytest.raises(ValidationError) as caught:
        extraction_services.extraction_submit(extraction_id=e.pk, actor=bob, expected_version=None)
    assert caught.value.messages == [
        "Design: Study type is required.",
        "Outcome data, HbA1c at 12 months, arm UC-MSC: SD must be greater than 0 (got 0).",
        "Outcome data, HbA1c at 12 months: unit 'mmol/mol' differs from the outcome's unit '%'.",
    ]
    e.refresh_from_db()
    assert e.status == ExtractionStatus.DRAFT


# --- dual extraction and consensus --------------------------------------------------------------------


def test_identical_extractions_settle_by_agreement(review, bob, carol, studies, extract):
    extract(bob, studies[0])
    extract(carol, studies[0], country=" China ")
    consensus = Consensus.objects.get(study=studies[0])
    assert (consensus.method, consensus.decided_by) == (ConsensusMethod.AGREEMENT, None)
    assert not ExtractionConflict.objects.exists()


def test_differences_are_listed_settled_by_name_and_completed(
    review, bob, carol, dave, studies, extract, settle
):
    extract(bob, studies[0])
    extract(carol, studies[0], country="Indonesia", mean_uc=7.3)
    conflict = ExtractionConflict.objects.get(study=studies[0])
    items = selectors.comparison(conflict)
    assert [(c.item.path, c.item.a_text, c.item.b_text) for c in items] == [
        ("design.country", "China", "Indonesia"),
        ("@outcomes[hba1c @ 12 months].arms[UC-MSC].mean", "7.1", "7.3"),
    ]
    with pytest.raises(ValidationError, match="still to settle"):
        consensus_services.conflict_resolve(conflict_id=conflict.pk, actor=dave)
    assert not Consensus.objects.exists()
    settle(conflict, dave, "design.country", "a")
    settle(conflict, dave, "@outcomes[hba1c @ 12 months].arms[UC-MSC].mean", "value", "7,2")
    done = consensus_services.conflict_resolve(conflict_id=conflict.pk, actor=dave)
    assert (done.method, done.decided_by) == (ConsensusMethod.ARBITRATION, dave)
    conflict.refresh_from_db()
    assert (conflict.status, conflict.resolved_by) == (ConflictStatus.RESOLVED, dave)
    assert done.answers["design"]["country"] == "China"
    assert done.outcomes[0]["arms"][0]["mean"] == 7.2
    assert {s["by_name"] for s in done.settlements.values()} == {"dave"}


def test_viewer_cannot_settle(review, bob, carol, vera, studies, extract, settle):
    extract(bob, studies[0])
    extract(carol, studies[0], country="Indonesia")
    with pytest.raises(PermissionDenied):
        settle(ExtractionConflict.objects.get(study=studies[0]), vera, "design.country", "a")


def test_reviewers_settling_themselves_reach_consensus(review, bob, carol, studies, extract, settle):
    extract(bob, studies[0])
    extract(carol, studies[0], country="Indonesia")
    conflict = ExtractionConflict.objects.get()
    settle(conflict, carol, "design.country", "value", "China and Indonesia")
    done = consensus_services.conflict_resolve(conflict_id=conflict.pk, actor=bob)
    assert (done.method, done.decided_by, done.answers["design"]["country"]) == (
        ConsensusMethod.CONSENSUS,
        bob,
        "China and Indonesia",
    )
    assert done.settlements["design.country"]["by_name"] == "carol"


def test_reopening_keeps_the_submitted_version_and_agreeing_later_is_consensus(
    review, bob, carol, studies, extract, fill
):
    mine = extract(bob, studies[0])
    extract(carol, studies[0], country="Indonesia")
    conflict = ExtractionConflict.objects.get()
    mine = extraction_services.extraction_reopen(extraction_id=mine.pk, actor=bob, expected_version=None)
    revision = ExtractionRevision.objects.get()
    assert (revision.extraction_id, revision.answers["design"]["country"], revision.during_conflict) == (
        mine.pk,
        "China",
        True,
    )
    conflict.refresh_from_db()
    assert conflict.is_open  # the conflict stays until the two agree or it is settled
    fill(mine, bob, {"design.country": "Indonesia"})
    extraction_services.extraction_submit(extraction_id=mine.pk, actor=bob, expected_version=None)
    consensus = Consensus.objects.get()
    assert (consensus.method, consensus.decided_by, consensus.answers["design"]["country"]) == (
        ConsensusMethod.CONSENSUS,
        bob,
        "Indonesia",
    )
    conflict.refresh_from_db()
    assert conflict.status == ConflictStatus.RESOLVED


def test_no_reopening_once_settling_began_or_consensus_exists(review, bob, carol, studies, extract, settle):
    mine = extract(bob, studies[0])
    extract(carol, studies[0], country="Indonesia")
    settle(ExtractionConflict.objects.get(), bob, "design.country", "b")
    with pytest.raises(ValidationError, match="being settled"):
        extraction_services.extraction_reopen(extraction_id=mine.pk, actor=bob, expected_version=None)
    agreed = extract(bob, studies[1])
    extract(carol, studies[1])
    with pytest.raises(ValidationError, match="consensus record"):
        extraction_services.extraction_reopen(extraction_id=agreed.pk, actor=bob, expected_version=None)


def test_submissions_on_different_form_versions_are_not_compared(
    review, alice, bob, carol, studies, extract, form
):
    from .conftest import SMALL_FORM

    extract(bob, studies[0])
    form_services.form_definition_update(
        form=form, actor=alice, definition={**SMALL_FORM, "description": "v2"}
    )
    with pytest.raises(ValidationError, match="submitted on form version 1"):
        extract(carol, studies[0])


def test_lowering_n_to_one_settles_single_submissions(review, alice, bob, studies, extract):
    from reviewapp.services.reviews import review_update

    extract(bob, studies[0])
    assert not Consensus.objects.exists()
    review_update(review=review, actor=alice, votes_required=1)
    consensus = Consensus.objects.get()
    assert (consensus.method, consensus.extraction_b) == (ConsensusMethod.AGREEMENT, None)


def test_blinding_hides_the_other_extraction_until_both_are_submitted(
    review, bob, carol, studies, extract, form
):
    from reviewapp.permissions import membership_for

    extract(bob, studies[0])
    start(review, carol, studies[0], form)
    visible = selectors.extractions_visible_to(review, membership_for(carol, review))
    assert [e.reviewer.username for e in visible] == ["carol"]
    extract(carol, studies[0])
    visible = selectors.extractions_visible_to(review, membership_for(carol, review))
    assert sorted(e.reviewer.username for e in visible) == ["bob", "carol"]


def test_outcome_data_for_analysis_reads_consensus_and_converts(review, bob, carol, studies, extract, hba1c):
    extract(bob, studies[0])
    extract(carol, studies[0])
    extract(bob, studies[1])  # one extraction only: not consensus, not analysed
    rows = selectors.outcome_data_for_analysis(review, hba1c, "12 Months")
    assert len(rows) == 1
    row = rows[0]
    assert (row["study_label"], row["data_type"], row["unit"], row["problems"]) == (
        "Zang 2022",
        "continuous",
        "%",
        [],
    )
    uc, placebo = row["arms"]
    assert (uc["n"], uc["mean"], uc["sd"], uc["method"]) == (61, 7.1, 1.1, "reported")
    assert placebo["method"] == "wan_median_iqr"
    assert placebo["mean"] == pytest.approx((7.0 + 7.8 + 8.6) / 3)
    assert placebo["sd"] == pytest.approx(1.6 / 1.292)  # Wan Table 2: n = 30 -> Q = 8 (rounded up)
    assert row["subgroups"]["design.country"] == "China"


def test_timeline_hides_another_reviewers_extraction_events_until_the_study_is_complete(
    review, bob, carol, dave, studies, extract, form, fill
):
    from reviewapp.selectors import review_events

    draft = extraction_services.extraction_start(
        review=review, actor=bob, study_id=studies[0].pk, form_id=form.pk
    )
    fill(draft, bob, {"design.country": "China"})

    def seen_by(user):
        return [
            e.data.get("after") for e in review_events(review, user) if e.verb == "extract.answer_changed"
        ]

    assert seen_by(bob) == ["China"]
    assert seen_by(carol) == [] and seen_by(dave) == []  # not even that bob extracted leaks
    extraction_services.extraction_row_add(
        extraction_id=draft.pk,
        actor=bob,
        section_key="arms",
        expected_version=None,
        values={"label": "UC-MSC"},
    )
    fill(draft, bob, {"design.type": "rct"})
    extraction_services.extraction_submit(extraction_id=draft.pk, actor=bob, expected_version=None)
    extract(carol, studies[0])
    assert "China" in seen_by(carol)
