"""Helpers for the report tests: a small generated dataset, and headless Chromium."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

#: Debian's package name first, then the usual other names.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
)


def chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def run_chromium(page: Path, *, screenshot: Path | None = None, height: int = 2000) -> tuple[str, str]:
    """(dumped DOM after scripts ran, stderr log) of a local page; optionally a screenshot."""
    exe = chromium()
    if exe is None:
        pytest.skip("headless chromium is not installed (apt-get install -y chromium; `make` installs it on CI)")
    with tempfile.TemporaryDirectory() as profile:
        base = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size=1280,{height}"]
        url = page.resolve().as_uri()
        if screenshot is not None:
            subprocess.run([*base, f"--screenshot={screenshot}", url], capture_output=True, text=True, timeout=120, check=False)
        dom = subprocess.run([*base, "--dump-dom", url], capture_output=True, text=True, timeout=120, check=False)
    return dom.stdout, dom.stderr


def make_image(path: Path, w: int, h: int, seed: int) -> None:
    import cv2

    rng = np.random.default_rng(seed)
    img = np.full((h, w, 3), 200, np.uint8)
    img[:] = rng.integers(60, 200, 3, dtype=np.uint8)
    for _ in range(4):
        x, y = int(rng.integers(0, w - 20)), int(rng.integers(0, h - 20))
        cv2.rectangle(img, (x, y), (x + 20 + int(rng.integers(0, 40)), y + 20 + int(rng.integers(0, 40))),
                      tuple(int(c) for c in rng.integers(0, 255, 3)), -1)
    path.parent.mkdir(parents=True, exist_ok=True)
    ok, buf = cv2.imencode(".jpg", img)
    assert ok
    path.write_bytes(buf.tobytes())


#: Names a dataset author controls, each an attempt to run script in the report.
HOSTILE_NAMES = [
    "<script>alert(1)</script>",
    '" onerror="document.body.setAttribute(\'data-pwned\',1)',
    "<img src=x onerror=document.body.setAttribute('data-pwned',2)>",
    "$\\frac{x}{0}$ </style><b>",
]
HOSTILE_FILE = '"><img src=x onerror=alert(3)>'


def build_hostile_dataset(tmp_path: Path) -> Path:
    """A YOLO dataset whose class names and file names try to inject markup, with defects
    (class id out of range, a box past the edge, an image without labels, a duplicate
    across splits) so that findings, examples and thumbnails all carry the hostile text."""
    root = tmp_path / "ds"
    for split in ("train", "val"):
        for i in range(3):
            stem = f"{HOSTILE_FILE}{i}" if i == 0 else f"img{i}"
            make_image(root / "images" / split / f"{stem}.jpg", 160, 120, seed=i + (10 if split == "val" else 0))
            lines = ["0 0.5 0.5 0.2 0.2", "1 0.3 0.3 0.1 0.1"]
            if i == 0:
                lines.append("7 0.5 0.5 0.1 0.1")  # id past names
                lines.append("2 0.95 0.5 0.2 0.2")  # past the right edge
            if not (split == "train" and i == 2):
                (root / "labels" / split).mkdir(parents=True, exist_ok=True)
                (root / "labels" / split / f"{stem}.txt").write_text("\n".join(lines) + "\n")
    # the same picture in train and val: leakage
    shutil.copy(root / "images" / "train" / "img1.jpg", root / "images" / "val" / "leak.jpg")
    (root / "labels" / "val" / "leak.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    names = "\n".join(f"  {i}: {_yaml_quote(n)}" for i, n in enumerate(HOSTILE_NAMES))
    (root / "data.yaml").write_text(f"path: .\ntrain: images/train\nval: images/val\nnames:\n{names}\n")
    return root / "data.yaml"


def _yaml_quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
