"""Bad files are findings, never crashes; preflight never writes into the dataset; the cache tells the truth."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from casekit import build_dataset, tree_hash

from preflight.engine import audit_data

CLEAN = {
    "data": {"names": ["a", "b"]},
    "files": {
        "images/train/a.jpg": {"image": [64, 48]},
        "labels/train/a.txt": "0 0.5 0.5 0.2 0.2\n",
        "images/train/b.jpg": {"image": [64, 48], "seed": 2},
        "labels/train/b.txt": "1 0.4 0.4 0.2 0.2\n",
        "images/val/c.jpg": {"image": [64, 48], "seed": 3},
        "labels/val/c.txt": "0 0.5 0.5 0.3 0.3\n",
    },
}


def codes(result):
    return {f.code for f in result.findings}


def test_hostile_files_become_findings(tmp_path):
    spec = {
        "data": {"names": ["a"]},
        "files": {
            "images/train/zero.jpg": "",
            "images/train/garbage.png": {"hex": "00ff00ff" * 64},
            "images/train/ok.jpg": {"image": [64, 48]},
            "labels/train/ok.txt": {"hex": "ff" * 32 + "0a"},
            "images/train/nan.jpg": {"image": [64, 48], "seed": 5},
            "labels/train/nan.txt": "0 inf nan 1e308 -0\n0 0.5 0.5 0.2 0.2 \x00\n",
        },
    }
    data = build_dataset(tmp_path / "ds", spec)
    root = data.parent
    os.symlink(root / "images/train/loop1.jpg", root / "images/train/loop2.jpg")
    os.symlink(root / "images/train/loop2.jpg", root / "images/train/loop1.jpg")
    os.mkfifo(root / "images/train/fifo.jpg")
    os.symlink("/dev/zero", root / "images/train/devzero.jpg")
    (root / "labels/train/fifo.txt").symlink_to(root / "images/train/fifo.jpg")
    result, _ = audit_data(data, jobs=1, use_cache=False)
    found = codes(result)
    assert {"I101", "I102", "D101"} <= found, found
    msgs = " ".join(f.message + " ".join(e["message"] for e in f.examples) for f in result.findings)
    assert "symlink loop" in msgs and "FIFO" in msgs


def test_huge_label_file_is_refused_not_read(tmp_path):
    data = build_dataset(tmp_path / "ds", {"data": {"names": ["a"]}, "files": {"images/train/a.jpg": {"image": [64, 48]}}})
    big = data.parent / "labels/train/a.txt"
    big.parent.mkdir(parents=True, exist_ok=True)
    with open(big, "wb") as fh:
        fh.truncate(100 * 1024 * 1024)  # sparse: 100 MB on paper, nothing on disk
    result, _ = audit_data(data, jobs=1, use_cache=False)
    d101 = [f for f in result.findings if f.code == "D101"]
    assert d101 and "MB limit" in d101[0].message, [f.message for f in result.findings]


def test_no_command_writes_into_the_dataset(tmp_path):
    data = build_dataset(tmp_path / "ds", CLEAN)
    before = tree_hash(data.parent)
    for args in (["data", data], ["data", data, "--deep"], ["data", data, "--format", "sarif"],
                 ["data", data, data.parent / "labels/train/a.txt"], ["check", data, "--html", tmp_path / "r.html"]):
        p = subprocess.run([sys.executable, "-m", "preflight", *map(str, args)], capture_output=True, text=True, cwd=tmp_path)
        assert p.returncode in (0, 1), p.stderr
    assert tree_hash(data.parent) == before


@pytest.mark.shared_data
def test_shared_datasets_are_untouched(shared_data):
    before = tree_hash(shared_data)
    for rel in ("coco8", "coco128", "rsod", "coco_tiny", "ships_roboflow"):
        audit_data(shared_data / rel / "data.yaml", jobs=2)
    assert tree_hash(shared_data) == before


def test_cache_sees_same_size_edits_and_touches(tmp_path):
    data = build_dataset(tmp_path / "ds", CLEAN)
    label = data.parent / "labels/train/a.txt"
    first, _ = audit_data(data, jobs=1)
    assert "D103" not in codes(first)
    st = label.stat()
    label.write_text("9 0.5 0.5 0.2 0.2\n")  # same size, new content
    os.utime(label, ns=(st.st_atime_ns, st.st_mtime_ns))  # even with the old mtime
    second, _ = audit_data(data, jobs=1)
    assert "D103" in codes(second)
    assert second.stats["scan"]["read"] >= 1
    third, _ = audit_data(data, jobs=1)
    assert third.stats["scan"]["read"] == 0 and "D103" in codes(third)


def _json(result):
    out = result.to_json()
    out["summary"].pop("seconds")
    out["summary"].pop("scan", None)
    return json.dumps(out, sort_keys=True)


def test_cached_equals_uncached_and_jobs_do_not_change_output(tmp_path):
    spec = {"data": {"names": ["a"]}, "files": {}}
    for i in range(240):  # enough files for the parallel path
        spec["files"][f"images/train/{i:03d}.jpg"] = {"image": [32, 24], "seed": i % 7}
        spec["files"][f"labels/train/{i:03d}.txt"] = f"{i % 3} 0.5 0.5 0.2 0.2\n"
    data = build_dataset(tmp_path / "ds", spec)
    nocache, _ = audit_data(data, jobs=1, use_cache=False)
    cold, _ = audit_data(data, jobs=2)
    warm, _ = audit_data(data, jobs=2)
    assert warm.stats["scan"]["read"] == 0
    assert _json(nocache) == _json(cold) == _json(warm)


def test_corrupt_cache_file_is_rebuilt(tmp_path, monkeypatch):
    cache_dir = tmp_path / "cache"
    monkeypatch.setenv("PREFLIGHT_CACHE_DIR", str(cache_dir))
    data = build_dataset(tmp_path / "ds", CLEAN)
    audit_data(data, jobs=1)
    for f in cache_dir.glob("*.sqlite"):
        f.write_bytes(b"this is not a database" * 10)
    again, _ = audit_data(data, jobs=1)
    assert codes(again) == codes(audit_data(data, jobs=1, use_cache=False)[0])
    assert again.stats["scan"]["read"] == 6  # everything read again ...
    third, _ = audit_data(data, jobs=1)
    assert third.stats["scan"]["read"] == 0  # ... and the rebuilt cache serves the next run


def test_read_only_cache_dir_still_audits(tmp_path, monkeypatch):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    monkeypatch.setenv("PREFLIGHT_CACHE_DIR", str(ro / "sub"))
    data = build_dataset(tmp_path / "ds", CLEAN)
    result, _ = audit_data(data, jobs=1)
    assert result.stats["images"] == 3
    if os.geteuid() != 0:  # root writes anyway
        assert any("cache" in n for n in result.notes)


def test_precommit_mode_audits_only_the_given_files(tmp_path):
    spec = {
        "data": {"names": ["a"]},
        "files": {
            "images/train/a.jpg": {"image": [64, 48]},
            "labels/train/a.txt": "5 0.5 0.5 0.2 0.2\n",
            "images/train/b.jpg": {"image": [64, 48], "seed": 2},
            "labels/train/b.txt": "0 0.5 0.5 0.2 0.2\n",
        },
    }
    data = build_dataset(tmp_path / "ds", spec)
    only_b, _ = audit_data(data, files=[str(data.parent / "labels/train/b.txt")], jobs=1)
    assert "D103" not in codes(only_b) and only_b.stats["images"] == 1
    only_a, _ = audit_data(data, files=[str(data.parent / "labels/train/a.txt")], jobs=1)
    assert "D103" in codes(only_a)


def test_interrupted_nothing_left_half_written(tmp_path):
    """A scan killed mid-way leaves the cache consistent: the next run gives the uncached result."""
    data = build_dataset(tmp_path / "ds", CLEAN)
    code = (
        "import os, signal, sys\n"
        "from preflight import scan\n"
        "orig = scan._read_chunk\n"
        "def dying(kind, paths, deep):\n"
        "    out = orig(kind, paths, deep)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "scan._read_chunk = dying\n"
        "from preflight.engine import audit_data\n"
        f"audit_data({str(data)!r}, jobs=1)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode != 0
    after, _ = audit_data(data, jobs=1)
    assert _json(after) == _json(audit_data(data, jobs=1, use_cache=False)[0])


def test_an_edited_reader_never_reuses_old_facts(tmp_path, monkeypatch):
    from preflight import scan

    data = build_dataset(tmp_path / "ds", CLEAN)
    audit_data(data, jobs=1)
    assert audit_data(data, jobs=1)[0].stats["scan"]["read"] == 0
    monkeypatch.setattr(scan, "_versions", {k: "edited" for k in ("image", "yolo")})
    again, _ = audit_data(data, jobs=1)
    assert again.stats["scan"]["read"] == 6  # a new reader version reads everything again
