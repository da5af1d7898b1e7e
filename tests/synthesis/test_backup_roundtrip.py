"""A review backed up and restored under a new slug is the same review: every row of every backed-up model
(renumbered), the stored files, the screening decisions, extraction, risk of bias, analyses, the audit log
with its timestamps, and the PRISMA counts. Built on the seed review (real imports, de-duplication, votes,
full text, studies, RoB Table 3) plus dual extraction, a conflict and a meta-analysis run."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db.models import Value
from django.db.models.functions import Concat

from extraction.models import Consensus, Extraction, ExtractionConflict
from extraction.rob.models import Assessment, ConsensusAssessment, RobItem
from reviewapp import registry
from reviewapp.backup import BackupError, backup_build, backup_plan, backup_save, review_restore
from reviewapp.models import AuditEvent, Review, Study
from screening.models import Retrieval, RetrievalStatus, Verdict, Vote
from synthesis.demo import seed_review_build
from synthesis.models import Analysis, AnalysisRun
from synthesis.prisma_selectors import prisma_counts
from synthesis.selectors import current_inputs, is_stale
from synthesis.services import analysis_create, analysis_run_now
from tests.extraction.conftest import extract, fill, form  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db(transaction=False)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def review(db):
    """The seed review as load_demo makes it (with what apps add to it)."""
    review = seed_review_build()
    for slug, step in registry.DEMO_REVIEW_STEPS:
        if slug == review.slug:
            step(review=review)
    return review


@pytest.fixture
def hba1c(review, alice):
    from extraction.services import measures

    return measures.outcome_measure_create(
        review=review,
        actor=alice,
        name="HbA1c (round trip)",
        data_type="continuous",
        unit="%",
        time_points="12 months",
    )


@pytest.fixture
def rich(review, alice, bob, carol, extract, hba1c):  # noqa: F811
    """The seed review plus dual extraction (two agreements, one conflict), an analysis run and a PDF."""
    studies = list(Study.objects.filter(review=review).order_by("label")[:3])
    for study, mean in zip(studies[:2], (7.1, 6.4), strict=True):
        extract(bob, study, mean_uc=mean)
        extract(carol, study, mean_uc=mean)
    extract(bob, studies[2], country="China")
    extract(carol, studies[2], country="India")
    analysis = analysis_create(
        review=review,
        actor=alice,
        title="HbA1c",
        outcome=hba1c,
        time_point="12 months",
        measure="MD",
        model="random",
        tau2_method="REML",
    )
    analysis_run_now(analysis=analysis, actor=alice)
    retrieval = Retrieval.objects.filter(review=review, status=RetrievalStatus.RETRIEVED).first()
    retrieval.file.save("report.pdf", ContentFile(PDF))
    return review


def _canonical(review: Review) -> dict:
    """Every backed-up row of the review with ids replaced by positions (rows are in id order), users by
    username and files by their content's hash: two copies of a review compare equal only if the same."""
    backup = backup_build(review)
    backup.write(io.BytesIO())  # the files' checksums are taken while they are written
    tables = backup.data["tables"]
    users = {u["id"]: u["username"] for u in backup.data["users"]}
    position = {label: {row["id"]: n for n, row in enumerate(rows)} for label, rows in tables.items()}
    position["review"] = {review.pk: 0}
    position["user"] = users
    plans = {plan.label: plan for plan in backup_plan()}
    out = {}
    for label, rows in tables.items():
        plan = plans.get(label)
        out[label] = [_canonical_row(row, plan, position, backup.data["files"]) for row in rows]
    return out


def _canonical_row(row: dict, plan, position: dict, digests: dict) -> dict:
    row = dict(row)
    row["id"] = None
    if plan is None:  # the review itself
        row["slug"] = None
        row["created_by_id"] = position["user"].get(row["created_by_id"])
        return row
    for attname, target in plan.fks.items():
        row[attname] = position[target].get(row[attname], row[attname]) if row[attname] is not None else None
    for attname, target in plan.ids.items():
        row[attname] = position[target].get(row[attname], ("gone", row[attname]))
    for attname in plan.files:
        row[attname] = digests.get(row[attname], row[attname])  # the content's sha256
    if plan.label == "reviewapp.AuditEvent":
        row["data"] = _canonical_event_data(row, position)
    for (label, attname), keys in registry.BACKUP_JSON_IDS.items():
        if label == plan.label:
            row[attname] = _canonical_json(row[attname], keys, position)
    if plan.label == "synthesis.AnalysisRun":
        row["fingerprint"] = None  # a hash over ids; whether it is up to date is compared below
    return row


def _canonical_json(value, keys: dict, position: dict):
    if isinstance(value, list):
        return [_canonical_json(item, keys, position) for item in value]
    if isinstance(value, dict):
        return {
            k: ("#", position[keys[k]].get(v)) if k in keys else _canonical_json(v, keys, position)
            for k, v in value.items()
        }
    return value


def _canonical_event_data(row: dict, position: dict):
    data = dict(row["data"])
    for prefix, keys in registry.BACKUP_EVENT_IDS:
        if row["verb"].startswith(prefix):
            for key, (label, template) in keys.items():
                value = data.get(key)
                if isinstance(value, int) and not isinstance(value, bool):
                    data[key] = ("#", position[label].get(value))
                elif template and isinstance(value, str):
                    old = int(value.split("-")[-1])
                    data[key] = ("#", position[label].get(old))
                elif isinstance(value, list):
                    data[key] = [("#", position[label].get(v)) for v in value]
    return data


def _votes(review):
    return sorted(
        (v.record.source_key, v.record.batch.file_name, v.stage, v.reviewer.username, v.decision,
         v.reason.label if v.reason else "", v.note, v.created_at)
        for v in Vote.objects.filter(review=review).select_related("record__batch", "reviewer", "reason")
    )  # fmt: skip


def _verdicts(review):
    return sorted(
        (v.record.source_key, v.record.batch.file_name, v.stage, v.decision, v.method,
         v.reason.label if v.reason else "", v.decided_by.username if v.decided_by else "")
        for v in Verdict.objects.filter(review=review).select_related("record__batch", "reason", "decided_by")
    )  # fmt: skip


def _events(review):
    events = AuditEvent.objects.filter(review=review).exclude(
        verb__in=["review.restored", "review.backed_up"]
    )
    events = events.select_related("actor")
    return [(e.verb, e.actor.username if e.actor else None, e.created_at) for e in events.order_by("id")]


def test_a_restored_backup_is_the_same_review_under_a_new_slug(rich, tmp_path):
    out = tmp_path / "seed.zip"
    call_command("backup_review", rich.slug, "--out", str(out))
    before = _canonical(rich)
    assert before["extraction.Consensus"] and before["extraction.ExtractionConflict"]
    assert before["synthesis.AnalysisRun"] and before["rob.ConsensusAssessment"]

    copy = review_restore(source=out, slug="seed-copy")

    assert copy.pk != rich.pk and copy.slug == "seed-copy" and copy.title == rich.title
    after = _canonical(copy)
    events_before, events_after = before.pop("reviewapp.AuditEvent"), after.pop("reviewapp.AuditEvent")
    assert after == before
    # the original then logged who took the backup, the copy that it was restored
    assert events_before[-1]["verb"] == "review.backed_up"
    assert events_after[:-1] == events_before[:-1]
    assert AuditEvent.objects.filter(review=copy).latest("id").verb == "review.restored"
    assert _votes(copy) == _votes(rich) and len(_votes(rich)) > 2000
    assert _verdicts(copy) == _verdicts(rich)
    assert _events(copy) == _events(rich)
    assert prisma_counts(copy).to_prisma2020() == prisma_counts(rich).to_prisma2020()
    assert prisma_counts(rich).to_prisma2020()["records_screened"] == 960
    # rows point at the copy's rows, never the original's; files are copied under the copy's paths
    assert not Vote.objects.filter(review=copy).exclude(record__review=copy).exists()
    assert not Extraction.objects.filter(review=copy).exclude(study__review=copy).exists()
    assert not Assessment.objects.filter(review=copy).exclude(item__review=copy).exists()
    copied = Retrieval.objects.filter(review=copy).exclude(file="").get()
    assert copied.file.name != Retrieval.objects.filter(review=rich).exclude(file="").get().file.name
    assert copied.file.read() == PDF
    # the blinded timeline finds RoB events by the item named in their data
    items = set(RobItem.objects.filter(review=copy).values_list("pk", flat=True))
    stages = {e.data["stage"] for e in AuditEvent.objects.filter(review=copy, verb__startswith="assessment.")}
    assert stages and stages <= {f"rob-{pk}" for pk in items}
    for model in (ConsensusAssessment, Consensus, ExtractionConflict, AnalysisRun):
        assert model.objects.filter(review=copy).count() == model.objects.filter(review=rich).count() > 0
    assert ConsensusAssessment.objects.filter(review=copy).count() >= 3  # the seed's Table 3 at least
    # the HbA1c analysis of this test (the seed demo brings its own analysis too)
    run = AnalysisRun.objects.get(review=copy, analysis__outcome__name="HbA1c (round trip)")
    original = AnalysisRun.objects.get(review=rich, analysis__outcome__name="HbA1c (round trip)")
    assert run.results == original.results
    assert {row["study_id"] for row in run.inputs} <= set(
        Study.objects.filter(review=copy).values_list("pk", flat=True)
    )
    assert not is_stale(original, current_inputs(original.analysis))
    assert not is_stale(run, current_inputs(run.analysis))  # its inputs are the copy's current ones
    assert all(
        a.outcome.review == copy for a in Analysis.objects.filter(review=copy).select_related("outcome")
    )


def test_users_missing_from_the_database_are_created_inactive(rich, tmp_path):
    saved = tmp_path / "seed.zip"
    backup_save(backup=backup_build(rich), path=saved)
    usernames = set(rich.memberships.values_list("user__username", flat=True))
    User = get_user_model()
    User.objects.filter(username__in=["bob", "carol"]).update(username=Concat("username", Value("-old")))

    copy = review_restore(source=saved, slug="seed-elsewhere")

    assert set(copy.memberships.values_list("user__username", flat=True)) == usernames
    bob = User.objects.get(username="bob")
    assert not bob.is_active and not bob.has_usable_password()
    assert User.objects.get(username="owner").memberships.filter(review=copy, is_owner=True).exists()
    assert AuditEvent.objects.get(review=copy, verb="review.restored").data["users_created"] == [
        "bob",
        "carol",
    ]
    bob_before = Extraction.objects.filter(review=rich, reviewer__username="bob-old").count()
    assert Extraction.objects.filter(review=copy, reviewer=bob).count() == bob_before >= 3
    with pytest.raises(BackupError, match="slug 'perinatal-msc-diabetes' exists already"):
        review_restore(source=saved)  # the backup's own slug is taken
