"""One entry point for a whole analysis: effect sizes -> pooled result (+ subgroups, leave-one-out).

``Spec.method`` picks the model: ``EE``/``FE`` (fixed effect, inverse variance), a tau² estimator
(``DL``, ``REML``, ``ML``, ``PM``, ``HE``, ``HS``, ``SJ``, ``EB``: random effects), ``MH``
(Mantel-Haenszel) or ``PETO``. ``Spec.test = "knha"`` is the Hartung-Knapp-Sidik-Jonkman
adjustment (metafor ``test="knha"``: t with k-1 df, SE scaled by the weighted residual variance).
Study weights are percentages, as metafor's ``weights()``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special

from .confint import tau2_confint
from .effects import RATIO_MEASURES, EffectSizes, Tables, ZeroCellRule, binary, continuous, generic
from .errors import StatsError, StatsInputError
from .mh import FixedFit, mantel_haenszel, peto
from .rma import DEFAULT_CONTROL, FIXED_METHODS, METHODS, Control, RmaFit, rma

Array = npt.NDArray[np.float64]
BINARY = frozenset({"RR", "OR", "RD"})
CONTINUOUS = frozenset({"MD", "SMD"})
MEASURES = BINARY | CONTINUOUS | {"GEN"}
ALL_METHODS = METHODS | {"MH", "PETO"}


@dataclass(frozen=True)
class Spec:
    """What to compute. ``drop00=None`` means metafor's default for the method (keep for
    inverse-variance models, drop from the heterogeneity statistics for MH/Peto)."""

    measure: str
    method: str = "REML"
    test: str = "z"
    add: float = 0.5
    to: ZeroCellRule = "only0"
    drop00: bool | None = None
    level: float = 95.0
    control: Control = DEFAULT_CONTROL

    def __post_init__(self) -> None:
        if self.measure not in MEASURES:
            raise StatsInputError(
                f"unknown measure {self.measure!r}; one of {sorted(MEASURES)}", field="measure"
            )
        if self.method not in ALL_METHODS:
            raise StatsInputError(
                f"unknown method {self.method!r}; one of {sorted(ALL_METHODS)}", field="method"
            )
        if self.method == "MH" and self.measure not in BINARY:
            raise StatsInputError("Mantel-Haenszel needs a binary measure (RR, OR, RD)", field="measure")
        if self.method == "PETO" and self.measure != "OR":
            raise StatsInputError("Peto's method estimates an odds ratio: use measure OR", field="measure")
        if self.test not in ("z", "t", "knha"):
            raise StatsInputError(f"unknown test {self.test!r}", field="test")
        if self.test != "z" and self.method in ("MH", "PETO"):
            raise StatsInputError(
                "Knapp-Hartung / t tests apply to inverse-variance models only", field="test"
            )

    @property
    def is_random(self) -> bool:
        return self.method not in FIXED_METHODS and self.method not in ("MH", "PETO")

    @property
    def is_ratio(self) -> bool:
        return self.measure in RATIO_MEASURES


@dataclass(frozen=True)
class StudyData:
    """Per-study input: labels plus one of 2x2 tables, arm means/SDs/ns, or yi with vi."""

    labels: tuple[str, ...]
    tables: Tables | None = None
    arms: tuple[Array, Array, Array, Array, Array, Array] | None = None  # m1, sd1, n1, m2, sd2, n2
    effects: EffectSizes | None = None
    groups: tuple[str, ...] | None = None

    @property
    def k(self) -> int:
        return len(self.labels)

    def subset(self, keep: npt.NDArray[np.bool_]) -> StudyData:
        idx = np.flatnonzero(keep)
        tables = None
        if self.tables is not None:
            t = self.tables
            tables = Tables(t.ai[idx], t.bi[idx], t.ci[idx], t.di[idx])
        arms = None if self.arms is None else tuple(a[idx] for a in self.arms)
        effects = None
        if self.effects is not None:
            effects = EffectSizes(self.effects.measure, self.effects.yi[idx], self.effects.vi[idx])
        return StudyData(
            labels=tuple(self.labels[i] for i in idx),
            tables=tables,
            arms=arms,  # type: ignore[arg-type]
            effects=effects,
            groups=None if self.groups is None else tuple(self.groups[i] for i in idx),
        )


def compute_effects(data: StudyData, spec: Spec) -> EffectSizes:
    """yi/vi per study (NaN for studies the method leaves out). Precomputed yi/vi (``data.effects``)
    are used as given for any measure: e.g. log risk ratios with their variances for RR."""
    if data.effects is not None and data.tables is None and data.arms is None:
        if spec.method in ("MH", "PETO"):
            raise StatsInputError(f"{spec.method} needs the 2x2 tables (ai, n1i, ci, n2i), not yi/vi")
        return generic(data.effects.yi, data.effects.vi, measure=spec.measure)
    if spec.measure in BINARY:
        if data.tables is None:
            raise StatsInputError(f"{spec.measure} needs events and totals per arm")
        drop00 = spec.drop00 if spec.drop00 is not None else spec.method in ("MH", "PETO")
        measure = "PETO" if spec.method == "PETO" else spec.measure
        return binary(measure, data.tables, add=spec.add, to=spec.to, drop00=drop00)  # type: ignore[arg-type]
    if spec.measure in CONTINUOUS:
        if data.arms is None:
            raise StatsInputError(f"{spec.measure} needs means, SDs and sizes per arm")
        return continuous(spec.measure, *data.arms)  # type: ignore[arg-type]
    if data.effects is None:
        raise StatsInputError("GEN needs yi with vi or sei")
    return generic(data.effects.yi, data.effects.vi, measure="GEN")


@dataclass(frozen=True)
class StudyResult:
    study: str
    yi: float | None
    vi: float | None
    weight: float | None  # percent; None when the study is not in the model


@dataclass(frozen=True)
class Pooled:
    """A pooled result with everything a forest plot or a report needs."""

    measure: str
    method: str
    test: str
    k: int
    estimate: float
    se: float
    stat: float
    df: int | None
    pval: float
    ci_lb: float
    ci_ub: float
    tau2: float
    se_tau2: float | None
    tau2_ci_lb: float | None
    tau2_ci_ub: float | None
    I2: float
    H2: float
    Q: float
    Q_df: int
    Q_p: float
    pi_lb: float | None
    pi_ub: float | None
    studies: tuple[StudyResult, ...]
    level: float = 95.0
    tau2_ci_lb_at_bound: bool = False  # the limit is metafor's search bound (printed with '<' / '>')
    tau2_ci_ub_at_bound: bool = False

    @property
    def stat_name(self) -> str:
        return "tval" if self.df is not None else "zval"

    @property
    def is_ratio(self) -> bool:
        return self.measure in RATIO_MEASURES

    @property
    def is_random(self) -> bool:
        return self.method not in FIXED_METHODS and self.method not in ("MH", "PETO")


def pool(data: StudyData, spec: Spec) -> Pooled:
    """Pool all studies of ``data`` as ``spec`` says."""
    effects = compute_effects(data, spec)
    if spec.method in ("MH", "PETO"):
        assert data.tables is not None
        fit = _fixed_fit(data.tables, spec)
        return _from_fixed(fit, data, spec)
    usable = effects.usable
    if not usable.any():
        raise StatsInputError("no study has an estimable effect")
    fit_rma = rma(
        effects.yi[usable],
        effects.vi[usable],
        method=spec.method,
        test=spec.test,
        level=spec.level,
        control=spec.control,
    )
    return _from_rma(fit_rma, effects, data, spec)


def _fixed_fit(tables: Tables, spec: Spec) -> FixedFit:
    drop00 = True if spec.drop00 is None else spec.drop00
    if spec.method == "PETO":
        return peto(tables, add=spec.add, to=spec.to, drop00=drop00, level=spec.level)
    return mantel_haenszel(spec.measure, tables, add=spec.add, to=spec.to, drop00=drop00, level=spec.level)  # type: ignore[arg-type]


def _studies(
    labels: tuple[str, ...], effects: EffectSizes, weights: Array | None, in_model: npt.NDArray[np.bool_]
) -> tuple[StudyResult, ...]:
    out = []
    j = 0
    for i, label in enumerate(labels):
        ok = bool(in_model[i])
        yi, vi = effects.yi[i], effects.vi[i]
        weight = None
        if weights is not None:
            if weights.shape[0] == len(labels):
                weight = float(weights[i])
            elif ok:
                weight = float(weights[j])
        if ok:
            j += 1
        out.append(
            StudyResult(
                label, None if math.isnan(yi) else float(yi), None if math.isnan(vi) else float(vi), weight
            )
        )
    return tuple(out)


def _from_rma(fit: RmaFit, effects: EffectSizes, data: StudyData, spec: Spec) -> Pooled:
    ci = tau2_confint(fit, spec.level, spec.control) if spec.is_random else None
    pi = fit.prediction_interval() if spec.is_random else (None, None)
    return Pooled(
        measure=spec.measure,
        method=spec.method,
        test=fit.test,
        k=fit.k,
        estimate=fit.estimate,
        se=fit.se,
        stat=fit.zval,
        df=fit.ddf,
        pval=fit.pval,
        ci_lb=fit.ci_lb,
        ci_ub=fit.ci_ub,
        tau2=fit.tau2,
        se_tau2=fit.se_tau2,
        tau2_ci_lb=None if ci is None or math.isnan(ci.lb) else ci.lb,
        tau2_ci_ub=None if ci is None or math.isnan(ci.ub) else ci.ub,
        I2=fit.I2,
        H2=fit.H2,
        Q=fit.Q,
        Q_df=fit.Q_df,
        Q_p=fit.Q_p,
        pi_lb=pi[0],
        pi_ub=pi[1],
        studies=_studies(data.labels, effects, fit.weights, effects.usable),
        level=spec.level,
        tau2_ci_lb_at_bound=ci is not None and ci.lb_at_bound,
        tau2_ci_ub_at_bound=ci is not None and ci.ub_at_bound,
    )


def _from_fixed(fit: FixedFit, data: StudyData, spec: Spec) -> Pooled:
    return Pooled(
        measure=spec.measure,
        method=fit.method,
        test="z",
        k=fit.k,
        estimate=fit.estimate,
        se=fit.se,
        stat=fit.zval,
        df=None,
        pval=fit.pval,
        ci_lb=fit.ci_lb,
        ci_ub=fit.ci_ub,
        tau2=0.0,
        se_tau2=None,
        tau2_ci_lb=None,
        tau2_ci_ub=None,
        I2=fit.I2,
        H2=fit.H2,
        Q=fit.Q,
        Q_df=fit.Q_df,
        Q_p=fit.Q_p,
        pi_lb=None,
        pi_ub=None,
        studies=_studies(data.labels, fit.effects, fit.weights, np.ones(data.k, dtype=bool)),
        level=spec.level,
    )


# --- subgroups -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubgroupResult:
    overall: Pooled
    subgroups: tuple[tuple[str, Pooled], ...]
    Q_between: float
    Q_between_df: int
    Q_between_p: float


def subgroup_analysis(data: StudyData, spec: Spec) -> SubgroupResult:
    """Separate models per subgroup (each with its own tau²) and the test for subgroup differences:
    the fixed-effect Q of the subgroup estimates with their SEs (RevMan; metafor
    ``rma(est, sei=se, mods=~group, method="FE")`` QM), df = number of subgroups - 1."""
    if data.groups is None:
        raise StatsInputError("no subgroup column given", field="subgroup")
    overall = pool(data, spec)
    names = list(dict.fromkeys(data.groups))
    groups = np.array(data.groups, dtype=object)
    parts = tuple((name, pool(data.subset(groups == name), spec)) for name in names)
    est = np.array([p.estimate for _, p in parts])
    w = 1 / np.array([p.se for _, p in parts]) ** 2
    if len(parts) < 2:
        return SubgroupResult(overall, parts, 0.0, 0, 1.0)
    mean = float(w @ est) / float(w.sum())
    q_between = float(w @ (est - mean) ** 2)
    df = len(parts) - 1
    return SubgroupResult(overall, parts, q_between, df, float(special.chdtrc(df, q_between)))


# --- leave-one-out -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeaveOneOut:
    omitted: str
    result: Pooled | None  # None when the model cannot be fitted without that study
    error: str | None = None


def leave_one_out(data: StudyData, spec: Spec) -> tuple[LeaveOneOut, ...]:
    """Refit without each study in turn (metafor ``leave1out``)."""
    out = []
    for i, label in enumerate(data.labels):
        keep = np.ones(data.k, dtype=bool)
        keep[i] = False
        try:
            out.append(LeaveOneOut(label, pool(data.subset(keep), spec)))
        except StatsError as exc:
            out.append(LeaveOneOut(label, None, str(exc)))
    return tuple(out)
