"""The API keeps its contract (schemathesis, stateless): for every operation in /api/schema/, generated
requests from a member with every role never get a 5xx, and each response matches the documented status
codes, content type and body schema. Runs in-process against the WSGI app."""

import json
import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hsettings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from reviewapp.models import Membership

from ..factories import RecordFactory, UserFactory

EXAMPLES = int(os.environ.get("SCHEMA_EXAMPLES", 5))
# The contract: no 5xx; status codes, content types, headers and bodies as documented. (Schemathesis's
# "positive/negative data acceptance" checks are left out on purpose: business rules rightly refuse
# schema-valid requests — a duplicate source name, a vote on a closed record — and DRF ignores unknown
# query parameters by design.)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_data(db, review):
    user = UserFactory(username="contract")
    Membership.objects.create(review=review, user=user, is_owner=True, is_reviewer=True, is_arbiter=True)
    for _ in range(3):
        RecordFactory(batch__source__review=review)
    return {"slug": review.slug, "token": Token.objects.create(user=user).key}


class _InTransactionWSGI:
    """The WSGI app as the test client runs it: a request must not close the test's database connection
    (Django closes "old" connections at request start and finish; on PostgreSQL that would end the
    transaction the test runs in)."""

    def __init__(self):
        self.handler = WSGIHandler()

    def __call__(self, environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = self.handler(environ, start_response)
            body = list(response)
            if hasattr(response, "close"):
                response.close()
            return body
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


def _load_schema():
    """The schema /api/schema/ serves, generated in-process (no database needed), calling the WSGI app."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = json.loads(
        OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True))
    )
    loaded = schemathesis.openapi.from_dict(document)
    loaded.app = _InTransactionWSGI()
    loaded.location = "/api/schema/"
    return loaded


schema = _load_schema()


@schema.parametrize()
@hsettings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.django_db
def test_every_operation_keeps_its_contract(case, api_data):
    if "review_slug" in (case.path_parameters or {}):
        case.path_parameters["review_slug"] = api_data["slug"]
    case.call_and_validate(headers={"Authorization": f"Token {api_data['token']}"}, checks=CHECKS)
