"""Benchmark: seconds for `preflight model` without the probe.

deeplabv3_mobilenet_v3_large (weights=None) at 512×512, batch 4, on the CPU, on a synthetic
dataset of 4 PNGs + masks written to a temporary folder. Prints one JSON line.
Target (issue 5): under 20 s.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path


def make_data(root: Path, n: int = 4, size: int = 512) -> Path:
    import cv2
    import numpy as np

    rng = np.random.default_rng(0)
    (root / "images/train").mkdir(parents=True)
    (root / "masks/train").mkdir(parents=True)
    for i in range(n):
        cv2.imwrite(str(root / f"images/train/{i}.png"), rng.integers(0, 256, (size, size, 3), dtype=np.uint8))
        mask = rng.integers(0, 21, (size, size), dtype=np.uint8)
        mask[:4] = 255
        cv2.imwrite(str(root / f"masks/train/{i}.png"), mask)
    (root / "data.yaml").write_text(
        f"path: {root}\ntrain: images/train\nmasks: {{train: masks/train}}\nformat: mask\ntask: segment\n"
        f"names: [{', '.join(f'c{i}' for i in range(21))}]\n"
    )
    (root / "model.yaml").write_text(
        "task: segment\n"
        "model:\n  factory: torchvision.models.segmentation:deeplabv3_mobilenet_v3_large\n"
        "  kwargs: {num_classes: 21, weights: null, weights_backbone: null}\n  output: out\n"
        "input: {size: [512, 512], scale: 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]}\n"
        "loss: {factory: torch.nn:CrossEntropyLoss, kwargs: {ignore_index: 255}}\n"
        "optimizer: {factory: torch.optim:SGD, kwargs: {lr: 0.01, momentum: 0.9}}\n"
        "batch_size: 4\n"
    )
    return root


def main() -> None:
    t_import = time.perf_counter()
    from preflight.model.audit import audit_model_file

    import_s = time.perf_counter() - t_import
    with tempfile.TemporaryDirectory() as tmp:
        root = make_data(Path(tmp))
        t0 = time.perf_counter()
        result = audit_model_file(root / "model.yaml", root / "data.yaml", device="cpu", probe=False)
        seconds = time.perf_counter() - t0
    import torch

    print(json.dumps({
        "bench": "model_deeplabv3_mobilenet_512_b4_cpu_noprobe",
        "seconds": round(seconds, 2),
        "import_seconds": round(import_s, 2),
        "phases": result.sections["model"]["seconds"],
        "findings": sorted({f.code for f in result.findings}),
        "threads": torch.get_num_threads(),
        "target_seconds": 20,
    }))
    sys.exit(0 if seconds < 20 else 1)


if __name__ == "__main__":
    main()
