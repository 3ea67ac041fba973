"""A scan killed half-way keeps its work: the next run reads only what the first did not commit."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from preflight.engine import audit_data

N = 1000  # images; with their labels, 2,000 files


def _dataset(root: Path) -> Path:
    rng = np.random.default_rng(1)
    for split in ("train", "val"):
        (root / "images" / split).mkdir(parents=True)
        (root / "labels" / split).mkdir(parents=True)
    for i in range(N):
        split = "val" if i % 10 == 0 else "train"
        cv2.imwrite(str(root / "images" / split / f"{i:04d}.png"), rng.integers(0, 255, (12, 12, 3), dtype=np.uint8))
        cls = 5 if i % 111 == 0 else i % 2  # a few class ids out of range: findings to compare
        (root / "labels" / split / f"{i:04d}.txt").write_text(f"{cls} 0.5 0.5 0.25 0.25\n")
    (root / "data.yaml").write_text("path: .\ntrain: images/train\nval: images/val\nnames: [a, b]\n")
    return root / "data.yaml"


def _rows(cache_dir: Path) -> int:
    total = 0
    for db in cache_dir.glob("*.sqlite"):
        try:
            with sqlite3.connect(db, timeout=5) as conn:
                total += conn.execute("SELECT count(*) FROM facts").fetchone()[0]
        except sqlite3.Error:
            pass
    return total


def test_killed_scan_resumes_from_the_cache(tmp_path, monkeypatch):
    data = _dataset(tmp_path / "ds")
    cache_dir = tmp_path / "cache"
    monkeypatch.setenv("PREFLIGHT_CACHE_DIR", str(cache_dir))
    # the scan as `preflight data` runs it, slowed down (50 ms a chunk of 64 files) and committing
    # every 256 files, so that the kill lands between commits
    code = (
        "import sys, time\n"
        "import preflight.scan as scan\n"
        "scan.COMMIT_EVERY = 256\n"
        "read = scan._read_chunk\n"
        "def slow(*a):\n"
        "    time.sleep(0.05)\n"
        "    return read(*a)\n"
        "scan._read_chunk = slow\n"
        "from preflight.cli import run\n"
        f"sys.exit(run(['data', {str(data)!r}, '--jobs', '1', '--format', 'json']))\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.monotonic()
    while _rows(cache_dir) < 768 and proc.poll() is None and time.monotonic() - t0 < 60:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL, "the scan finished before it could be killed"
    kept = _rows(cache_dir)
    assert 768 <= kept < 2 * N, kept

    resumed, _ = audit_data(data, jobs=1)
    scan = resumed.stats["scan"]
    assert scan["files"] == 2 * N
    assert scan["cached"] == kept and scan["read"] == 2 * N - kept
    fresh, _ = audit_data(data, jobs=1, use_cache=False)
    assert [f.to_json() for f in resumed.findings] == [f.to_json() for f in fresh.findings]
    assert any(f.code == "D103" for f in fresh.findings)
