"""Ctrl-C and the scan cache (issue 8): an interrupted run exits 130 saying how far it got and
leaves no half-written entry; concurrent runs, truncated caches, edits, renames, upgrades and
config changes all give the same findings as ``--no-cache``."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from casekit import build_dataset

from preflight.engine import audit_data

PY = [sys.executable, "-m", "preflight"]


def _spec(n: int, fmt: str = "jpg") -> dict:
    spec: dict = {"data": {"names": ["a", "b", "c"]}, "files": {}}
    for i in range(n):
        spec["files"][f"images/train/{i:04d}.{fmt}"] = {"image": [48, 32], "seed": i, "format": fmt}
        spec["files"][f"labels/train/{i:04d}.txt"] = f"{i % 4} 0.5 0.5 0.2 0.2\n"
    return spec


def _canon(doc: dict) -> str:
    doc["summary"].pop("seconds", None)
    doc["summary"].pop("scan", None)
    doc.pop("notes", None)
    return json.dumps(doc, sort_keys=True)


def _cli_json(data: Path, *extra: str, env: dict | None = None) -> str:
    p = subprocess.run([*PY, "data", str(data), "--format", "json", *extra], capture_output=True, text=True,
                       env=env, timeout=300)
    assert p.returncode in (0, 1), p.stderr
    return _canon(json.loads(p.stdout))


def _result_json(result) -> str:
    return _canon(result.to_json())


def test_ctrl_c_stops_cleanly_and_leaves_a_truthful_cache(tmp_path):
    data = build_dataset(tmp_path / "ds", _spec(3000, "png"))
    interrupted = False
    for delay in (1.5, 0.8, 0.5, 0.35):  # send Ctrl-C to the whole process group, as a terminal does
        # a fresh cache each try: a run that finished first would make the next one a warm run,
        # over before the signal or interrupted while still starting up
        env = dict(os.environ, PREFLIGHT_CACHE_DIR=str(tmp_path / f"cache-{delay}"))
        p = subprocess.Popen([*PY, "data", str(data), "--format", "json", "--deep", "--jobs", "2"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                             start_new_session=True)
        time.sleep(delay)
        os.killpg(p.pid, signal.SIGINT)
        out, err = p.communicate(timeout=120)
        if p.returncode == 130 and "files scanned (" in err:
            interrupted = True
            break
        # finished before the signal, or caught after the scan (checks, storing, printing): the
        # message must say so; then try sooner
        assert p.returncode in (0, 1, 130, -signal.SIGINT), err
        assert "Traceback" not in err
    assert interrupted, "every run finished before Ctrl-C reached it"
    assert "Traceback" not in err and out == ""
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("preflight: interrupted: "), err
    assert "of 6000 files scanned" in lines[0]
    after = _cli_json(data, "--deep", "--jobs", "2", env=env)
    assert after == _cli_json(data, "--deep", "--jobs", "2", "--no-cache", env=env)


def test_workers_forked_after_the_caller_ran_opencv_threads_finish(tmp_path):
    """A library caller (a notebook, this test suite) that ran OpenCV's thread pool before the
    scan forks its workers: setting OpenCV's thread count in such a child waits forever on
    threads the fork did not copy. It hung a whole CI run once; here it is a timeout."""
    data = build_dataset(tmp_path / "ds", _spec(300))
    code = (
        "import sys, cv2, numpy as np\n"
        "a = np.random.default_rng(0).random((2000, 2000), dtype=np.float32)\n"
        "for _ in range(3): cv2.GaussianBlur(a, (31, 31), 5)  # the pool's threads now exist\n"
        "from preflight.engine import audit_data\n"
        f"result, _ = audit_data({str(data)!r}, jobs=2, use_cache=False)\n"
        "s = result.stats['scan']\n"
        "assert s['read'] == s['files'] == 600, s\n"
        "print('scanned', s['read'])\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "scanned 600" in p.stdout, p.stderr


def test_the_cli_forks_its_workers_before_importing_opencv(tmp_path):
    """Workers get one OpenCV thread each only through the environment, read when cv2 is first
    imported in them (see scan._worker_init): the CLI must not import cv2 before the fork."""
    data = build_dataset(tmp_path / "ds", _spec(300))
    code = (
        "import sys\n"
        "from preflight import scan\n"
        "real = scan.WorkerPool.get\n"
        "def get(self):\n"
        "    if self._pool is None: print('cv2 before fork:', 'cv2' in sys.modules)\n"
        "    return real(self)\n"
        "scan.WorkerPool.get = get\n"
        "from preflight.cli import run\n"
        f"run(['data', {str(data)!r}, '--no-cache', '--jobs', '2', '--format', 'json'])\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "cv2 before fork: False" in p.stdout and "cv2 before fork: True" not in p.stdout, (p.stdout[:300], p.stderr)


def test_two_runs_at_once_share_a_cache_truthfully(tmp_path):
    data = build_dataset(tmp_path / "ds", _spec(400))
    env = dict(os.environ, PREFLIGHT_CACHE_DIR=str(tmp_path / "cache"))
    procs = [subprocess.Popen([*PY, "data", str(data), "--format", "json", "--jobs", "2"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode in (0, 1), err
        outs.append(_canon(json.loads(out)))
    reference = _cli_json(data, "--no-cache", env=env)
    assert outs[0] == outs[1] == reference
    p = subprocess.run([*PY, "data", str(data), "--format", "json"], capture_output=True, text=True, env=env)
    warm = json.loads(p.stdout)
    assert warm["summary"]["scan"]["read"] == 0, warm["summary"]
    assert _canon(warm) == reference


def test_truncated_cache_file_is_rebuilt(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("PREFLIGHT_CACHE_DIR", str(cache))
    data = build_dataset(tmp_path / "ds", _spec(30))
    reference = _result_json(audit_data(data, jobs=1, use_cache=False)[0])
    audit_data(data, jobs=1)
    files = list(cache.glob("*.sqlite"))
    assert files
    import sqlite3

    conn = sqlite3.connect(files[0])
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    size = files[0].stat().st_size
    with open(files[0], "r+b") as fh:
        fh.truncate(size // 2)
    again, _ = audit_data(data, jobs=1)
    assert _result_json(again) == reference
    third, _ = audit_data(data, jobs=1)
    assert _result_json(third) == reference


@pytest.mark.parametrize("reuse", [False, True], ids=["facts", "whole-result"])
@pytest.mark.parametrize("edit", ["same_size_new_content", "touched_same_content", "renamed", "deleted", "added"])
def test_cached_equals_uncached_after_edits(tmp_path, monkeypatch, edit, reuse):
    monkeypatch.setenv("PREFLIGHT_CACHE_DIR", str(tmp_path / "cache"))
    data = build_dataset(tmp_path / "ds", _spec(12))
    root = data.parent
    audit_data(data, jobs=1, reuse=reuse)
    if reuse:  # nothing changed yet: the stored result comes back, equal to a fresh audit
        again, ctx = audit_data(data, jobs=1, reuse=True)
        assert ctx is None and again.stats["scan"]["result_reused"]
        assert _result_json(again) == _result_json(audit_data(data, jobs=1, use_cache=False)[0])
    label = root / "labels/train/0003.txt"
    if edit == "same_size_new_content":
        st = label.stat()
        label.write_text(label.read_text().replace("3 ", "7 ", 1))
        assert label.stat().st_size == st.st_size
        os.utime(label, ns=(st.st_atime_ns, st.st_mtime_ns))
    elif edit == "touched_same_content":
        os.utime(label, ns=(label.stat().st_atime_ns, label.stat().st_mtime_ns + 10**9))
    elif edit == "renamed":  # a label moved to another image's name, and that image's label away
        (root / "labels/train/0005.txt").rename(root / "labels/train/0005.bak")
        label.rename(root / "labels/train/0005.txt")
    elif edit == "deleted":
        (root / "images/train/0004.jpg").unlink()
    else:
        shutil.copy(root / "images/train/0001.jpg", root / "images/train/9999.jpg")
        (root / "labels/train/9999.txt").write_text("9 0.5 0.5 0.2 0.2\n")
    cached, _ = audit_data(data, jobs=1, reuse=reuse)
    assert "result_reused" not in cached.stats["scan"]
    assert _result_json(cached) == _result_json(audit_data(data, jobs=1, use_cache=False)[0])


def test_upgrade_and_changed_config_rebuild(tmp_path, monkeypatch):
    from preflight import cache as cache_mod

    monkeypatch.setenv("PREFLIGHT_CACHE_DIR", str(tmp_path / "cache"))
    data = build_dataset(tmp_path / "ds", _spec(12))
    audit_data(data, jobs=1)
    monkeypatch.setattr(cache_mod, "__version__", "999.0.0")  # a preflight upgrade
    upgraded, _ = audit_data(data, jobs=1)
    assert upgraded.stats["scan"]["read"] == 24
    # a changed config: fewer classes, another task
    data.write_text(data.read_text().replace("- c\n", "") + "task: detect\n")
    changed, _ = audit_data(data, jobs=1)
    assert _result_json(changed) == _result_json(audit_data(data, jobs=1, use_cache=False)[0])
    assert "D103" in {f.code for f in changed.findings}


def test_whole_result_is_reused_only_for_the_same_options_configs_and_code(tmp_path, monkeypatch):
    from preflight import memo

    monkeypatch.setenv("PREFLIGHT_CACHE_DIR", str(tmp_path / "cache"))
    data = build_dataset(tmp_path / "ds", _spec(12))

    def reused(**kw) -> bool:
        result, ctx = audit_data(data, jobs=1, reuse=True, **kw)
        assert (ctx is None) == bool(result.stats["scan"].get("result_reused"))
        return ctx is None

    assert not reused() and reused()
    # the same file named another way: the result is reused, and says how it was asked for now
    other = f"{data.parent}/./{data.name}"
    again, ctx = audit_data(other, jobs=1, reuse=True)
    assert ctx is None and again.inputs["data"] == other
    assert not reused(deep=True) and reused(deep=True) and reused()  # several results are kept
    assert not reused(select=["D"]) and not reused(ignore=["D1"]) and reused(select=["D"])
    model = tmp_path / "model.yaml"
    model.write_text("input:\n  size: 320\n")
    assert not reused(model_yaml=model) and reused(model_yaml=model)
    model.write_text("input:\n  size: 640\n")
    assert not reused(model_yaml=model)
    assert not reused(files=[str(data.parent / "labels/train/0001.txt")])  # pre-commit: never
    assert not reused(use_cache=False)
    data.write_text(data.read_text().replace("- c\n", "- c\n- d\n"))  # another class list
    assert not reused() and reused()
    monkeypatch.setattr(memo, "code_stamps", lambda: ["another preflight"])  # edited code
    assert not reused() and reused()
    monkeypatch.setattr(memo, "__version__", "999.0.0")
    assert not reused()


def test_cli_reuses_results_but_not_for_the_html_report(tmp_path):
    data = build_dataset(tmp_path / "ds", _spec(12))
    env = dict(os.environ, PREFLIGHT_CACHE_DIR=str(tmp_path / "cache"))

    def run(*extra: str) -> dict:
        p = subprocess.run([*PY, "data", str(data), "--format", "json", *extra], capture_output=True, text=True,
                           env=env, timeout=300)
        assert p.returncode in (0, 1), p.stderr
        return json.loads(p.stdout)

    first, second = run(), run()
    assert "result_reused" not in first["summary"]["scan"] and second["summary"]["scan"]["result_reused"]
    assert _canon(first) == _canon(second)
    html = tmp_path / "out" / "report.html"
    third = run("--html", str(html))  # the report draws from the facts: a full (cached) scan
    assert "result_reused" not in third["summary"]["scan"] and html.stat().st_size > 10_000
    p = subprocess.run([*PY, "data", str(data)], capture_output=True, text=True, env=env, timeout=300)
    assert "its result was reused" in p.stdout


def test_full_cache_dir_still_audits(tmp_path, monkeypatch):
    """A cache folder with no space left: the audit runs, its result equals ``--no-cache``."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)], capture_output=True)
    if p.returncode != 0:
        pytest.skip(f"cannot mount a tiny tmpfs here ({p.stderr.decode(errors='replace').strip()[:80]})")
    try:
        fd = os.open(mnt / "filler", os.O_WRONLY | os.O_CREAT)  # fill it up
        try:
            while os.write(fd, b"\1" * 4096):
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        monkeypatch.setenv("PREFLIGHT_CACHE_DIR", str(mnt / "cache"))
        data = build_dataset(tmp_path / "ds", _spec(20))
        result, _ = audit_data(data, jobs=1)
        assert _result_json(result) == _result_json(audit_data(data, jobs=1, use_cache=False)[0])
        assert any("cache" in n for n in result.notes), result.notes
        (mnt / "filler").unlink()  # space again: a cache half-written while full is never trusted
        again, _ = audit_data(data, jobs=1)
        assert _result_json(again) == _result_json(result)
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)


def test_a_file_edited_during_the_scan_is_never_covered_by_the_stored_result(tmp_path, monkeypatch):
    """The stored result is keyed by the file states the scan read, not by a later look."""
    from preflight import engine

    monkeypatch.setenv("PREFLIGHT_CACHE_DIR", str(tmp_path / "cache"))
    data = build_dataset(tmp_path / "ds", _spec(12))
    label = data.parent / "labels/train/0003.txt"
    real = engine.build_context

    def scan_then_edit(*a, **kw):
        ctx = real(*a, **kw)
        label.write_text("7 0.5 0.5 0.2 0.2\n")  # after the facts were read, before the result is stored
        return ctx

    monkeypatch.setattr(engine, "build_context", scan_then_edit)
    audit_data(data, jobs=1, reuse=True)
    monkeypatch.setattr(engine, "build_context", real)
    after, ctx = audit_data(data, jobs=1, reuse=True)
    assert ctx is not None and "result_reused" not in after.stats["scan"]
    assert _result_json(after) == _result_json(audit_data(data, jobs=1, use_cache=False)[0])
    assert "D103" in {f.code for f in after.findings}  # the edit (class 7 of 3) is seen
