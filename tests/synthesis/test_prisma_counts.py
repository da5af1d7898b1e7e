"""The live PRISMA counts: random workflows through the real services keep every record in exactly one
box, the boxes add up, and each box lists exactly its records."""

import itertools
from collections import Counter

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from reviewapp.models import Membership, RemovalReason, SourceKind
from reviewapp.services import studies
from reviewapp.services.duplicates import duplicates_find, record_remove
from reviewapp.services.imports import import_file_now
from reviewapp.services.reviews import source_create
from screening.models import Conflict, Stage
from screening.selectors import unscreened_records
from screening.services import fulltext, stopping, votes
from synthesis.prisma_selectors import box_records, prisma_counts
from tests.factories import ReviewFactory, UserFactory

LEAVES = (
    "duplicates", "excluded_automatic", "excluded_other", "awaiting_screening", "records_excluded",
    "dbr_awaiting_retrieval", "dbr_notretrieved_reports", "dbr_awaiting_assessment", "dbr_excluded",
    "dbr_included", "other_not_sought", "other_awaiting_retrieval", "other_notretrieved_reports",
    "other_awaiting_assessment", "other_excluded", "other_included",
)  # fmt: skip
WORDS = [
    "amnion",
    "placenta",
    "cord",
    "jelly",
    "exosome",
    "secretome",
    "islet",
    "insulin",
    "glucose",
    "wound",
    "kidney",
    "retina",
]
_serial = itertools.count(1)


def ris(entries) -> str:
    return "".join(
        f"TY  - JOUR\nTI  - {title}\nAU  - {author}, A.\nPY  - 2021\nJO  - Journal of {author} Studies\n"
        f"DO  - {doi}\nER  - \n\n"
        for title, author, doi in entries
    )


def title_of(n: int) -> str:
    a, b, c = WORDS[n % 12], WORDS[(n // 12) % 12], WORDS[(n // 144) % 12]
    return f"{a.title()} {b} and {c} outcomes in diabetic models, series {n}"


def team():
    users = {name: UserFactory(username=f"{name}{next(_serial)}") for name in ("owner", "r1", "r2", "arb")}
    review = ReviewFactory()
    Membership.objects.create(review=review, user=users["owner"], is_owner=True)
    Membership.objects.create(review=review, user=users["r1"], is_reviewer=True)
    Membership.objects.create(review=review, user=users["r2"], is_reviewer=True)
    Membership.objects.create(review=review, user=users["arb"], is_arbiter=True)
    return review, users


sources_st = st.lists(
    st.tuples(
        st.sampled_from([SourceKind.DATABASE, SourceKind.REGISTER, SourceKind.OTHER]), st.integers(1, 6)
    ),
    min_size=1,
    max_size=3,
)


def _import(review, users, tmp_path, plan, data):
    """Import one RIS file per source; some entries repeat an earlier publication (same DOI and title)."""
    publications, expected_duplicates = [], Counter()
    per_source = []
    for number, (kind, size) in enumerate(plan):
        source = source_create(review=review, actor=users["owner"], name=f"Source {number}", kind=kind)
        entries, in_this_file = [], set()
        for _ in range(size):
            repeat = [p for p in publications if p not in in_this_file]
            if repeat and data.draw(st.booleans(), label="duplicate"):
                pub = data.draw(st.sampled_from(repeat), label="of")
                # equally complete records: the earliest imported stays, the repeat is the duplicate
                expected_duplicates["other_not_sought" if kind == SourceKind.OTHER else "duplicates"] += 1
            else:
                pub = next(_serial)
                publications.append(pub)
            in_this_file.add(pub)
            entries.append((title_of(pub), f"Author{pub}", f"10.5555/prop.{pub}"))
        path = tmp_path / f"{review.slug}-{number}.ris"
        path.write_text(ris(entries))
        import_file_now(review=review, source=source, actor=users["owner"], path=str(path))
        per_source.append((source, size))
    duplicates_find(review=review, actor=users["owner"])
    return per_source, expected_duplicates


def _vote_pair(review, users, record, stage, outcome, reasons):
    """Two votes (agreeing or not), an arbiter's decision on a conflict, or fewer votes."""
    reason = reasons[record.pk % len(reasons)] if stage == Stage.FULL_TEXT else None

    def cast(user, decision):
        votes.vote_cast(
            review=review, actor=users[user], record_id=record.pk, stage=stage, decision=decision,
            reason=reason if decision == "exclude" else None,
        )  # fmt: skip

    if outcome == "none":
        return None
    cast("r1", "exclude" if outcome == "exclude" else "include")
    if outcome == "one":
        return None
    if outcome in ("include", "exclude"):
        cast("r2", outcome)
        return outcome
    cast("r2", "exclude")
    if outcome == "open":
        return None
    decision = outcome.removeprefix("conflict_")
    conflict = Conflict.objects.get(record=record, stage=stage)
    votes.conflict_resolve(
        conflict=conflict,
        actor=users["arb"],
        decision=decision,
        reason=reason if decision == "exclude" else None,
    )
    return decision


OUTCOMES = ["none", "one", "include", "exclude", "open", "conflict_include", "conflict_exclude"]


def _stop_or_undo(review, users, data, expected, is_other):
    """The owner may stop screening on the stopping rule (the records nobody voted on move to
    excluded_automatic), and may undo that (they move back)."""
    action = data.draw(st.sampled_from(["none", "stop", "stop_undo"]), label="stop")
    unvoted = list(unscreened_records(review))
    if action == "none" or not unvoted:
        return
    stop = stopping.screening_stop(review=review, actor=users["owner"])
    assert stop.records_count == len(unvoted)
    if action == "stop_undo":
        stopping.screening_stop_undo(review=review, actor=users["owner"], stop_id=stop.pk)
        return
    for record in unvoted:
        if not is_other[record.source_id]:  # "other methods" records are all "not sought" before full text
            expected["awaiting_screening"] -= 1
            expected["excluded_automatic"] += 1


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking a database workflow takes minutes
)
@given(plan=sources_st, data=st.data())
def test_every_record_is_in_exactly_one_box_and_the_boxes_add_up(tmp_path, plan, data):
    review, users = team()
    reasons = fulltext.exclusion_reasons_set(
        review=review, actor=users["owner"], labels=["Wrong cells", "In vitro"]
    )
    per_source, expected_duplicates = _import(review, users, tmp_path, plan, data)
    expected = Counter(expected_duplicates)
    is_other = {source.pk: source.kind == SourceKind.OTHER for source, _ in per_source}
    active = list(review.records.filter(duplicate_of__isnull=True).order_by("id"))
    included = []
    for record in active:
        column = "other" if is_other[record.source_id] else "dbr"
        if not record.duplicates.exists() and data.draw(st.integers(0, 9), label="remove") == 0:
            reason = data.draw(st.sampled_from(RemovalReason.values), label="reason")
            record_remove(record=record, actor=users["owner"], reason=reason, note="not an article")
            key = "excluded_automatic" if reason == RemovalReason.AUTOMATION else "excluded_other"
            expected["other_not_sought" if column == "other" else key] += 1
            continue
        ta = _vote_pair(
            review, users, record, Stage.TITLE_ABSTRACT, data.draw(st.sampled_from(OUTCOMES)), reasons
        )
        if ta != "include":
            key = "records_excluded" if ta == "exclude" else "awaiting_screening"
            expected["other_not_sought" if column == "other" else key] += 1
            continue
        retrieval = data.draw(st.sampled_from(["none", "link", "not_retrieved"]), label="retrieval")
        if retrieval == "none":
            expected[f"{column}_awaiting_retrieval"] += 1
            continue
        if retrieval == "not_retrieved":
            fulltext.retrieval_not_retrieved(
                review=review, actor=users["owner"], record_id=record.pk, reason="no reply from the authors"
            )
            expected[f"{column}_notretrieved_reports"] += 1
            continue
        fulltext.retrieval_link(
            review=review, actor=users["owner"], record_id=record.pk, url=f"https://example.org/{record.pk}"
        )
        ft = _vote_pair(
            review, users, record, Stage.FULL_TEXT, data.draw(st.sampled_from(OUTCOMES[2:])), reasons
        )
        key = {"include": "included", "exclude": "excluded"}.get(ft, "awaiting_assessment")
        expected[f"{column}_{key}"] += 1
        if ft == "include":
            included.append(record)
    groups = data.draw(st.integers(0, len(included)), label="studies") if included else 0
    for number in range(groups):  # the first `groups` reports form studies, the last study takes the rest
        members = included[number:] if number == groups - 1 else [included[number]]
        studies.study_create(review=review, actor=users["owner"], record_ids=[r.pk for r in members])

    _stop_or_undo(review, users, data, expected, is_other)

    counts = prisma_counts(review)  # checks that the boxes add up
    leaves = counts.leaves()
    assert {k: v for k, v in leaves.items() if v} == {k: v for k, v in expected.items() if v}
    assert sum(leaves.values()) == counts.identified == review.records.count()
    assert [entry.n for entry in counts.databases + counts.registers] + [
        entry.n for entry, _ in counts.other_sources
    ] == [size for kind, size in plan if kind == SourceKind.DATABASE] + [
        size for kind, size in plan if kind == SourceKind.REGISTER
    ] + [size for kind, size in plan if kind == SourceKind.OTHER]
    assert counts.new_studies == (groups or len(included))  # a report in no study counts as one

    listed = Counter(pk for leaf in LEAVES for pk in box_records(review, leaf).values_list("pk", flat=True))
    assert sorted(listed) == sorted(review.records.values_list("pk", flat=True))
    assert set(listed.values()) <= {1}
    data_ = counts.to_prisma2020()
    for box in (
        "records_screened",
        "dbr_sought_reports",
        "dbr_assessed",
        "other_sought_reports",
        "new_reports",
    ):
        assert box_records(review, box).count() == data_[box]
