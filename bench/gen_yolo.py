"""Generate a realistic YOLO detection dataset with a known number of planted defects (for benchmarks).

Images have varied sizes (256-1024 px a side) and 1-20 boxes each; the defects are planted in
fixed, counted numbers so a benchmark can say how many of them each tool found.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import cv2
import numpy as np

#: planted defects: category -> how many (each in a different sample)
PLANTED = {
    "truncated_jpeg": 20,       # I103
    "zero_byte_image": 10,      # I102
    "not_an_image": 10,         # I101
    "class_out_of_range": 30,   # D103
    "box_outside": 30,          # D107
    "zero_area_box": 20,        # D109
    "duplicate_row": 20,        # D111
    "malformed_line": 10,       # D102
    "image_without_label": 30,  # D112
    "label_without_image": 20,  # D113
    "cross_split_duplicate": 10,  # I108
}
NAMES = ["person", "car", "bicycle", "dog", "cat", "bus", "truck", "bird", "boat", "chair"]


def _picture(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    img = np.zeros((h, w, 3), np.uint8)
    img[:] = rng.integers(40, 200, 3)
    for _ in range(int(rng.integers(3, 9))):
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        x1, y1 = int(rng.integers(0, w)), int(rng.integers(0, h))
        cv2.rectangle(img, (x0, y0), (x1, y1), tuple(int(c) for c in rng.integers(0, 255, 3)), -1)
    # low-resolution noise: JPEG sizes like real photos (tens of kB), not flat-colour kB
    noise = cv2.resize(rng.integers(0, 32, (h // 4 + 1, w // 4 + 1), dtype=np.uint8), (w, h))
    return cv2.add(img, cv2.merge([noise, noise, noise]))


def generate(root: Path, n_images: int = 5000, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    rnd = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    n_val = n_images // 10
    ids = [("train" if i >= n_val else "val", f"img_{i:06d}") for i in range(n_images)]
    order = list(range(n_images))
    rnd.shuffle(order)
    take = iter(order)
    plant: dict[int, str] = {}
    for name, count in PLANTED.items():
        if name == "label_without_image":
            continue
        for _ in range(count):
            plant[next(take)] = name
    for split in ("train", "val"):
        (root / "images" / split).mkdir(parents=True, exist_ok=True)
        (root / "labels" / split).mkdir(parents=True, exist_ok=True)
    dup_sources: list[Path] = []
    for i, (split, stem) in enumerate(ids):
        kind = plant.get(i)
        w, h = int(rng.integers(256, 1025)), int(rng.integers(256, 1025))
        img_path = root / "images" / split / f"{stem}.jpg"
        if kind == "zero_byte_image":
            img_path.write_bytes(b"")
        elif kind == "not_an_image":
            img_path.write_text("<!DOCTYPE html><html><body>404</body></html>")
        else:
            ok, buf = cv2.imencode(".jpg", _picture(rng, w, h), [cv2.IMWRITE_JPEG_QUALITY, 85])
            data = buf.tobytes()
            if kind == "truncated_jpeg":
                data = data[: len(data) * 2 // 3]
            img_path.write_bytes(data)
            if split == "train" and kind is None and len(dup_sources) < PLANTED["cross_split_duplicate"]:
                dup_sources.append(img_path)
        if kind == "image_without_label":
            continue
        lines = []
        for _ in range(int(rng.integers(1, 21))):
            bw, bh = rng.uniform(0.02, 0.4), rng.uniform(0.02, 0.4)
            cx, cy = rng.uniform(bw / 2, 1 - bw / 2), rng.uniform(bh / 2, 1 - bh / 2)
            lines.append(f"{int(rng.integers(0, len(NAMES)))} {cx:.6f} {cy:.6f} {bw:.6f} {bh:.6f}")
        if kind == "class_out_of_range":
            lines[0] = f"{len(NAMES) + 3}" + lines[0][lines[0].index(" "):]
        elif kind == "box_outside":
            lines[0] = "0 0.5 1.7 0.2 0.2"
        elif kind == "zero_area_box":
            lines[0] = "0 0.5 0.5 0.0 0.1"
        elif kind == "duplicate_row":
            lines.append(lines[0])
        elif kind == "malformed_line":
            lines[0] = "0 0.5 0.5 0.2"
        (root / "labels" / split / f"{stem}.txt").write_text("\n".join(lines) + "\n")
    for k in range(PLANTED["label_without_image"]):
        (root / "labels" / "train" / f"orphan_{k:03d}.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    for k, src in enumerate(dup_sources):
        (root / "images" / "val" / f"leak_{k:03d}.jpg").write_bytes(src.read_bytes())
        (root / "labels" / "val" / f"leak_{k:03d}.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    (root / "data.yaml").write_text(
        "path: .\ntrain: images/train\nval: images/val\nnames:\n" + "".join(f"  {i}: {n}\n" for i, n in enumerate(NAMES))
    )
    files: dict[str, list[str]] = {}
    for i, kind in sorted(plant.items()):
        files.setdefault(kind, []).append(f"images/{ids[i][0]}/{ids[i][1]}.jpg")
    files["label_without_image"] = [f"labels/train/orphan_{k:03d}.txt" for k in range(PLANTED["label_without_image"])]
    files["cross_split_duplicate"] = [f"images/val/leak_{k:03d}.jpg" for k in range(len(dup_sources))]
    meta = {"images": n_images + len(dup_sources), "planted": PLANTED, "seed": seed, "files": files}
    (root / "planted.json").write_text(json.dumps(meta, indent=2))
    return meta
