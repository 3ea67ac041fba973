"""Write the demo dataset (demo/): 32 synthetic scenes with masks, and a few planted defects.

Run once to (re)create the committed files: ``python demo/make_demo.py``. Deterministic.
The scenes are circles and squares on textured backgrounds; masks are palette PNGs with
0 = background, 1 = circle, 2 = square and 255 on every object border (as Pascal VOC does).

Planted defects, each one a check preflight should report:
- ``train/scene_07``: its mask was resized with bilinear interpolation (in-between values)
- ``train/scene_11``: its JPEG is cut short (truncated)
- ``train/scene_13``: has no mask
- ``train/scene_17``: its mask holds value 7 (there are 3 classes)
- ``val/scene_29``: the same picture as ``train/scene_03`` (leakage between splits)
- ``model.yaml``: CrossEntropyLoss without ``ignore_index`` while the masks hold 255
"""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
SIZE = 128
VOC_PALETTE = [0, 0, 0, 128, 0, 0, 0, 128, 0] + [0, 0, 0] * 252 + [224, 224, 192]


def scene(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    img = np.zeros((SIZE, SIZE, 3), np.uint8)
    img[:] = rng.integers(60, 200, 3)
    noise = cv2.resize(rng.integers(0, 40, (16, 16), dtype=np.uint8), (SIZE, SIZE))
    img = cv2.add(img, cv2.merge([noise, noise, noise]))
    mask = np.zeros((SIZE, SIZE), np.uint8)
    for _ in range(int(rng.integers(1, 4))):
        cls = int(rng.integers(1, 3))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        cx, cy, r = (int(v) for v in rng.integers([20, 20, 8], [108, 108, 24]))
        if cls == 1:
            cv2.circle(img, (cx, cy), r, colour, -1)
            cv2.circle(mask, (cx, cy), r, 1, -1)
            cv2.circle(mask, (cx, cy), r, 255, 1)
        else:
            cv2.rectangle(img, (cx - r, cy - r), (cx + r, cy + r), colour, -1)
            cv2.rectangle(mask, (cx - r, cy - r), (cx + r, cy + r), 2, -1)
            cv2.rectangle(mask, (cx - r, cy - r), (cx + r, cy + r), 255, 1)
    return img, mask


def save_mask(mask: np.ndarray, path: Path) -> None:
    im = Image.fromarray(mask, "P")
    im.putpalette(VOC_PALETTE)
    im.save(path)


def main() -> None:
    for sub in ("images", "masks"):
        shutil.rmtree(HERE / sub, ignore_errors=True)
    rng = np.random.default_rng(2026)
    for i in range(32):
        split = "train" if i < 24 else "val"
        (HERE / "images" / split).mkdir(parents=True, exist_ok=True)
        (HERE / "masks" / split).mkdir(parents=True, exist_ok=True)
        img, mask = scene(rng)
        name = f"scene_{i:02d}"
        if i == 29:  # leakage: the same picture as a training image
            data = (HERE / "images" / "train" / "scene_03.jpg").read_bytes()
            (HERE / "images" / split / f"{name}.jpg").write_bytes(data)
            shutil.copy(HERE / "masks" / "train" / "scene_03.png", HERE / "masks" / split / f"{name}.png")
            continue
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])
        data = buf.tobytes()
        if i == 11:
            data = data[: len(data) // 2]
        (HERE / "images" / split / f"{name}.jpg").write_bytes(data)
        if i == 13:
            continue
        if i == 7:
            small = cv2.resize(mask, (SIZE // 2, SIZE // 2), interpolation=cv2.INTER_NEAREST)
            mask = cv2.resize(small, (SIZE, SIZE), interpolation=cv2.INTER_LINEAR)
        if i == 17:
            mask[5:15, 5:15] = 7
        save_mask(mask, HERE / "masks" / split / f"{name}.png")


if __name__ == "__main__":
    main()
