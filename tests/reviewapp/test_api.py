"""REST API: membership and roles on every endpoint, uploads with progress, records, duplicates."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reviewapp.models import CandidateStatus, DuplicateCandidate, ImportBatch, Record, SearchSource

from ..conftest import shared
from ..factories import ImportBatchFactory, RecordFactory, SearchSourceFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/reviews/perinatal-msc"
READ_ENDPOINTS = [
    "/",
    "/members/",
    "/sources/",
    "/imports/",
    "/records/",
    "/duplicates/",
    "/dedup-runs/",
    "/events/",
]


@pytest.mark.parametrize("path", READ_ENDPOINTS)
def test_outsider_gets_404_for_every_review_endpoint(api, team, path):
    response = api(team["outsider"]).get(BASE + path)
    assert response.status_code == 404


@pytest.mark.parametrize("path", READ_ENDPOINTS)
def test_anonymous_is_refused(api, review, path):
    assert api().get(BASE + path).status_code in (401, 403)


@pytest.mark.parametrize("persona", ["owner", "reviewer", "arbiter", "viewer"])
@pytest.mark.parametrize("path", READ_ENDPOINTS)
def test_every_member_can_read(api, team, persona, path):
    assert api(team[persona]).get(BASE + path).status_code == 200


def test_review_list_shows_only_my_reviews(api, team):
    assert [r["slug"] for r in api(team["viewer"]).get("/api/v1/reviews/").json()["results"]] == [
        "perinatal-msc"
    ]
    assert api(team["outsider"]).get("/api/v1/reviews/").json()["results"] == []


def test_creating_a_review_makes_me_owner_and_reviewer(api, mallory):
    response = api(mallory).post("/api/v1/reviews/", {"slug": "mine", "title": "My review"}, format="json")
    assert response.status_code == 201
    assert sorted(response.json()["my_roles"]) == ["owner", "reviewer"]


@pytest.mark.parametrize(
    "persona, status",
    [("owner", 201), ("reviewer", 403), ("arbiter", 403), ("viewer", 403), ("outsider", 404)],
)
def test_only_the_owner_adds_sources(api, team, persona, status):
    response = api(team[persona]).post(
        BASE + "/sources/",
        {"name": "Scopus", "kind": "database", "date_searched": "2025-10-03"},
        format="json",
    )
    assert response.status_code == status
    assert SearchSource.objects.filter(name="Scopus").exists() == (status == 201)


@pytest.mark.parametrize(
    "name, kind",
    [
        ("PubMed/MEDLINE", "database"),
        ("Web of Science Core Collection", "database"),
        ("Scopus", "database"),
        ("Cochrane CENTRAL", "database"),
        ("ClinicalTrials.gov", "register"),
        ("WHO ICTRP", "register"),
        ("Citation searching", "other"),
    ],
)
def test_the_seed_review_sources_can_be_registered(api, team, name, kind):
    response = api(team["owner"]).post(
        BASE + "/sources/",
        {
            "name": name,
            "kind": kind,
            "date_searched": "2025-10-03",
            "search_string": '("mesenchymal" AND "umbilical") AND diabetes',
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["kind"] == kind


def test_duplicate_source_name_is_refused_with_a_message(api, team):
    api(team["owner"]).post(BASE + "/sources/", {"name": "Scopus"}, format="json")
    response = api(team["owner"]).post(BASE + "/sources/", {"name": "scopus"}, format="json")
    assert response.status_code == 400
    assert "already" in str(response.json())


@pytest.mark.parametrize(
    "persona, status", [("owner", 202), ("reviewer", 403), ("viewer", 403), ("outsider", 404)]
)
def test_only_the_owner_invites_members(api, team, persona, status):
    response = api(team[persona]).post(
        BASE + "/members/", {"username": "newbie", "roles": ["reviewer", "arbiter"]}, format="json"
    )
    assert response.status_code == status
    if status == 202:
        assert sorted(response.json()["roles"]) == ["arbiter", "reviewer"]


def test_only_staff_create_accounts_through_the_members_endpoint(api, team):
    body = {"username": "newbie", "password": "a-Long-pass-123", "roles": ["reviewer", "arbiter"]}
    assert api(team["owner"]).post(BASE + "/members/", body, format="json").status_code == 403
    team["owner"].is_staff = True
    team["owner"].save()
    response = api(team["owner"]).post(BASE + "/members/", body, format="json")
    assert response.status_code == 201
    assert sorted(response.json()["roles"]) == ["arbiter", "reviewer"]


def _upload(client, path, name=None, **extra):
    with open(path, "rb") as handle:
        upload = SimpleUploadedFile(name or path.rsplit("/", 1)[-1], handle.read())
    return client.post(BASE + "/imports/", {"file": upload, **extra}, format="multipart")


def test_upload_returns_an_import_with_progress_and_the_records_arrive(
    api, team, django_capture_on_commit_callbacks
):
    client = api(team["owner"])
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(
            client, shared("formats", "ris_by_database", "citesource_pubmed_46.ris"), source_name="PubMed"
        )
    assert response.status_code == 202
    batch_id = response.json()["id"]
    detail = client.get(f"{BASE}/imports/{batch_id}/").json()
    assert detail["status"] == "succeeded"
    assert detail["records_count"] == 46
    assert detail["progress"]["fraction"] == 1.0
    assert client.get(BASE + "/records/?source=PubMed").json()["count"] == 46


@pytest.mark.parametrize(
    "persona, status", [("reviewer", 403), ("arbiter", 403), ("viewer", 403), ("outsider", 404)]
)
def test_only_the_owner_imports(api, team, persona, status):
    response = _upload(
        api(team[persona]), shared("formats", "scopus", "asysd_scopus.ris"), source_name="Scopus"
    )
    assert response.status_code == status
    assert Record.objects.count() == 0


def test_a_pdf_renamed_to_ris_is_refused_and_nothing_is_stored(api, team):
    client = api(team["owner"])
    upload = SimpleUploadedFile("search.ris", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    response = client.post(BASE + "/imports/", {"file": upload, "source_name": "Scopus"}, format="multipart")
    assert response.status_code == 400
    assert "search.ris" in str(response.json())
    assert ImportBatch.objects.count() == 0 and Record.objects.count() == 0


def test_the_same_file_twice_is_refused_unless_forced(api, team, django_capture_on_commit_callbacks):
    client = api(team["owner"])
    path = shared("formats", "scopus", "asysd_scopus.ris")
    with django_capture_on_commit_callbacks(execute=True):
        assert _upload(client, path, source_name="Scopus").status_code == 202
    again = _upload(client, path, source_name="Scopus")
    assert again.status_code == 400
    assert "already imported" in str(again.json())
    with django_capture_on_commit_callbacks(execute=True):
        forced = _upload(client, path, source_name="Scopus", force="true")
    assert forced.status_code == 202 and forced.json()["forced"] is True
    assert Record.objects.count() == 20


def test_record_filters(api, team):
    batch = ImportBatchFactory(
        source=SearchSourceFactory(review=team["owner"].memberships.first().review, name="Embase")
    )
    RecordFactory(batch=batch, title="Umbilical cord MSC in type 2 diabetes", year=2019, abstract="")
    RecordFactory(batch=batch, title="Placenta-derived exosomes in diabetic wounds", year=2023)
    untitled = RecordFactory(batch=batch, title="", year=2024)
    client = api(team["viewer"])

    def ids(query):
        return sorted(r["id"] for r in client.get(BASE + "/records/?" + query).json()["results"])

    assert len(ids("year_min=2020")) == 2
    assert len(ids("year_min=2020&year_max=2023")) == 1
    assert len(ids("has_abstract=false")) == 1
    assert ids("has_title=false") == [untitled.pk]
    assert len(ids("q=exosomes diabetic")) == 1
    assert len(ids("source=Embase&status=active")) == 3
    ordered = client.get(BASE + "/records/?ordering=-year").json()["results"]
    assert [r["year"] for r in ordered] == [2024, 2023, 2019]


def test_record_list_costs_a_constant_number_of_queries(api, team, django_assert_max_num_queries):
    review = team["owner"].memberships.first().review
    batch = ImportBatchFactory(source=SearchSourceFactory(review=review))
    for _ in range(30):
        RecordFactory(batch=batch)
    client = api(team["viewer"])
    with django_assert_max_num_queries(6):
        assert client.get(BASE + "/records/").status_code == 200


def _pair(review):
    batch = ImportBatchFactory(source=SearchSourceFactory(review=review))
    a = RecordFactory(batch=batch, title="Wharton's jelly MSCs for type 2 diabetes", doi="10.1/x")
    b = RecordFactory(batch=batch, title="Wharton's jelly MSCs for type 2 diabetes.", doi="")
    return DuplicateCandidate.objects.create(
        review=review, record_a=a, record_b=b, score=0.8, reasons=["title 0.99"]
    )


@pytest.mark.parametrize(
    "persona, status",
    [("owner", 200), ("reviewer", 403), ("arbiter", 403), ("viewer", 403), ("outsider", 404)],
)
def test_only_the_owner_resolves_duplicates(api, team, persona, status):
    candidate = _pair(team["owner"].memberships.first().review)
    response = api(team[persona]).post(f"{BASE}/duplicates/{candidate.pk}/merge/")
    assert response.status_code == status
    candidate.refresh_from_db()
    assert (candidate.status == CandidateStatus.MERGED) == (status == 200)


def test_merge_then_undo_through_the_api(api, team):
    candidate = _pair(team["owner"].memberships.first().review)
    client = api(team["owner"])
    merged = client.post(f"{BASE}/duplicates/{candidate.pk}/merge/").json()
    assert merged["status"] == "merged"
    assert Record.objects.filter(duplicate_of__isnull=False).count() == 1
    undone = client.post(f"{BASE}/duplicates/{candidate.pk}/undo/").json()
    assert undone["status"] == "pending"  # back to "to decide" (issue 13 item 2)
    assert Record.objects.filter(duplicate_of__isnull=False).count() == 0
    pending = client.get(BASE + "/duplicates/?status=pending").json()
    assert pending["count"] == 1


def test_record_events_show_the_merge(api, team):
    candidate = _pair(team["owner"].memberships.first().review)
    client = api(team["owner"])
    client.post(f"{BASE}/duplicates/{candidate.pk}/merge/")
    events = client.get(f"{BASE}/records/{candidate.record_b_id}/events/").json()["results"]
    assert [e["verb"] for e in events] == ["duplicate.merged"]
    assert events[0]["actor"] == "alice"


def test_removing_a_record_needs_a_known_reason(api, team):
    review = team["owner"].memberships.first().review
    record = RecordFactory(batch=ImportBatchFactory(source=SearchSourceFactory(review=review)))
    client = api(team["owner"])
    assert (
        client.post(f"{BASE}/records/{record.pk}/remove/", {"reason": "bored"}, format="json").status_code
        == 400
    )
    response = client.post(f"{BASE}/records/{record.pk}/remove/", {"reason": "incomplete"}, format="json")
    assert response.json()["status"] == "removed"
    assert client.post(f"{BASE}/records/{record.pk}/restore/").json()["status"] == "active"


def test_token_auth_works(team, client):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=team["viewer"])
    response = client.get(BASE + "/records/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200


def test_openapi_schema_and_docs_are_served(client, team):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/reviews/{review_slug}/records/" in schema.content
    client.force_login(team["viewer"])
    assert client.get("/api/docs/").status_code == 200


def test_upload_without_source_is_a_clear_400(api, team):
    upload = SimpleUploadedFile("a.ris", b"TY  - JOUR\nTI  - x\nER  - \n")
    response = api(team["owner"]).post(BASE + "/imports/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert "source" in response.json()


def _write_calls(review):
    """Every write endpoint of the core API, as (method, path, payload), against fresh objects."""
    batch = ImportBatchFactory(source=SearchSourceFactory(review=review, name="Embase"))
    record = RecordFactory(batch=batch)
    member = review.memberships.get(user__username="vera")
    return [
        ("patch", "/", {"title": "Renamed"}),
        ("patch", f"/sources/{batch.source_id}/", {"search_string": "MSC AND diabetes"}),
        ("delete", f"/members/{member.pk}/", None),
        ("post", f"/records/{record.pk}/remove/", {"reason": "incomplete"}),
        ("post", f"/records/{record.pk}/restore/", None),
        ("post", "/dedup-runs/", None),
    ]


@pytest.mark.parametrize(
    "persona, allowed",
    [("owner", True), ("reviewer", False), ("arbiter", False), ("viewer", False), ("outsider", False)],
)
def test_every_core_write_endpoint_checks_the_role(
    api, team, persona, allowed, django_capture_on_commit_callbacks
):
    review = team["owner"].memberships.first().review
    client = api(team[persona])
    for method, path, payload in _write_calls(review):
        with django_capture_on_commit_callbacks(execute=True):
            response = getattr(client, method)(BASE + path, payload, format="json")
        expected = "2xx" if allowed else (404 if persona == "outsider" else 403)
        ok = 200 <= response.status_code < 300 if allowed else response.status_code == expected
        assert ok, (method, path, response.status_code, response.content[:200])
