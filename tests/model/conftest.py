"""Tiny synthetic datasets for the model audit, written into tmp_path (never into shared data)."""

from __future__ import annotations

from pathlib import Path

import pytest

NAMES = {
    "classify": ["cat", "dog", "bird"],
    "segment": ["background", "road", "car", "tree", "sky"],
    "detect": ["plane", "ship", "tank"],
}


def make_dataset(root: Path, kind: str, n: int = 8, size: int = 48) -> Path:
    """Write n images (+ labels) for a task; return the data.yaml path."""
    import cv2
    import numpy as np

    rng = np.random.default_rng(0)
    root.mkdir(parents=True, exist_ok=True)
    names = NAMES[kind]
    lines = [f"path: {root}", "names: [" + ", ".join(names) + "]", f"task: {kind}"]
    if kind == "classify":
        for i in range(n):
            cls = names[i % len(names)]
            d = root / "train" / cls
            d.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(d / f"img{i}.png"), rng.integers(0, 256, (size, size, 3), dtype=np.uint8))
        lines += ["train: train"]
    else:
        (root / "images/train").mkdir(parents=True, exist_ok=True)
        if kind == "segment":
            (root / "masks/train").mkdir(parents=True, exist_ok=True)
            lines += ["train: images/train", "masks: {train: masks/train}", "format: mask"]
        else:
            (root / "labels/train").mkdir(parents=True, exist_ok=True)
            lines += ["train: images/train", "format: yolo"]
        for i in range(n):
            img = rng.integers(0, 256, (size, size + 16, 3), dtype=np.uint8)
            cv2.imwrite(str(root / f"images/train/img{i}.png"), img)
            if kind == "segment":
                mask = np.zeros((size, size + 16), np.uint8)
                mask[: size // 2] = 1 + i % (len(names) - 1)
                mask[size // 2 : size // 2 + 2] = 255  # VOC-style "no label" border
                cv2.imwrite(str(root / f"masks/train/img{i}.png"), mask)
            else:
                rows = [f"{(i + k) % len(names)} {0.3 + 0.1 * k:.2f} 0.5 0.3 0.4" for k in range(2)]
                (root / f"labels/train/img{i}.txt").write_text("\n".join(rows) + "\n")
    file = root / "data.yaml"
    file.write_text("\n".join(lines) + "\n")
    return file


@pytest.fixture
def dataset(tmp_path: Path):
    def _make(kind: str, **kw):
        return make_dataset(tmp_path / f"data_{kind}", kind, **kw)

    return _make
