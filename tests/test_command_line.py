"""The command line as people and CI use it: exit codes, one-line errors, JSON/SARIF shapes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from casekit import build_dataset

from preflight.cli import run

MINI = Path(__file__).parent / "fixtures" / "mini" / "data.yaml"


def cli(*args, cwd=None):
    p = subprocess.run([sys.executable, "-m", "preflight", *map(str, args)], capture_output=True, text=True, cwd=cwd)
    assert "Traceback" not in p.stdout + p.stderr, p.stdout + p.stderr
    return p


def test_clean_dataset_exits_0_and_json_has_the_contract_shape():
    p = cli("data", MINI, "--format", "json")
    assert p.returncode == 0, p.stderr
    js = json.loads(p.stdout)
    assert set(js) >= {"tool", "version", "inputs", "findings", "predictions", "summary"}
    assert js["tool"] == "preflight" and js["inputs"]["data"] == str(MINI)
    assert set(js["summary"]) >= {"images", "labels", "errors", "warnings", "infos", "seconds"}
    assert js["summary"]["images"] == 3 and js["summary"]["labels"] == 6


def _broken(tmp_path):
    return build_dataset(tmp_path / "ds", {
        "data": {"names": ["a"]},
        "files": {
            "images/train/a.jpg": {"image": [64, 48]},
            "labels/train/a.txt": "0 0.5 0.5 0.2 0.2\n7 0.5 0.5 0.1 0.1\n",
            "images/train/b.jpg": {"image": [64, 48], "seed": 2},
        },
    })


def test_findings_json_fields_and_fail_on(tmp_path):
    data = _broken(tmp_path)
    p = cli("data", data, "--format", "json")
    assert p.returncode == 1
    js = json.loads(p.stdout)
    d103 = next(f for f in js["findings"] if f["code"] == "D103")
    assert d103 == {**d103, "severity": "error", "path": "labels/train/a.txt", "line": 2, "class": 7, "count": 1,
                    "pathology": "training_failure"}
    assert d103["remedy"] and "class id 7" in d103["message"]
    assert cli("data", data, "--fail-on", "never").returncode == 0
    assert cli("data", data, "--ignore", "D103", "--fail-on", "error").returncode == 0  # D112 is a warning
    assert cli("data", data, "--ignore", "D103", "--fail-on", "warning").returncode == 1
    assert cli("data", data, "--select", "D1", "--ignore", "D103,D112", "--format", "json").returncode == 0


def test_sarif_has_rules_and_one_result_per_location(tmp_path):
    p = cli("data", _broken(tmp_path), "--format", "sarif")
    sj = json.loads(p.stdout)
    assert sj["version"] == "2.1.0"
    run_ = sj["runs"][0]
    rules = {r["id"]: r for r in run_["tool"]["driver"]["rules"]}
    assert "D103" in rules and "Why it matters" in rules["D103"]["help"]["text"]
    res = [r for r in run_["results"] if r["ruleId"] == "D103"]
    loc = res[0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "labels/train/a.txt" and loc["region"]["startLine"] == 2
    assert res[0]["level"] == "error"


@pytest.mark.parametrize("args,needle", [
    (["data", "does/not/exist.yaml"], "data.yaml not found"),
    (["data", "MINI", "--format", "xml"], "--format"),
    (["data", "MINI", "--bogus"], "--bogus"),
    (["explain", "Z999"], "unknown check code"),
])
def test_usage_errors_are_one_line_exit_2(args, needle):
    args = [str(MINI) if a == "MINI" else a for a in args]
    p = cli(*args)
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], p.stderr


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    bad = tmp_path / "data.yaml"
    bad.write_text("path: .\ntrain: [images/train\nnames: [a]\n")
    p = cli("data", bad)
    assert p.returncode == 2 and f"{bad}:" in p.stderr and "invalid YAML" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("text,needle", [
    ("!!python/object/apply:os.system ['echo hacked']\n", "invalid YAML"),
    ("names: 'a b'\ntrain: x\n", "names must be a list"),
    ("nc: [1]\nnames: [a]\ntrain: x\n", "nc must be a whole number"),
    ("path: 3\nnames: [a]\ntrain: x\n", "path must be a folder path"),
    ("- a\n- b\n", "must be a mapping"),
    ("", "is empty"),
    ("names: [a]\n", "no train or val split"),
])
def test_wrong_types_in_data_yaml(tmp_path, text, needle):
    f = tmp_path / "data.yaml"
    f.write_text(text)
    p = cli("data", f)
    assert p.returncode == 2 and needle in p.stderr, p.stderr
    assert "hacked" not in p.stdout


def test_explain_and_checks():
    p = cli("explain", "d103")
    assert p.returncode == 0
    for part in ("D103", "What it checks", "Why it matters", "Example", "How to fix", "Remedy:"):
        assert part in p.stdout
    p = cli("checks")
    assert p.returncode == 0 and "D103" in p.stdout and "I108" in p.stdout


def test_help_lists_commands():
    p = cli("--help")
    for cmd in ("check", "data", "model", "explain", "checks"):
        assert cmd in p.stdout
    assert cli("data", "--help").returncode == 0


def test_in_process_runner_returns_exit_codes(capsys):
    assert run(["data", str(MINI), "--format", "json"]) == 0
    assert run(["data", "nope.yaml"]) == 2
    assert "nope.yaml" in capsys.readouterr().err


def test_check_without_torch_notes_the_skip(monkeypatch, tmp_path):
    from preflight import pipeline

    monkeypatch.setattr(pipeline, "torch_available", lambda: False)
    model = tmp_path / "model.yaml"
    model.write_text("task: classify\nmodel: {factory: torchvision.models:resnet18}\n")
    result, html = pipeline.run_check(MINI, model, device="cpu")
    assert any("model checks skipped: torch is not installed" in n for n in result.notes)
    assert html.name == "mini.html"
    with pytest.raises(pipeline.ConfigError, match="model checks need torch"):
        pipeline.run_model(model, None)
