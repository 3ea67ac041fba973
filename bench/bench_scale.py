"""Scaling benchmark: ``preflight data`` on generated YOLO datasets of 10^4, 10^5 and 10^6 images.

The cost of interest is per file (a stat, a header read, a label parse, a cache row), so the
images are tiny: a pool of distinct small JPEG/PNG pictures and distinct label files is
written once per split, and every sample is a *hard link* to one of them (image k and label k
always go together, so a repeated picture carries the same labels). A million samples then
cost directory entries, not a million 4 KB blocks. Every file is still opened, read and parsed
by the scan under its own name; duplicates (I106) are many by construction, which also tests
that the dataset-wide grouping stays bounded.

Each size is run cold (empty scan cache) and warm (cache filled) as a subprocess
(``python -m preflight data``) whose peak memory is sampled from /proc every 50 ms: the audit
process's own high-water mark (VmHWM) and the peak of the proportional set size (PSS, shared
pages split fairly) summed over the audit and its scan workers. Results go to
``reports/bench/scale.md``, ``reports/bench/scale.json`` and ``reports/bench/scale.png``.

    python bench/bench_scale.py                     # 10^4, 10^5, 10^6
    python bench/bench_scale.py --sizes 10000 100000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "bench-scale"
OUT = ROOT / "reports" / "bench"
#: distinct pictures (and label files) per split; every sample links to one of them
POOL = 1000
#: files per folder, as large datasets are usually sharded
SHARD = 10_000
NAMES = ["person", "car", "bicycle", "dog", "cat", "bus", "truck", "bird", "boat", "chair"]
#: targets of issue 9
MAX_TIME_RATIO = 110.0
MAX_PEAK_MB = 2048.0


def _pool(folder: Path, split: str, rng: np.random.Generator) -> list[tuple[Path, Path]]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for k in range(POOL):
        w, h = int(rng.integers(24, 64)), int(rng.integers(24, 64))
        img = np.full((h, w, 3), rng.integers(0, 255, 3), np.uint8)
        img[: h // 2, : w // 2] = rng.integers(0, 255, 3)
        suffix = ".jpg" if k % 2 == 0 else ".png"
        ip = folder / f"{split}_{k}{suffix}"
        cv2.imwrite(str(ip), img)
        rows = []
        for _ in range(int(rng.integers(1, 6))):
            c = int(rng.integers(0, len(NAMES)))
            bw, bh = rng.uniform(0.05, 0.5, 2)
            cx, cy = rng.uniform(bw / 2, 1 - bw / 2), rng.uniform(bh / 2, 1 - bh / 2)
            rows.append(f"{c} {cx:.6f} {cy:.6f} {bw:.6f} {bh:.6f}")
        lp = folder / f"{split}_{k}.txt"
        lp.write_text("\n".join(rows) + "\n")
        out.append((ip, lp))
    return out


def generate(n: int) -> Path:
    """A YOLO dataset of ``n`` samples (10% val) under build/bench-scale/n<n>/; reused when present."""
    root = WORK / f"n{n}"
    done = root / ".complete"
    if done.exists():
        return root
    if root.exists():
        shutil.rmtree(root)
    rng = np.random.default_rng(n)
    n_val = n // 10
    for split, count in (("train", n - n_val), ("val", n_val)):
        pool = _pool(root / "pool", split, rng)
        for i in range(count):
            shard = f"{i // SHARD:04d}"
            ip, lp = pool[i % POOL]
            idir, ldir = root / "images" / split / shard, root / "labels" / split / shard
            if i % SHARD == 0:
                idir.mkdir(parents=True, exist_ok=True)
                ldir.mkdir(parents=True, exist_ok=True)
            os.link(ip, idir / f"{i:07d}{ip.suffix}")
            os.link(lp, ldir / f"{i:07d}.txt")
    (root / "data.yaml").write_text(
        "path: .\ntrain: images/train\nval: images/val\nnames: [" + ", ".join(NAMES) + "]\n"
    )
    done.write_text(str(n))
    return root


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _hwm_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(x) for x in fh.read().split()]
    except OSError:
        return []


def run_audit(data_yaml: Path, cache: Path, extra: list[str] | None = None) -> dict:
    """One ``preflight data`` run: wall seconds, the audit's VmHWM and the tree's peak PSS (MB)."""
    env = {**os.environ, "PREFLIGHT_CACHE_DIR": str(cache)}
    cmd = [sys.executable, "-m", "preflight", "data", str(data_yaml), "--format", "json", "--fail-on", "never", *(extra or [])]
    out = (cache.parent / f"{cache.name}.json").open("w")
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    hwm = pss = 0
    while proc.poll() is None:
        hwm = max(hwm, _hwm_kb(proc.pid))
        tree = [proc.pid]
        for p in list(tree):
            tree.extend(_children(p))
        pss = max(pss, sum(_pss_kb(p) for p in tree))
        time.sleep(0.05)
    seconds = time.perf_counter() - t0
    out.close()
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"preflight failed ({proc.returncode}) on {data_yaml}: {err[-2000:]}")
    result = json.loads((cache.parent / f"{cache.name}.json").read_text())
    return {"seconds": round(seconds, 2), "audit_peak_mb": round(hwm / 1024, 1), "tree_peak_pss_mb": round(pss / 1024, 1),
            "images": result["summary"]["images"], "findings": len(result["findings"]), "scan": result["summary"].get("scan"),
            # the machine may be shared: the 1-minute load average before and after says how far to trust the time
            "load": [round(load_before, 2), round(os.getloadavg()[0], 2)]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--dask-size", type=int, default=100_000, help="also scan this size with --dask local (0: skip)")
    args = ap.parse_args()
    extra = ["--jobs", str(args.jobs)] if args.jobs else []
    rows = []
    for n in args.sizes:
        t0 = time.perf_counter()
        root = generate(n)
        gen_s = time.perf_counter() - t0
        cache = WORK / f"cache-{n}"
        shutil.rmtree(cache, ignore_errors=True)
        cold = run_audit(root / "data.yaml", cache, extra)
        warm = run_audit(root / "data.yaml", cache, extra)
        row = {"n": n, "generate_s": round(gen_s, 1), "cold": cold, "warm": warm}
        print(json.dumps(row), flush=True)
        rows.append(row)
    jobs = args.jobs or len(os.sched_getaffinity(0))
    dask_row = None
    if args.dask_size:
        # per-worker scan throughput on Dask: a cold `--dask local` run (one single-threaded
        # worker process per job), against the local worker pool's on the same data
        root = generate(args.dask_size)
        cache = WORK / f"cache-dask-{args.dask_size}"
        shutil.rmtree(cache, ignore_errors=True)
        run = run_audit(root / "data.yaml", cache, ["--dask", "local", "--jobs", str(jobs)])
        dask_row = {"n": args.dask_size, "workers": jobs, **run}
        print(json.dumps({"dask": dask_row}), flush=True)
    report(rows, jobs, dask_row)
    return 0 if all(ok for _, ok in targets(rows)) else 1


def _peak(row: dict) -> float:
    """The larger of the audit's high-water mark and the sampled peak over all its processes."""
    return max(row[k][m] for k in ("cold", "warm") for m in ("audit_peak_mb", "tree_peak_pss_mb"))


def targets(rows: list[dict]) -> list[tuple[str, bool]]:
    by = {r["n"]: r for r in rows}
    out = []
    if 10_000 in by and 1_000_000 in by:
        ratio = by[1_000_000]["cold"]["seconds"] / by[10_000]["cold"]["seconds"]
        out.append((f"cold 10^6 within {MAX_TIME_RATIO:.0f}x cold 10^4 ({ratio:.1f}x)", ratio <= MAX_TIME_RATIO))
    big = max(by)
    peak = _peak(by[big])
    out.append((f"peak memory at {big:,} images under {MAX_PEAK_MB:.0f} MB ({peak:.0f} MB)", peak < MAX_PEAK_MB))
    small = min(by)
    if big > small:
        p_small = _peak(by[small])
        grow = peak / p_small
        out.append((f"peak memory sublinear ({grow:.1f}x for {big // small}x the images)", grow < big / small))
    return out


def _per_worker(run: dict, workers: int) -> float:
    return run["scan"]["read"] / run["scan"]["seconds"] / workers


def report(rows: list[dict], jobs: int, dask_row: dict | None = None) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "scale.json").write_text(json.dumps({"jobs": jobs, "rows": rows, "dask": dask_row}, indent=2) + "\n")
    lines = [
        "# preflight data at scale",
        "",
        f"Generated YOLO datasets (10% val, 1-5 boxes per image, tiny JPEG/PNG files hard-linked from a pool of "
        f"{POOL} distinct pictures per split), `--jobs {jobs}` on {os.cpu_count()} cores, one run each, wall clock "
        "including interpreter start-up. Memory: the audit process's VmHWM, and the peak of the PSS summed over it "
        "and its scan workers (sampled every 50 ms). `bench/bench_scale.py` wrote this file.",
        "",
        "| images | cold s | cold images/s | cold peak MB (audit / all) | warm s | warm peak MB (audit / all) | findings "
        "| load before/after (cold; warm) |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        c, w = r["cold"], r["warm"]
        load = f"{'/'.join(map(str, c.get('load', [])))}; {'/'.join(map(str, w.get('load', [])))}"
        lines.append(f"| {r['n']:,} | {c['seconds']} | {r['n'] / c['seconds']:.0f} | {c['audit_peak_mb']} / {c['tree_peak_pss_mb']} "
                     f"| {w['seconds']} | {w['audit_peak_mb']} / {w['tree_peak_pss_mb']} | {c['findings']} | {load} |")
    cores = len(os.sched_getaffinity(0))
    if any(x > 0.5 * cores for r in rows for k in ("cold", "warm") for x in r[k].get("load", [])):
        lines += ["", f"The load average exceeded half the {cores} cores during some runs: other work shared the "
                  "machine, so those times are longer than on a quiet one (memory is not affected)."]
    lines += ["", "Scan only (files read per second, the rest of the time is listing the dataset and the checks):", "",
              "| images | files | cold scan s | files/s per worker |", "|---:|---:|---:|---:|"]
    for r in rows:
        c = r["cold"]
        lines.append(f"| {r['n']:,} | {c['scan']['read']:,} | {c['scan']['seconds']} | {_per_worker(c, jobs):.0f} |")
    if dask_row is not None:
        d = dask_row
        lines += ["", f"`--dask local` ({d['workers']} single-threaded worker processes), {d['n']:,} images cold: "
                  f"{d['seconds']} s in all, scan {d['scan']['seconds']} s for {d['scan']['read']:,} files = "
                  f"**{_per_worker(d, d['workers']):.0f} files/s per worker** (findings: {d['findings']})."]
    lines += ["", "| target | met |", "|---|---|"]
    lines += [f"| {name} | {'yes' if ok else 'no'} |" for name, ok in targets(rows)]
    (OUT / "scale.md").write_text("\n".join(lines) + "\n")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - matplotlib is a dev dependency
        return
    n = [r["n"] for r in rows]
    fig, (a, b) = plt.subplots(1, 2, figsize=(8, 3.2), dpi=80)
    a.loglog(n, [r["cold"]["seconds"] for r in rows], "o-", label="cold")
    a.loglog(n, [r["warm"]["seconds"] for r in rows], "s-", label="warm")
    a.loglog(n, [rows[0]["cold"]["seconds"] * x / n[0] for x in n], ":", color="grey", label="linear")
    a.set_xlabel("images"), a.set_ylabel("seconds"), a.legend(), a.set_title("time")
    b.semilogx(n, [r["cold"]["tree_peak_pss_mb"] for r in rows], "o-", label="cold (all processes)")
    b.semilogx(n, [r["warm"]["tree_peak_pss_mb"] for r in rows], "s-", label="warm (all processes)")
    b.axhline(MAX_PEAK_MB, color="red", ls=":", label="2 GB target")
    b.set_xlabel("images"), b.set_ylabel("peak MB"), b.legend(fontsize=7), b.set_title("peak memory")
    fig.tight_layout()
    fig.savefig(OUT / "scale.png")


if __name__ == "__main__":
    sys.exit(main())
