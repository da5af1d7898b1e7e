"""The API keeps its contract across sequences of calls (schemathesis, stateful): starting anywhere, the
state machine follows the schema's OpenAPI links (`reviewapp.api.schema.add_links`: each create to what it
created, a new review to everything under it) with the ids the API answered, and every step must answer no
5xx and match the schema. In-process against the WSGI app; bounded by STATEFUL_EXAMPLES / STATEFUL_STEPS."""

import os

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hsettings

from .contract import CHECKS, load_schema

EXAMPLES = int(os.environ.get("STATEFUL_EXAMPLES", 20))
STEPS = int(os.environ.get("STATEFUL_STEPS", 6))
schema = load_schema()
# Only the links the schema declares: schemathesis's own inference adds ~800 guessed transitions, which
# spreads a bounded run too thin to follow any of ours.
schema.config.phases.stateful.inference.algorithms = []


def test_the_schema_links_creates_to_what_they_created():
    links = schema.raw_schema["paths"]["/api/v1/reviews/{review_slug}/sources/"]["post"]["responses"]["201"][
        "links"
    ]
    assert links["v1_reviews_sources_retrieve"]["parameters"] == {
        "review_slug": "$request.path.review_slug",
        "id": "$response.body#/id",
    }
    review_links = schema.raw_schema["paths"]["/api/v1/reviews/"]["post"]["responses"]["201"]["links"]
    assert review_links["v1_reviews_screening_votes_create"]["parameters"] == {
        "review_slug": "$response.body#/slug"
    }


@pytest.mark.django_db
def test_sequences_of_calls_keep_the_contract(api_data):
    known_slugs = {api_data["slug"]}
    created_any: set[str] = set()  # reviews created by any sequence (each rolled back after it)
    steps: list[str] = []

    class Machine(schema.as_state_machine()):
        def before_call(self, case):
            # A generated slug names no review: start in the member's; a linked one (a review the
            # sequence created) is kept.
            params = case.path_parameters or {}
            if "review_slug" in params and params["review_slug"] not in known_slugs:
                params["review_slug"] = api_data["slug"]

        def setup(self):
            # every sequence starts from the same data (a savepoint rolled back in teardown): what the
            # API answers, and so which links can be followed, must not depend on earlier sequences
            steps.append("--")
            self._atomic = transaction.atomic()
            self._atomic.__enter__()

        def teardown(self):
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)
            known_slugs.intersection_update({api_data["slug"]})

        def get_call_kwargs(self, case):
            return {"headers": {"Authorization": f"Token {api_data['token']}"}}

        def after_call(self, response, case):
            steps.append(f"{case.method} {case.formatted_path} -> {response.status_code}")
            if case.method == "POST" and case.path == "/api/v1/reviews/" and response.status_code == 201:
                known_slugs.add(response.json()["slug"])
                created_any.add(response.json()["slug"])

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    Machine.run(
        settings=hsettings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            # generate only (no shrinking): keeps the CI time bounded; the first failing sequence is
            # reported as it ran
            phases=[Phase.generate],
            database=None,
        )
    )
    followed = [step for step in steps if any(f"/reviews/{slug}/" in step for slug in created_any)]
    assert followed, "no step followed a link from a created review:\n" + "\n".join(steps)
