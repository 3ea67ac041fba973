"""Mask datasets for the M checks, built in tmp_path from the real VOC masks (never written in place)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
VOC = SHARED / "voc_masks"
VOC_NAMES = ["background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
             "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor"]


def needs_shared() -> None:
    if not VOC.is_dir():
        pytest.skip("needs ../shared/data (real datasets)")


def real_pairs() -> list[tuple[np.ndarray, bytes, Image.Image]]:
    """(mask indices, image JPEG bytes, the mask as opened) of the two clean VOC pairs."""
    needs_shared()
    out = []
    for stem in ("2007_000032", "2007_000033"):
        m = Image.open(VOC / "voc2012_clean" / "masks" / "val" / f"{stem}.png")
        m.load()
        out.append((np.asarray(m), (VOC / "voc2012_clean" / "images" / "val" / f"{stem}.jpg").read_bytes(), m))
    return out


def png_bytes(img: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", **kw)
    return buf.getvalue()


def palette_png(a: np.ndarray) -> bytes:
    """Indices as a VOC palette PNG, like the official masks."""
    from preflight.formats.masks import voc_palette

    img = Image.fromarray(a.astype(np.uint8), "P")
    img.putpalette(voc_palette().ravel().tolist())
    return png_bytes(img)


def write_dataset(root: Path, pairs: dict[str, dict[str, tuple[bytes | None, bytes | None]]], *,
                  names=None, ignore_index=None, mask_ext: str = ".png", extra: dict | None = None) -> Path:
    """pairs: split -> stem -> (image bytes or None, mask bytes or None). Returns data.yaml."""
    for split, items in pairs.items():
        (root / "images" / split).mkdir(parents=True, exist_ok=True)
        (root / "masks" / split).mkdir(parents=True, exist_ok=True)
        for stem, (img, mask) in items.items():
            if img is not None:
                (root / "images" / split / f"{stem}.jpg").write_bytes(img)
            if mask is not None:
                (root / "masks" / split / f"{stem}{mask_ext}").write_bytes(mask)
    data = {"path": ".", "format": "mask", "names": names if names is not None else VOC_NAMES,
            "masks": {s: f"masks/{s}" for s in pairs}}
    for s in pairs:
        data[s] = f"images/{s}"
    if ignore_index is not None:
        data["ignore_index"] = ignore_index
    data.update(extra or {})
    (root / "data.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return root / "data.yaml"


def audit(data_yaml: Path, model: dict | None = None, select=("M", "D112", "D113")):
    from preflight.engine import audit_data

    model_yaml = None
    if model is not None:
        model_yaml = data_yaml.parent / "model.yaml"
        model_yaml.write_text(yaml.safe_dump(model), encoding="utf-8")
    result, ctx = audit_data(data_yaml, select=list(select), jobs=1, model_yaml=model_yaml)
    return result, ctx


def codes(result, severities=("error", "warning", "info")) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in result.findings:
        if f.severity.value in severities:
            out.setdefault(f.code, []).append(f)
    return out


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def tree_hash(root: Path) -> str:
    """Hash of every file's path, size, mtime and bytes under root (proves nothing was written)."""
    import hashlib
    import os

    h = hashlib.blake2b(digest_size=16)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            p = Path(dirpath) / name
            st = p.lstat()
            h.update(f"{p.relative_to(root)}|{st.st_size}|{st.st_mtime_ns}".encode())
            h.update(p.read_bytes())
    return h.hexdigest()
