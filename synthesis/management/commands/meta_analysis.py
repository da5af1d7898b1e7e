"""``manage.py meta_analysis data.csv --measure RR --model random --tau2 REML [--hksj] --json``.

Thin: parse the CSV (synthesis.stats.csvio), run the engine (synthesis.stats), print. Touches no
database, so it runs before migrations and on a machine without one.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from synthesis.stats import (
    ENGINE_VERSION,
    Pooled,
    Spec,
    StatsError,
    egger_test,
    leave_one_out,
    pool,
    subgroup_analysis,
)
from synthesis.stats.csvio import CsvInputError, parse_csv, pooled_block, result_json

TAU2 = ["DL", "REML", "ML", "PM", "HE", "SJ", "HS", "EB"]


class Command(BaseCommand):
    help = (
        "Meta-analysis of a study CSV with metafor 3.8-1 semantics. Columns: study; binary ai,n1i,ci,n2i "
        "(or ai,bi,ci,di); continuous m1i,sd1i,n1i,m2i,sd2i,n2i; generic yi,vi or yi,sei "
        "(or yi,ci_lb,ci_ub); yi/vi also work with RR/OR (log scale), RD, MD, SMD when there are "
        "no arm columns. "
        "Ratio measures are on the log scale with *_exp copies. Study weights are percentages, as metafor's "
        "weights(); in subgroups, percentages within the subgroup. No database is used."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", help="CSV file (UTF-8, header row; extra columns are ignored)")
        parser.add_argument("--measure", required=True, choices=["MD", "SMD", "RR", "OR", "RD", "GEN"])
        parser.add_argument(
            "--model",
            choices=["fixed", "random"],
            default=None,
            help="default: random, or fixed with --mh/--peto",
        )
        parser.add_argument("--tau2", choices=TAU2, default="REML", help="tau² estimator (random effects)")
        parser.add_argument(
            "--hksj", action="store_true", help="Hartung-Knapp-Sidik-Jonkman (metafor test='knha')"
        )
        parser.add_argument("--mh", action="store_true", help="Mantel-Haenszel (RR, OR, RD; fixed effect)")
        parser.add_argument("--peto", action="store_true", help="Peto odds ratio (OR; fixed effect)")
        parser.add_argument("--subgroup", metavar="COLUMN", help="column whose values define subgroups")
        parser.add_argument("--add", type=float, default=0.5, help="zero-cell correction (default 0.5)")
        parser.add_argument(
            "--to",
            choices=["only0", "all", "if0all", "none"],
            default="only0",
            help="which studies get the correction (metafor 'to'; default only0)",
        )
        parser.add_argument(
            "--drop00",
            choices=["auto", "yes", "no"],
            default="auto",
            help="leave out double-zero studies (auto: metafor's default for the method)",
        )
        parser.add_argument("--level", type=float, default=95.0, help="confidence level in percent")
        parser.add_argument("--leave-one-out", action="store_true", help="add a leave_one_out list")
        parser.add_argument(
            "--egger", action="store_true", help="add Egger's regression test (metafor regtest)"
        )
        parser.add_argument("--json", action="store_true", help="print JSON instead of a summary")

    def handle(self, *args: Any, **options: Any) -> None:
        spec = self._spec(options)
        path = Path(options["input"])
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
        try:
            data = parse_csv(text, spec.measure, subgroup=options["subgroup"])
            if spec.is_random and data.k < 2:
                raise CsvInputError(f"random effects need at least 2 studies, the file has {data.k}")
            result = pool(data, spec)
            subgroups = subgroup_analysis(data, spec) if data.groups is not None else None
            out = result_json(result, subgroups)
            out["engine"] = ENGINE_VERSION
            if options["leave_one_out"]:
                out["leave_one_out"] = [
                    {"omitted": r.omitted, **(pooled_block(r.result) if r.result else {"error": r.error})}
                    for r in leave_one_out(data, spec)
                ]
            if options["egger"]:
                out["egger"] = self._egger(result, spec)
        except (CsvInputError, StatsError) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        if options["json"]:
            self.stdout.write(json.dumps(out, indent=2, allow_nan=False))
        else:
            self.stdout.write(summary(out, result))

    def _spec(self, options: dict[str, Any]) -> Spec:
        if options["mh"] and options["peto"]:
            raise CommandError("choose one of --mh and --peto")
        special = "MH" if options["mh"] else "PETO" if options["peto"] else None
        model = options["model"] or ("fixed" if special else "random")
        if special and model == "random":
            raise CommandError(f"--{special.lower()} is a fixed-effect method; use --model fixed")
        method = special or ("EE" if model == "fixed" else options["tau2"])
        drop00 = {"auto": None, "yes": True, "no": False}[options["drop00"]]
        try:
            return Spec(
                measure=options["measure"],
                method=method,
                test="knha" if options["hksj"] else "z",
                add=options["add"],
                to=options["to"],
                drop00=drop00,
                level=options["level"],
            )
        except StatsError as exc:
            raise CommandError(str(exc)) from exc

    @staticmethod
    def _egger(result: Pooled, spec: Spec) -> dict[str, Any]:
        yi = [s.yi for s in result.studies if s.yi is not None and s.vi is not None]
        vi = [s.vi for s in result.studies if s.yi is not None and s.vi is not None]
        method = spec.method if spec.method not in ("MH", "PETO") else "EE"
        out = {}
        for model in ("rma", "lm"):
            e = egger_test(yi, vi, model=model, method=method, test=spec.test)
            out[model] = {
                "stat": e.stat,
                "df": e.df,
                "pval": e.pval,
                "slope": e.slope,
                "limit_estimate": e.limit_estimate,
            }
        return out


def _f(x: float | None, digits: int = 4) -> str:
    return "NA" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def summary(out: dict[str, Any], result: Pooled) -> str:
    """A metafor-like printout."""
    model = "Random-effects" if result.is_random else "Fixed-effect"
    lines = [
        f"{model} model (k = {out['k']}; method: {out['method']}; test: {out['test']}; "
        f"measure: {out['measure']})"
    ]
    if result.is_random:
        lines.append(
            f"tau^2 = {_f(out['tau2'])} (SE = {_f(out['se_tau2'])}), "
            f"95% CI [{_f(out['tau2_ci_lb'])}, {_f(out['tau2_ci_ub'])}]"
        )
    lines.append(f"I^2 = {_f(out['I2'], 2)}%   H^2 = {_f(out['H2'], 2)}")
    lines.append(f"Q({out['Q_df']}) = {_f(out['Q'])}, p = {out['Q_p']:.4g}")
    stat = "tval" if "tval" in out else "zval"
    lines.append(
        f"estimate = {_f(out['estimate'])}  se = {_f(out['se'])}  {stat} = {_f(out[stat])}  "
        f"p = {out['pval']:.4g}  95% CI [{_f(out['ci_lb'])}, {_f(out['ci_ub'])}]"
    )
    if out["pi_lb"] is not None:
        lines.append(f"prediction interval [{_f(out['pi_lb'])}, {_f(out['pi_ub'])}]")
    if "estimate_exp" in out:
        pi = f"; PI [{_f(out['pi_lb_exp'])}, {_f(out['pi_ub_exp'])}]" if out["pi_lb_exp"] is not None else ""
        lines.append(f"exp: {_f(out['estimate_exp'])} [{_f(out['ci_lb_exp'])}, {_f(out['ci_ub_exp'])}]{pi}")
    lines.append("")
    lines.append(f"{'study':30} {'yi':>10} {'vi':>10} {'weight %':>9}")
    for s in out["studies"]:
        lines.append(f"{str(s['study'])[:30]:30} {_f(s['yi']):>10} {_f(s['vi']):>10} {_f(s['weight'], 2):>9}")
    for name, block in out["subgroups"].items():
        lines.append(
            f"subgroup {name}: k = {block['k']}, estimate = {_f(block['estimate'])} "
            f"[{_f(block['ci_lb'])}, {_f(block['ci_ub'])}], tau^2 = {_f(block['tau2'])}, "
            f"I^2 = {_f(block['I2'], 2)}%"
        )
    if out["Q_between"] is not None:
        lines.append(
            f"test for subgroup differences: Q_between({out['Q_between_df']}) = {_f(out['Q_between'])}, "
            f"p = {out['Q_between_p']:.4g}"
        )
    return "\n".join(lines)
