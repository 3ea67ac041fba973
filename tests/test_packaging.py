"""A wheel built from the repo finds its built-in checks when run from another folder."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_contains_and_finds_the_checks(tmp_path):
    p = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-2000:]
    wheel = next(tmp_path.glob("preflight_cv-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "preflight/checks/d103_class_id_out_of_range.py" in names
    assert not any(n.startswith("checks/") for n in names)
    target = tmp_path / "site"
    p = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-2000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = ("import preflight, sys; from preflight.registry import all_checks; "
            "assert preflight.__file__.startswith(sys.argv[1]), preflight.__file__; "
            "codes = {c.code for c in all_checks()}; assert {'D103', 'I108'} <= codes, codes; print(len(codes))")
    env = dict(os.environ, PYTHONPATH=str(target))
    p = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True, text=True, cwd=elsewhere, env=env)
    assert p.returncode == 0, p.stderr[-2000:]
    assert int(p.stdout.strip()) >= 40


def test_every_package_is_listed_in_pyproject():
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "preflight").rglob("__init__.py")}
    missing = on_disk - listed
    assert not missing, f"add to pyproject's packages: {sorted(missing)}"
    assert "preflight.checks" in listed
