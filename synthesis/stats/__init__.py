"""metafor-exact meta-analysis statistics (pure Python on numpy/scipy; no Django).

from synthesis.stats import Spec, StudyData, Tables, pool
data = StudyData(labels=("A", "B"), tables=Tables.from_counts(ai, n1i, ci, n2i))
result = pool(data, Spec(measure="RR", method="REML", test="knha"))
"""

from .analysis import (
    LeaveOneOut,
    Pooled,
    Spec,
    StudyData,
    StudyResult,
    SubgroupResult,
    compute_effects,
    leave_one_out,
    pool,
    subgroup_analysis,
)
from .confint import Tau2CI, tau2_confint
from .effects import EffectSizes, Tables, binary, continuous, generic, sei_from_ci
from .egger import EggerResult, egger_line, egger_test
from .errors import ConvergenceError, StatsError, StatsInputError
from .mh import FixedFit, mantel_haenszel, peto
from .rma import Control, RmaFit, rma

ENGINE_VERSION = "1.0.0 (metafor 3.8-1 semantics)"

__all__ = [
    "ENGINE_VERSION",
    "Control",
    "ConvergenceError",
    "EffectSizes",
    "EggerResult",
    "FixedFit",
    "LeaveOneOut",
    "Pooled",
    "RmaFit",
    "Spec",
    "StatsError",
    "StatsInputError",
    "StudyData",
    "StudyResult",
    "SubgroupResult",
    "Tables",
    "Tau2CI",
    "binary",
    "compute_effects",
    "continuous",
    "egger_line",
    "egger_test",
    "generic",
    "leave_one_out",
    "mantel_haenszel",
    "peto",
    "pool",
    "rma",
    "sei_from_ci",
    "subgroup_analysis",
    "tau2_confint",
]
