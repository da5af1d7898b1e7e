"""Ranking on a tiny hand-written corpus: relevant-looking records first, the terms behind it, cold start."""

import hashlib

import pytest

from screening.ranking.features import FeatureSpec, corpus_build, record_text
from screening.ranking.live import score_all
from screening.ranking.model import MODELS, ModelSpec, cold_start_key, rank

RELEVANT = "Umbilical cord mesenchymal stromal cells for type 2 diabetes: HbA1c and insulin dose"
IRRELEVANT = "Statin therapy and cardiovascular outcomes after myocardial infarction in older adults"


def _corpus():
    texts = {
        1: RELEVANT,
        2: "Mesenchymal stromal cells lower HbA1c in type 2 diabetes, a randomised trial",
        3: IRRELEVANT,
        4: "Myocardial infarction outcomes with statin therapy in a registry of older adults",
        10: "Wharton jelly mesenchymal stromal cells and insulin dose in diabetes",  # unlabelled, relevant
        11: "Statin therapy after myocardial infarction: a cohort of older adults",  # unlabelled, not
        12: "Insulin dose and HbA1c after stromal cells infusion in diabetes",  # unlabelled, relevant
    }
    return corpus_build(list(texts.items()), FeatureSpec(min_df=1, max_df=1.0))


LABELS = [(1, True), (2, True), (3, False), (4, False)]


@pytest.mark.parametrize("model", MODELS)
def test_relevant_looking_records_come_first(model):
    ranking = rank(_corpus(), LABELS, spec=ModelSpec(model))
    assert not ranking.cold_start
    assert set(ranking.order()[:2]) == {10, 12}
    assert ranking.order()[-1] == 11
    assert ranking.n_included == 2 and ranking.n_excluded == 2


def test_labelled_records_are_not_ranked():
    assert set(rank(_corpus(), LABELS).order()) == {10, 11, 12}


def test_top_terms_explain_the_score_with_words_of_the_record():
    top = rank(_corpus(), LABELS).records[0]
    terms = [t for t, _ in top.top_terms]
    assert terms and all(weight > 0 for _, weight in top.top_terms)
    text = {10: "wharton jelly mesenchymal stromal cells and insulin dose in diabetes"}.get(top.record_id)
    if text is None:
        text = "insulin dose and hba1c after stromal cells infusion in diabetes"
    assert all(term in text for term in terms)
    assert any(t in terms for t in ("diabetes", "stromal", "stromal cells", "insulin", "insulin dose"))


def test_cold_start_without_an_exclude_is_a_stable_seeded_order():
    corpus = _corpus()
    ranking = rank(corpus, [(1, True)], seed=7)
    assert ranking.cold_start and ranking.model_version == "cold-start"
    expected = sorted(
        [2, 3, 4, 10, 11, 12], key=lambda rid: hashlib.blake2b(f"7:{rid}".encode(), digest_size=8).digest()
    )
    assert ranking.order() == expected
    assert rank(corpus, [], seed=7).order() == sorted(corpus.record_ids, key=lambda r: cold_start_key(r, 7))


def test_cold_start_order_does_not_depend_on_input_order_and_keeps_places_when_records_are_added():
    texts = [(i, f"record number {i}") for i in range(30)]
    a = rank(corpus_build(texts), [], seed=3).order()
    b = rank(corpus_build(list(reversed(texts))), [], seed=3).order()
    assert a == b
    more = rank(corpus_build(texts + [(99, "a new record")]), [], seed=3).order()
    assert [r for r in more if r != 99] == a
    assert rank(corpus_build(texts), [], seed=4).order() != a


def test_an_unknown_record_in_the_labels_is_named():
    with pytest.raises(KeyError, match="record 999"):
        rank(_corpus(), [(999, True)])


def test_ties_are_broken_deterministically():
    corpus = corpus_build([(1, "alpha"), (2, "beta"), (3, "gamma"), (4, "gamma")], FeatureSpec(min_df=1))
    first = rank(corpus, [(1, True), (2, False)]).order()
    assert first == rank(corpus, [(2, False), (1, True)]).order()


def test_record_text_joins_what_is_there_with_the_title_weighted():
    assert record_text("Title", None, title_weight=1) == "Title"
    assert record_text("Title", "Abstract", "kw", title_weight=1) == "Title Abstract kw"
    assert record_text("Title", "Abstract", title_weight=2) == "Title Title Abstract"
    assert record_text("Title", "Abstract") == "Title Abstract"  # the default weight, 1
    assert record_text(None, "Abstract") == "Abstract"
    assert FeatureSpec().version() == "tfidf-1-2-min1-max0.95-stopnone-sub1"  # ASReview 3.0.8's TF-IDF


def test_the_ranking_package_imports_without_django():
    import subprocess
    import sys

    code = (
        "import sys; import screening.ranking, screening.ranking.simulate, screening.ranking.store; "
        "print(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_live_explanation_leaves_out_terms_that_begin_or_end_with_a_stop_word():
    # the includes share "are in to" (stop words) and "stromal"; the model weighs both, only one explains
    texts = [
        (1, "stromal cells are in to diabetes"),
        (2, "stromal cells are in to insulin"),
        (3, "bone fracture surgery outcomes"),
        (4, "hip fracture rehabilitation outcomes"),
        (5, "stromal therapy are in to glucose"),
        (6, "knee surgery pain outcomes"),
    ]
    corpus = corpus_build(texts, FeatureSpec(min_df=1, max_df=1.0))
    result = score_all(corpus, [(1, True), (2, True), (3, False), (4, False)])
    terms = [term for term, _ in result.top_terms]
    assert "stromal" in terms
    assert not {"are", "in", "to", "are in", "in to", "to diabetes", "cells are"} & set(terms)
    assert all(term.split()[0] not in {"are", "in", "to"} for term in terms)
    assert result.order[0] in (1, 2, 5)  # the ranking itself is the model's, stop words included


def test_the_live_explanation_keeps_content_words_some_stop_lists_hold():
    texts = [
        (1, "side effects of the immune system"),
        (2, "side effects in the immune system response"),
        (3, "bone fracture surgery outcomes"),
        (4, "hip fracture rehabilitation outcomes"),
    ]
    corpus = corpus_build(texts, FeatureSpec(min_df=1, max_df=1.0))
    terms = {term for term, _ in score_all(corpus, [(1, True), (2, True), (3, False), (4, False)]).top_terms}
    assert {"side effects", "immune system", "side", "system"} <= terms
    assert not {"of", "the", "of the", "effects of", "in the"} & terms
