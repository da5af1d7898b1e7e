"""manage.py simulate_screening on a small synthetic CSV: JSON report, curve files, clear errors."""

import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


@pytest.fixture
def labelled_csv(tmp_path):
    rng = np.random.default_rng(0)
    lines = ["title,abstract,included"]
    for i in range(200):
        rel = i % 10 == 0
        words = ["stromal", "diabetes", "insulin"] if rel else ["statin", "cardiac", "renal", "asthma"]
        lines.append(f"Record {i},{' '.join(rng.choice(words + ['study', 'patients'], 10))},{int(rel)}")
    path = tmp_path / "synthetic.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_json_report_with_metrics_stopping_and_curve(labelled_csv, tmp_path):
    out = StringIO()
    png, svg = tmp_path / "c.png", tmp_path / "c.svg"
    call_command(
        "simulate_screening", str(labelled_csv), "--seed", "3", "--json", "--curve-png", str(png),
        "--curve-svg", str(svg), stdout=out,
    )  # fmt: skip
    report = json.loads(out.getvalue())
    assert report["dataset"] == "synthetic" and report["n_records"] == 200 and report["n_relevant"] == 20
    assert report["seed"] == 3
    # a separable set: random order would give WSS ~ 0 and ATD ~ 50 %
    assert report["wss100"] > 85 and report["atd"] < 10
    assert report["recall_curve"]["recall"][-1] == 1.0
    assert "hypergeometric" in report["stopping"]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in svg.read_bytes()[:500]


def test_text_report(labelled_csv):
    out = StringIO()
    call_command("simulate_screening", str(labelled_csv), stdout=out)
    assert "WSS@95" in out.getvalue() and "Hypergeometric test" in out.getvalue()


def test_missing_label_column_is_a_clear_error(tmp_path):
    path = tmp_path / "nolabel.csv"
    path.write_text("title,abstract\nA,B\n")
    with pytest.raises(
        CommandError, match="nolabel.csv: no label column; expected 'label_included' or 'included'"
    ):
        call_command("simulate_screening", str(path))


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("simulate_screening", str(tmp_path / "absent.csv"))
