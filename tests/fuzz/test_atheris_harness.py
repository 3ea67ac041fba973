"""The atheris harness itself: atheris 3.0.0's comparison hook keeps a reference to every
array comparison's result once ``atheris.Fuzz()`` runs (the mask reader grew to 5.4 GB in 1,500
inputs: reports/fuzz.md); the harness evaluates those comparisons untraced. Needs atheris
(``make fuzz`` installs it); skipped without it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("atheris")

ROOT = Path(__file__).resolve().parents[2]

PROBE = textwrap.dedent("""
    import os, sys, weakref
    sys.path.insert(0, {root!r})
    sys.path.insert(0, {probe_dir!r})
    import numpy as np
    import atheris
    import tests.fuzz.atheris_readers as harness
    with atheris.instrument_imports():
        import cmp_probe

    def one(data):
        harness.one_input(b"\\x00\\x00")  # the harness's own entry point installs its hook
        result = cmp_probe.equal(np.zeros(1000, np.uint8), 0)
        alive = weakref.ref(result)
        del result
        print("freed" if alive() is None else "leaked", flush=True)  # libFuzzer ends with exit()

    atheris.Setup([sys.argv[0], "-runs=3"], one)
    atheris.Fuzz()
""")


def test_array_comparisons_are_not_kept_alive_under_fuzz(tmp_path):
    (tmp_path / "cmp_probe.py").write_text("def equal(a, v):\n    return a == v\n", encoding="utf-8")
    script = PROBE.format(root=str(ROOT), probe_dir=str(tmp_path))
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert "freed" in p.stdout and "leaked" not in p.stdout, p.stdout[-2000:] + p.stderr[-2000:]
