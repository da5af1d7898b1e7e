"""A blank or unusable upload file name (issue 15 item 12) is a clear message on the field: a JSON 400 from
the API, a form error on the page; never a bare 400 page, and nothing is stored."""

import json

import pytest
from django.test import Client

from reviewapp.models import ImportBatch
from screening.models import Retrieval
from screening.services.votes import vote_cast
from tests.factories import ImportBatchFactory, RecordFactory, SearchSourceFactory

RIS = b"TY  - JOUR\r\nTI  - A title\r\nER  - \r\n"
BLANK_NAMES = [b'filename=""', b'filename=" "', b'filename="/"', b'filename=".."']


def multipart(
    fields: dict, file_field: str, disposition: bytes, content: bytes, ctype=b"text/plain"
) -> bytes:
    parts = [
        b'--XX\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (k.encode(), v.encode())
        for k, v in fields.items()
    ]
    parts.append(
        b'--XX\r\nContent-Disposition: form-data; name="%s"; %s\r\nContent-Type: %s\r\n\r\n%s\r\n'
        % (file_field.encode(), disposition, ctype, content)
    )
    return b"".join(parts) + b"--XX--\r\n"


def post(client, url, body, **headers):
    return client.generic("POST", url, body, content_type="multipart/form-data; boundary=XX", **headers)


@pytest.fixture
def owner_client(alice):
    client = Client()
    client.force_login(alice)
    return client


@pytest.mark.parametrize("disposition", BLANK_NAMES)
def test_the_import_api_answers_a_blank_file_name_with_a_json_400_on_the_field(
    review, owner_client, disposition
):
    source = SearchSourceFactory(review=review)
    body = multipart({"source": str(source.pk)}, "file", disposition, RIS)
    response = post(owner_client, f"/api/v1/reviews/{review.slug}/imports/", body)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    errors = json.loads(response.content)
    message = " ".join(errors["file"]) if "file" in errors else errors.get("detail", "")
    assert "file name" in message
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("disposition", BLANK_NAMES)
def test_the_import_form_shows_a_blank_file_name_as_an_error_on_the_files_field(
    review, owner_client, disposition
):
    source = SearchSourceFactory(review=review)
    body = multipart({"source": str(source.pk), "format": "auto"}, "files", disposition, RIS)
    response = post(owner_client, f"/reviews/{review.slug}/imports/new/", body)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="error-page"' not in html
    assert "no file arrived" in html or "no usable file name" in html
    assert not ImportBatch.objects.exists()


@pytest.fixture
def sought(review, bob, carol):
    record = RecordFactory(batch=ImportBatchFactory(source__review=review))
    for user in (bob, carol):
        vote_cast(review=review, actor=user, record_id=record.pk, stage="title_abstract", decision="include")
    return record


@pytest.mark.parametrize("disposition", BLANK_NAMES)
def test_the_retrieval_api_answers_a_blank_pdf_name_with_a_json_400(
    review, owner_client, sought, disposition
):
    body = multipart({}, "file", disposition, b"%PDF-1.4\n%%EOF\n", ctype=b"application/pdf")
    url = f"/api/v1/reviews/{review.slug}/screening/retrievals/{sought.pk}/attach/"
    response = post(owner_client, url, body)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "file name" in json.dumps(json.loads(response.content))
    assert not Retrieval.objects.exists()


def test_the_retrieval_form_says_no_file_arrived(review, owner_client, sought):
    body = multipart({"action": "attach"}, "file", b'filename=""', b"%PDF-1.4\n", ctype=b"application/pdf")
    response = post(owner_client, f"/reviews/{review.slug}/screening/fulltext/{sought.pk}/retrieval/", body)
    page = owner_client.get(response["Location"]).content.decode()
    assert "no file arrived" in page
    assert not Retrieval.objects.exists()
