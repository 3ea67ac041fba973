"""Build small datasets from YAML case specs (tests/cases/<CODE>.yaml) and run one check on them.

A case file::

    code: D103
    cases:
      - name: id past names
        expect: bad                       # bad: the code must fire; good: it must not
        data: {names: [a, b]}             # merged into the generated data.yaml
        files:
          images/train/a.jpg: {image: [64, 48]}
          labels/train/a.txt: "5 0.5 0.5 0.2 0.2\\n"
        at: {path: labels/train/a.txt, line: 1}   # optional: where the finding must point

File specs: a string is written as UTF-8 text; ``{image: [w, h]}`` writes a real picture
(``format: png|jpg|bmp``, ``seed``, ``orientation`` (EXIF tag), ``truncate`` (keep this
fraction of the bytes), ``patches: [{seed, box: [x, y, w, h]}]`` (paste textured "objects":
the same seed paints the same object)); ``{copy: other/path}`` copies another file of the case;
``{hex: "ff d8"}`` writes raw bytes; ``{dir: true}`` makes a folder.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import yaml

CASES_DIR = Path(__file__).parent / "cases"


def _image_bytes(spec: dict[str, Any]) -> bytes:
    from PIL import Image

    w, h = spec["image"]
    fmt = spec.get("format", "jpg").lower()
    rng = np.random.default_rng(spec.get("seed", 0))
    # smooth random picture: a few gradients, so JPEG sizes and hashes are realistic
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([(xx * rng.uniform(0.2, 2) + yy * rng.uniform(0.2, 2) + rng.uniform(0, 255)) % 256 for _ in range(3)], -1)
    for patch in spec.get("patches", []):  # an "object": a few shapes, the same for the same seed
        import cv2

        px, py, pw, ph = patch["box"]
        prng = np.random.default_rng(patch["seed"])
        obj = np.zeros((ph, pw, 3), np.uint8)
        obj[:] = prng.integers(0, 256, 3)
        for _ in range(4):
            colour = tuple(int(c) for c in prng.integers(0, 256, 3))
            centre = (int(prng.integers(0, pw)), int(prng.integers(0, ph)))
            axes = (int(prng.integers(pw // 8, pw // 2)), int(prng.integers(ph // 8, ph // 2)))
            cv2.ellipse(obj, centre, axes, float(prng.integers(0, 180)), 0, 360, colour, -1)
        base[py:py + ph, px:px + pw] = obj
    img = Image.fromarray(base.astype(np.uint8), "RGB")
    buf = io.BytesIO()
    pil_fmt = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "bmp": "BMP"}[fmt]
    kwargs: dict[str, Any] = {}
    if spec.get("orientation"):
        exif = Image.Exif()
        exif[0x0112] = int(spec["orientation"])
        kwargs["exif"] = exif.tobytes()
    img.save(buf, pil_fmt, **kwargs)
    data = buf.getvalue()
    if "truncate" in spec:
        data = data[: int(len(data) * float(spec["truncate"]))]
    return data


def build_dataset(root: Path, case: dict[str, Any]) -> Path:
    """Write the case's files under root; return the data.yaml path."""
    root.mkdir(parents=True, exist_ok=True)
    files: dict[str, Any] = case.get("files", {})
    pending_copies = []
    for rel, spec in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(spec, str):
            p.write_text(spec, encoding="utf-8")
        elif spec.get("dir"):
            p.mkdir(exist_ok=True)
        elif "image" in spec:
            p.write_bytes(_image_bytes(spec))
        elif "hex" in spec:
            p.write_bytes(bytes.fromhex(spec["hex"]))
        elif "copy" in spec:
            pending_copies.append((p, root / spec["copy"]))
        else:
            raise ValueError(f"unknown file spec for {rel}: {spec}")
    for dst, src in pending_copies:
        dst.write_bytes(src.read_bytes())
    data: dict[str, Any] = {"path": ".", "train": "images/train"}
    if (root / "images" / "val").exists():
        data["val"] = "images/val"
    data.update(case.get("data", {}))
    if "yaml" in case:  # raw data.yaml text, for config checks that need exact formatting
        (root / "data.yaml").write_text(case["yaml"], encoding="utf-8")
    else:
        (root / "data.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return root / "data.yaml"


def load_cases() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for f in sorted(CASES_DIR.glob("*.yaml")):
        spec = yaml.safe_load(f.read_text(encoding="utf-8"))
        code = spec["code"]
        assert f.stem == code, f"{f.name} declares code {code}"
        for case in spec["cases"]:
            out.append((code, case))
    return out


def tree_hash(root: Path) -> str:
    """Hash of every file's path, size, mtime and bytes under root (to prove nothing was written)."""
    h = hashlib.blake2b(digest_size=16)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for name in sorted(filenames):
            p = Path(dirpath) / name
            try:
                st = p.lstat()
            except OSError:
                continue
            h.update(os.fsencode(p.relative_to(root)) + f"|{st.st_size}|{st.st_mtime_ns}|{st.st_mode}".encode())
            if p.is_file() and not p.is_symlink():
                with open(p, "rb") as fh:
                    h.update(fh.read())
        h.update(os.fsencode("|".join(sorted(dirnames))))
    return h.hexdigest()
