"""Anchor boxes that do not fit the dataset's boxes: best possible recall below YOLOv5's bar.

What it checks
    When model.yaml carries anchors (optional key ``anchors``, YOLOv5's format: one list per
    detection level of ``w,h`` pairs in pixels at the input size, e.g.
    ``anchors: [[10,13, 16,30, 33,23], [30,61, 62,45, 59,119], [116,90, 156,198, 373,326]]``):
    every box is scaled to ``input.size`` (longest image side to the longest input side, as
    YOLOv5 does; 640 when no size is given) and matched to the anchor whose width and height
    ratio to it is closest. A box is *recallable* when that ratio is within ``anchor_t`` in
    both directions; the best possible recall (BPR) is the recallable share. It fires below
    ``min_bpr``.

Why it matters
    An anchor-based detector assigns a box only to anchors within that ratio: a box no anchor
    fits gets no positive sample and is never learned. YOLOv5 computes exactly this at the
    start of training and re-fits the anchors (k-means) below 0.98; with ``noautoanchor``,
    other anchor-based code (YOLOv3/v4/v7, SSD ports) or anchors copied from another dataset
    or input size, nobody checks it.

Example
    Bad: coco128 at ``input.size: [320, 320]`` with YOLOv5's default anchors (fitted to COCO
    at 640): BPR 0.962, 35 small cars, people and traffic lights fit no anchor.
    Good: the same anchors at 640 (BPR above 0.98), or anchors re-fitted at 320.

How to fix
    Re-fit the anchors to the dataset's boxes at the training input size (YOLOv5's
    ``kmean_anchors``, or k-means on the scaled box sizes) and write them into the model config.
"""

import numpy as np

from preflight.findings import Finding, Severity
from preflight.registry import check

from ._distributions import valid_box_rows
from ._setup_yaml import input_size, model_line, model_path


def anchor_pairs(node):
    """(n, 2) anchor widths and heights from YOLOv5's list of levels (or a flat list); None if malformed."""
    flat = []

    def walk(x):
        if isinstance(x, list | tuple):
            for y in x:
                walk(y)
        elif isinstance(x, int | float) and not isinstance(x, bool):
            flat.append(float(x))
        else:
            raise ValueError(x)

    try:
        walk(node)
    except ValueError:
        return None
    if not flat or len(flat) % 2 or min(flat) <= 0:
        return None
    return np.asarray(flat).reshape(-1, 2)


def best_possible_recall(wh, anchors, thr):
    r = wh[:, None, :] / anchors[None, :, :]
    x = np.minimum(r, 1 / r).min(axis=2)
    best = x.max(axis=1)
    return float((best > 1 / thr).mean()), best


@check(
    "D142", "anchors-miss-boxes", severity="warning", scope="setup",
    title="anchors fit too few boxes (best possible recall)", pathology="underfitting",
    remedy="re-fit the anchors to the dataset's boxes at the training input size (YOLOv5 kmean_anchors)",
    thresholds={
        "min_bpr": (0.98, "YOLOv5 utils/autoanchor.py check_anchors: anchors are re-fitted when BPR < 0.98"),
        "anchor_t": (4.0, "YOLOv5 hyp anchor_t: a box matches an anchor when width and height ratios are within 4×"),
        "default_size": (640, "YOLOv5's and Ultralytics' default training image size, used when input.size is absent"),
    },
)
def anchors_miss_boxes(ctx):
    t = anchors_miss_boxes.check
    cfg = ctx.model_cfg
    if not isinstance(cfg, dict) or "anchors" not in cfg or ctx.layout.format == "mask":
        return
    anchors = anchor_pairs(cfg["anchors"])
    line = model_line(ctx, "anchors")
    if anchors is None:
        yield Finding(code="D142", severity=Severity.WARNING, title="", path=model_path(ctx), line=line,
                      message=f"anchors {cfg['anchors']!r} are not lists of positive w,h pairs: cannot check them")
        return
    rows = valid_box_rows(ctx)
    if len(rows) == 0:
        return
    size = input_size(ctx)
    imgsz = max(size) if size else t.threshold("default_size")
    b = ctx.boxes
    cw, ch = b.canvas[rows, 0], b.canvas[rows, 1]
    longest = np.maximum(cw, ch)
    w = (b.xyxy[rows, 2] - b.xyxy[rows, 0]) * cw * imgsz / longest
    h = (b.xyxy[rows, 3] - b.xyxy[rows, 1]) * ch * imgsz / longest
    thr = t.threshold("anchor_t")
    bpr, best = best_possible_recall(np.stack([w, h], axis=1), anchors, thr)
    if bpr >= t.threshold("min_bpr"):
        return
    missed = best <= 1 / thr
    names = ctx.cfg.names
    per_class = {names.get(int(c), str(int(c))): int(n) for c, n in zip(*np.unique(b.cls[rows][missed], return_counts=True), strict=True)}
    idx = np.flatnonzero(missed)[:5]
    examples = []
    for i in idx:
        path, ln, split = ctx.box_location(int(rows[i]))
        examples.append({"path": path, "line": ln, "split": split, "message": f"{w[i]:.0f}×{h[i]:.0f} px at {imgsz}: no anchor within {thr:g}×"})
    top = ", ".join(f"{k}: {v}" for k, v in sorted(per_class.items(), key=lambda kv: -kv[1])[:5])
    yield Finding(
        code="D142", severity=Severity.WARNING, title="", path=model_path(ctx), line=line,
        message=(f"best possible recall {bpr:.3f} < {t.threshold('min_bpr')}: {int(missed.sum())} of {len(rows)} boxes "
                 f"at {imgsz} px fit none of the {len(anchors)} anchors within {thr:g}× ({top})"),
        count=int(missed.sum()), examples=examples,
        data={"bpr": round(bpr, 4), "imgsz": int(imgsz), "anchors": anchors.tolist(), "per_class": per_class},
    )
