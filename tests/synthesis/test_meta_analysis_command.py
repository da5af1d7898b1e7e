"""``manage.py meta_analysis``: the contract external validation runs against."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import shared

from .metafor_data import FIXTURES, mismatches, number, read_rows

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = read_rows(shared("meta", "metafor_reference_results.csv"))
JSON_OF = {
    "estimate": "estimate",
    "se": "se",
    "pval": "pval",
    "ci_lb": "ci_lb",
    "ci_ub": "ci_ub",
    "tau2": "tau2",
    "se_tau2": "se_tau2",
    "tau2_ci_lb": "tau2_ci_lb",
    "tau2_ci_ub": "tau2_ci_ub",
    "I2": "I2",
    "H2": "H2",
    "QE": "Q",
    "QE_df": "Q_df",
    "QEp": "Q_p",
    "pi_lb": "pi_lb",
    "pi_ub": "pi_ub",
    "k": "k",
}


def _write(
    path: Path, header: list[str], rows: list[list[object]], *, bom: bool = False, crlf: bool = False
) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n" if crlf else "\n").writerows([header, *rows])
    path.write_bytes((("\ufeff" if bom else "") + buf.getvalue()).encode("utf-8"))
    return path


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("meta")
    bcg = read_rows(shared("meta", "dat.bcg.csv"))
    normand = read_rows(shared("meta", "dat.normand1999.csv"))
    kacker = read_rows(shared("meta", "kacker2004.csv"))
    return {
        # BOM, CRLF and extra columns, as spreadsheets write them
        "dat.bcg": _write(
            tmp / "bcg.csv",
            ["study", "year", "ai", "n1i", "ci", "n2i", "ablat", "alloc"],
            [
                [
                    r["author"],
                    r["year"],
                    r["tpos"],
                    int(r["tpos"]) + int(r["tneg"]),
                    r["cpos"],
                    int(r["cpos"]) + int(r["cneg"]),
                    r["ablat"],
                    r["alloc"],
                ]
                for r in bcg
            ],
            bom=True,
            crlf=True,
        ),
        "dat.normand1999": _write(
            tmp / "normand.csv",
            ["study", "m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"],
            [[r["source"], r["m1i"], r["sd1i"], r["n1i"], r["m2i"], r["sd2i"], r["n2i"]] for r in normand],
        ),
        "kacker2004": Path(shared("meta", "kacker2004.csv")),
        "kacker_sei": _write(
            tmp / "kacker_sei.csv",
            ["study", "yi", "sei"],
            [[r["study"], r["yi"], float(r["vi"]) ** 0.5] for r in kacker],
        ),
    }


def _args(row: dict[str, str]) -> list[str]:
    method = row["method"]
    args = ["--measure", row["measure"]]
    if method == "MH":
        args += ["--mh"]
    elif method == "PETO":
        args += ["--peto"]
    elif method == "EE":
        args += ["--model", "fixed"]
    else:
        args += ["--model", "random", "--tau2", method]
    if row["test"] == "knha":
        args.append("--hksj")
    return args


def _run(path: Path, *args: str) -> dict:
    out = io.StringIO()
    call_command("meta_analysis", str(path), *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def _row_id(row: dict[str, str]) -> str:
    return "-".join([row["dataset"], row["measure"], row["method"], row["test"]])


@pytest.mark.parametrize("row", REFERENCE, ids=_row_id)
def test_json_agrees_with_the_metafor_reference_row(inputs, row):
    if (row["dataset"], row["method"]) == ("kacker2004", "PM"):
        pytest.skip("reference row made with uniroot tol 1e-8; see test_stats_reference.ROW_CONTROL")
    out = _run(inputs[row["dataset"]], *_args(row))
    stat = "tval" if row["test"] == "knha" else "zval"
    ours = {col: out[key] for col, key in JSON_OF.items()} | {"zval": out[stat]}
    ref = {col: number(row[col]) for col in [*JSON_OF, "zval"]}
    bad = mismatches(ours, ref)
    assert not bad, "\n".join(bad)
    if row["measure"] in ("RR", "OR"):
        assert out["estimate_exp"] == pytest.approx(2.718281828459045 ** out["estimate"], rel=1e-12)
        assert {"ci_lb_exp", "ci_ub_exp", "pi_lb_exp", "pi_ub_exp"} <= set(out)


def test_kacker_paule_mandel_is_metafor_default(inputs):
    out = _run(inputs["kacker2004"], "--measure", "GEN", "--tau2", "PM")
    assert out["tau2"] == pytest.approx(0.70541914797894723, rel=1e-12)


def test_json_has_every_key_of_the_contract(inputs):
    out = _run(inputs["dat.bcg"], "--measure", "RR", "--tau2", "REML", "--subgroup", "alloc")
    block = {
        "k",
        "estimate",
        "se",
        "zval",
        "pval",
        "ci_lb",
        "ci_ub",
        "tau2",
        "tau2_ci_lb",
        "tau2_ci_ub",
        "I2",
        "H2",
        "Q",
        "Q_df",
        "Q_p",
        "pi_lb",
        "pi_ub",
        "studies",
        "estimate_exp",
        "ci_lb_exp",
        "ci_ub_exp",
        "pi_lb_exp",
        "pi_ub_exp",
    }
    assert block | {"subgroups", "Q_between", "Q_between_df", "Q_between_p"} <= set(out)
    assert set(out["subgroups"]) == {"random", "alternate", "systematic"}
    for sub in out["subgroups"].values():
        assert block <= set(sub)
    assert [s["study"] for s in out["studies"]][:2] == ["Aronson", "Ferguson & Simes"]
    assert set(out["studies"][0]) == {"study", "yi", "vi", "weight"}
    assert sum(s["weight"] for s in out["studies"]) == pytest.approx(100)


def test_subgroups_agree_with_metafor(inputs):
    ref = {
        r["key"]: number(r["value"])
        for r in read_rows(FIXTURES / "metafor_extra_details.csv")
        if r["case"] == "subgroups|dat.bcg|RR|REML|z|alloc"
    }
    out = _run(inputs["dat.bcg"], "--measure", "RR", "--tau2", "REML", "--subgroup", "alloc")
    ours = {
        "Q_between": out["Q_between"],
        "Q_between_df": out["Q_between_df"],
        "Q_between_p": out["Q_between_p"],
    }
    for name, block in out["subgroups"].items():
        for col, key in JSON_OF.items():
            ours[f"{name}.{col}"] = block[key]
        ours[f"{name}.zval"] = block["zval"]
    bad = mismatches(ours, ref)
    assert not bad, "\n".join(bad)


def test_sei_column_gives_the_same_result_as_vi(inputs):
    with_vi = _run(inputs["kacker2004"], "--measure", "GEN", "--tau2", "REML")
    with_sei = _run(inputs["kacker_sei"], "--measure", "GEN", "--tau2", "REML")
    assert with_sei["estimate"] == pytest.approx(with_vi["estimate"], rel=1e-12)
    assert with_sei["tau2"] == pytest.approx(with_vi["tau2"], rel=1e-9)


def test_estimate_with_a_95_percent_ci_is_read_as_generic_input(tmp_path):
    path = _write(
        tmp_path / "ci.csv",
        ["study", "estimate", "ci_lb", "ci_ub"],
        [["A", 0.5, 0.1, 0.9], ["B", 0.2, -0.3, 0.7], ["C", 0.9, 0.3, 1.5]],
    )
    out = _run(path, "--measure", "GEN", "--model", "fixed")
    se = [0.4 / 1.959963984540054, 0.5 / 1.959963984540054, 0.6 / 1.959963984540054]
    w = [1 / s**2 for s in se]
    assert out["estimate"] == pytest.approx(
        sum(wi * y for wi, y in zip(w, [0.5, 0.2, 0.9])) / sum(w), rel=1e-12
    )
    assert out["studies"][0]["vi"] == pytest.approx(se[0] ** 2, rel=1e-12)


def test_runs_as_a_subprocess_without_any_database(inputs):
    env = {**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/no_such_db"}
    proc = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "meta_analysis",
            str(inputs["dat.normand1999"]),
            "--measure",
            "SMD",
            "--tau2",
            "PM",
            "--json",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    ref = next(
        r for r in REFERENCE if (r["dataset"], r["measure"], r["method"]) == ("dat.normand1999", "SMD", "PM")
    )
    assert out["tau2"] == pytest.approx(float(ref["tau2"]), rel=1e-6)
    assert out["estimate"] == pytest.approx(float(ref["estimate"]), rel=1e-6)


def test_summary_without_json_is_readable(inputs):
    out = io.StringIO()
    call_command("meta_analysis", str(inputs["dat.bcg"]), "--measure", "RR", "--tau2", "DL", stdout=out)
    text = out.getvalue()
    assert "Random-effects model (k = 13; method: DL" in text
    assert "-0.7141" in text and "Aronson" in text


BAD = [
    ("missing_column", ["study", "ai", "n1i", "ci"], [["A", 1, 10, 2]], "RR", [], "missing column(s) n2i"),
    (
        "non_numeric",
        ["study", "ai", "n1i", "ci", "n2i"],
        [["A", 1, 10, 2, 10], ["B", "x", 10, 2, 10]],
        "RR",
        [],
        "row 2, column 'ai'",
    ),
    (
        "events_over_total",
        ["study", "ai", "n1i", "ci", "n2i"],
        [["A", 1, 10, 2, 10], ["B", 3, 10, 12, 10]],
        "OR",
        [],
        "row 2, column 'ci'",
    ),
    (
        "zero_n",
        ["study", "ai", "n1i", "ci", "n2i"],
        [["A", 1, 0, 2, 10], ["B", 3, 10, 1, 10]],
        "RD",
        [],
        "row 1, column 'n1i'",
    ),
    (
        "negative_sd",
        ["study", "m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"],
        [["A", 1, 1, 10, 2, 1, 10], ["B", 1, 1, 10, 2, 1, 10], ["C", 1, 1, 10, 2, -1, 10]],
        "MD",
        [],
        "row 3, column 'sd2i'",
    ),
    (
        "zero_sd",
        ["study", "m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"],
        [["A", 1, 0, 10, 2, 1, 10], ["B", 1, 1, 10, 2, 1, 10]],
        "SMD",
        [],
        "row 1, column 'sd1i'",
    ),
    ("empty_cell", ["study", "yi", "vi"], [["A", 0.1, 0.1], ["B", "", 0.2]], "GEN", [], "row 2, column 'yi'"),
    ("zero_vi", ["study", "yi", "vi"], [["A", 0.1, 0.1], ["B", 0.3, 0]], "GEN", [], "row 2, column 'vi'"),
    ("one_study_random", ["study", "yi", "vi"], [["A", 0.1, 0.1]], "GEN", [], "at least 2 studies"),
    (
        "unknown_subgroup",
        ["study", "yi", "vi"],
        [["A", 0.1, 0.1], ["B", 0.2, 0.1]],
        "GEN",
        ["--subgroup", "dose"],
        "subgroup column 'dose'",
    ),
    (
        "empty_subgroup",
        ["study", "yi", "vi", "dose"],
        [["A", 0.1, 0.1, "low"], ["B", 0.2, 0.1, ""]],
        "GEN",
        ["--subgroup", "dose"],
        "row 2, column 'dose'",
    ),
]


@pytest.mark.parametrize(
    ("name", "header", "rows", "measure", "extra", "message"), BAD, ids=[b[0] for b in BAD]
)
def test_bad_csv_is_refused_naming_row_and_column(tmp_path, name, header, rows, measure, extra, message):
    path = _write(tmp_path / f"{name}.csv", header, rows)
    with pytest.raises(CommandError) as exc:
        call_command("meta_analysis", str(path), "--measure", measure, *extra, "--json", stdout=io.StringIO())
    assert message in str(exc.value)


def test_bad_csv_exits_non_zero_from_the_shell(tmp_path):
    path = _write(
        tmp_path / "bad.csv", ["study", "ai", "n1i", "ci", "n2i"], [["A", 11, 10, 2, 10], ["B", 1, 10, 2, 10]]
    )
    proc = subprocess.run(
        [sys.executable, "manage.py", "meta_analysis", str(path), "--measure", "RR", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    assert "row 1, column 'ai'" in proc.stderr and proc.stdout == ""


def test_mantel_haenszel_cannot_be_random(inputs):
    with pytest.raises(CommandError, match="fixed-effect method"):
        call_command("meta_analysis", str(inputs["dat.bcg"]), "--measure", "OR", "--mh", "--model", "random")


def test_non_event_columns_and_capitalised_headers_are_accepted(tmp_path):
    bcg = read_rows(shared("meta", "dat.bcg.csv"))
    path = _write(
        tmp_path / "abcd.csv",
        ["Study", "AI", "BI", "CI", "DI"],
        [[r["author"], r["tpos"], r["tneg"], r["cpos"], r["cneg"]] for r in bcg],
    )
    ref = next(r for r in REFERENCE if (r["dataset"], r["measure"], r["method"]) == ("dat.bcg", "OR", "REML"))
    out = _run(path, "--measure", "OR", "--tau2", "REML")
    assert out["estimate"] == pytest.approx(float(ref["estimate"]), rel=1e-9)
    assert out["tau2_ci_ub"] == pytest.approx(float(ref["tau2_ci_ub"]), rel=1e-9)
    assert out["studies"][0]["study"] == "Aronson"


def test_precomputed_log_risk_ratios_give_the_reference_result_with_exp_copies():
    ref = next(
        r
        for r in REFERENCE
        if (r["dataset"], r["measure"], r["method"], r["test"]) == ("dat.bcg", "RR", "DL", "z")
    )
    out = _run(Path(shared("meta", "dat.bcg_escalc_RR.csv")), "--measure", "RR", "--tau2", "DL")
    assert out["estimate"] == pytest.approx(float(ref["estimate"]), rel=1e-9)
    assert out["tau2_ci_lb"] == pytest.approx(float(ref["tau2_ci_lb"]), rel=1e-9)
    assert out["estimate_exp"] == pytest.approx(2.718281828459045 ** float(ref["estimate"]), rel=1e-9)


def test_mantel_haenszel_needs_the_tables_not_precomputed_effects():
    with pytest.raises(CommandError, match="needs the 2x2 tables"):
        _run(Path(shared("meta", "dat.bcg_escalc_RR.csv")), "--measure", "RR", "--mh")


def test_a_tau2_limit_that_is_only_the_search_bound_is_flagged(inputs):
    # metafor: confint(rma(..., method="DL")) on dat.normand1999 MD prints the upper limit as '>2054.0938'
    out = _run(inputs["dat.normand1999"], "--measure", "MD", "--tau2", "DL")
    assert out["tau2_ci_ub"] == pytest.approx(2054.09375467911, rel=1e-9)
    assert out["tau2_ci_ub_at_bound"] is True and out["tau2_ci_lb_at_bound"] is False
    out = _run(inputs["dat.normand1999"], "--measure", "MD", "--tau2", "REML")
    assert out["tau2_ci_ub_at_bound"] is False


def test_the_engine_and_plots_import_no_django():
    code = (
        "import sys, synthesis.stats, synthesis.plots, synthesis.stats.csvio; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework')); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
