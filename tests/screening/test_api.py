"""The screening REST API: roles on every endpoint, blinding, votes, conflicts, retrieval, studies, kappa."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from screening.models import Conflict, Retrieval, RetrievalStatus, Stage, Verdict, Vote
from tests.screening.conftest import in_reviewer_order

BASE = "/api/v1/reviews/perinatal-msc/screening"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _pdf(name="report.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- roles on every endpoint ------------------------------------------------------------------------

READS = [
    "/votes/",
    "/conflicts/",
    "/verdicts/",
    "/exclusion-reasons/",
    "/retrievals/",
    "/studies/",
    "/studies/suggestions/",
    "/agreement/",
    "/progress/",
]


@pytest.mark.parametrize("path", READS)
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("owner", 200),
        ("reviewer", 200),
        ("arbiter", 200),
        ("viewer", 200),
        ("outsider", 404),
    ],
)
def test_every_member_reads_and_outsiders_get_404(api, team, records, path, persona, status):
    assert api(team[persona]).get(BASE + path).status_code == status


@pytest.mark.parametrize("path", READS + ["/queue/next/"])
def test_anonymous_callers_are_refused(api, team, path):
    assert api().get(BASE + path).status_code in (401, 403)


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("owner", 403),
        ("reviewer", 200),
        ("arbiter", 403),
        ("viewer", 403),
        ("outsider", 404),
    ],
)
def test_only_reviewers_have_a_queue(api, team, records, persona, status):
    assert api(team[persona]).get(BASE + "/queue/next/").status_code == status


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("owner", 403),
        ("reviewer", 201),
        ("arbiter", 403),
        ("viewer", 403),
        ("outsider", 404),
    ],
)
def test_only_reviewers_vote(api, team, records, persona, status):
    response = api(team[persona]).post(
        BASE + "/votes/",
        {"record": records[0].pk, "stage": "title_abstract", "decision": "include"},
        format="json",
    )
    assert response.status_code == status


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("owner", 200),
        ("reviewer", 403),
        ("reviewer2", 403),
        ("arbiter", 200),
        ("viewer", 403),
        ("outsider", 404),
    ],
)
def test_the_arbiter_and_the_owner_resolve_conflicts(api, team, records, cast, persona, status):
    cast(team["reviewer"], records[0], "include")
    conflict = cast(team["reviewer2"], records[0], "exclude").conflict
    response = api(team[persona]).post(
        f"{BASE}/conflicts/{conflict.pk}/resolve/",
        {"decision": "include", "note": "fits the criteria"},
        format="json",
    )
    assert response.status_code == status


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("owner", 201),
        ("reviewer", 403),
        ("arbiter", 403),
        ("viewer", 403),
        ("outsider", 404),
    ],
)
def test_the_owner_configures_exclusion_reasons(api, team, persona, status):
    response = api(team[persona]).post(
        BASE + "/exclusion-reasons/", {"label": "wrong population"}, format="json"
    )
    assert response.status_code == status


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("owner", 200),
        ("reviewer", 200),
        ("arbiter", 403),
        ("viewer", 403),
        ("outsider", 404),
    ],
)
def test_the_owner_and_reviewers_record_full_texts(api, team, records, cast, persona, status):
    cast(team["reviewer"], records[0], "include")
    cast(team["reviewer2"], records[0], "include")
    response = api(team[persona]).post(
        f"{BASE}/retrievals/{records[0].pk}/link/", {"url": "https://example.org/a.pdf"}, format="json"
    )
    assert response.status_code == status


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("owner", 201),
        ("reviewer", 201),
        ("arbiter", 403),
        ("viewer", 403),
        ("outsider", 404),
    ],
)
def test_the_owner_and_reviewers_group_studies(api, team, records, included_at_fulltext, persona, status):
    included_at_fulltext(records[0], records[1])
    response = api(team[persona]).post(
        BASE + "/studies/", {"records": [records[0].pk, records[1].pk]}, format="json"
    )
    assert response.status_code == status


@pytest.fixture
def included_at_fulltext(review, bob, carol, retrieved, cast):
    def include(*records):
        for record in records:
            retrieved(record)
            cast(bob, record, "include", stage=Stage.FULL_TEXT)
            cast(carol, record, "include", stage=Stage.FULL_TEXT)

    return include


# --- queue and votes --------------------------------------------------------------------------------


def test_next_gives_a_record_and_nothing_about_votes(api, review, bob, carol, records, cast):
    first = in_reviewer_order(review, bob, records)[0]
    for record in records:
        cast(carol, record, "exclude", note="carol's private note")
    data = api(bob).get(BASE + "/queue/next/").json()
    assert data["stage"] == "title_abstract" and data["worklist"] == "ready"
    assert data["record"]["id"] == first.pk  # first in bob's own order
    assert "exclude" not in str(data) and "carol" not in str(data)


def test_next_is_null_when_nothing_is_left(api, bob, records, cast):
    for record in records:
        cast(bob, record, "include")
    assert api(bob).get(BASE + "/queue/next/").json()["record"] is None


def test_next_with_an_unknown_stage_is_a_400(api, bob):
    assert api(bob).get(BASE + "/queue/next/?stage=abstract").status_code == 400


def test_a_vote_answers_the_record_status(api, bob, carol, records):
    body = {"record": records[0].pk, "stage": "title_abstract", "decision": "include"}
    first = api(bob).post(BASE + "/votes/", body, format="json")
    assert first.status_code == 201
    assert first.json()["record_status"] == "awaiting_votes" and first.json()["verdict"] is None
    second = api(carol).post(BASE + "/votes/", {**body, "decision": "maybe"}, format="json").json()
    assert second["record_status"] == "decided"
    assert second["verdict"]["method"] == "agreement" and second["verdict"]["decision"] == "include"


def test_a_double_submitted_vote_answers_200_and_is_stored_once(api, bob, records):
    body = {"record": records[0].pk, "stage": "title_abstract", "decision": "exclude", "note": "adult MSCs"}
    assert api(bob).post(BASE + "/votes/", body, format="json").status_code == 201
    again = api(bob).post(BASE + "/votes/", body, format="json")
    assert again.status_code == 200 and not again.json()["created"] and not again.json()["changed"]
    assert Vote.objects.filter(record=records[0]).count() == 1


def test_changing_a_vote_through_patch(api, bob, records, cast):
    vote = cast(bob, records[0], "include").vote
    response = api(bob).patch(f"{BASE}/votes/{vote.pk}/", {"decision": "exclude"}, format="json")
    assert response.status_code == 200 and response.json()["changed"]
    assert Vote.objects.get(pk=vote.pk).decision == "exclude"


def test_nobody_changes_someone_elses_vote(api, bob, carol, records, cast):
    vote = cast(bob, records[0], "include").vote
    assert (
        api(carol).patch(f"{BASE}/votes/{vote.pk}/", {"decision": "exclude"}, format="json").status_code
        == 404
    )
    assert api(carol).delete(f"{BASE}/votes/{vote.pk}/").status_code == 404
    assert Vote.objects.get(pk=vote.pk).decision == "include"


def test_undo_answers_the_record_to_screen_again(api, bob, records, cast):
    cast(bob, records[2], "include")
    response = api(bob).post(BASE + "/votes/undo/", {"stage": "title_abstract"}, format="json")
    assert response.status_code == 200 and response.json()["id"] == records[2].pk
    assert not Vote.objects.filter(record=records[2]).exists()


def test_a_refused_vote_is_a_400_with_the_reason(api, bob, records, retrieved, reasons):
    retrieved(records[0])
    response = api(bob).post(
        BASE + "/votes/",
        {"record": records[0].pk, "stage": "full_text", "decision": "exclude"},
        format="json",
    )
    assert response.status_code == 400
    assert "reason" in response.json()


def test_a_vote_on_a_record_of_another_review_is_a_404(api, bob, records):
    from tests.factories import RecordFactory

    stranger = RecordFactory()
    response = api(bob).post(
        BASE + "/votes/",
        {"record": stranger.pk, "stage": "title_abstract", "decision": "include"},
        format="json",
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not Vote.objects.exists()


@pytest.mark.parametrize(
    ("action", "body"), [("link", {"url": "https://example.org/x"}), ("not-retrieved", {"reason": "x"})]
)
def test_retrieval_actions_on_another_reviews_record_are_a_404(api, bob, records, action, body):
    from tests.factories import RecordFactory

    stranger = RecordFactory()
    response = api(bob).post(f"{BASE}/retrievals/{stranger.pk}/{action}/", body, format="json")
    assert response.status_code == 404
    assert not Retrieval.objects.exists()


def test_the_size_limit_message_names_the_sizes_even_under_a_megabyte(
    api, settings, bob, carol, records, cast
):
    settings.FULLTEXT_MAX_BYTES = 1024
    cast(bob, records[0], "include")
    cast(carol, records[0], "include")
    response = api(bob).post(
        f"{BASE}/retrievals/{records[0].pk}/attach/",
        {"file": _pdf(content=PDF + b"x" * 2048)},
        format="multipart",
    )
    assert response.status_code == 400
    message = response.json()["file"][0]
    assert "0 MB" not in message and "1.0\xa0KB" in message


# --- blinding ---------------------------------------------------------------------------------------


def _visible(api, user, **params):
    return api(user).get(BASE + "/votes/", params).json()["results"]


def test_blind_votes_of_others_are_hidden_until_the_record_is_complete(
    api, review, bob, carol, dave, alice, vera, records, cast
):
    cast(carol, records[0], "exclude", note="secret")
    for user in (bob, dave, alice, vera):
        assert _visible(api, user) == []
    assert [v["reviewer"] for v in _visible(api, carol)] == ["carol"]
    cast(bob, records[0], "include")  # complete: a conflict
    assert {v["reviewer"] for v in _visible(api, bob)} == {"bob", "carol"}
    assert {v["reviewer"] for v in _visible(api, dave)} == {"bob", "carol"}


def test_blind_counts_reveal_nothing_either(api, bob, carol, records, cast):
    cast(carol, records[0], "exclude")
    assert api(bob).get(BASE + "/votes/", {"reviewer": "carol"}).json()["count"] == 0
    assert api(bob).get(BASE + "/votes/", {"decision": "exclude"}).json()["count"] == 0
    assert api(bob).get(BASE + "/votes/", {"record": records[0].pk}).json()["count"] == 0


def test_the_arbiter_sees_votes_on_conflicts_only(api, bob, carol, dave, records, cast):
    cast(bob, records[0], "include")
    cast(carol, records[0], "exclude")
    cast(bob, records[1], "include")
    conflicts = api(dave).get(BASE + "/conflicts/").json()["results"]
    assert [c["record"]["id"] for c in conflicts] == [records[0].pk]
    assert {v["reviewer"]: v["decision"] for v in conflicts[0]["votes"]} == {
        "bob": "include",
        "carol": "exclude",
    }
    assert {v["record"] for v in _visible(api, dave)} == {records[0].pk}


def test_an_open_review_shows_votes_at_once(api, review, bob, carol, records, cast):
    review.blind = False
    review.save()
    cast(carol, records[0], "exclude")
    assert [v["reviewer"] for v in _visible(api, bob)] == ["carol"]


# --- conflicts and verdicts -------------------------------------------------------------------------


def test_resolving_a_conflict_gives_an_arbitration_verdict(api, bob, carol, dave, records, cast):
    cast(bob, records[0], "maybe", note="unclear source")
    conflict = cast(carol, records[0], "exclude", note="bone marrow").conflict
    data = (
        api(dave)
        .post(
            f"{BASE}/conflicts/{conflict.pk}/resolve/",
            {"decision": "exclude", "note": "bone marrow only"},
            format="json",
        )
        .json()
    )
    assert data["status"] == "resolved" and data["resolved_by"] == "dave"
    assert data["verdict"]["method"] == "arbitration" and data["verdict"]["note"] == "bone marrow only"
    again = api(dave).post(f"{BASE}/conflicts/{conflict.pk}/resolve/", {"decision": "include"}, format="json")
    assert again.status_code == 400
    verdicts = api(dave).get(BASE + "/verdicts/", {"method": "arbitration"}).json()
    assert verdicts["count"] == 1 and verdicts["results"][0]["decision"] == "exclude"


def test_conflicts_filter_by_status_and_stage(api, bob, carol, dave, records, cast):
    cast(bob, records[0], "include")
    cast(carol, records[0], "exclude")
    assert (
        api(dave).get(BASE + "/conflicts/", {"status": "open", "stage": "title_abstract"}).json()["count"]
        == 1
    )
    assert api(dave).get(BASE + "/conflicts/", {"status": "resolved"}).json()["count"] == 0
    assert api(dave).get(BASE + "/conflicts/", {"stage": "full_text"}).json()["count"] == 0


# --- exclusion reasons, retrieval -------------------------------------------------------------------


def test_the_seed_reasons_are_configured_in_order(api, alice, bob):
    from tests.screening.conftest import SEED_REASONS

    response = api(alice).post(BASE + "/exclusion-reasons/set/", {"labels": SEED_REASONS}, format="json")
    assert response.status_code == 200
    listed = api(bob).get(BASE + "/exclusion-reasons/", {"stage": "full_text", "is_active": True}).json()
    assert [r["label"] for r in listed["results"]] == SEED_REASONS


def test_a_used_reason_is_retired_not_deleted(api, alice, bob, records, retrieved, reasons, cast):
    retrieved(records[0])
    cast(bob, records[0], "exclude", stage=Stage.FULL_TEXT, reason=reasons[0].pk)
    assert api(alice).delete(f"{BASE}/exclusion-reasons/{reasons[0].pk}/").status_code == 204
    reasons[0].refresh_from_db()
    assert not reasons[0].is_active
    assert Vote.objects.get(record=records[0], stage=Stage.FULL_TEXT).reason_id == reasons[0].pk


def test_attaching_a_pdf_stores_it_and_serves_it_to_members_only(
    api, bob, carol, vera, mallory, records, cast
):
    cast(bob, records[0], "include")
    cast(carol, records[0], "include")
    response = api(bob).post(
        f"{BASE}/retrievals/{records[0].pk}/attach/", {"file": _pdf()}, format="multipart"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "retrieved" and response.json()["has_pdf"]
    retrieval = Retrieval.objects.get(record=records[0])
    assert retrieval.sha256 and retrieval.file.name.endswith(".pdf")
    served = api(vera).get(f"{BASE}/retrievals/{records[0].pk}/pdf/")
    assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
    assert b"".join(served.streaming_content) == PDF
    assert api(mallory).get(f"{BASE}/retrievals/{records[0].pk}/pdf/").status_code == 404


def test_stored_uploads_are_never_served_by_path_only_through_the_member_views(
    api, client, settings, alice, bob, carol, records, cast
):
    """Guards against a Django route serving MEDIA_URL being added (what a web server in front serves is
    the deployment's: README, production); the PDF is stored, yet its path answers 404, even to the owner,
    while the member view serves it."""
    cast(bob, records[0], "include")
    cast(carol, records[0], "include")
    api(bob).post(f"{BASE}/retrievals/{records[0].pk}/attach/", {"file": _pdf()}, format="multipart")
    stored = Retrieval.objects.get(record=records[0]).file
    assert stored.storage.exists(stored.name)
    client.force_login(alice)  # the owner, even
    response = client.get(f"{settings.MEDIA_URL}{stored.name}")
    assert response.status_code == 404 and PDF not in response.content
    assert client.get(f"{BASE}/retrievals/{records[0].pk}/pdf/").status_code == 200


@pytest.mark.parametrize(
    ("upload", "why"),
    [
        (lambda: _pdf(content_type="text/html"), "type"),
        (lambda: _pdf(content=b"<html>not a pdf</html>"), "magic"),
        (lambda: _pdf(content=PDF + b"x" * 2048), "size"),
    ],
)
def test_a_file_that_is_not_a_small_pdf_is_refused(api, settings, bob, carol, records, cast, upload, why):
    settings.FULLTEXT_MAX_BYTES = 1024
    cast(bob, records[0], "include")
    cast(carol, records[0], "include")
    response = api(bob).post(
        f"{BASE}/retrievals/{records[0].pk}/attach/", {"file": upload()}, format="multipart"
    )
    assert response.status_code == 400
    assert not Retrieval.objects.exists()


def test_only_records_included_at_title_abstract_are_sought(api, bob, records):
    response = api(bob).post(
        f"{BASE}/retrievals/{records[0].pk}/link/", {"url": "https://example.org/x"}, format="json"
    )
    assert response.status_code == 400


def test_a_report_not_retrieved_is_counted_and_never_screened(api, bob, carol, records, cast):
    cast(bob, records[0], "include")
    cast(carol, records[0], "include")
    response = api(bob).post(
        f"{BASE}/retrievals/{records[0].pk}/not-retrieved/",
        {"reason": "no response from the authors"},
        format="json",
    )
    assert response.json()["status"] == RetrievalStatus.NOT_RETRIEVED
    assert api(bob).get(BASE + "/queue/next/?stage=full_text").json()["record"] is None
    prisma = api(bob).get("/api/v1/reviews/perinatal-msc/prisma/").json()
    assert (prisma["dbr_sought_reports"], prisma["dbr_notretrieved_reports"], prisma["dbr_assessed"]) == (
        1,
        1,
        0,
    )
    listed = api(bob).get(BASE + "/retrievals/", {"status": "not_retrieved"}).json()
    assert [r["record"] for r in listed["results"]] == [records[0].pk]


# --- studies ----------------------------------------------------------------------------------------


def test_reports_sharing_an_nct_id_are_suggested_and_grouped(api, bob, make_records, included_at_fulltext):
    a, b = make_records(2, registry_ids=["NCT01234567"])
    c = make_records(1, registry_ids=["NCT07654321"])[0]
    included_at_fulltext(a, b, c)
    suggestions = api(bob).get(BASE + "/studies/suggestions/").json()["results"]
    assert suggestions == [{"report_ids": [a.pk, b.pk], "shared": ["NCT01234567"], "study_ids": []}]
    study = (
        api(bob)
        .post(BASE + "/studies/", {"records": [a.pk, b.pk], "label": "Lian 2023"}, format="json")
        .json()
    )
    assert study["reports_total"] == 2 and study["registry_ids"] == ["NCT01234567"]
    assert api(bob).get(BASE + "/studies/suggestions/").json()["results"] == []
    prisma = api(bob).get("/api/v1/reviews/perinatal-msc/prisma/").json()
    assert (prisma["new_studies"], prisma["new_reports"]) == (2, 3)


def test_studies_merge_and_split(api, bob, make_records, included_at_fulltext):
    a, b, c = make_records(3)
    included_at_fulltext(a, b, c)
    first = api(bob).post(BASE + "/studies/", {"records": [a.pk]}, format="json").json()
    second = api(bob).post(BASE + "/studies/", {"records": [b.pk, c.pk]}, format="json").json()
    merged = api(bob).post(f"{BASE}/studies/{first['id']}/merge/", {"studies": [second["id"]]}, format="json")
    assert merged.json()["reports_total"] == 3
    split = api(bob).post(
        f"{BASE}/studies/{first['id']}/split/", {"records": [c.pk], "label": "Follow-up"}, format="json"
    )
    assert split.status_code == 201 and split.json()["label"] == "Follow-up"
    assert api(bob).get(BASE + "/studies/", {"label": "follow"}).json()["count"] == 1


def test_a_report_not_included_at_fulltext_cannot_join_a_study(api, bob, records):
    assert api(bob).post(BASE + "/studies/", {"records": [records[0].pk]}, format="json").status_code == 400


# --- agreement, progress, schema, query counts ------------------------------------------------------


def test_agreement_per_pair_of_reviewers(api, bob, carol, vera, records, cast):
    decisions = [
        ("include", "include"),
        ("exclude", "exclude"),
        ("maybe", "include"),
        ("include", "exclude"),
        ("exclude", "exclude"),
    ]
    for record, (b, c) in zip(records, decisions):
        cast(bob, record, b)
        cast(carol, record, c)
    data = api(vera).get(BASE + "/agreement/").json()["title_abstract"]
    (pair,) = data["pairs"]
    assert pair["reviewers"] == ["bob", "carol"] and pair["items"] == 5
    assert pair["percent_agreement"] == pytest.approx(0.8)
    # 2x2 table (include, exclude): [[2, 1], [0, 2]]; po = .8, pe = .6*.4 + .4*.6 = .48, kappa = .32/.52
    assert pair["cohen"]["kappa"] == pytest.approx(0.32 / 0.52)
    assert pair["cohen"]["ci_low"] < pair["cohen"]["kappa"] < pair["cohen"]["ci_high"]
    assert data["fleiss"] is None and data["maybe_counts_as"] == "include"


def test_agreement_uses_the_votes_before_consensus(api, bob, carol, records, cast):
    cast(bob, records[0], "include")
    cast(carol, records[0], "exclude")
    cast(bob, records[0], "exclude")  # consensus
    cast(bob, records[1], "include")
    cast(carol, records[1], "include")
    pair = api(bob).get(BASE + "/agreement/").json()["title_abstract"]["pairs"][0]
    assert pair["percent_agreement"] == pytest.approx(0.5)


def test_fleiss_and_ac1_when_three_reviewers_vote(api, review, bob, carol, dave, records, cast):
    from reviewapp.models import Membership

    Membership.objects.filter(user=dave).update(is_reviewer=True)
    review.votes_required = 3
    review.save()
    for record in records:
        cast(bob, record, "include")
        cast(carol, record, "include")
        cast(dave, record, "exclude" if record == records[0] else "include")
    data = api(bob).get(BASE + "/agreement/").json()["title_abstract"]
    assert len(data["pairs"]) == 3
    assert data["fleiss"]["n"] == 5 and data["fleiss"]["n_raters"] == 3
    assert data["gwet_ac1"]["ac1"] is not None


def test_progress_counts_mine_and_the_team(api, bob, carol, records, cast):
    cast(bob, records[0], "include")
    cast(carol, records[0], "include")
    cast(bob, records[1], "exclude")
    data = api(bob).get(BASE + "/progress/").json()
    assert data["mine"] == {"worklist": "ready", "done": 2, "remaining": 3, "total": 5, "percent": 40}
    assert data["team"]["total"] == 5 and data["team"]["decided"] == 1 and data["team"]["awaiting_votes"] == 4


def test_progress_with_nothing_up_is_zero_percent_not_a_hundred(api, bob, records):
    data = api(bob).get(BASE + "/progress/?stage=full_text").json()  # nothing has reached full text
    assert data["mine"] == {"worklist": "ready", "done": 0, "remaining": 0, "total": 0, "percent": 0}
    assert data["team"]["total"] == 0 and data["team"]["percent"] == 0


def test_the_schema_stays_valid_and_lists_screening(api, alice):
    response = api(alice).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/queue/next/",
        "/votes/",
        "/conflicts/{id}/resolve/",
        "/retrievals/{id}/attach/",
        "/studies/suggestions/",
        "/agreement/",
        "/exclusion-reasons/set/",
    ):
        assert f"/api/v1/reviews/{{review_slug}}/screening{path}" in paths


def test_next_record_costs_a_constant_number_of_queries(
    api, bob, make_records, django_assert_max_num_queries
):
    make_records(30)
    client = api(bob)
    client.get(BASE + "/queue/next/")  # first call synchronises the queue
    with django_assert_max_num_queries(6):
        assert client.get(BASE + "/queue/next/").status_code == 200


def test_a_vote_costs_a_constant_number_of_queries(
    api, bob, carol, make_records, django_assert_max_num_queries
):
    records = make_records(30)
    client = api(bob)
    client.get(BASE + "/queue/next/")
    api(carol).get(BASE + "/queue/next/")
    with django_assert_max_num_queries(20):
        response = client.post(
            BASE + "/votes/",
            {"record": records[5].pk, "stage": "title_abstract", "decision": "include"},
            format="json",
        )
    assert response.status_code == 201
    with django_assert_max_num_queries(24):
        api(carol).post(
            BASE + "/votes/",
            {"record": records[5].pk, "stage": "title_abstract", "decision": "exclude"},
            format="json",
        )
    assert Conflict.objects.filter(record=records[5]).exists()
    assert not Verdict.objects.filter(record=records[5]).exists()
