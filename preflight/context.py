"""The data context: everything the data checks read, computed once from the scan's facts.

Checks never open files; they read ``ctx.cfg`` (data.yaml), ``ctx.layout`` (which files
belong where), ``ctx.images`` / ``ctx.labels`` (facts per file) and the dataset-wide tables
built here lazily (``ctx.boxes``, ``ctx.class_counts``), each computed at most once.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from .config import DataConfig
from .dataset import Layout, Sample
from .facts import CXCYWH_NORM, XYWH_ABS, XYXY_ABS, Annotations
from .tables import ImageSplits, ImageTable, LabelTable

__all__ = ["BoxTable", "DataContext", "RowGroups"]


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
    name: Sequence[str | None]  # class name as written (VOC), else None
    fmt: np.ndarray  # object array of box formats

    def __len__(self) -> int:
        return int(self.cls.shape[0])

    @classmethod
    def empty(cls) -> BoxTable:
        z = np.zeros(0)
        return cls(np.zeros(0, np.int32), z, np.zeros((0, 4)), np.zeros((0, 4)), np.zeros((0, 2)),
                   np.zeros(0, np.int32), np.zeros(0, np.int32), z, np.zeros(0, np.int64), [], np.zeros(0, dtype=object))


class _NoNames(Sequence[None]):
    """``BoxTable.name`` of a dataset without class names in its labels (YOLO): n times None,
    without a list of n pointers."""

    def __init__(self, n: int) -> None:
        self._n = n

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [None] * len(range(*i.indices(self._n)))
        if not -self._n <= i < self._n:
            raise IndexError(i)
        return None

    def __iter__(self) -> Iterator[None]:
        return itertools.repeat(None, self._n)


class RowGroups(Mapping[int, np.ndarray]):
    """source index -> its rows in ``boxes``, in row order: the stable argsort of the sources
    and where each source's run starts, instead of a dict of one array per source (~250 bytes
    each: 250 MB at 10^6 labelled images)."""

    def __init__(self, source: np.ndarray) -> None:
        self._order = np.argsort(source, kind="stable")
        keys = source[self._order]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, np.int64)
        self._keys = keys[starts]
        self._bounds = np.r_[starts, len(keys)]
        # source index -> its group (-1: no rows): O(1) lookups, 4 bytes per source
        self._group = np.full(int(self._keys[-1]) + 1 if len(self._keys) else 0, -1, np.int32)
        self._group[self._keys] = np.arange(len(self._keys), dtype=np.int32)

    def _at(self, key: object) -> int:
        if not isinstance(key, (int, np.integer)) or not 0 <= key < len(self._group):
            return -1
        return int(self._group[key])

    def __getitem__(self, key: int) -> np.ndarray:
        i = self._at(key)
        if i < 0:
            raise KeyError(key)
        return self._order[self._bounds[i] : self._bounds[i + 1]]

    def __contains__(self, key: object) -> bool:
        return self._at(key) >= 0

    def __iter__(self) -> Iterator[int]:
        return (int(k) for k in self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def _xyxy_norm(raw: np.ndarray, fmt: np.ndarray, canvas: np.ndarray) -> np.ndarray:
    """Corners divided by the canvas, for every box format at once (NaN where the canvas is unknown)."""
    out = np.empty_like(raw)
    w, h = canvas[:, 0], canvas[:, 1]
    yolo = fmt == CXCYWH_NORM
    if yolo.all():  # YOLO only: by columns, without the masked copies (same arithmetic)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, 0] = raw[:, 0] - raw[:, 2] / 2
            out[:, 1] = raw[:, 1] - raw[:, 3] / 2
            out[:, 2] = raw[:, 0] + raw[:, 2] / 2
            out[:, 3] = raw[:, 1] + raw[:, 3] / 2
        return out
    voc = fmt == XYXY_ABS
    coco = fmt == XYWH_ABS
    b = raw
    with np.errstate(invalid="ignore", divide="ignore"):
        out[yolo] = np.stack([b[yolo, 0] - b[yolo, 2] / 2, b[yolo, 1] - b[yolo, 3] / 2,
                              b[yolo, 0] + b[yolo, 2] / 2, b[yolo, 1] + b[yolo, 3] / 2], axis=1)
        # VOC pixel indices are 1-based and inclusive: a box 1..W spans the whole width
        out[voc] = np.stack([(b[voc, 0] - 1) / w[voc], (b[voc, 1] - 1) / h[voc], b[voc, 2] / w[voc], b[voc, 3] / h[voc]], axis=1)
        out[coco] = np.stack([b[coco, 0] / w[coco], b[coco, 1] / h[coco], (b[coco, 0] + b[coco, 2]) / w[coco],
                              (b[coco, 1] + b[coco, 3]) / h[coco]], axis=1)
    return out


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
    #: absolute image path -> facts (a columnar table; ``get`` builds an ImageFacts)
    images: ImageTable = field(default_factory=ImageTable)
    #: absolute label path -> facts (YOLO txt, VOC xml; a columnar table, ``get`` builds a LabelFacts)
    labels: LabelTable = field(default_factory=LabelTable)
    #: split -> COCO facts of that split's json
    coco: dict[str, Any] = field(default_factory=dict)
    #: absolute mask path -> mask facts (masks issue)
    masks: dict[str, Any] = field(default_factory=dict)
    deep: bool = False
    #: --deep: perceptual hash of each box's crop (rows of ``boxes``) and whether it is usable
    crop_hashes: Any = None
    crop_valid: Any = None
    #: model.yaml next to the data, when ``preflight check`` was given one (YAML only)
    model_cfg: dict[str, Any] | None = None
    model_file: str | None = None
    #: dotted key -> line in model.yaml
    model_lines: dict[str, int] = field(default_factory=dict)

    # -- paths -------------------------------------------------------------------------
    def rel(self, path: str | None) -> str | None:
        return None if path is None else self.cfg.rel(path)

    @property
    def samples(self) -> list[Sample]:
        return self.layout.samples

    @cached_property
    def sources(self) -> list[LabelSource | Sample]:
        """Every label source once: those of the samples, then label files without an image.

        An image listed in two splits shares one source (leakage is I108's business, and its
        labels are checked once).
        """
        # a sample is its own source (same four fields): a million LabelSource copies would
        # cost ~110 MB; only label files without an image get one. Keys: the label path (a
        # string already held), or (path, COCO id) for COCO entries
        out: list[Any] = []
        seen: dict[Any, int] = {}
        of_sample = np.full(len(self.samples), -1, np.int64)
        for k, s in enumerate(self.samples):
            if s.label is None:
                continue
            key = s.label if s.coco_id is None else (s.label, s.coco_id)
            i = seen.get(key)
            if i is None:
                i = seen[key] = len(out)
                out.append(s)
            of_sample[k] = i
        for split, path in self.layout.orphan_labels:
            if path not in seen and path in self.labels:
                seen[path] = len(out)
                out.append(LabelSource(split, path, None, None))
        #: per sample, its source's index (-1: no label)
        self.__dict__["sample_sources"] = of_sample
        return out

    @cached_property
    def sample_sources(self) -> np.ndarray:
        """Per sample, the index of its label source in ``sources`` (-1: no label)."""
        _ = self.sources  # fills this attribute
        return self.__dict__["sample_sources"]

    @cached_property
    def source_index(self) -> dict[tuple[str | None, int | None], int]:
        return {(src.label, src.coco_id): i for i, src in enumerate(self.sources)}

    @cached_property
    def rows_by_source(self) -> RowGroups:
        """source index -> its rows in ``boxes`` (a read-only mapping over three arrays)."""
        return RowGroups(self.boxes.source)

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
        i = self.labels.index(s.label)
        return None if i < 0 else self.labels.annotations(i)

    def canvas(self, s: Sample | LabelSource) -> tuple[float, float]:
        """(width, height) the annotations are relative to: the displayed image size."""
        if s.coco_id is not None:
            facts = self.coco.get(s.split)
            if facts is not None:
                for img in self.coco_images(s.split).get(s.coco_id, ()):
                    if img.width and img.height:
                        return float(img.width), float(img.height)
        t = self.images
        i = t.index(s.image)
        if i >= 0 and t.width[i] >= 0 and t.height[i] >= 0:
            w, h = float(t.width[i]), float(t.height[i])
            return (h, w) if t.orientation[i] in (5, 6, 7, 8) else (w, h)
        j = self.labels.index(s.label)
        declared = self.labels.declared_size.get(j) if j >= 0 else None
        if declared and declared[0] > 0 and declared[1] > 0:
            return float(declared[0]), float(declared[1])
        return math.nan, math.nan

    def line_issues(self, kinds: set[str]) -> Any:
        """(path relative to the root, line, split, detail) of every reader issue of these kinds,
        in label files and COCO json files."""
        split_of: dict[str, str] | None = None
        table = self.labels
        for row in sorted(table.issues):
            if not table.present[row]:
                continue
            path = table.paths[row]
            for issue in table.issues[row]:
                if issue.kind in kinds:
                    if split_of is None:
                        split_of = {s.label: s.split for s in self.samples if s.label}
                    yield self.rel(path), issue.line, split_of.get(path), issue.detail
        for split, facts in self.coco.items():
            for issue in facts.issues if facts is not None else ():
                if issue.kind in kinds:
                    yield self.rel(self.layout.coco_files[split]), None, split, issue.detail

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
        if all(s.coco_id is None for s in self.sources):
            return self._label_boxes()
        parts: list[Annotations] = []
        src_idx: list[int] = []
        canvases: list[tuple[float, float]] = []
        names: list[str | None] = []
        for i, s in enumerate(self.sources):
            ann = self.annotations(s)
            if ann is None or len(ann) == 0:
                continue
            parts.append(ann)
            src_idx.append(i)
            canvases.append(self.canvas(s))
            names.extend(ann.names if ann.names is not None else [None] * len(ann))
        if not parts:
            return BoxTable.empty()
        counts = np.fromiter((len(a) for a in parts), dtype=np.int64, count=len(parts))
        source = np.repeat(np.asarray(src_idx, np.int32), counts)
        canvas = np.repeat(np.asarray(canvases, np.float64).reshape(-1, 2), counts, axis=0)
        fmt = np.repeat(np.asarray([a.box_format for a in parts], dtype=object), counts)
        data = np.concatenate([a.data for a in parts])
        ids = np.concatenate([a.ids if a.ids is not None else np.full(len(a), -1, np.int64) for a in parts])
        return self._box_table(source, data, canvas, fmt, names, ids, named=any(a.names is not None for a in parts))

    def _box_table(self, source: np.ndarray, data: np.ndarray, canvas: np.ndarray, fmt: np.ndarray,
                   names: Sequence[str | None], ids: np.ndarray, *, named: bool) -> BoxTable:
        """The box table of annotation rows (``Annotations.data``: class, the box as written,
        line, points, polygon area) with their sources, canvases and formats; ``named``: some
        rows carry class names (VOC), mapped to ids through data.yaml."""
        raw = data[:, 1:5]
        cls = data[:, 0]
        if named:
            lookup = self.name_to_id
            has_name = np.asarray([nm is not None for nm in names])
            cls = cls.copy()
            cls[has_name] = [lookup.get(nm, math.nan) for nm in names if nm is not None]
        return BoxTable(
            source=source, cls=cls, raw=raw, xyxy=_xyxy_norm(raw, fmt, canvas), canvas=canvas,
            line=data[:, 5].astype(np.int32),
            points=data[:, 6].astype(np.int32),
            poly_area=data[:, 7],
            ann_id=ids, name=names, fmt=fmt,
        )

    def _label_boxes(self) -> BoxTable:
        """The box table of label files (YOLO, VOC), from the label table's columns at once.

        The rows are the label table's own annotation array, put in the order of the sources
        (that order is usually already the table's): one array serves both, no copy is kept.
        """
        labels, sources = self.labels, self.sources
        n = len(sources)
        li = np.fromiter((labels.index(s.label) for s in sources), np.int64, n)
        has = li >= 0
        has[has] = (labels.fmt_code[li[has]] >= 0) & (labels.count[li[has]] > 0)
        sel = np.flatnonzero(has)
        if len(sel) == 0:
            return BoxTable.empty()
        files = li[sel]
        counts = labels.count[files]
        total = int(counts.sum())
        first = np.cumsum(counts) - counts  # where each source's rows start in the box table
        rows = np.arange(total, dtype=np.int64) + np.repeat(labels.start[files] - first, counts)
        if total == len(labels.data) and not np.array_equal(rows, np.arange(total)):
            labels.reorder(rows, first, files)  # a permutation: the table takes the box order
            data = labels.data
        elif total == len(labels.data):
            data = labels.data
        else:
            data = labels.data[rows]
        source = np.repeat(sel.astype(np.int32), counts)
        canvas = np.repeat(np.asarray([self.canvas(sources[k]) for k in sel], np.float64).reshape(-1, 2), counts, axis=0)
        fmt = np.repeat(np.asarray(labels.formats.values, dtype=object)[labels.fmt_code[files]], counts)
        names: Sequence[str | None] = [None] * total if labels.names else _NoNames(total)
        ids = np.full(total, -1, np.int64)
        if labels.names or labels.ids:
            for k, f in enumerate(files.tolist()):
                nm, aid = labels.names.get(f), labels.ids.get(f)
                if nm is not None:
                    names[int(first[k]) : int(first[k]) + len(nm)] = nm  # type: ignore[index]
                if aid is not None:
                    ids[int(first[k]) : int(first[k]) + len(aid)] = aid
        return self._box_table(source, data, canvas, fmt, names, ids, named=bool(labels.names))

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
        b = self.boxes
        out: dict[str, dict[int, int]] = {split: {} for split in self.cfg.splits}
        if len(b) == 0:
            return out
        ok = np.isfinite(b.cls) & (b.cls == np.round(b.cls))
        ok &= np.isin(b.cls, np.asarray(sorted(self.valid_ids), dtype=np.float64))
        of_sample = self.sample_sources
        sample_split = np.asarray([s.split for s in self.samples], dtype=object)
        splits = list(dict.fromkeys(s.split for s in self.samples))
        for split in splits:
            mask = np.zeros(len(self.sources), dtype=bool)
            idx = of_sample[(sample_split == split) & (of_sample >= 0)]
            mask[idx] = True
            rows = ok & mask[b.source]
            ids, counts = np.unique(b.cls[rows].astype(np.int64), return_counts=True)
            out[split] = {int(i): int(c) for i, c in zip(ids, counts, strict=True)}
        return out

    @cached_property
    def sample_image_rows(self) -> np.ndarray:
        """Per sample, its image's row in ``images`` (-1: no facts)."""
        index = self.images.index
        return np.fromiter((index(s.image) for s in self.samples), np.int64, len(self.samples))

    @cached_property
    def image_splits(self) -> Mapping[str, tuple[str, ...]]:
        """absolute image path -> the splits it is listed in (one shared tuple per combination,
        one small code per image: a million images cost an array, not a dict)."""
        table = self.images
        slot = table.slot
        combos: dict[tuple[str, ...], int] = {}
        listed: list[tuple[str, ...]] = []
        step: dict[tuple[int, str], int] = {}  # (code, split) -> the code with that split added
        codes = [-1] * len(table.paths)
        complete = True
        for s in self.samples:
            i = slot(s.image)
            if i < 0:  # an image the table does not list (a hand-made context): a plain dict
                complete = False
                break
            c = codes[i]
            nxt = step.get((c, s.split))
            if nxt is None:
                have = listed[c] if c >= 0 else ()
                key = have if s.split in have else (*have, s.split)
                nxt = combos.get(key)
                if nxt is None:
                    nxt = combos[key] = len(listed)
                    listed.append(key)
                step[(c, s.split)] = nxt
            codes[i] = nxt
        if complete:
            return ImageSplits(table, np.asarray(codes, np.int32), listed)
        out: dict[str, tuple[str, ...]] = {}
        tuples: dict[tuple[str, ...], tuple[str, ...]] = {}
        for s in self.samples:
            have = out.get(s.image, ())
            if s.split not in have:
                key = (*have, s.split)
                out[s.image] = tuples.setdefault(key, key)
        return out

    def _main_split(self) -> str:
        return "train" if "train" in self.cfg.splits else next(iter(self.cfg.splits), "train")

    def stats(self) -> dict[str, Any]:
        # annotations, or for a mask dataset the masks
        n_labels = len(self.masks) if self.layout.format == "mask" else len(self.boxes)
        counts = self.class_counts
        return {
            "images": len(self.image_splits),
            "labels": n_labels,
            "format": self.layout.format,
            "splits": {s: sum(1 for x in self.samples if x.split == s) for s in self.cfg.splits},
            # the training split's annotations per class name (the predictions read this) ...
            "class_counts": {self.cfg.names.get(k, str(k)): v for k, v in sorted(counts.get(self._main_split(), {}).items())},
            # ... and every split's
            "class_counts_by_split": {split: {self.cfg.names.get(k, str(k)): v for k, v in sorted(d.items())} for split, d in counts.items()},
        }
