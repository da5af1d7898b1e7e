"""The seed review as a demo: `seed_review_build()` (called by `load_demo`) creates the review
`perinatal-msc-diabetes` whose PRISMA 2020 flow is the seed's Figure 1 (shared/seeds/003).

Nothing here writes a count. The exports in demo_seed/files/ (one per database, in its own format; see
demo_seed/generate.py) are imported by the import service, duplicates are found and merged by the
de-duplication service, and the demo's reviewers, arbiter and owner then replay demo_seed/files/plan.json
through the services: removals with reasons, two independent title/abstract votes per record (some
disagree; the arbiter settles those), retrievals and not-retrieved reports, full-text votes with the four
exclusion reasons, and one study per included report (the seed's 14 studies each have one report).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from reviewapp.models import RemovalReason, Review, Role, SourceKind
from reviewapp.services import studies
from reviewapp.services.duplicates import duplicates_find, record_remove
from reviewapp.services.imports import import_file_now
from reviewapp.services.reviews import member_set, review_create, review_update, source_create
from screening.models import Conflict, Stage
from screening.services import fulltext, votes

FILES = Path(__file__).resolve().parent / "demo_seed" / "files"
SLUG = "perinatal-msc-diabetes"
SEARCHED = dt.date(2025, 10, 3)
_CELLS = '"mesenchymal stem cell*" OR "mesenchymal stromal cell*" OR MSC*'
_PERINATAL = '"umbilical cord" OR "Wharton\'s jelly" OR placent* OR amnio* OR perinatal'
_DIABETES = '"diabetes mellitus" OR "type 1 diabetes" OR "type 2 diabetes"'
SOURCES = [  # name, kind, file, search as run in that database (seed, Methods; 2000 to 3 October 2025)
    ("PubMed/MEDLINE", SourceKind.DATABASE, "pubmed-perinatal-msc-diabetes.nbib",
     f'("Mesenchymal Stem Cells"[Mesh] OR {_CELLS.replace(" OR", "[tiab] OR")}[tiab]) AND '
     f'({_PERINATAL.replace(" OR", "[tiab] OR")}[tiab]) AND ("Diabetes Mellitus"[Mesh] OR diabet*[tiab]) '
     'AND 2000/01/01:2025/10/03[dp]'),
    ("Web of Science Core Collection", SourceKind.DATABASE, "wos-savedrecs.txt",
     f"TS=(({_CELLS}) AND ({_PERINATAL}) AND ({_DIABETES} OR diabet*)) AND PY=(2000-2025)"),
    ("Scopus", SourceKind.DATABASE, "scopus.csv",
     f"TITLE-ABS-KEY(({_CELLS}) AND ({_PERINATAL}) AND ({_DIABETES} OR diabet*)) AND PUBYEAR > 1999"),
    ("Cochrane CENTRAL", SourceKind.DATABASE, "cochrane-central.ris",
     f"({_CELLS}):ti,ab,kw AND ({_PERINATAL}):ti,ab,kw AND (diabet*):ti,ab,kw"),
    ("ClinicalTrials.gov", SourceKind.REGISTER, "ctgov-studies.csv",
     "Condition: diabetes | Intervention: umbilical cord OR placenta OR Wharton OR amniotic mesenchymal"),
]  # fmt: skip
PEOPLE = {"owner": [Role.OWNER], "reviewer1": [Role.REVIEWER], "reviewer2": [Role.REVIEWER],
          "arbiter": [Role.ARBITER], "viewer": [Role.VIEWER]}  # fmt: skip
NOT_RETRIEVED = "Journal not accessible to the team; the authors did not answer two requests"
INCLUDE_FATES = ("included", "ft_exclude", "not_retrieved")


def _users() -> dict:
    """The demo's people (load_demo creates them with their passwords; made here if missing)."""
    User = get_user_model()
    found = {}
    for name in PEOPLE:
        user, created = User.objects.get_or_create(username=name)
        if created:
            user.set_unusable_password()
            user.save()
        found[name] = user
    return found


def _plan() -> dict:
    return json.loads((FILES / "plan.json").read_text())


def _fate_of(record, by_key: dict, by_title: dict) -> dict:
    for key in [record.doi.lower(), *(rid.upper() for rid in record.registry_ids or [])]:
        if key and key in by_key:
            return by_key[key]
    return by_title[record.title[:80]]


@transaction.atomic
def seed_review_build() -> Review:
    """Create the seed review (idempotent: an existing one is returned as it is)."""
    existing = Review.objects.filter(slug=SLUG).first()
    if existing:
        return existing
    users = _users()
    owner = users["owner"]
    review = review_create(
        slug=SLUG,
        title="Perinatal MSCs and their cell-free derivatives in type 1 and type 2 diabetes (seed review)",
        owner=owner,
    )
    review_update(
        review=review,
        actor=owner,
        inclusion_criteria="T1DM/T2DM; perinatal MSCs (umbilical cord, Wharton's jelly, placenta, amnion) "
        "or "
        "their exosomes, extracellular vesicles, secretome or conditioned medium; diabetes-related outcomes; "
        "RCTs, controlled or cohort studies, case series of at least five patients, "
        "or diabetic animal models.",
        exclusion_criteria="Only bone marrow- or adipose-derived MSCs; in vitro only; case reports "
        "(<5 patients); reviews without original data; conference abstracts without full text.",
        include_keywords=[
            "umbilical cord",
            "Wharton*",
            "placent*",
            "amnio*",
            "perinatal",
            "exosome*",
            "diabet*",
        ],
        exclude_keywords=["bone marrow", "adipose", "in vitro", "review"],
    )
    for name, roles in PEOPLE.items():
        if name != "owner":
            member_set(review=review, actor=owner, user=users[name], roles=roles)
    for name, kind, file_name, search in SOURCES:
        source = source_create(review=review, actor=owner, name=name, kind=kind, date_searched=SEARCHED,
                               search_string=search)  # fmt: skip
        import_file_now(review=review, source=source, actor=owner, path=str(FILES / file_name))
    duplicates_find(review=review, actor=owner)
    _screen(review, users, _plan())
    return review


def _screen(review: Review, users: dict, plan: dict) -> None:
    by_key = {
        key.lower() if key.startswith("10.") else key.upper(): p for key, p in plan["publications"].items()
    }
    by_title = {p["title"]: p for p in plan["publications"].values()}
    reasons = fulltext.exclusion_reasons_set(review=review, actor=users["owner"], labels=plan["reasons"])
    records = [
        (record, _fate_of(record, by_key, by_title))
        for record in review.records.filter(duplicate_of__isnull=True).order_by("sort_key")
    ]
    screened = []
    for record, fate in records:
        if fate["fate"].startswith("removed"):
            incomplete = fate["fate"] == "removed_incomplete"
            record_remove(
                record=record,
                actor=users["owner"],
                reason=RemovalReason.INCOMPLETE if incomplete else RemovalReason.OTHER,
                note="" if incomplete else "Non-original material (erratum notice)",
            )
        else:
            screened.append((record, fate))
    for number, (record, fate) in enumerate(screened):
        decision = "include" if fate["fate"] in INCLUDE_FATES else "exclude"
        _two_votes(review, users, record.pk, Stage.TITLE_ABSTRACT, decision, None, disagree=number % 19 == 0)
    sought = [(record, fate) for record, fate in screened if fate["fate"] in INCLUDE_FATES]
    for number, (record, fate) in enumerate(sought):
        if fate["fate"] == "not_retrieved":
            fulltext.retrieval_not_retrieved(
                review=review, actor=users["owner"], record_id=record.pk, reason=NOT_RETRIEVED
            )
            continue
        url = (
            f"https://doi.org/{record.doi}" if record.doi else f"https://clinicaltrials.gov/study/{record.pk}"
        )
        fulltext.retrieval_link(review=review, actor=users["owner"], record_id=record.pk, url=url)
        excluded = fate["fate"] == "ft_exclude"
        reason = reasons[fate["reason"]] if excluded else None
        # a dissenting exclusion of an included report cites the most frequent reason
        _two_votes(review, users, record.pk, Stage.FULL_TEXT, "exclude" if excluded else "include",
                   reason or reasons[0], disagree=number % 9 == 4)  # fmt: skip
        if not excluded:
            surname = (record.authors or ["Study"])[0].split(",")[0].split()[0]
            studies.study_create(
                review=review, actor=users["owner"], record_ids=[record.pk], label=f"{surname} {record.year}"
            )


def _two_votes(review, users, record_id: int, stage: str, decision: str, reason, *, disagree: bool) -> None:
    """Both reviewers vote; when `disagree`, reviewer2 votes the other way and the arbiter decides."""
    other = "exclude" if decision == "include" else "include"
    for name, vote in (("reviewer1", decision), ("reviewer2", other if disagree else decision)):
        votes.vote_cast(review=review, actor=users[name], record_id=record_id, stage=stage, decision=vote,
                        reason=reason if vote == "exclude" else None)  # fmt: skip
    if disagree:
        conflict = Conflict.objects.get(record_id=record_id, stage=stage)
        reason = reason if decision == "exclude" else None
        votes.conflict_resolve(conflict=conflict, actor=users["arbiter"], decision=decision, reason=reason,
                               note="Checked against the eligibility criteria.")  # fmt: skip
