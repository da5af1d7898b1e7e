"""The API keeps its contract (schemathesis, stateless): for every operation in /api/schema/, generated
requests from a member with every role never get a 5xx, and each response matches the documented status
codes, content type and body schema. Runs in-process against the WSGI app."""

import os

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hsettings

from .contract import CHECKS, load_schema

EXAMPLES = int(os.environ.get("SCHEMA_EXAMPLES", 5))
schema = load_schema()


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
