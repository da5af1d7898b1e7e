"""The live PRISMA counts: random workflows through the real services keep every record in exactly one
box, the boxes add up, and each box lists exactly its records."""

import itertools
from collections import Counter

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from reviewapp.models import Membership, RemovalReason, SourceKind
from reviewapp.services import rounds, studies
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


def _import(review, users, tmp_path, plan, data, publications, *, round_number=1):
    """Import one RIS file per source; some entries repeat an earlier publication (same DOI and title).

    `publications` are those already in the review that a file may repeat; the new ones are added to it.
    A plan entry of an update round may name an existing source (`reuse`) for its file.
    """
    expected_duplicates, per_source = Counter(), []
    in_this_round: list[int] = []
    for number, (kind, size, *reuse) in enumerate(plan):
        existing = review.sources.order_by("pk").first() if reuse and reuse[0] else None
        source = existing or source_create(
            review=review, actor=users["owner"], name=f"Source {round_number}.{number}", kind=kind
        )
        entries, in_this_file = [], set()
        for _ in range(size):
            repeat = [p for p in publications + in_this_round if p not in in_this_file]
            if repeat and data.draw(st.booleans(), label="duplicate"):
                pub = data.draw(st.sampled_from(repeat), label="of")
                # the record already in the review stays (earlier round, or equally complete and imported
                # earlier); the repeat is the duplicate
                other = source.kind == SourceKind.OTHER
                expected_duplicates["other_not_sought" if other else "duplicates"] += 1
            else:
                pub = next(_serial)
                in_this_round.append(pub)
            in_this_file.add(pub)
            entries.append((title_of(pub), f"Author{pub}", f"10.5555/prop.{pub}"))
        path = tmp_path / f"{review.slug}-{round_number}-{number}.ris"
        path.write_text(ris(entries))
        # a file of nothing but repeats can equal an earlier file byte for byte: re-importing it is meant
        import_file_now(review=review, source=source, actor=users["owner"], path=str(path), force=True)
        per_source.append((source, size))
    if round_number == 1:
        duplicates_find(review=review, actor=users["owner"])  # an update's imports do this themselves
    publications += in_this_round
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


def _screen(review, users, records, data, reasons, expected: Counter) -> list:
    """Remove some records, screen the rest through both stages; count where each should end up."""
    included = []
    for record in records:
        column = "other" if record.source.kind == SourceKind.OTHER else "dbr"
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
    return included


def _group_studies(review, users, included, data) -> int:
    """The first `groups` reports form studies, the last study takes the rest; returns `groups`."""
    groups = data.draw(st.integers(0, len(included)), label="studies") if included else 0
    for number in range(groups):
        members = included[number:] if number == groups - 1 else [included[number]]
        studies.study_create(review=review, actor=users["owner"], record_ids=[r.pk for r in members])
    return groups


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


def _assert_boxes(review, counts, expected: Counter, records) -> None:
    """The leaves are the expected ones, and listing every leaf box lists each record exactly once."""
    leaves = counts.leaves()
    assert {k: v for k, v in leaves.items() if v} == {k: v for k, v in expected.items() if v}
    assert sum(leaves.values()) == counts.identified == records.count()


def _active(records):
    return list(records.filter(duplicate_of__isnull=True).select_related("source").order_by("id"))


SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking a database workflow takes minutes
)


@pytest.mark.django_db
@SETTINGS
@given(plan=sources_st, data=st.data())
def test_every_record_is_in_exactly_one_box_and_the_boxes_add_up(tmp_path, plan, data):
    review, users = team()
    reasons = fulltext.exclusion_reasons_set(
        review=review, actor=users["owner"], labels=["Wrong cells", "In vitro"]
    )
    per_source, expected_duplicates = _import(review, users, tmp_path, plan, data, [])
    expected = Counter(expected_duplicates)
    included = _screen(review, users, _active(review.records), data, reasons, expected)
    groups = _group_studies(review, users, included, data)
    is_other = {source.pk: source.kind == SourceKind.OTHER for source, _ in per_source}
    _stop_or_undo(review, users, data, expected, is_other)

    counts = prisma_counts(review)  # checks that the boxes add up
    _assert_boxes(review, counts, expected, review.records)
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


update_st = st.lists(
    st.tuples(
        st.sampled_from([SourceKind.DATABASE, SourceKind.REGISTER, SourceKind.OTHER]),
        st.integers(1, 4),
        st.booleans(),  # into the first round's first source
    ),
    min_size=1,
    max_size=2,
)


@pytest.mark.django_db
@SETTINGS
@given(plan=sources_st, update=update_st, data=st.data())
def test_an_update_round_is_drawn_in_the_template_for_updated_reviews_and_its_boxes_add_up(
    tmp_path, plan, update, data
):
    review, users = team()
    reasons = fulltext.exclusion_reasons_set(review=review, actor=users["owner"], labels=["Wrong cells"])
    publications: list[int] = []
    _, first_duplicates = _import(review, users, tmp_path, plan, data, publications)
    expected_first = Counter(first_duplicates)
    included_first = _screen(review, users, _active(review.records), data, reasons, expected_first)
    groups_first = _group_studies(review, users, included_first, data)
    studies_first = groups_first or len(included_first)

    # The searches are run again: an update repeats some publications of round 1 (not those removed
    # before screening, which no search compares with) and finds new ones.
    rounds.round_start(review=review, actor=users["owner"], label="Update")
    removed = set(review.records.exclude(removed_reason="").values_list("doi", flat=True))
    may_repeat = [p for p in publications if f"10.5555/prop.{p}" not in removed]
    _, update_duplicates = _import(review, users, tmp_path, update, data, may_repeat, round_number=2)
    second = review.records.filter(batch__round__number=2)
    expected_second = Counter(update_duplicates)
    included_second = _screen(review, users, _active(second), data, reasons, expected_second)
    joined = 0
    if included_second and review.studies.exists() and data.draw(st.booleans(), label="joins"):
        # a new report of a study included in the previous version
        study = review.studies.order_by("pk").first()
        studies.study_group(
            review=review,
            actor=users["owner"],
            record_ids=[included_second[0].pk, study.records.first().pk],
        )
        joined = 1
    groups_second = _group_studies(review, users, included_second[joined:], data)

    update_counts = prisma_counts(review, 2)  # checks that the boxes add up
    _assert_boxes(review, update_counts, expected_second, second)
    data_ = update_counts.to_prisma2020()
    assert update_counts.has_previous
    assert (data_["previous_studies"], data_["previous_reports"]) == (studies_first, len(included_first))
    assert data_["new_reports"] == len(included_second)
    assert data_["new_studies"] == (groups_second or len(included_second) - joined)
    assert data_["total_studies"] == data_["previous_studies"] + data_["new_studies"]
    assert data_["total_reports"] == len(included_first) + len(included_second)
    assert data_["database_results"] + data_["register_results"] + update_counts.other_identified == sum(
        size for _, size, _ in update
    )
    listed = Counter(
        pk for leaf in LEAVES for pk in box_records(review, leaf, 2).values_list("pk", flat=True)
    )
    assert sorted(listed) == sorted(second.values_list("pk", flat=True)) and set(listed.values()) <= {1}
    for box, n in (("previous_reports", len(included_first)), ("total_reports", data_["total_reports"])):
        assert box_records(review, box, 2).count() == n

    first_counts = prisma_counts(review, 1)
    _assert_boxes(review, first_counts, expected_first, review.records.filter(batch__round__number=1))
    assert not first_counts.has_previous
    whole = prisma_counts(review)
    _assert_boxes(review, whole, expected_first + expected_second, review.records)
