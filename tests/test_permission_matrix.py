"""The permission matrix (issue #12): who may call every API operation and open every page, from one table.

Each row of API and PAGES below is `url-name  METHOD  who  [object]`:

- `who` lists the roles that get past the permission checks (any answer but 401/403/404 and no 5xx:
  a 400 for the empty body we send is fine, it means the role was let in). `members` is all four roles.
  A role written `role=404` gets 404 by design (e.g. another reviewer's unfinished vote stays hidden).
  Every other member gets 403; the outsider (member of no review) gets 404; anonymous callers get 401
  from the API and a redirect to the login page from pages.
- `object` names the fixture object whose id fills the URL's `<pk>` (see `world()`).

The roles are the personas of tests/conftest.py: owner alice, reviewer bob, arbiter dave, viewer vera,
outsider mallory. The table must cover every URL: `test_every_*_has_a_row` walks the URL resolver, so a
new endpoint or page without a row fails the suite.

Fast: the world is built once per module; each request runs in a savepoint that is rolled back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

ROLES = ("owner", "reviewer", "arbiter", "viewer")
PERSONAS = {"owner": "alice", "reviewer": "bob", "arbiter": "dave", "viewer": "vera", "outsider": "mallory"}
S = "members"

# ---------------------------------------------------------------------------------------------------------
# API: /api/v1/... (url name as the router names it)
# ---------------------------------------------------------------------------------------------------------
API = """
review-list                        GET     members,outsider=ok
review-list                        POST    members,outsider=ok
review-detail                      GET     members
review-detail                      PUT     owner
review-detail                      PATCH   owner
member-list                        GET     members
member-list                        POST    owner
member-detail                      GET     members                     membership
member-detail                      DELETE  owner                       membership
source-list                        GET     members
source-list                        POST    owner
round-list                         GET     members
round-list                         POST    owner
round-detail                       GET     members                     round
source-detail                      GET     members                     source
source-detail                      PATCH   owner                       source
import-list                        GET     members
import-list                        POST    owner
import-detail                      GET     members                     batch
record-list                        GET     members
record-detail                      GET     members                     record
record-events                      GET     members                     record
record-remove                      POST    owner                       record
record-restore                     POST    owner                       record
duplicate-list                     GET     members
duplicate-detail                   GET     members                     candidate
duplicate-merge                    POST    owner                       candidate
duplicate-reject                   POST    owner                       candidate
duplicate-undo                     POST    owner                       candidate
dedup-run-list                     GET     members
dedup-run-list                     POST    owner
dedup-run-detail                   GET     members                     dedup_run
event-list                         GET     members
screening-queue-next               GET     reviewer
screening-vote-list                GET     members
screening-vote-list                POST    reviewer
screening-vote-undo                POST    reviewer
screening-vote-detail              GET     reviewer,owner=404,arbiter=404,viewer=404   open_vote
screening-vote-detail              PATCH   reviewer                    open_vote
screening-vote-detail              DELETE  reviewer                    open_vote
screening-conflict-list            GET     members
screening-conflict-detail          GET     members                     conflict
screening-conflict-resolve         POST    arbiter,owner               conflict
screening-verdict-list             GET     members
screening-verdict-detail           GET     members                     verdict
screening-reason-list              GET     members
screening-reason-list              POST    owner
screening-reason-set-list          POST    owner
screening-reason-detail            GET     members                     reason
screening-reason-detail            PATCH   owner                       reason
screening-reason-detail            DELETE  owner                       reason
screening-retrieval-list           GET     members
screening-retrieval-detail         GET     members                     sought
screening-retrieval-attach         POST    owner,reviewer              sought
screening-retrieval-link           POST    owner,reviewer              sought
screening-retrieval-not-retrieved  POST    owner,reviewer              sought
screening-retrieval-pdf            GET     members                     sought
screening-study-list               GET     members
screening-study-list               POST    owner,reviewer
screening-study-suggestions        GET     members
screening-study-detail             GET     members                     study
screening-study-merge              POST    owner,reviewer              study
screening-study-split              POST    owner,reviewer              study
screening-label-list               GET     members
screening-label-set-list           POST    owner
screening-label-detail             GET     members                     label
screening-label-tag                POST    owner,reviewer              label
screening-label-records            GET     members                     label
screening-assignment-list          GET     members
screening-assignment-list          POST    owner
screening-assignment-split         POST    owner
screening-assignment-clear         POST    owner
screening-assignment-summary       GET     members
screening-assignment-mode          POST    owner
screening-pilot-list               GET     members
screening-pilot-list               POST    owner
screening-pilot-detail             GET     members                     pilot
screening-pilot-close              POST    owner                       pilot
screening-pilot-next               GET     reviewer                    pilot
screening-pilot-vote               POST    reviewer                    pilot
screening-agreement                GET     members
screening-progress                 GET     members
screening-priority                 GET     members
screening-priority                 PATCH   owner
screening-stopping                 GET     members
screening-stopping-stop            POST    owner
screening-stopping-undo            POST    owner
extraction-form-list               GET     members
extraction-form-list               POST    owner
extraction-form-import-form        POST    owner
extraction-form-detail             GET     members                     form
extraction-form-copy               POST    owner                       form
extraction-form-definition         POST    owner                       form
extraction-form-export             GET     members                     form
extraction-form-version-list       GET     members
extraction-form-version-detail     GET     members                     form_version
extraction-outcome-list            GET     members
extraction-outcome-list            POST    owner
extraction-outcome-detail          GET     members                     measure
extraction-outcome-detail          PATCH   owner                       measure
extraction-extraction-list         GET     owner,reviewer,arbiter
extraction-extraction-list         POST    reviewer
extraction-extraction-detail       GET     reviewer,owner=404,arbiter=404   open_extraction
extraction-extraction-answer       POST    reviewer                    open_extraction
extraction-extraction-reopen       POST    reviewer                    open_extraction
extraction-extraction-rows         POST    reviewer                    open_extraction
extraction-extraction-submit       POST    reviewer                    open_extraction
extraction-consensus-list          GET     members
extraction-consensus-detail        GET     members                     consensus
extraction-consensus-comparison    GET     owner,reviewer,arbiter                     consensus
extraction-conflict-list           GET     owner,reviewer,arbiter
extraction-conflict-detail         GET     owner,reviewer,arbiter                     extraction_conflict
extraction-conflict-comparison     GET     owner,reviewer,arbiter                     extraction_conflict
extraction-conflict-resolve        POST    arbiter,owner,reviewer               extraction_conflict
extraction-conflict-settle         POST    arbiter,owner,reviewer                    extraction_conflict
extraction-outcome-data-list       GET     members
extraction-table-list              GET     members
extraction-table-list              POST    owner
extraction-table-detail            GET     members                     table
extraction-table-rows              GET     members                     table
rob-tool-list                      GET     members
rob-tool-detail                    GET     members                     tool
rob-item-list                      GET     members
rob-item-detail                    GET     members                     rob_item
rob-assessment-list                GET     owner,reviewer,arbiter
rob-assessment-list                POST    reviewer
rob-assessment-detail              GET     reviewer,owner=404,arbiter=404   open_assessment
rob-assessment-detail              PATCH   reviewer                    open_assessment
rob-assessment-detail              DELETE  reviewer                    open_assessment
rob-assessment-reopen              POST    reviewer                    open_assessment
rob-assessment-submit              POST    reviewer                    open_assessment
rob-proposal-list                  POST    members
rob-comparison-list                GET     owner,reviewer,arbiter
rob-comparison-detail              GET     owner,reviewer,arbiter                     rob_item
rob-consensus-list                 GET     members
rob-consensus-list                 POST    arbiter,owner
rob-consensus-detail               GET     members                     rob_consensus
prisma-counts                      GET     members
prisma-records                     GET     members
analysis-list                      GET     members
analysis-list                      POST    owner
analysis-detail                    GET     members                     analysis
analysis-detail                    PUT     owner                       analysis
analysis-detail                    PATCH   owner                       analysis
analysis-detail                    DELETE  owner                       analysis
analysis-exclusions                POST    owner                       analysis
analysis-inputs                    GET     members                     analysis
analysis-run-list                  GET     members
analysis-run-list                  POST    owner
analysis-run-detail                GET     members                     run
analysis-run-results               GET     members                     run
"""

# ---------------------------------------------------------------------------------------------------------
# Pages: /reviews/<slug>/... (url name, namespaced as in {% url %})
# ---------------------------------------------------------------------------------------------------------
PAGES = """
review-detail                GET    members
review-settings              GET    owner
review-settings              POST   owner
member-list                  GET    members
member-list                  POST   owner
member-account-new           POST   owner=403
member-roles                 POST   owner                      membership
member-remove                POST   owner                      membership
source-list                  GET    members
source-list                  POST   owner
source-edit                  GET    owner                      source
source-edit                  POST   owner                      source
import-new                   GET    owner
import-new                   POST   owner
import-detail                GET    members                    batch
import-progress              GET    members                    batch
record-list                  GET    members
record-detail                GET    members                    record
record-remove                POST   owner                      record
record-restore               POST   owner                      record
duplicate-queue              GET    members
dedup-start                  POST   owner
dedup-progress               GET    members                    dedup_run
candidate-merge              POST   owner                      candidate
candidate-reject             POST   owner                      candidate
candidate-undo               POST   owner                      candidate
screening:index              GET    members
screening:screen             GET    reviewer
screening:vote               POST   reviewer
screening:undo               POST   reviewer
screening:progress           GET    members
screening:conflicts          GET    members
screening:conflict           GET    members                    conflict
screening:conflict           POST   arbiter,owner              conflict
screening:conflict-reopen    POST   arbiter,owner              conflict
screening:prepare            POST   reviewer
screening:bulk-upload        POST   owner,reviewer
screening:bulk               GET    owner=404,reviewer=404
screening:bulk               POST   owner=404,reviewer=404
screening:bulk-discard       POST   owner=404,reviewer=404
screening:priority           POST   owner
screening:stop               POST   owner
screening:stop-undo          POST   owner                      record
screening:setup              GET    members
screening:setup              POST   owner
screening:labels             GET    members
screening:label-toggle       POST   reviewer,owner             record
screening:pilot              GET    members
screening:pilot              POST   owner
screening:pilot-screen       GET    reviewer
screening:pilot-screen       POST   reviewer
screening:fulltext           GET    members
screening:reasons            POST   owner
screening:retrieval          POST   owner,reviewer             sought
screening:pdf                GET    members                    sought
screening:studies            GET    members
screening:studies            POST   owner,reviewer
screening:agreement          GET    members
extraction:index             GET    members
extraction:forms             GET    members
extraction:forms             POST   owner
extraction:form-import       POST   owner
extraction:form              GET    members                    form
extraction:form-edit         POST   owner                      form
extraction:form-json         GET    members                    form
extraction:form-json         POST   owner                      form
extraction:form-copy         POST   owner                      form
extraction:studies           GET    owner,reviewer,arbiter                    form
extraction:start             POST   reviewer                   form
extraction:outcomes          GET    members
extraction:outcomes          POST   owner
extraction:extraction        GET    reviewer   open_extraction
extraction:save              POST   reviewer   open_extraction
extraction:rows              POST   reviewer   open_extraction
extraction:state             POST   reviewer   open_extraction
extraction:view              GET    reviewer,owner=404,arbiter=404,viewer=404   open_extraction
extraction:consensus-list    GET    members
extraction:consensus         GET    members                    consensus
extraction:conflict          GET    owner,reviewer,arbiter                    extraction_conflict
extraction:settle            POST   reviewer,arbiter,owner     extraction_conflict
extraction:tables            GET    members
extraction:tables            POST   owner
extraction:table             GET    members                    table
extraction:table-csv         GET    members                    table
extraction:table-xlsx        GET    members                    table
rob:index                    GET    members
rob:start                    POST   reviewer
rob:assessment               GET    reviewer   open_assessment
rob:assessment               POST   reviewer   open_assessment
rob:propose                  POST   reviewer                   open_assessment
rob:item                     GET    members                    rob_item
rob:item                     POST   arbiter,owner              rob_item
rob:table                    GET    members
rob:export                   GET    members
synthesis:prisma             GET    members
synthesis:prisma-records     GET    members
synthesis:prisma-download    GET    members
synthesis:report             GET    members
synthesis:report-pdf         GET    members
round-new                    POST   owner
invitation-revoke            POST   owner                      invitation
synthesis:exports            GET    owner
synthesis:export-download    GET    owner
synthesis:backup-download    GET    owner
synthesis:analyses           GET    members
synthesis:analysis-new       GET    owner
synthesis:analysis-new       POST   owner
synthesis:analysis           GET    members                    analysis
synthesis:analysis-edit      GET    owner                      analysis
synthesis:analysis-edit      POST   owner                      analysis
synthesis:analysis-delete    POST   owner                      analysis
synthesis:analysis-run       POST   owner                      analysis
synthesis:analysis-exclude   POST   owner                      analysis
synthesis:run-status         GET    members                    analysis
synthesis:run-plot           GET    members                    analysis
"""

# Pages outside any review: anyone signed in (`anyone`: a redirect that shows nothing, to the home page;
# `static`: a redirect to a static file, for everyone, signed in or not; `staff`: signed-in staff only, others
# 403).
PUBLIC_PAGES = """
favicon                      GET    static
home                         GET    signed-in
review-new                   GET    signed-in
review-new                   POST   signed-in
review-restore               GET    staff
review-restore               POST   staff
review-restore-job           GET    staff
review-restore-progress      GET    staff
review-list                  GET    anyone
invitation                   GET    signed-in
invitation                   POST   signed-in
"""

# Not review pages: Django's admin and auth pages, the API root, schema and docs.
NOT_IN_THE_MATRIX = re.compile(r"^(admin:|login$|logout$|password_|api-root$|api-schema$|api-docs$)")
# Extra URL kwargs: the stage, a RoB tool, file formats and plot names.
EXTRA_KWARGS = {
    "stage": "title_abstract",
    "key": "robins_i",
    "tool_key": "robins_i",
    "fmt": "csv",
    "plot": "forest",
}
# What a request needs beyond the URL for its object to be found (templates filled from world()).
QUERIES = {"prisma-records": "?box=source-{source}", "synthesis:prisma-records": "?box=source-{source}"}
BODIES = {
    ("extraction:form-copy", "POST"): {"to_review": "{slug}"},
    ("synthesis:analysis-exclude", "POST"): {"study": "{study}"},
    ("extraction:state", "POST"): {"action": "submit"},
}
PAGE_KWARGS = {
    "synthesis:prisma-download": {"fmt": "svg"},
    "synthesis:run-plot": {"fmt": "svg"},
    "synthesis:export-download": {"what": "records", "fmt": "csv"},
    "screening:bulk": {"token": "no-such-upload"},  # an unknown upload: 404 for those let in
    "screening:bulk-discard": {"token": "no-such-upload"},
}


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    expect: dict  # role -> "ok" | 403 | 404
    obj: str | None

    @property
    def id(self) -> str:
        return f"{self.name} {self.method}"


def parse(table: str) -> dict[tuple[str, str], Row]:
    rows = {}
    for line in table.strip().splitlines():
        name, method, who, *obj = line.split()
        expect: dict = dict.fromkeys(ROLES, 403)
        for entry in who.split(","):
            role, _, status = entry.partition("=")
            for r in ROLES if role == S else (role,):
                assert r in (*ROLES, "outsider"), f"{line}: unknown role {r}"
                expect[r] = "ok" if status in ("", "ok") else int(status)
        key = (name, method)
        assert key not in rows, f"two rows for {key}"
        rows[key] = Row(name, method, expect, obj[0] if obj else None)
    return rows


API_ROWS = parse(API)
PAGE_ROWS = parse(PAGES)
PUBLIC_ROWS = {
    (name, method): who for name, method, who in (line.split() for line in PUBLIC_PAGES.strip().splitlines())
}


# ---------------------------------------------------------------------------------------------------------
# the URL patterns, walked
# ---------------------------------------------------------------------------------------------------------


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace + (f"{p.namespace}:" if p.namespace else "")
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern) and p.name:
            yield prefix + str(p.pattern), namespace + p.name, p.callback


WRITES_AND_READS = ("get", "post", "put", "patch", "delete")  # HEAD is GET; OPTIONS describes the endpoint


def _api_methods(callback) -> list[str]:
    """The methods a view answers (a router maps PUT for an update view even when the view refuses it)."""
    view = getattr(callback, "cls", None) or callback.view_class
    actions = getattr(callback, "actions", None) or {m: m for m in WRITES_AND_READS if hasattr(view, m)}
    return sorted(m.upper() for m in actions if m in WRITES_AND_READS and m in view.http_method_names)


def api_operations() -> dict[tuple[str, str], str]:
    """(url name, METHOD) -> route of every API operation (format-suffix twins left out)."""
    found = {}
    for route, name, callback in _walk(get_resolver().url_patterns):
        if not route.startswith("api/") or "format" in route or NOT_IN_THE_MATRIX.match(name):
            continue
        for method in _api_methods(callback):
            found[(name, method)] = route
    return found


def page_names() -> dict[str, str]:
    """url name -> route of every browser page."""
    return {
        name: route
        for route, name, _ in _walk(get_resolver().url_patterns)
        if not route.startswith("api/") and not NOT_IN_THE_MATRIX.match(name)
    }


def test_every_api_operation_has_a_row():
    operations = set(api_operations())
    assert sorted(operations - set(API_ROWS)) == [], "API operations without a row in the permission table"
    assert sorted(set(API_ROWS) - operations) == [], "rows for API operations that do not exist"


def _unnamed(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _unnamed(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern) and not p.name:
            yield prefix + str(p.pattern)


def test_every_url_outside_the_admin_has_a_name_so_the_table_covers_it():
    """The rows are keyed by url name, and `_walk` sees named patterns only: an unnamed endpoint would
    escape the matrix unnoticed. (Django's admin checks its own permissions.)"""
    assert [route for route in _unnamed(get_resolver().url_patterns) if not route.startswith("admin/")] == []


def test_every_page_has_a_row():
    names = set(page_names())
    in_table = {name for name, _ in PAGE_ROWS} | {name for name, _ in PUBLIC_ROWS}
    assert sorted(names - in_table) == [], "pages without a row in the permission table"
    assert sorted(in_table - names) == [], "rows for pages that do not exist"


# ---------------------------------------------------------------------------------------------------------
# one world per module: a review with an object of every kind
# ---------------------------------------------------------------------------------------------------------
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _build(media_root) -> dict:
    from django.test import override_settings

    with override_settings(MEDIA_ROOT=media_root, TASKS_MODE="eager"):
        return _objects()


def _objects() -> dict:
    from extraction.models import Consensus, ExtractionConflict, FormVersion
    from extraction.rob.models import ConsensusAssessment, RobItem
    from extraction.services import extractions as ex
    from extraction.services import forms as form_services
    from extraction.services import measures as measure_services
    from extraction.services import tables as table_services
    from reviewapp.models import DedupRun, DuplicateCandidate, Membership, RestoreJob
    from reviewapp.services.invitations import invitation_create
    from reviewapp.services.rounds import round_latest
    from screening.models import Conflict, Verdict
    from screening.services import fulltext as ft
    from screening.services import pilot as pilot_services
    from screening.services import setup as setup_services
    from screening.services import votes as vote_services
    from synthesis import services as synthesis_services
    from tests.extraction.conftest import SMALL_FORM
    from tests.extraction.rob_app import enter_table3, seed_studies

    from .factories import ImportBatchFactory, RecordFactory, ReviewFactory, UserFactory

    review = ReviewFactory(slug="perinatal-msc", title="Perinatal MSCs in type 2 diabetes")
    users = {}
    for username, roles in [
        ("alice", {"is_owner": True}),
        ("bob", {"is_reviewer": True}),
        ("carol", {"is_reviewer": True}),
        ("dave", {"is_arbiter": True}),
        ("vera", {"is_viewer": True}),
    ]:
        users[username] = UserFactory(username=username)
        Membership.objects.create(review=review, user=users[username], **roles)
    users["mallory"] = UserFactory(username="mallory")
    alice, bob, carol = users["alice"], users["bob"], users["carol"]

    batch = ImportBatchFactory(source__review=review)
    records = [RecordFactory(batch=batch) for _ in range(5)]

    def vote(user, record, decision):
        return vote_services.vote_cast(
            review=review, actor=user, record_id=record.pk, stage="title_abstract", decision=decision
        )

    vote(bob, records[0], "include")
    vote(carol, records[0], "include")  # a verdict: sought for retrieval
    vote(bob, records[1], "include")
    vote(carol, records[1], "exclude")  # a conflict
    open_vote = vote(bob, records[2], "include").vote  # still waiting for a second vote
    reasons = ft.exclusion_reasons_set(review=review, actor=alice, labels=["no diabetes outcome", "in vitro"])
    ft.retrieval_attach_pdf(
        review=review,
        actor=bob,
        record_id=records[0].pk,
        upload=SimpleUploadedFile("r.pdf", PDF, content_type="application/pdf"),
    )
    candidate = DuplicateCandidate.objects.create(
        review=review, record_a=records[3], record_b=records[4], score=0.7
    )
    dedup_run = DedupRun.objects.create(review=review, status="succeeded")
    first_round = round_latest(review)
    (screening_label,) = setup_services.labels_set(review=review, actor=alice, names=["RCT"])
    pilot = pilot_services.pilot_start(review=review, actor=alice, size=1, seed=1)
    pilot_services.pilot_close(pilot=pilot, actor=alice)  # closed: no record held out of the work lists
    invitation = invitation_create(
        review=review, actor=alice, to="newcomer@example.org", roles=["reviewer"], accept_url="/{token}/"
    )

    # extraction: a form, an outcome, consensus on one study, a conflict on another, one open extraction
    studies = seed_studies(review)
    form = form_services.form_create(review=review, actor=alice, definition=SMALL_FORM)
    measure = measure_services.outcome_measure_create(
        review=review, actor=alice, name="HbA1c", data_type="continuous", unit="%", time_points="12 months"
    )

    def extract(user, study, kind, submit=True):
        e = ex.extraction_start(review=review, actor=user, study_id=study.pk, form_id=form.pk)
        e = ex.extraction_answer_set(
            extraction_id=e.pk, actor=user, path="design.type", value=kind, expected_version=None
        ).extraction
        return ex.extraction_submit(extraction_id=e.pk, actor=user, expected_version=None) if submit else e

    extract(bob, studies[0], "rct")
    extract(carol, studies[0], "rct")
    extract(bob, studies[1], "rct")
    extract(carol, studies[1], "single_arm")
    open_extraction = extract(bob, studies[2], "rct", submit=False)
    table = table_services.table_create(
        review=review, actor=alice, form=form, title="Characteristics", columns=["design.type"]
    )

    # risk of bias: bob and carol agree on two studies of Table 3 (consensus); bob's third is a draft
    enter_table3(review, carol, studies)
    enter_table3(review, bob, studies[:2])
    (open_assessment,) = enter_table3(review, bob, studies[2:], submit=False)

    for label, mean in (("Normand A", 7.1), ("Normand B", 7.4)):
        _consensus_outcome(review, form, bob, label, mean)
    analysis = synthesis_services.analysis_create(
        review=review,
        actor=alice,
        title="HbA1c MD",
        outcome=measure,
        time_point="12 months",
        measure="MD",
        model="random",
    )
    run = synthesis_services.analysis_run_now(analysis=analysis, actor=alice)
    assert run.status == "succeeded", run.error

    return {
        "review": review,
        "users": users,
        "membership": Membership.objects.get(review=review, user=carol).pk,
        "source": batch.source_id,
        "batch": batch.pk,
        "round": first_round.pk,
        "invitation": invitation.invitation.pk,
        "invitation_token": invitation.token,
        "restore_job": RestoreJob.objects.create(file_name="backup.zip", status="failed").pk,
        "record": records[4].pk,
        "candidate": candidate.pk,
        "dedup_run": dedup_run.pk,
        "open_vote": open_vote.pk,
        "conflict": Conflict.objects.get(record=records[1]).pk,
        "verdict": Verdict.objects.get(record=records[0]).pk,
        "reason": reasons[0].pk,
        "label": screening_label.pk,
        "pilot": pilot.pk,
        "sought": records[0].pk,
        "study": studies[0].pk,
        "form": form.pk,
        "form_version": FormVersion.objects.get(form=form).pk,
        "measure": measure.pk,
        "open_extraction": open_extraction.pk,
        "consensus": Consensus.objects.get(study=studies[0]).pk,
        "extraction_conflict": ExtractionConflict.objects.get(study=studies[1]).pk,
        "table": table.pk,
        "tool": "robins_i",
        "rob_item": RobItem.objects.filter(review=review).first().pk,
        "open_assessment": open_assessment.pk,
        "rob_consensus": ConsensusAssessment.objects.filter(review=review).first().pk,
        "analysis": analysis.pk,
        "run": run.pk,
    }


def _consensus_outcome(review, form, reviewer, label: str, mean: float) -> None:
    """A study whose consensus record has HbA1c at 12 months in two arms (what an analysis reads)."""
    from django.utils import timezone

    from extraction.models import Consensus, ConsensusMethod, Extraction, ExtractionStatus, FormVersion
    from reviewapp.models import Study

    version = FormVersion.objects.get(form=form, number=1)
    study = Study.objects.create(review=review, label=label)
    extraction = Extraction.objects.create(
        review=review,
        study=study,
        form=form,
        reviewer=reviewer,
        form_version=version,
        status=ExtractionStatus.SUBMITTED,
        submitted_at=timezone.now(),
    )
    arms = [
        {"arm": "UC-MSC", "n": 40, "mean": mean, "sd": 1.1},
        {"arm": "Placebo", "n": 40, "mean": 7.9, "sd": 1.2},
    ]
    outcome = {"outcome": "hba1c", "time_point": "12 months", "data_type": "continuous", "measure": "final",
               "unit": "%", "arms": arms}  # fmt: skip
    Consensus.objects.create(
        review=review,
        study=study,
        form=form,
        form_version=version,
        method=ConsensusMethod.AGREEMENT,
        extraction_a=extraction,
        answers={},
        outcomes=[outcome],
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once, inside a transaction rolled back when the module ends (every test nests in it)."""
    media = str(tmp_path_factory.mktemp("matrix-media"))
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            built = _build(media)
            built["media"] = media
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _url(route: str, kwargs: dict) -> str:
    """Fill a route (path() syntax or a router's regex) with the kwargs."""
    url = route.replace("^", "").replace("$", "")

    def value(match):
        return str(kwargs[match.group(1)])

    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", value, url)
    url = re.sub(r"<(?:\w+:)?(\w+)>", value, url)
    return "/" + url


def _kwargs(world, row: Row, extra: dict | None = None) -> dict:
    kwargs = {
        "review_slug": world["review"].slug,
        "slug": world["review"].slug,
        **EXTRA_KWARGS,
        **(extra or {}),
    }
    if row.obj:
        kwargs["pk"] = kwargs["record_id"] = kwargs["run_pk"] = world[row.obj]
    if row.name.startswith("synthesis:run"):
        kwargs["run_pk"] = world["run"]
    return kwargs


def _outcome(status: int) -> object:
    if status >= 500:
        return f"{status} (server error)"
    return status if status in (401, 403, 404, 405) else "ok"


def _call(client, method: str, url: str, data: dict | None = None):
    with transaction.atomic():
        response = getattr(client, method.lower())(url, data)
        transaction.set_rollback(True)
    return response


def _request(world, row: Row, url: str) -> tuple[str, dict | None]:
    """The query string and body a row needs for its object to be found (else the empty body)."""
    fill = {k: v for k, v in world.items() if isinstance(v, int | str)} | {"slug": world["review"].slug}
    query = QUERIES.get(row.name, "").format(**fill)
    body = {k: v.format(**fill) for k, v in BODIES.get((row.name, row.method), {}).items()}
    return url + query, body or None


User = get_user_model()


def _api_client(world, persona: str | None):
    client = APIClient()
    if persona:
        client.force_authenticate(User.objects.get(username=PERSONAS[persona]))  # fresh: no cached roles
    return client


def _browser(persona: str | None):
    client = Client()
    if persona:
        client.force_login(User.objects.get(username=PERSONAS[persona]))
    return client


def _same(seen: dict, expected: dict, url: str) -> None:
    wrong = {who: f"{got} (table: {expected[who]})" for who, got in seen.items() if got != expected[who]}
    assert not wrong, f"{url}: {wrong}"


API_ROUTES = api_operations()
PAGE_ROUTES = page_names()


@pytest.mark.parametrize("row", API_ROWS.values(), ids=lambda r: r.id)
def test_api_permissions(world, db, settings, row):
    settings.MEDIA_ROOT = world["media"]
    url, data = _request(world, row, _url(API_ROUTES[(row.name, row.method)], _kwargs(world, row)))
    expected = {"outsider": 404, **row.expect, "anonymous": 401}
    seen = {}
    for persona in expected:
        response = _call(
            _api_client(world, None if persona == "anonymous" else persona), row.method, url, data
        )
        seen[persona] = _outcome(response.status_code)
    _same(seen, expected, url)


@pytest.mark.parametrize("row", PAGE_ROWS.values(), ids=lambda r: r.id)
def test_page_permissions(world, db, settings, row):
    settings.MEDIA_ROOT = world["media"]
    url, data = _request(
        world, row, _url(PAGE_ROUTES[row.name], _kwargs(world, row, PAGE_KWARGS.get(row.name)))
    )
    expected = {"outsider": 404, **row.expect, "anonymous": "login"}
    seen = {}
    for persona in expected:
        response = _call(_browser(None if persona == "anonymous" else persona), row.method, url, data)
        seen[persona] = _outcome(response.status_code)
        if persona == "anonymous" and response.status_code == 302:
            seen[persona] = (
                "login" if response["Location"].startswith("/accounts/login/") else response["Location"]
            )
    _same(seen, expected, url)


@pytest.mark.parametrize("name", sorted({name for name, _ in PAGE_ROWS}))
def test_page_methods_without_a_row_are_refused(world, db, name):
    """A page answers only the methods its rows list: a new one must get a row first."""
    row = next(row for (n, _), row in PAGE_ROWS.items() if n == name)
    url = _url(PAGE_ROUTES[name], _kwargs(world, row, PAGE_KWARGS.get(name)))
    owner = _browser("owner")
    for method in {"GET", "POST", "PUT", "PATCH", "DELETE"} - {m for n, m in PAGE_ROWS if n == name}:
        assert _call(owner, method, url).status_code == 405, f"{method} {url}"


@pytest.mark.parametrize("key", sorted(PUBLIC_ROWS), ids=" ".join)
def test_pages_outside_reviews_need_only_a_sign_in(world, db, key):
    name, method = key
    url = _url(PAGE_ROUTES[name], {"token": world["invitation_token"], "pk": world["restore_job"]})
    anonymous = _call(_browser(None), method, url)
    if PUBLIC_ROWS[key] == "static":
        for caller in (anonymous, _call(_browser("outsider"), method, url)):
            assert caller.status_code == 302 and caller["Location"].startswith(settings.STATIC_URL)
        return
    target = "/" if PUBLIC_ROWS[key] == "anyone" else "/accounts/login/"
    assert anonymous.status_code == 302 and anonymous["Location"].split("?")[0] == target
    outsider = _outcome(_call(_browser("outsider"), method, url).status_code)
    if PUBLIC_ROWS[key] == "staff":
        assert outsider == 403
        staff = Client()
        staff.force_login(User.objects.create(username="matrix-staff", is_staff=True))
        assert _outcome(_call(staff, method, url).status_code) == "ok"
        return
    assert outsider == "ok"
