"""COCO json: images, categories, and annotations (boxes, polygons, RLE) in one file.

The structure is validated entry by entry (a wrong type or a missing key is an issue naming
the entry, never a crash); RLE masks go through pycocotools to get their size, area and
bounding box. The facts keep, per image, an :class:`Annotations` table in COCO's XYWH pixels.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np

from .. import limits
from ..facts import XYWH_ABS, Annotations, LineIssue
from ._fs import FileProblem, read_bounded

__all__ = ["MAX_COCO_BYTES", "CocoFacts", "CocoImage", "read_coco"]

#: COCO train2017's instances json is 448 MB; 1 GB leaves room and bounds memory (~5× on load).
MAX_COCO_BYTES = 1024 * 1024 * 1024


@dataclass(slots=True)
class CocoImage:
    id: int
    file_name: str
    width: int | None
    height: int | None


@dataclass(slots=True)
class CocoFacts:
    bytes: int
    error: str | None = None
    images: list[CocoImage] = field(default_factory=list)
    categories: dict[int, str] = field(default_factory=dict)
    #: image id -> its annotations
    annotations: dict[int, Annotations] = field(default_factory=dict)
    #: image id -> (n, 4) XYWH box of each annotation's segmentation (NaN when it has none)
    seg_boxes: dict[int, np.ndarray] = field(default_factory=dict)
    #: image id -> (n, 2) [height, width] stored in each RLE (NaN for polygons)
    rle_sizes: dict[int, np.ndarray] = field(default_factory=dict)
    issues: list[LineIssue] = field(default_factory=list)
    #: annotation ids whose image_id is not an image of this file
    orphan_annotations: list[tuple[int, int]] = field(default_factory=list)


_INT64 = 1 << 63


def _int(v: object) -> int | None:
    """An integer id or size as JSON wrote it; None past int64 (1e308 is "integer" as a float,
    and would overflow every numpy array it reaches)."""
    if isinstance(v, bool):
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, int) and -_INT64 <= v < _INT64:
        return v
    return None


def _segmentation(seg: object, width: int | None, height: int | None) -> tuple[int, float, tuple[float, ...], tuple[float, float]]:
    """(points, area, xywh box, rle [h, w]) of a segmentation; points -1 = RLE, 0 = none."""
    nan4 = (math.nan,) * 4
    if isinstance(seg, list) and seg:
        polys = [np.asarray(p, dtype=np.float64) for p in seg
                 if isinstance(p, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in p)]
        polys = [p.reshape(-1, 2) for p in polys if p.size >= 2 and p.size % 2 == 0 and np.isfinite(p).all()]
        if not polys:
            return 0, math.nan, nan4, (math.nan, math.nan)
        # the smallest part decides: one part with fewer than 3 points is degenerate
        pts = min(p.shape[0] for p in polys)
        area = 0.0
        with np.errstate(over="ignore", invalid="ignore"):  # 1e308 coordinates: inf/NaN, reported by the checks
            for p in polys:
                x, y = p[:, 0], p[:, 1]
                area += 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))
            allp = np.concatenate(polys)
            x0, y0 = allp.min(axis=0)
            x1, y1 = allp.max(axis=0)
            return pts, area, (x0, y0, x1 - x0, y1 - y0), (math.nan, math.nan)
    if isinstance(seg, dict) and "counts" in seg and "size" in seg:
        from pycocotools import mask as mask_utils

        size = seg["size"]
        if not (isinstance(size, list) and len(size) == 2 and all(_int(s) is not None for s in size)):
            return -1, math.nan, nan4, (math.nan, math.nan)
        h, w = int(size[0]), int(size[1])
        try:
            rle = seg if isinstance(seg["counts"], (str, bytes)) else mask_utils.frPyObjects(seg, h, w)
            if isinstance(rle.get("counts"), str):
                rle = {"size": [h, w], "counts": rle["counts"].encode()}
            area = float(mask_utils.area(rle))
            box = tuple(float(v) for v in mask_utils.toBbox(rle))
        except Exception:  # noqa: BLE001 - a corrupt RLE is reported through its NaN area
            return -1, math.nan, nan4, (float(h), float(w))
        return -1, area, box, (float(h), float(w))
    return 0, math.nan, nan4, (math.nan, math.nan)


def read_coco(path: str, deep: bool = False) -> CocoFacts:
    try:
        data = read_bounded(path, MAX_COCO_BYTES)
    except FileProblem as exc:
        return CocoFacts(bytes=0, error=str(exc))
    facts = CocoFacts(bytes=len(data))
    try:
        # decoded here (as json.loads does) so the bytes are freed before the parse: peak memory
        # is 2× the file plus the objects, not 3× (measured on a 500 MB file)
        text = data.decode(json.detect_encoding(data), "surrogatepass")
        del data
        doc = json.loads(text)
    except RecursionError:
        facts.error = "JSON nested too deeply"
        return facts
    except (ValueError, UnicodeDecodeError) as exc:
        facts.error = f"not valid JSON: {str(exc)[:120]}"
        return facts
    if not isinstance(doc, dict):
        facts.error = f"top level is a {type(doc).__name__}, not a COCO object with images/annotations/categories"
        return facts
    missing = [k for k in ("images", "annotations", "categories") if not isinstance(doc.get(k), list)]
    if missing:
        facts.error = f"no {' / '.join(missing)} list: not a COCO detection file"
        return facts
    for i, cat in enumerate(doc["categories"]):
        cid = _int(cat.get("id")) if isinstance(cat, dict) else None
        if cid is None or not isinstance(cat.get("name"), str):
            facts.issues.append(LineIssue(None, "bad_category", f"categories[{i}] needs an integer id and a name"))
            continue
        facts.categories[cid] = cat["name"]
    sizes: dict[int, tuple[int | None, int | None]] = {}
    for i, img in enumerate(doc["images"]):
        iid = _int(img.get("id")) if isinstance(img, dict) else None
        if iid is None or not isinstance(img.get("file_name"), str):
            facts.issues.append(LineIssue(None, "bad_image", f"images[{i}] needs an integer id and a file_name"))
            continue
        w, h = _int(img.get("width")), _int(img.get("height"))
        facts.images.append(CocoImage(iid, img["file_name"], w, h))
        sizes[iid] = (w, h)
    rows: dict[int, list[tuple]] = {}
    for i, ann in enumerate(doc["annotations"]):
        if not i & 4095:
            limits.check()  # the per-file time budget, where no timer signal can stop the reader
        if not isinstance(ann, dict):
            facts.issues.append(LineIssue(None, "bad_annotation", f"annotations[{i}] is not an object"))
            continue
        aid = _int(ann.get("id"))
        aid = aid if aid is not None else -(i + 1)
        iid = _int(ann.get("image_id"))
        cid = ann.get("category_id")
        bbox = ann.get("bbox")
        if iid is None:
            facts.issues.append(LineIssue(None, "missing_field", f"annotation {aid}: no integer image_id"))
            continue
        if iid not in sizes:
            facts.orphan_annotations.append((aid, iid))
            continue
        if not (isinstance(bbox, list) and len(bbox) == 4):
            facts.issues.append(LineIssue(None, "missing_field", f"annotation {aid}: bbox must be [x, y, w, h], got {str(bbox)[:40]}"))
            continue
        try:
            box = tuple(float(v) for v in bbox)
        except (TypeError, ValueError):
            facts.issues.append(LineIssue(None, "non_numeric", f"annotation {aid}: bbox {str(bbox)[:40]} is not numeric"))
            continue
        if not all(math.isfinite(v) for v in box):
            facts.issues.append(LineIssue(None, "non_finite", f"annotation {aid}: NaN or infinite bbox value"))
            continue
        c = float(cid) if isinstance(cid, (int, float)) and not isinstance(cid, bool) else math.nan
        w, h = sizes[iid]
        pts, area, sbox, rle = _segmentation(ann.get("segmentation"), w, h)
        rows.setdefault(iid, []).append((c, box, pts, area, aid, sbox, rle))
    for iid, items in rows.items():
        n = len(items)
        facts.annotations[iid] = Annotations(
            box_format=XYWH_ABS,
            cls=np.asarray([r[0] for r in items], dtype=np.float64),
            box=np.asarray([r[1] for r in items], dtype=np.float64).reshape(-1, 4),
            line=np.zeros(n, np.int32),
            points=np.asarray([r[2] for r in items], dtype=np.int32),
            poly_area=np.asarray([r[3] for r in items], dtype=np.float64),
            ids=np.asarray([r[4] for r in items], dtype=np.int64),
        )
        facts.seg_boxes[iid] = np.asarray([r[5] for r in items], dtype=np.float64).reshape(-1, 4)
        facts.rle_sizes[iid] = np.asarray([r[6] for r in items], dtype=np.float64).reshape(-1, 2)
    return facts
