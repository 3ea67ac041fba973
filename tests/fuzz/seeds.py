"""Valid files of each kind, as the fuzzers' starting points (generated, so nothing binary is
committed): ``seed_files()`` → {kind: [bytes, ...]}."""

from __future__ import annotations

import io
import json
import os

import numpy as np

__all__ = ["seed_files", "write_corpus"]


def _png(arr: np.ndarray, mode: str | None = None, palette: bool = False) -> bytes:
    from PIL import Image

    img = Image.fromarray(arr, mode) if mode else Image.fromarray(arr)
    if palette:
        img = img.convert("P")
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _jpeg(arr: np.ndarray, mode: str = "RGB") -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(arr).convert(mode).save(buf, "JPEG", quality=80)
    return buf.getvalue()


def seed_files() -> dict[str, list[bytes]]:
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
    mask = np.zeros((24, 32), np.uint8)
    mask[4:12, 5:20] = 1
    mask[12:20, 10:30] = 2
    mask[11:13] = 255
    voc = ("<annotation><filename>a.jpg</filename><size><width>32</width><height>24</height><depth>3</depth></size>"
           "<object><name>car</name><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>9</xmax><ymax>20</ymax></bndbox></object>"
           "</annotation>")
    coco = {"images": [{"id": 1, "file_name": "a.jpg", "width": 32, "height": 24}],
            "categories": [{"id": 1, "name": "a"}],
            "annotations": [{"id": 5, "image_id": 1, "category_id": 1, "bbox": [3, 1, 10, 10],
                             "segmentation": [[3, 1, 13, 1, 13, 11]]},
                            {"id": 6, "image_id": 1, "category_id": 1, "bbox": [0, 0, 4, 4],
                             "segmentation": {"counts": [0, 4, 20, 4, 20, 4, 20, 4, 692], "size": [24, 32]}}]}
    images = [_png(rgb), _jpeg(rgb), _jpeg(rgb, "L"), _jpeg(rgb, "CMYK"), _png(mask, palette=True),
              _png(mask.astype(np.uint16) * 300)]
    return {
        "yolo": [b"0 0.5 0.5 0.2 0.2\n1 0.1 0.1 0.9 0.1 0.9 0.9\n", b"2 0.3 0.3 0.1 0.1\r\n"],
        "voc": [voc.encode()],
        "coco": [json.dumps(coco).encode()],
        "image": images,
        "mask": [_png(mask), _png(mask, palette=True), _png(np.stack([mask * 50] * 3, -1)), _jpeg(np.stack([mask] * 3, -1))],
        "edges": images[:3],
    }


def write_corpus(folder: str, kinds: tuple[str, ...]) -> str:
    """One file per seed, prefixed with the two bytes the atheris harness reads (kind, deep)."""
    os.makedirs(folder, exist_ok=True)
    for kind, blobs in seed_files().items():
        if kind not in kinds:
            continue
        for i, blob in enumerate(blobs):
            for deep in (0, 1):
                with open(os.path.join(folder, f"{kind}-{i}-{deep}"), "wb") as fh:
                    fh.write(bytes([kinds.index(kind), deep]) + blob)
    return folder
