"""Output guarantees (issue 8): the same input gives byte-identical JSON whatever ``--jobs``, and
no command writes a byte into a dataset (every data-side command on every shared dataset)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from casekit import build_dataset, tree_hash

from preflight.cli import run


def _canonical(stdout: str) -> bytes:
    doc = json.loads(stdout)
    doc["summary"].pop("seconds", None)  # wall time and scan timings are the only varying fields
    doc["summary"].pop("scan", None)
    return json.dumps(doc, indent=2, ensure_ascii=False).encode()


def _defective_spec(n: int) -> dict:
    spec: dict = {"data": {"names": ["a", "b", "c"]}, "files": {}}
    for i in range(n):
        spec["files"][f"images/train/{i:03d}.jpg"] = {"image": [40, 30], "seed": i % 37}  # exact duplicates
        lines = [f"{i % 5} 0.5 0.5 0.2 0.2", f"{i % 3} {0.9 + (i % 4) * 0.1:.2f} 0.5 0.3 0.3"]  # ids past names, boxes past edges
        if i % 11 == 0:
            lines.append("x 0.5 0.5 0.1 0.1")
        spec["files"][f"labels/train/{i:03d}.txt"] = "\n".join(lines) + "\n"
    for i in range(20):
        spec["files"][f"images/val/v{i:02d}.jpg"] = {"image": [40, 30], "seed": i}  # leakage with train
        spec["files"][f"labels/val/v{i:02d}.txt"] = "1 0.5 0.5 0.4 0.4\n"
    spec["files"]["images/train/cut.jpg"] = {"image": [40, 30], "seed": 99, "truncate": 0.5}
    spec["files"]["labels/train/orphan.txt"] = "0 0.5 0.5 0.2 0.2\n"
    return spec


@pytest.mark.parametrize("deep", [False, True], ids=["default", "deep"])
def test_json_is_byte_identical_whatever_jobs(tmp_path, deep):
    data = build_dataset(tmp_path / "ds", _defective_spec(260))  # over the parallel threshold
    outs = []
    for jobs in (1, 2, 3):
        args = [sys.executable, "-m", "preflight", "data", str(data), "--format", "json", "--no-cache", "--jobs", str(jobs)]
        p = subprocess.run(args + (["--deep"] if deep else []), capture_output=True, text=True, timeout=300)
        assert p.returncode == 1, p.stderr
        outs.append(_canonical(p.stdout))
    assert len(json.loads(outs[0])["findings"]) >= 5
    assert outs[0] == outs[1] == outs[2]


@pytest.mark.shared_data
def test_every_command_leaves_every_shared_dataset_untouched(shared_data, tmp_path, capsys):
    yamls = sorted(shared_data.glob("*/data.yaml")) + sorted(shared_data.glob("*/*/data.yaml"))
    assert len(yamls) >= 8, yamls
    before = tree_hash(shared_data)
    for data in yamls:
        name = "-".join(data.parent.relative_to(shared_data).parts)
        for args in (["data", data, "--format", "json"],
                     ["data", data, "--format", "sarif", "--html", tmp_path / f"{name}.html"],
                     ["data", data, "--deep", "--format", "json", "--no-cache"],
                     ["data", data, "--format", "json", *sorted(data.parent.rglob("*.txt"))[:3]]):
            rc = run([str(a) for a in args])
            out, err = capsys.readouterr()
            assert rc in (0, 1), f"{args}: {err}"
            json.loads(out)
    logs = tmp_path / "logs"
    shutil.copytree(shared_data / "training_logs", logs)
    logs_before = tree_hash(logs)
    rc = run(["curves", *map(str, sorted(logs.glob("S*.csv"))[:12]), "--format", "json"])
    capsys.readouterr()
    assert rc in (0, 1)
    assert tree_hash(logs) == logs_before
    assert tree_hash(shared_data) == before

