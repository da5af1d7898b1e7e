"""The stored-ranking format: a round trip through JSON, and clear errors for damaged data."""

import datetime as dt
import json

import pytest

from screening.ranking.features import FeatureSpec, corpus_build
from screening.ranking.model import rank
from screening.ranking.store import StoredRanking, ranking_from_dict, ranking_to_dict


def _stored():
    corpus = corpus_build(
        [
            (1, "stromal cells diabetes"),
            (2, "statin heart"),
            (3, "stromal diabetes insulin"),
            (4, "statin renal"),
        ],
        FeatureSpec(min_df=1, max_df=1.0),
    )
    ranking = rank(corpus, [(1, True), (2, False)])
    return StoredRanking(ranking, dt.datetime(2026, 12, 2, 14, 5, tzinfo=dt.UTC), corpus.fingerprint)


def test_round_trip_through_json_keeps_order_scores_terms_and_counts():
    stored = _stored()
    back = ranking_from_dict(json.loads(json.dumps(ranking_to_dict(stored))))
    assert back == stored
    assert back.ranking.order() == [3, 4]
    assert back.n_labels == 2 and back.position_of() == {3: 0, 4: 1}
    assert back.ranking.records[0].top_terms  # "stromal"/"diabetes" explain record 3


@pytest.mark.parametrize(
    "damage,message",
    [
        (lambda d: d.pop("trained_at"), "missing field 'trained_at'"),
        (lambda d: d.update(format=2), "format 2 is not 1"),
        (lambda d: d.update(trained_at="yesterday"), "'trained_at' is not an ISO 8601"),
        (lambda d: d["records"][0].update(score="high"), r"records\[0\]\.score is not a number"),
        (lambda d: d["records"].append(dict(d["records"][0])), "a record id appears twice"),
        (lambda d: d.update(n_included="2"), "field 'n_included' has the wrong type"),
    ],
)
def test_damaged_data_is_refused_with_the_field_named(damage, message):
    data = ranking_to_dict(_stored())
    damage(data)
    with pytest.raises(ValueError, match=message):
        ranking_from_dict(data)
