"""What the two schemathesis tests share: the checks of the contract, the in-process WSGI app, the schema
as /api/schema/ serves it (the member with every role is the `api_data` fixture in conftest.py)."""

import json

import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

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


def load_schema():
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
