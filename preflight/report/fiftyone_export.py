"""Export the flagged samples for triage in FiftyOne, with FiftyOne's own exporter.

:func:`export_fiftyone` writes every image that a finding points at (directly, through its
label file, or through its mask) as a sample of FiftyOne's ``LegacyFiftyOneDataset`` format
(``samples.json`` + ``metadata.json``), the one format whose exporter takes in-memory
``fo.Sample`` objects one by one and so needs no FiftyOne database (mongod). Per sample:

- ``tags``: the check codes that flag it (``D108``, ``I108``, ...);
- ``preflight``: the findings, a list of ``{code, severity, title, message, line, split}``;
- ``preflight_severity``: the worst severity; ``split``: the split(s) it is listed in;
- ``ground_truth``: its boxes as ``fo.Detections`` (class name, FiftyOne's relative
  ``[x, y, w, h]``); a box a finding names carries that code in its own ``tags`` and the
  message in a ``preflight`` attribute, so ``filter_labels`` finds exactly the bad boxes;
- ``mask_path`` (segmentation datasets): the mask file, for a side-by-side look.

Load it with ``fo.Dataset.from_dir(out_dir, fo.types.LegacyFiftyOneDataset)``. Media are
referenced in place by absolute path (the dataset is only read); ``copy_media=True`` copies
them into ``out_dir/data`` for an export that travels.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import ConfigError
from ..findings import Finding, Severity

__all__ = ["export_fiftyone"]

_ANNOTATION_ID = re.compile(r"annotation (\d+)")


def _import_fiftyone() -> Any:
    try:
        import fiftyone as fo
        import fiftyone.utils.data as foud
    except ImportError as exc:  # the extra is optional
        raise ConfigError(
            "--export-fiftyone needs FiftyOne: pip install 'preflight-cv[fiftyone]'"
        ) from exc
    return fo, foud


class _Flagged:
    """One image and everything the findings say about it."""

    def __init__(self, image: str) -> None:
        self.image = image
        self.codes: set[str] = set()
        self.findings: list[dict[str, Any]] = []
        self.bad_rows: dict[int, list[tuple[str, str]]] = {}
        self.splits: set[str] = set()
        self.worst = 0
        self.mask: str | None = None
        self.source: int | None = None


def _collect(ctx: Any, findings: list[Finding]) -> dict[str, _Flagged]:
    import numpy as np

    root = os.path.normpath(str(ctx.cfg.root))
    images = {os.path.normpath(k) for k in ctx.images}
    masks = {os.path.normpath(k): None for k in (getattr(ctx, "masks", None) or {})}
    mask_image: dict[str, str] = {}
    for s in ctx.samples:
        if s.label and os.path.normpath(s.label) in masks:
            mask_image.setdefault(os.path.normpath(s.label), os.path.normpath(s.image))
    label_sources: dict[str, list[int]] = {}
    image_source: dict[str, int] = {}
    for i, src in enumerate(ctx.sources):
        label_sources.setdefault(os.path.normpath(src.label), []).append(i)
        if src.image:
            image_source.setdefault(os.path.normpath(src.image), i)
    b = ctx.boxes
    rows_by_source = ctx.rows_by_source
    out: dict[str, _Flagged] = {}

    def flag(image: str, f: Finding, loc: dict[str, Any], rows: list[int], source: int | None) -> None:
        item = out.get(image)
        if item is None:
            item = out[image] = _Flagged(image)
        item.codes.add(f.code)
        item.worst = max(item.worst, f.severity.rank)
        if source is not None:
            item.source = source
        entry = {"code": f.code, "severity": f.severity.value, "title": f.title,
                 "message": str(loc.get("message") or f.message), "path": loc.get("path"),
                 "line": loc.get("line"), "split": loc.get("split") or f.split}
        if entry not in item.findings:
            item.findings.append(entry)
        if entry["split"]:
            item.splits.add(str(entry["split"]))
        for r in rows:
            item.bad_rows.setdefault(int(r), []).append((f.code, str(entry["message"])))

    for f in findings:
        locs = f.examples or ([{"path": f.path, "line": f.line, "split": f.split, "message": f.message}] if f.path else [])
        for loc in locs:
            rel = loc.get("path")
            if not rel:
                continue
            p = os.path.normpath(os.path.join(root, rel))
            if p in masks:
                image = mask_image.get(p)
                if image:
                    flag(image, f, loc, [], None)
                    out[image].mask = p
                continue
            if p in images:
                flag(p, f, loc, [], image_source.get(p))
                continue
            srcs = label_sources.get(p)
            if not srcs:
                continue
            rows: list[int] = []
            if len(srcs) > 1 or ctx.sources[srcs[0]].coco_id is not None:
                ids = [int(x) for x in _ANNOTATION_ID.findall(str(loc.get("message") or ""))]
                hit = np.flatnonzero(np.isin(b.ann_id, ids[:1])) if ids else np.zeros(0, np.int64)
                if not len(hit):
                    continue
                source = int(b.source[hit[0]])
                rows = [int(hit[0])]
            else:
                source = srcs[0]
                line = loc.get("line")
                own = [int(r) for r in rows_by_source.get(source, [])]
                if line:
                    rows = [r for r in own if int(b.line[r]) == line]
                    if not rows:  # VOC: a line inside an <object>; the object above it
                        before = [r for r in own if 0 < int(b.line[r]) <= line]
                        rows = [max(before, key=lambda r: int(b.line[r]))] if before else []
            image = ctx.sources[source].image
            if image and os.path.normpath(image) in images:
                flag(os.path.normpath(image), f, loc, rows, source)
    for image, item in out.items():
        for split in ctx.image_splits.get(image, []) if hasattr(ctx, "image_splits") else []:
            item.splits.add(split)
    return out


def _detections(fo: Any, ctx: Any, item: _Flagged) -> Any:
    import math

    b = ctx.boxes
    if item.source is None:
        return None
    rows = [int(r) for r in ctx.rows_by_source.get(item.source, [])]
    dets = []
    for r in rows:
        x1, y1, x2, y2 = (float(v) for v in b.xyxy[r])
        if not all(math.isfinite(v) for v in (x1, y1, x2, y2)):
            continue
        cls = float(b.cls[r])
        if math.isfinite(cls) and cls == int(cls):
            label = ctx.cfg.names.get(int(cls), f"id {int(cls)}")
        else:
            label = b.name[r] if b.name[r] is not None else "unknown"
        flagged = item.bad_rows.get(r, [])
        det = fo.Detection(label=str(label), bounding_box=[x1, y1, x2 - x1, y2 - y1],
                           tags=sorted({c for c, _ in flagged}))
        if int(b.line[r]):
            det["line"] = int(b.line[r])
        if flagged:
            det["preflight"] = "; ".join(sorted({m for _, m in flagged}))
        dets.append(det)
    return fo.Detections(detections=dets)


def export_fiftyone(result: Any, out_dir: Path, *, copy_media: bool = False) -> int:
    """Write the flagged samples of ``result`` to ``out_dir``; returns how many were written.

    Needs the data section of the audit (``preflight check`` / ``preflight data``); a result
    without one has no images to export and writes an empty dataset.
    """
    fo, foud = _import_fiftyone()
    ctx = result.sections.get("data")
    flagged = _collect(ctx, list(result.findings)) if ctx is not None and hasattr(ctx, "samples") else {}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    exporter = foud.LegacyFiftyOneDatasetExporter(
        str(out_dir), export_media=bool(copy_media), abs_paths=not copy_media, pretty_print=True,
    )
    rank_name = {s.rank: s.value for s in Severity}
    written = 0
    with exporter:
        for image in sorted(flagged):
            item = flagged[image]
            sample = fo.Sample(filepath=image, tags=sorted(item.codes))
            sample["preflight"] = item.findings
            sample["preflight_severity"] = rank_name.get(item.worst)
            sample["split"] = sorted(item.splits)
            dets = _detections(fo, ctx, item)
            if dets is not None:
                sample["ground_truth"] = dets
            if item.mask:
                sample["mask_path"] = item.mask
            exporter.export_sample(sample)
            written += 1
        # what log_collection() would record for a database-backed dataset; this export has
        # no collection, so the dataset-level facts are set here (read back as ``info``)
        exporter._metadata.update({
            "name": f"preflight-{ctx.cfg.name}" if ctx is not None and hasattr(ctx, "cfg") else "preflight",
            "media_type": "image",
            "info": {"preflight_version": __version__, "inputs": dict(result.inputs),
                     "classes": [ctx.cfg.names[k] for k in sorted(ctx.cfg.names)] if ctx is not None and hasattr(ctx, "cfg") else []},
        })
    return written
