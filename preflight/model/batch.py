"""The default input pipeline: data.yaml + model.yaml ``input`` -> batches of (inputs, targets).

Used when model.yaml gives no ``loader``. It does what a careful training script does, so the
N checks stay silent on it unless the data itself is off (e.g. masks holding 255 while the loss
has no ``ignore_index``): cv2 read, channel order, resize (nearest-neighbour for masks), divide
by ``scale``, normalize with ``mean``/``std``.

Targets follow the torchvision conventions of each task:

- classify: ``int64 [B]`` class ids from the image's folder name (``train/<class>/x.jpg``);
- segment: ``int64 [B, H, W]`` from the label PNGs of ``masks:`` (matched by stem);
- detect: a list of ``{"boxes": float [N, 4] xyxy pixels, "labels": int64 [N]}`` from YOLO txt
  files; labels are shifted by one because torchvision detectors reserve 0 for background.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .config import ModelConfig

__all__ = ["IMAGE_SUFFIXES", "DefaultLoader", "list_images"]

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
#: without `input.size` the default loader resizes to this (the torchvision classification size)
DEFAULT_SIZE = (224, 224)
DEFAULT_BATCH = 8


def list_images(data: Any, split: str) -> list[Path]:
    """Image files of one split of a data.yaml: folders (recursive) and list files."""
    out: list[Path] = []
    for entry in data.splits.get(split, []):
        p = Path(entry)
        p = p if p.is_absolute() else data.root / p
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.suffix.lower() in IMAGE_SUFFIXES)
        elif p.is_file() and p.suffix.lower() == ".txt":
            for line in p.read_text(encoding="utf-8", errors="replace").splitlines():
                line = line.strip()
                if line:
                    q = Path(line)
                    out.append(q if q.is_absolute() else data.root / q)
        elif p.is_file():
            out.append(p)
    return out


def _label_file(image: Path) -> Path:
    parts = list(image.parts)
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] == "images":
            parts[i] = "labels"
            break
    return Path(*parts).with_suffix(".txt")


class DefaultLoader:
    """An iterable of batches, re-iterable, deterministic (first images of the split)."""

    def __init__(self, cfg: ModelConfig, data: Any, task: str, *, split: str | None = None) -> None:
        self.cfg = cfg
        self.data = data
        self.task = task
        self.split = split or ("train" if "train" in data.splits else "val")
        self.images = list_images(data, self.split)
        if not self.images:
            raise ConfigError(f"{data.file}: {self.split}: no images found for the model audit's batch")
        self.batch_size = cfg.batch_size or DEFAULT_BATCH
        self.size = cfg.input.size or DEFAULT_SIZE
        fmt = data.format
        if task == "segment" and not data.masks and fmt != "mask":
            raise ConfigError(
                f"{data.file}: masks: the default loader needs label PNGs for task segment "
                f"(e.g. `masks: {{train: masks/train}}`); or give model.yaml a `loader:`"
            )
        if task == "detect" and fmt not in (None, "yolo"):
            raise ConfigError(
                f"{cfg.name}: loader: the default loader reads YOLO labels; for format {fmt} give a `loader:`"
            )
        names = sorted(data.names)
        self._class_of_folder = {data.names[k]: i for i, k in enumerate(names)}

    def __len__(self) -> int:
        return (len(self.images) + self.batch_size - 1) // self.batch_size

    # -- one sample ---------------------------------------------------------------------
    def _image(self, path: Path) -> Any:
        import cv2
        import numpy as np

        img = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if img is None:
            raise ConfigError(f"{path}: cannot decode the image for the model audit's batch")
        if self.cfg.input.channels == "RGB":
            img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
        h, w = self.size
        orig = img.shape[:2]
        img = cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR)
        x = img.astype(np.float32) / float(self.cfg.input.scale)
        if self.cfg.input.mean is not None:
            x = x - np.asarray(self.cfg.input.mean, dtype=np.float32)
        if self.cfg.input.std is not None:
            x = (x / np.asarray(self.cfg.input.std, dtype=np.float32)).astype(np.float32)
        return x.transpose(2, 0, 1).copy(), orig

    def _mask(self, image: Path) -> Any:  # noqa: C901
        import cv2
        import numpy as np

        folder = self.data.masks.get(self.split)
        candidates: list[Path] = []
        if folder:
            root = Path(folder)
            root = root if root.is_absolute() else self.data.root / root
            candidates = [root / (image.stem + ".png")]
        else:
            candidates = [Path(str(_label_file(image).with_suffix(".png")).replace("/labels/", "/masks/"))]
        for c in candidates:
            if c.is_file():
                m = _read_mask_indices(c)
                if m is not None:
                    h, w = self.size
                    m = cv2.resize(m, (w, h), interpolation=cv2.INTER_NEAREST)
                    return m.astype(np.int64)
        raise ConfigError(f"{image}: no mask found for it (looked for {candidates[0]})")

    def _boxes(self, image: Path) -> tuple[Any, Any]:
        import numpy as np

        h, w = self.size
        boxes, labels = [], []
        lf = _label_file(image)
        if lf.is_file():
            for row in lf.read_text(encoding="utf-8", errors="replace").splitlines():
                vals = row.split()
                if len(vals) < 5:
                    continue
                try:
                    c = int(float(vals[0]))
                    nums = [float(v) for v in vals[1:]]
                except ValueError:
                    continue
                if len(nums) == 4:
                    cx, cy, bw, bh = nums
                    x0, y0, x1, y1 = cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2
                else:  # a polygon: its bounding box
                    xs, ys = nums[0::2], nums[1::2]
                    x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
                box = [max(0.0, x0) * w, max(0.0, y0) * h, min(1.0, x1) * w, min(1.0, y1) * h]
                if box[2] - box[0] >= 1 and box[3] - box[1] >= 1:
                    boxes.append(box)
                    labels.append(c + 1)  # torchvision detectors: 0 is background
        return np.asarray(boxes, dtype=np.float32).reshape(-1, 4), np.asarray(labels, dtype=np.int64)

    def _class(self, image: Path) -> int:
        cls = self._class_of_folder.get(image.parent.name)
        if cls is None:
            raise ConfigError(
                f"{image}: task classify: the default loader takes the class from the folder name, "
                f"and {image.parent.name!r} is not in names; or give model.yaml a `loader:`"
            )
        return cls

    # -- batches -------------------------------------------------------------------------
    def batch(self, index: int = 0) -> tuple[Any, Any]:
        import numpy as np
        import torch

        chunk = self.images[index * self.batch_size : (index + 1) * self.batch_size]
        xs = []
        targets: list[Any] = []
        for path in chunk:
            x, _ = self._image(path)
            xs.append(x)
            if self.task == "segment":
                targets.append(self._mask(path))
            elif self.task == "detect":
                b, lab = self._boxes(path)
                targets.append({"boxes": torch.from_numpy(b), "labels": torch.from_numpy(lab)})
            else:
                targets.append(self._class(path))
        inputs = torch.from_numpy(np.stack(xs))
        if self.task == "segment":
            return inputs, torch.from_numpy(np.stack(targets))
        if self.task == "detect":
            return inputs, targets
        return inputs, torch.tensor(targets, dtype=torch.int64)

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        for i in range(len(self)):
            yield self.batch(i)


def _read_mask_indices(path: Path) -> Any:
    """A label mask as class indices: a palette PNG's indices (not its colours, which is what
    cv2.imread returns), a grey PNG's values; a colour-saved grey mask gives its first channel."""
    import numpy as np
    from PIL import Image

    try:
        with Image.open(path) as im:
            if im.mode in ("P", "L", "I", "I;16", "I;16B", "1"):
                return np.asarray(im)
            arr = np.asarray(im.convert("RGB"))
    except OSError:
        return None
    return arr[..., 0]
