"""The simulation loop on synthetic data, the CSV reader's errors, and one real labelled set."""

import numpy as np
import pytest

from screening.ranking.metrics import metrics_all
from screening.ranking.model import ModelSpec
from screening.ranking.simulate import LabelledSet, read_labelled_csv, simulate
from tests.conftest import shared


def _synthetic(n=300, n_rel=20, seed=0):
    rng = np.random.default_rng(seed)
    words_rel = ["stromal", "diabetes", "insulin", "umbilical", "hba1c"]
    words_irr = ["statin", "cardiac", "infarction", "renal", "asthma", "fracture"]
    common = ["patients", "study", "results", "methods", "trial", "outcome"]
    texts, labels = [], []
    for i in range(n):
        rel = i < n_rel
        topic = words_rel if rel else words_irr
        texts.append(" ".join([*rng.choice(topic, 6), *rng.choice(common, 6)]))
        labels.append(int(rel))
    order = rng.permutation(n)
    return LabelledSet(
        "synthetic", [texts[i] for i in order], np.array(labels, dtype=np.int8)[order], "included"
    )


def test_a_separable_set_is_found_almost_at_once():
    data = _synthetic()
    res = simulate(data, seed=1, model=ModelSpec("nb"))
    assert sorted(res.order.tolist()) == list(range(300))  # every record screened exactly once
    assert data.labels[res.prior[0]] == 1 and data.labels[res.prior[1]] == 0
    assert res.order[:2].tolist() == list(res.prior)
    # 19 relevant records left among 298 after the prior: a perfect ranking finds them in the first 19
    assert res.metrics.wss100 == pytest.approx((298 - 19) / 298)
    assert res.metrics.atd == pytest.approx((19 + 1) / 2 / 298)


def test_the_same_seed_gives_the_same_run_and_another_seed_another_prior():
    data = _synthetic(seed=2)
    a, b = simulate(data, seed=5), simulate(data, seed=5)
    assert a.order.tolist() == b.order.tolist()
    assert simulate(data, seed=6).prior != a.prior


def test_batches_retrain_less_often():
    data = _synthetic(seed=3)
    one, ten = simulate(data, seed=0, batch=1), simulate(data, seed=0, batch=10)
    assert ten.n_trainings < one.n_trainings
    assert sorted(ten.order.tolist()) == list(range(300))


def test_stopping_points_are_reported_with_the_recall_there():
    res = simulate(_synthetic(n=600, n_rel=30), seed=0)
    stop = res.stopping()
    hyper = stop["hypergeometric"]
    assert hyper["stopped_after"] is not None and hyper["recall"] == 100.0  # all found before it stops
    assert hyper["p_at_stop"] < 0.05


def test_csv_without_a_label_column_names_it(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("title,abstract,label\nA,B,1\n")
    with pytest.raises(
        ValueError, match=r"plain\.csv: no label column; expected 'label_included' or 'included'"
    ):
        read_labelled_csv(path)


def test_csv_with_a_bad_label_names_the_row(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("title,abstract,included\nA,B,1\nC,D,yes\nE,F,0\n")
    with pytest.raises(ValueError, match=r"bad\.csv, row 3: included is 'yes'"):
        read_labelled_csv(path)


def test_label_included_is_preferred_over_abstract_screening_labels():
    data = read_labelled_csv(shared("screening", "cohen2006", "Antihistamines.csv"))
    assert data.label_column == "label_included"
    assert len(data.texts) == 310 and int(data.labels.sum()) == 16  # Cohen et al. 2006, table 1: 16 of 310


def test_a_real_review_is_screened_far_better_than_any_random_order():
    data = read_labelled_csv(shared("screening", "cohen2006", "Estrogens.csv"))  # 368 records, 80 relevant
    res = simulate(data, seed=0, batch=2)
    rng = np.random.default_rng(0)
    rest = np.delete(data.labels, list(res.prior))
    random_runs = [metrics_all(rng.permutation(rest)) for _ in range(200)]
    assert res.metrics.wss95 > max(r.wss95 for r in random_runs) + 0.05
    assert res.metrics.atd < min(r.atd for r in random_runs)
    assert res.metrics.rrf10 > max(r.rrf10 for r in random_runs)
