"""A ready-to-click demo review: five people with roles, three database exports, duplicates found."""

import datetime as dt
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from ... import registry
from ...models import Review, Role, SourceKind
from ...services.duplicates import dedup_run_now
from ...services.imports import import_file_now
from ...services.reviews import member_set, review_create, review_update, source_create
from ..base import ReviewCommand

DATA = Path(__file__).resolve().parents[2] / "demo_data"
SLUG = "demo-gambling-covid"
PEOPLE = [  # username, password, roles
    ("owner", "demo-owner-pass", [Role.OWNER, Role.REVIEWER]),
    ("reviewer1", "demo-reviewer1-pass", [Role.REVIEWER]),
    ("reviewer2", "demo-reviewer2-pass", [Role.REVIEWER]),
    ("arbiter", "demo-arbiter-pass", [Role.ARBITER]),
    ("viewer", "demo-viewer-pass", [Role.VIEWER]),
]
SOURCES = [  # name, kind, file, search string
    ("PubMed", SourceKind.DATABASE, "citesource_pubmed_46.ris", '("gambling"[tiab]) AND ("COVID-19"[tiab])'),
    (
        "Web of Science Core Collection",
        SourceKind.DATABASE,
        "citesource_WoS_79.ris",
        "TS=(gambl* AND covid*)",
    ),
    ("Scopus", SourceKind.DATABASE, "citesource_scopus_255.ris", "TITLE-ABS-KEY(gambl* AND covid*)"),
]


class Command(ReviewCommand):
    help = "Load the demo review (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        review = Review.objects.filter(slug=SLUG).first()
        created = review is None
        if created:
            review = self._build()
        for build in registry.DEMO_REVIEWS:  # more demo reviews (synthesis: the seed review), idempotent
            build()
        for slug, step in registry.DEMO_REVIEW_STEPS:  # what later apps add to them (idempotent steps)
            target = Review.objects.filter(slug=slug).first()
            if target is not None:
                step(review=target)
        logins = [{"username": u, "password": p, "roles": [r.value for r in roles]} for u, p, roles in PEOPLE]
        summary = {"review": SLUG, "created": created, "records": review.records.count(), "logins": logins}
        lines = [
            f"Demo review '{review.title}' at /reviews/{SLUG}/ ({summary['records']} records).",
            "Demo logins:",
        ] + [f"  {u:<10} {p:<22} {', '.join(r.value for r in roles)}" for u, p, roles in PEOPLE]
        self.finish(options, summary, "\n".join(lines))

    @transaction.atomic
    def _build(self) -> Review:
        users = {}
        User = get_user_model()
        for username, password, _ in PEOPLE:
            user, _ = User.objects.get_or_create(username=username)
            user.set_password(password)
            user.save()
            users[username] = user
        owner = users["owner"]
        review = review_create(
            slug=SLUG, title="Social factors in problem gambling during COVID-19 (demo)", owner=owner
        )
        review_update(
            review=review,
            actor=owner,
            inclusion_criteria="Primary studies of people who gamble, during the COVID-19 pandemic; "
            "social relationships, loneliness or family outcomes.",
            exclusion_criteria="Reviews and commentaries; studies without gambling outcomes; animal studies.",
            include_keywords=["gambl*", "COVID-19", "pandemic", "loneliness", "social*"],
            exclude_keywords=["review", "commentary", "editorial", "protocol"],
        )
        for username, _, roles in PEOPLE[1:]:
            member_set(review=review, actor=owner, user=users[username], roles=roles)
        for name, kind, file_name, search in SOURCES:
            source = source_create(
                review=review,
                actor=owner,
                name=name,
                kind=kind,
                date_searched=dt.date(2022, 3, 1),
                search_string=search,
            )
            import_file_now(review=review, source=source, actor=owner, path=str(DATA / file_name))
        dedup_run_now(review=review, actor=owner)
        for step in registry.DEMO_STEPS:  # screening's votes, later apps' steps (AppConfig.ready())
            step(review=review, users=users)
        return review
