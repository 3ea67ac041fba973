"""``preflight curves`` end to end through click, without torch."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from preflight.curves.cli import curves
from preflight.findings import PATHOLOGIES

GOOD = "epoch,loss,val_loss\n" + "".join(
    f"{i},{1 / (i + 1) + 0.1:.4f},{1 / (i + 1) + 0.2:.4f}\n" for i in range(30))


def run_cli(*args):
    return CliRunner().invoke(curves, list(args))


def test_json_shape(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text(GOOD)
    res = run_cli(str(p), "--format", "json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert list(out) == ["runs"] and len(out["runs"]) == 1
    run = out["runs"][0]
    assert set(run) == {"path", "pathology", "confidence", "evidence", "remedy"}
    assert run["pathology"] in PATHOLOGIES and 0 <= run["confidence"] <= 1
    assert all(isinstance(e, str) for e in run["evidence"]) and run["remedy"]


def test_text_output_and_plot(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text(GOOD)
    res = run_cli(str(p), "--plot", str(tmp_path / "plots"))
    assert res.exit_code == 0, res.output
    assert "confidence" in res.output and "remedy" in res.output
    svg = (tmp_path / "plots" / "a.svg").read_bytes()
    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg


@pytest.mark.parametrize("text,needle", [
    ("", "empty file"),
    ("epoch,acc\n1,0.5\n2,0.6\n", "no loss column"),
    ("epoch,loss\n1,0.5\n", "only 1 epoch"),
    ("epoch,loss,acc\n1,,0.1\n2,,0.2\n3,,0.3\n", "no loss column"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, text, needle):
    p = tmp_path / "bad.csv"
    p.write_text(text)
    res = run_cli(str(p), "--format", "json")
    assert res.exit_code == 2
    assert needle in res.output and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_nan_rows_become_divergence(tmp_path):
    p = tmp_path / "n.csv"
    p.write_text("epoch,loss\n1,1.0\n2,0.8\n3,0.7\n4,nan\n5,nan\n")
    out = json.loads(run_cli(str(p), "--format", "json").output)
    assert out["runs"][0]["pathology"] == "divergence"


def test_all_nan_from_the_start_is_divergence(tmp_path):
    p = tmp_path / "n.csv"
    p.write_text("epoch,loss\n1,nan\n2,nan\n3,nan\n")
    out = json.loads(run_cli(str(p), "--format", "json").output)
    assert out["runs"][0]["pathology"] == "divergence"
    assert "first at epoch 1" in out["runs"][0]["evidence"][0]


def test_at_epoch(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text(GOOD)
    res = run_cli(str(p), "--at-epoch", "2")
    assert res.exit_code == 2
    res = run_cli(str(p), "--at-epoch", "8", "--format", "json")
    assert res.exit_code == 0


def test_import_does_not_load_torch():
    code = ("import sys; from preflight.curves.cli import curves; "
            "import preflight.curves; from preflight.registry import all_checks; all_checks(); "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.shared_data
def test_every_shared_log_classifies(logs_dir):
    files = sorted(str(p) for p in logs_dir.iterdir() if p.suffix in {".csv", ".txt"}
                   and p.stem.startswith("S"))
    res = run_cli(*files, "--format", "json")
    assert res.exit_code == 0, res.output
    assert len(json.loads(res.output)["runs"]) == 40
