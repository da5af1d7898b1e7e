"""Run in a fresh process by test_sqlite_concurrency.py: real parallel requests against a SQLite *file*
chosen the way the environment chooses it (DATABASE_URL=sqlite:///... or the default SQLITE_PATH), so
the settings' SQLite protections (or their absence) are what the requests meet. The test suite's own
SQLite database is in memory and cannot show "database is locked".

Prints one JSON object: the status codes (or errors) of every request, and what was stored.
"""

import json
import sys

import django
from django.conf import settings

# The tables straight from the models, without the migration history (a quarter of the time): the project's
# migrations only add data steps and a PostgreSQL storage setting on top of the models' schema.
settings.MIGRATION_MODULES = dict.fromkeys(
    ("reviewapp", "screening", "extraction", "rob", "synthesis", "authtoken", "axes")
)
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from reviewapp.models import AuditEvent, Membership  # noqa: E402
from screening.models import Vote  # noqa: E402
from screening.services.worklist import worklist_build  # noqa: E402
from tests.concurrency import at_once  # noqa: E402
from tests.factories import ImportBatchFactory, RecordFactory, ReviewFactory, UserFactory  # noqa: E402

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 8


def main() -> None:
    call_command("migrate", run_syncdb=True, verbosity=0)
    review = ReviewFactory(slug="sqlite-review")
    bob = UserFactory(username="bob")
    Membership.objects.create(review=review, user=bob, is_reviewer=True)
    batch = ImportBatchFactory(source__review=review)
    records = [RecordFactory(batch=batch) for _ in range(ROUNDS)]
    worklist_build(review_id=review.pk)
    connection.close()

    base = f"/api/v1/reviews/{review.slug}/screening"

    def vote(record_id):
        client = APIClient()
        client.force_authenticate(bob)
        body = {"record": record_id, "stage": "title_abstract", "decision": "exclude"}
        return client.post(base + "/votes/", body, format="json").status_code

    def read():
        client = APIClient()
        client.force_authenticate(bob)
        return client.get(base + "/progress/").status_code

    rounds = []
    for record in records:
        calls = [lambda r=record.pk: vote(r), lambda r=record.pk: vote(r), read, read]
        results = [
            result if isinstance(result, int) else f"{type(result).__name__}: {result}"
            for result in at_once(*calls, timeout=60)
        ]
        rounds.append(results)

    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "database": str(settings.DATABASES["default"]["NAME"]),
                "rounds": rounds,
                "votes": [Vote.objects.filter(record=r).count() for r in records],
                "events": [AuditEvent.objects.filter(record=r, verb="vote.cast").count() for r in records],
            }
        )
    )


if __name__ == "__main__":
    main()
