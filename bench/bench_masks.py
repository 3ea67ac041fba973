"""Mask scan benchmark: 2,000 generated 512×512 masks + JPEG images, `preflight data` cold and warm.

Prints one JSON line: masks, jobs, cold seconds, masks/s per core (target ≥ 200; from the
wall time, and from the CPU time of the command and its workers, which other load on the
machine cannot skew), warm
seconds (target < 0.5; the CLI's own reported run time, plus the process wall time), and
writes it to reports/bench/masks.json (``--out``). Cold = a fresh, empty PREFLIGHT_CACHE_DIR
(the run fills it); warm = the same command again. Run: ``python bench/bench_masks.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

NAMES = [f"class{i}" for i in range(8)]


def make_pair(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """A mask of a few filled shapes, and a picture whose regions are those shapes (textured)."""
    mask = np.zeros((size, size), np.uint8)
    for _ in range(int(rng.integers(2, 6))):
        cls = int(rng.integers(1, len(NAMES)))
        centre = tuple(int(v) for v in rng.integers(40, size - 40, 2))
        axes = tuple(int(v) for v in rng.integers(15, size // 4, 2))
        cv2.ellipse(mask, centre, axes, float(rng.uniform(0, 180)), 0, 360, cls, -1)
    # VOC-style void border around objects
    edges = cv2.morphologyEx(mask, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
    mask[edges] = 255
    colours = rng.integers(0, 255, (256, 3)).astype(np.float32)
    img = colours[mask] + rng.normal(0, 12, (size, size, 3)).astype(np.float32)
    return mask, np.clip(img, 0, 255).astype(np.uint8)


def generate(root: Path, n: int, size: int, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    for split in ("train", "val"):
        (root / "images" / split).mkdir(parents=True, exist_ok=True)
        (root / "masks" / split).mkdir(parents=True, exist_ok=True)
    for i in range(n):
        split = "val" if i % 10 == 0 else "train"
        mask, img = make_pair(rng, size)
        cv2.imwrite(str(root / "images" / split / f"{i:05d}.jpg"), img, [cv2.IMWRITE_JPEG_QUALITY, 90])
        cv2.imwrite(str(root / "masks" / split / f"{i:05d}.png"), mask)
    names = "\n".join(f"  {i}: {n}" for i, n in enumerate(NAMES))
    (root / "data.yaml").write_text(
        "path: .\nformat: mask\ntrain: images/train\nval: images/val\n"
        f"masks: {{train: masks/train, val: masks/val}}\nignore_index: 255\nnames:\n{names}\n", encoding="utf-8")
    return root / "data.yaml"


def run(data_yaml: Path, cache: Path, jobs: int, *extra: str) -> tuple[float, dict]:
    env = dict(os.environ, PREFLIGHT_CACHE_DIR=str(cache))
    cmd = [sys.executable, "-m", "preflight", "data", str(data_yaml), "--format", "json", "--fail-on", "never",
           "--jobs", str(jobs), *extra]
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        raise SystemExit(f"preflight failed ({out.returncode}): {out.stderr[-2000:]}")
    doc = json.loads(out.stdout)
    # CPU seconds of the command and its workers: "per core" that a busy machine cannot skew
    doc["cpu_seconds"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, doc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--masks", type=int, default=2000)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count())
    ap.add_argument("--out", default="reports/bench/masks.json")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="preflight-bench-masks-") as tmp:
        data_yaml = generate(Path(tmp) / "ds", args.masks, args.size)
        cache = Path(tmp) / "cache"
        nocache_wall, nocache = run(data_yaml, Path(tmp) / "cache-unused", args.jobs, "--no-cache")
        cold_wall, cold = run(data_yaml, cache, args.jobs)
        warm_wall, warm = run(data_yaml, cache, args.jobs)
    cold_s = cold["summary"]["seconds"]
    codes = sorted({f["code"] for f in cold["findings"] if f["severity"] in ("error", "warning")})
    line = {
        "bench": "masks", "masks": args.masks, "size": args.size, "jobs": args.jobs,
        "cold_seconds": round(cold_s, 3), "cold_wall_seconds": round(cold_wall, 3),
        "no_cache_seconds": round(nocache["summary"]["seconds"], 3),
        "masks_per_s_per_core": round(args.masks / cold_s / args.jobs, 1),
        "cold_cpu_seconds": round(cold["cpu_seconds"], 3),
        "masks_per_cpu_second": round(args.masks / cold["cpu_seconds"], 1),
        "warm_seconds": round(warm["summary"]["seconds"], 3), "warm_wall_seconds": round(warm_wall, 3),
        "targets": {"masks_per_s_per_core": 200, "warm_seconds": 0.5},
        "ok": args.masks / cold_s / args.jobs >= 200 and warm["summary"]["seconds"] < 0.5,
        "problems_found": codes,
    }
    print(json.dumps(line))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(line) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
