"""The data context: everything the data checks read, computed once from the scan's facts.

Checks never open files; they read ``ctx.cfg`` (data.yaml), ``ctx.layout`` (which files
belong where), ``ctx.images`` / ``ctx.labels`` (facts per file) and the dataset-wide tables
built here lazily (``ctx.boxes``, ``ctx.class_counts``), each computed at most once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from .config import DataConfig
from .dataset import Layout, Sample
from .facts import CXCYWH_NORM, XYWH_ABS, XYXY_ABS, Annotations, ImageFacts, LabelFacts

__all__ = ["BoxTable", "DataContext"]


@dataclass
class BoxTable:
    """All annotations of the dataset as columns (one row per box or polygon)."""

    source: np.ndarray  # int32 index into ctx.sources (one label file, or one COCO image entry)
    cls: np.ndarray  # float64 class id (NaN: a VOC name not in names)
    raw: np.ndarray  # (n, 4) the box as written, in its format
    xyxy: np.ndarray  # (n, 4) corners divided by the canvas (NaN when the canvas is unknown)
    canvas: np.ndarray  # (n, 2) width, height in pixels (NaN when unknown)
    line: np.ndarray  # int32 line in the label file (0: none)
    points: np.ndarray  # int32 polygon points; 0 box; -1 RLE
    poly_area: np.ndarray  # float64, polygon area in the box's units; NaN for boxes
    ann_id: np.ndarray  # int64 COCO annotation id, or -1
    name: list[str | None]  # class name as written (VOC), else None
    fmt: np.ndarray  # object array of box formats

    def __len__(self) -> int:
        return int(self.cls.shape[0])


def _to_xyxy_norm(ann: Annotations, w: float, h: float) -> np.ndarray:
    b = ann.box
    if ann.box_format == CXCYWH_NORM:
        return np.stack([b[:, 0] - b[:, 2] / 2, b[:, 1] - b[:, 3] / 2, b[:, 0] + b[:, 2] / 2, b[:, 1] + b[:, 3] / 2], axis=1)
    if ann.box_format == XYXY_ABS:
        # VOC pixel indices are 1-based and inclusive: a box 1..W spans the whole width
        return np.stack([(b[:, 0] - 1) / w, (b[:, 1] - 1) / h, b[:, 2] / w, b[:, 3] / h], axis=1)
    if ann.box_format == XYWH_ABS:
        return np.stack([b[:, 0] / w, b[:, 1] / h, (b[:, 0] + b[:, 2]) / w, (b[:, 1] + b[:, 3]) / h], axis=1)
    raise ValueError(ann.box_format)


@dataclass(slots=True)
class LabelSource:
    """One place annotations come from: a label file, or one image entry of a COCO json."""

    split: str
    label: str
    coco_id: int | None
    #: absolute image path; None for a label file without an image
    image: str | None


@dataclass
class DataContext:
    cfg: DataConfig
    layout: Layout
    #: absolute image path -> facts
    images: dict[str, ImageFacts] = field(default_factory=dict)
    #: absolute label path -> facts (YOLO txt, VOC xml)
    labels: dict[str, LabelFacts] = field(default_factory=dict)
    #: split -> COCO facts of that split's json
    coco: dict[str, Any] = field(default_factory=dict)
    #: absolute mask path -> mask facts (masks issue)
    masks: dict[str, Any] = field(default_factory=dict)
    deep: bool = False
    #: model.yaml next to the data, when ``preflight check`` was given one (YAML only)
    model_cfg: dict[str, Any] | None = None
    model_file: str | None = None

    # -- paths -------------------------------------------------------------------------
    def rel(self, path: str | None) -> str | None:
        return None if path is None else self.cfg.rel(path)

    @property
    def samples(self) -> list[Sample]:
        return self.layout.samples

    @cached_property
    def sources(self) -> list[LabelSource]:
        """Every label source once: those of the samples, then label files without an image.

        An image listed in two splits shares one source (leakage is I108's business, and its
        labels are checked once).
        """
        out: list[LabelSource] = []
        seen: set[tuple[str, int | None]] = set()
        for s in self.samples:
            if s.label is not None and (s.label, s.coco_id) not in seen:
                seen.add((s.label, s.coco_id))
                out.append(LabelSource(s.split, s.label, s.coco_id, s.image))
        for split, path in self.layout.orphan_labels:
            if (path, None) not in seen and path in self.labels:
                seen.add((path, None))
                out.append(LabelSource(split, path, None, None))
        return out

    @cached_property
    def source_index(self) -> dict[tuple[str, int | None], int]:
        return {(src.label, src.coco_id): i for i, src in enumerate(self.sources)}

    @cached_property
    def rows_by_source(self) -> dict[int, np.ndarray]:
        """source index -> its rows in ``boxes``."""
        from .geometry import same_image_groups

        b = self.boxes
        return {int(b.source[g[0]]): g for g in same_image_groups(b.source)}

    @cached_property
    def valid_ids(self) -> set[int]:
        return set(self.cfg.names)

    @cached_property
    def name_to_id(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for i, n in self.cfg.names.items():
            out.setdefault(n, i)
            out.setdefault(n.strip(), i)
        return out

    # -- per-sample annotations -----------------------------------------------------------
    def annotations(self, s: Sample | LabelSource) -> Annotations | None:
        if s.label is None:
            return None
        if s.coco_id is not None:
            facts = self.coco.get(s.split)
            return None if facts is None else facts.annotations.get(s.coco_id)
        lf = self.labels.get(s.label)
        return None if lf is None else lf.annotations

    def canvas(self, s: Sample | LabelSource) -> tuple[float, float]:
        """(width, height) the annotations are relative to: the displayed image size."""
        if s.coco_id is not None:
            facts = self.coco.get(s.split)
            if facts is not None:
                for img in self.coco_images(s.split).get(s.coco_id, ()):
                    if img.width and img.height:
                        return float(img.width), float(img.height)
        im = self.images.get(s.image) if s.image else None
        size = im.oriented_size if im is not None else None
        if size:
            return float(size[0]), float(size[1])
        lf = self.labels.get(s.label) if s.label else None
        if lf is not None and lf.declared_size and lf.declared_size[0] > 0 and lf.declared_size[1] > 0:
            return float(lf.declared_size[0]), float(lf.declared_size[1])
        return math.nan, math.nan

    def coco_images(self, split: str) -> dict[int, list[Any]]:
        cache = self.__dict__.setdefault("_coco_images", {})
        if split not in cache:
            facts = self.coco.get(split)
            idx: dict[int, list[Any]] = {}
            for img in facts.images if facts is not None else ():
                idx.setdefault(img.id, []).append(img)
            cache[split] = idx
        return cache[split]

    @cached_property
    def boxes(self) -> BoxTable:
        cols: dict[str, list[Any]] = {k: [] for k in ("source", "cls", "raw", "xyxy", "canvas", "line", "points", "area", "ids", "fmt")}
        names: list[str | None] = []
        for i, s in enumerate(self.sources):
            ann = self.annotations(s)
            if ann is None or len(ann) == 0:
                continue
            n = len(ann)
            w, h = self.canvas(s)
            cls = ann.cls
            if ann.names is not None:
                cls = np.asarray([self.name_to_id.get(nm, math.nan) for nm in ann.names], dtype=np.float64)
                names.extend(ann.names)
            else:
                names.extend([None] * n)
            cols["source"].append(np.full(n, i, np.int32))
            cols["cls"].append(cls)
            cols["raw"].append(ann.box)
            cols["xyxy"].append(_to_xyxy_norm(ann, w, h) if ann.box_format != CXCYWH_NORM else _to_xyxy_norm(ann, 1, 1))
            cols["canvas"].append(np.tile([w, h], (n, 1)))
            cols["line"].append(ann.line)
            cols["points"].append(ann.points)
            cols["area"].append(ann.poly_area)
            cols["ids"].append(ann.ids if ann.ids is not None else np.full(n, -1, np.int64))
            cols["fmt"].append(np.full(n, ann.box_format, dtype=object))

        def cat(key: str, empty: np.ndarray) -> np.ndarray:
            return np.concatenate(cols[key]) if cols[key] else empty

        return BoxTable(
            source=cat("source", np.zeros(0, np.int32)),
            cls=cat("cls", np.zeros(0)),
            raw=cat("raw", np.zeros((0, 4))),
            xyxy=cat("xyxy", np.zeros((0, 4))),
            canvas=cat("canvas", np.zeros((0, 2))),
            line=cat("line", np.zeros(0, np.int32)),
            points=cat("points", np.zeros(0, np.int32)),
            poly_area=cat("area", np.zeros(0)),
            ann_id=cat("ids", np.zeros(0, np.int64)),
            name=names,
            fmt=cat("fmt", np.zeros(0, dtype=object)),
        )

    def box_location(self, row: int) -> tuple[str | None, int | None, str]:
        """(label path relative to the root, line, split) of one box, for a Hit."""
        b = self.boxes
        s = self.sources[int(b.source[row])]
        line = int(b.line[row]) or None
        return self.rel(s.label), line, s.split

    def box_ref(self, row: int) -> str:
        """``file:line`` (or ``file#annotation id``) of one box, for messages."""
        path, line, _ = self.box_location(row)
        aid = int(self.boxes.ann_id[row])
        return f"{path}#{aid}" if aid >= 0 else (f"{path}:{line}" if line else str(path))

    def box_where(self, row: int) -> str:
        """A short description of a box for messages: COCO annotation id, or nothing."""
        aid = int(self.boxes.ann_id[row])
        return f"annotation {aid}: " if aid >= 0 else ""

    # -- dataset-wide statistics -----------------------------------------------------------
    @cached_property
    def class_counts(self) -> dict[str, dict[int, int]]:
        """split -> {class id: annotations} over the valid ids (an image in two splits counts in both)."""
        out: dict[str, dict[int, int]] = {split: {} for split in self.cfg.splits}
        for s in self.samples:
            ann = self.annotations(s)
            if ann is None or len(ann) == 0:
                continue
            cls = ann.cls if ann.names is None else np.asarray([self.name_to_id.get(n, math.nan) for n in ann.names])
            d = out.setdefault(s.split, {})
            for c in cls[np.isfinite(cls)]:
                if c == int(c) and int(c) in self.valid_ids:
                    d[int(c)] = d.get(int(c), 0) + 1
        return out

    @cached_property
    def image_splits(self) -> dict[str, list[str]]:
        """absolute image path -> the splits it is listed in."""
        out: dict[str, list[str]] = {}
        for s in self.samples:
            out.setdefault(s.image, [])
            if s.split not in out[s.image]:
                out[s.image].append(s.split)
        return out

    def stats(self) -> dict[str, Any]:
        n_labels = len(self.boxes)
        counts = self.class_counts
        return {
            "images": len(self.image_splits),
            "labels": n_labels,
            "format": self.layout.format,
            "splits": {s: sum(1 for x in self.samples if x.split == s) for s in self.cfg.splits},
            "class_counts": {split: {self.cfg.names.get(k, str(k)): v for k, v in sorted(d.items())} for split, d in counts.items()},
        }
