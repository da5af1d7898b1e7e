"""Errors: JSON in one shape for API clients, pages that say why for people, NUL bytes refused."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from ..factories import RecordFactory


@pytest.fixture
def token_client(alice):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=alice).key}")
    return client


@pytest.mark.django_db
def test_an_unknown_api_url_answers_json_not_an_html_page(token_client):
    response = token_client.get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {
        "detail": "There is nothing here, or it is not shared with you.",
        "code": "not_found",
    }


@pytest.mark.django_db
def test_api_not_found_and_forbidden_share_the_detail_and_code_shape(token_client, review, alice, vera):
    missing = token_client.get(f"/api/v1/reviews/{review.slug}/records/999999/")
    assert missing.status_code == 404 and set(missing.json()) == {"detail", "code"}
    assert missing.json()["code"] == "not_found"
    viewer = APIClient()
    viewer.force_authenticate(vera)
    denied = viewer.post(f"/api/v1/reviews/{review.slug}/sources/", {"name": "X"}, format="json")
    assert denied.status_code == 403
    assert denied.json()["code"] == "permission_denied" and "owner" in denied.json()["detail"]


@pytest.mark.django_db
def test_an_unexpected_api_error_is_json_500(token_client, review, monkeypatch, settings):
    from reviewapp.api import views

    settings.DEBUG = False

    def boom(*args, **kwargs):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(views.ReviewViewSet, "list", boom)
    client = token_client
    client.raise_request_exception = False
    response = client.get("/api/v1/reviews/")
    assert response.status_code == 500
    assert response.json() == {
        "detail": "The error was logged; please try again in a moment.",
        "code": "server_error",
    }


@pytest.mark.django_db
def test_a_missing_page_is_a_styled_page_that_links_back(client, alice):
    client.force_login(alice)
    response = client.get("/reviews/no-such-review/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'data-testid="error-page"' in html and "Not found" in html and 'href="/"' in html


@pytest.mark.django_db
def test_a_forbidden_page_says_which_role_it_needs(client, review, bob):
    client.force_login(bob)
    response = client.get(f"/reviews/{review.slug}/settings/")
    assert response.status_code == 403
    assert "needs the owner role" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/reviews/perinatal-msc/records/?q=%00",
        "/reviews/perinatal-msc/records/?source=%00",
        "/api/v1/reviews/?x%00=1",
    ],
)
def test_nul_bytes_in_a_query_are_a_400_with_a_message(client, alice, review, path):
    RecordFactory(batch__source__review=review)
    client.force_login(alice)
    response = client.get(path)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


@pytest.mark.django_db
def test_nul_bytes_in_a_form_post_are_a_400(client, alice, review):
    client.force_login(alice)
    response = client.post(f"/reviews/{review.slug}/sources/", {"name": "Pub\x00Med", "kind": "database"})
    assert response.status_code == 400


@pytest.mark.django_db
def test_nul_bytes_in_a_json_body_are_a_400_naming_the_problem(token_client, review):
    response = token_client.post(
        f"/api/v1/reviews/{review.slug}/sources/", {"name": "Pub\x00Med", "kind": "database"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"name": ["Null characters are not allowed."]}


@pytest.mark.django_db
def test_the_schema_documents_the_error_responses_of_every_operation(client, alice):
    client.force_login(alice)
    schema = client.get("/api/schema/?format=json").json()
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail", "code"]
    operations = [
        (path, method, op)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if isinstance(op, dict) and "responses" in op
    ]
    assert len(operations) > 30
    for path, method, op in operations:
        assert {"401", "403"} <= set(op["responses"]), (method, path)
        if "{" in path:
            assert "404" in op["responses"], (method, path)
        if method in {"post", "put", "patch"}:
            assert "400" in op["responses"], (method, path)


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "patch", "delete"])
@pytest.mark.parametrize("endpoint", ["records", "sources", "members", "duplicates", "screening/votes"])
def test_a_non_integer_id_is_a_json_404_not_a_500(token_client, review, method, endpoint):
    response = getattr(token_client, method)(
        f"/api/v1/reviews/{review.slug}/{endpoint}/abc/", {}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_the_api_enforces_the_import_size_limit_too(token_client, review, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from reviewapp.models import ImportBatch

    settings.IMPORT_MAX_BYTES = 100
    upload = SimpleUploadedFile("big.ris", b"TY  - JOUR\nTI  - " + b"x" * 200 + b"\nER  - \n")
    response = token_client.post(
        f"/api/v1/reviews/{review.slug}/imports/",
        {"file": upload, "source_name": "PubMed"},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["file"] == [
        "big.ris is 225\xa0bytes; the limit is 100\xa0bytes (IMPORT_MAX_BYTES)."
    ]
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_a_records_timeline_ignores_the_record_list_filters(token_client, review, client, alice):
    record = RecordFactory(batch__source__review=review)
    response = token_client.get(f"/api/v1/reviews/{review.slug}/records/{record.pk}/events/?status=duplicate")
    assert response.status_code == 200
    client.force_login(alice)
    schema = client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/reviews/{review_slug}/records/{id}/events/"]["get"]
    names = {p["name"] for p in operation.get("parameters", [])}
    assert "status" not in names and "year_min" not in names


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "records/?year_min=1e79",
        "records/?year_max=-99999999999999999999999",
        "records/?batch=1e79",
        "screening/conflicts/?record=-1.19e%2B79",
        "screening/votes/?record=99999999999999999999999",
    ],
)
def test_an_absurd_number_in_a_filter_is_a_400_not_an_overflow_500(token_client, review, query):
    response = token_client.get(f"/api/v1/reviews/{review.slug}/{query}")
    assert response.status_code == 400
