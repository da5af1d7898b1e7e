"""select_inputs/study_data with mixed inputs: arm data beside reported estimates (no database)."""

import math

from synthesis.inputs import Definition, select_inputs, study_data


def _row(study_id, label, **values):
    base = {"study_id": study_id, "study_label": label, "consensus_id": study_id, "problems": []}
    return {**base, "data_type": "continuous", "unit": "%", **values}


def test_arm_data_and_a_reported_mean_difference_pool_as_effect_sizes():
    arms = [
        {"arm": "UC-MSC", "n": 61, "mean": -1.3, "sd": 1.0},
        {"arm": "Placebo", "n": 30, "mean": -0.6, "sd": 1.0},
    ]
    rows = [
        _row(1, "Trial", measure="change", arms=arms),
        _row(2, "Review", measure="mean_difference", arms=[], estimate=-0.72, se=0.089),
    ]
    inputs = select_inputs(rows, Definition(measure="MD", method="REML"))
    assert [(e["used"], e["kind"]) for e in inputs] == [(True, "arms"), (True, "estimate")]

    data = study_data(inputs, "MD")

    assert data.effects is not None and data.labels == ("Trial", "Review")
    assert math.isclose(data.effects.yi[0], -0.7) and math.isclose(data.effects.vi[0], 1 / 61 + 1 / 30)
    assert math.isclose(data.effects.yi[1], -0.72) and math.isclose(data.effects.vi[1], 0.089**2)
