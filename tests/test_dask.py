"""``--dask``: the per-file scan on a Dask cluster gives the local run's findings, byte for byte.

Runs for real: a LocalCluster of two worker processes over the shared datasets, and a
scheduler and two workers started as separate processes (``dask scheduler`` / ``dask worker``
on the loopback), one of which is killed mid-scan.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np
import pytest

from preflight.cli import run
from preflight.engine import audit_data

HAS_DASK = importlib.util.find_spec("distributed") is not None
needs_dask = pytest.mark.skipif(not HAS_DASK, reason="dask.distributed is not installed (pip install 'preflight-cv[dask]')")
MINI = Path(__file__).parent / "fixtures" / "mini" / "data.yaml"
#: shared datasets compared local vs Dask (every reader kind: YOLO, VOC, COCO, masks)
SHARED = ["coco8/data.yaml", "coco128/data.yaml", "rsod/data.yaml", "coco_tiny/data.yaml",
          "voc_masks/voc2012_clean/data.yaml"]


def _findings(result) -> str:
    return json.dumps([f.to_json() for f in result.findings], sort_keys=True, default=str)


def test_missing_dask_is_one_line_error(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    rc = run(["data", str(MINI), "--dask", "local", "--format", "json"])
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert err.count("\n") == 0 and "--dask needs dask.distributed" in err and "preflight-cv[dask]" in err


@needs_dask
def test_unreachable_scheduler_is_one_line_error(capsys, monkeypatch):
    from preflight import distributed

    real = distributed.DaskExecutor.__init__
    monkeypatch.setattr(distributed.DaskExecutor, "__init__",
                        lambda self, address, workers=None: real(self, address, workers, connect_timeout="1s"))
    rc = run(["data", str(MINI), "--dask", "tcp://127.0.0.1:9", "--format", "json"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and err.count("\n") == 0 and "cannot reach the scheduler" in err, err


@pytest.fixture(scope="module")
def cluster():
    if not HAS_DASK:
        pytest.skip("dask.distributed is not installed (pip install 'preflight-cv[dask]')")
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40) as c:
        yield c.scheduler_address


@needs_dask
def test_cli_dask_local_matches_local_run(tmp_path, monkeypatch, capsys):
    rc_local = run(["data", str(MINI), "--format", "json", "--no-cache"])
    local = json.loads(capsys.readouterr().out)
    rc_dask = run(["data", str(MINI), "--format", "json", "--dask", "local", "--jobs", "2"])
    remote = json.loads(capsys.readouterr().out)
    assert rc_local == rc_dask
    assert json.dumps(local["findings"]) == json.dumps(remote["findings"])
    assert remote["summary"]["scan"]["read"] == remote["summary"]["scan"]["files"] > 0


@pytest.mark.shared_data
@pytest.mark.parametrize("rel", SHARED)
def test_shared_dataset_identical_on_dask(shared_data, rel, cluster):
    local, _ = audit_data(shared_data / rel, jobs=2, use_cache=False)
    remote, _ = audit_data(shared_data / rel, jobs=2, dask=cluster)
    assert remote.stats["scan"]["read"] == remote.stats["scan"]["files"] > 0
    assert _findings(local) == _findings(remote)
    # what the workers returned is in the client's cache: a local run reads nothing again
    warm, _ = audit_data(shared_data / rel, jobs=2)
    assert warm.stats["scan"]["cached"] == warm.stats["scan"]["files"]
    assert _findings(warm) == _findings(local)


def _yolo_dataset(root: Path, n: int) -> Path:
    """n small distinct images with labels, some of them broken (findings to compare)."""
    rng = np.random.default_rng(0)
    for i in range(n):
        split = "val" if i % 10 == 0 else "train"
        (root / "images" / split).mkdir(parents=True, exist_ok=True)
        (root / "labels" / split).mkdir(parents=True, exist_ok=True)
        img = rng.integers(0, 255, (16, 16, 3), dtype=np.uint8)
        cv2.imwrite(str(root / "images" / split / f"{i:05d}.png"), img)
        rows = [f"{i % 3} 0.5 0.5 0.2 0.3"] + (["7 0.5 0.5 0.2 0.3"] if i % 97 == 0 else [])
        if i % 50 != 1:
            (root / "labels" / split / f"{i:05d}.txt").write_text("\n".join(rows) + "\n")
    (root / "data.yaml").write_text("path: .\ntrain: images/train\nval: images/val\nnames: [a, b, c]\n")
    return root / "data.yaml"


def _wait(pred, timeout: float, what: str) -> None:
    t0 = time.monotonic()
    while not pred():
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@contextmanager
def _cluster(tmp_path: Path, workers: int, nthreads: int, env: dict | None = None):
    """A `dask scheduler` and `workers` `dask worker` processes of their own (not a LocalCluster:
    nothing shared with this process); yields (address, [scheduler, worker, ...] processes)."""
    from distributed import Client

    dask = str(Path(sys.executable).parent / "dask")
    sched_file = tmp_path / "scheduler.json"
    procs: list[subprocess.Popen] = []
    log = (tmp_path / "dask.log").open("w")
    try:
        procs.append(subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                       "--scheduler-file", str(sched_file)], stdout=log, stderr=log, env=env))
        _wait(sched_file.exists, 30, "the scheduler file")
        for _ in range(workers):
            procs.append(subprocess.Popen([dask, "worker", "--scheduler-file", str(sched_file), "--host", "127.0.0.1",
                                           "--nthreads", str(nthreads), "--no-nanny", "--no-dashboard"],
                                          stdout=log, stderr=log, env=env))
        address = json.loads(sched_file.read_text())["address"]
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(workers, timeout=30)
        yield address, procs
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        log.close()


@needs_dask
def test_separate_scheduler_and_workers_survive_a_killed_worker(tmp_path):
    from distributed import Client

    data = _yolo_dataset(tmp_path / "ds", 1500)
    with _cluster(tmp_path, workers=2, nthreads=1) as (address, procs):
        with Client(address, timeout="30s") as client:
            workers = set(client.run(os.getpid).values())
        assert workers == {procs[1].pid, procs[2].pid}

        local, _ = audit_data(data, jobs=1, use_cache=False)
        killed: list[int] = []
        seen = [0]

        def progress(total, label):
            from contextlib import nullcontext

            def advance(n):
                seen[0] += n
                if not killed and seen[0] >= 128:  # mid-run: results are arriving, most tasks still to do
                    os.kill(procs[2].pid, signal.SIGKILL)
                    killed.append(procs[2].pid)
            return nullcontext(advance)

        remote, _ = audit_data(data, jobs=2, dask=address, progress=progress)
        stats = remote.stats["scan"]
        assert killed and procs[2].wait(timeout=10) == -signal.SIGKILL
        assert stats["read"] == stats["files"] == 2 * 1500 - 1500 // 50
        assert _findings(remote) == _findings(local)
        assert any(f.code == "D103" for f in local.findings) and any(f.code == "D112" for f in local.findings)


@needs_dask
def test_remote_workers_read_with_the_clients_caps(tmp_path):
    """A worker started without PREFLIGHT_LIMITS still applies the caps of the run that sent the
    task: they travel with every task."""
    from preflight import limits

    data = _yolo_dataset(tmp_path / "ds", 300)
    env = {k: v for k, v in os.environ.items() if k != "PREFLIGHT_LIMITS"}
    with _cluster(tmp_path, workers=1, nthreads=2, env=env) as (address, _):
        caps = limits.Limits(max_bytes={"yolo": 20})  # the label files with a second row are 36 bytes
        with limits.applied(caps):
            local, _ = audit_data(data, jobs=1, use_cache=False)
            remote, _ = audit_data(data, jobs=2, use_cache=False, dask=address)
    over = [f for f in local.findings if f.code == "D101" and "over the 20-byte limit" in f.message]
    assert over and over[0].count == len([i for i in range(300) if i % 97 == 0 and i % 50 != 1])
    assert _findings(remote) == _findings(local)
