"""Boxes that shrink below the detector's stride at the configured input size.

What it checks
    With a model.yaml (``preflight check data.yaml model.yaml``): every box is scaled the way
    a letterbox resize to ``input.size`` scales it (the whole image fitted inside H × W, aspect
    kept: Ultralytics' and YOLOv5's resize; a plain stretch shrinks each side at most this
    much), and the boxes whose longer side ends up under ``min_side`` pixels are counted. The
    check fires when they are at least ``min_share`` of all boxes; the message says how many
    were large enough before the resize (lost to the input size, not to the labels).

Why it matters
    A box smaller than one cell of the finest feature map (stride 8 in YOLOv5/v8, RetinaNet,
    FCOS) covers less than one anchor point: assignment gives it few or no positives, its
    features are averaged away by the first strided convolutions, and recall on it stays
    near zero however long you train. Remote-sensing and drone images suffer most: a 1000 px
    scene resized to 320 turns a 20 px aircraft into 6 px.

Example
    Bad: rsod at ``input.size: [256, 256]``: 11 % of the boxes (796 aircraft) are under 8 px.
    Good: the same data at 640 (none under 8 px), or tiled into 640 px crops.

How to fix
    Raise ``input.size``, train on tiles/crops of the large images (SAHI-style slicing), or
    use a model with a finer stride (a P2 head, stride 4).
"""

import numpy as np

from preflight.findings import Finding, Severity
from preflight.registry import check

from ._distributions import valid_box_rows
from ._setup_yaml import input_size, model_line, model_path


@check(
    "D140", "boxes-vanish-at-input-size", severity="warning", scope="setup",
    title="boxes shrink below the detector's stride at the input size", pathology="underfitting",
    remedy="raise input.size, train on tiles of the large images, or use a head with a finer stride (P2)",
    thresholds={
        "min_side": (8, "the finest stride of YOLOv5/YOLOv8 (P3/8), RetinaNet and FCOS (P3): a smaller box is "
                     "less than one cell of the finest feature map"),
        "min_share": (0.05, "measured on the shared data at Ultralytics' default 640 px: coco128 1.4 %, coco_tiny "
                      "0.4 % of the boxes are under 8 px, the level the standard COCO recipe trains with; "
                      "5 % is 3.5× coco128's"),
    },
)
def boxes_vanish_at_input_size(ctx):
    t = boxes_vanish_at_input_size.check
    size = input_size(ctx)
    rows = valid_box_rows(ctx)
    if size is None or len(rows) == 0 or ctx.layout.format == "mask":
        return
    height, width = size
    b = ctx.boxes
    cw, ch = b.canvas[rows, 0], b.canvas[rows, 1]
    w = (b.xyxy[rows, 2] - b.xyxy[rows, 0]) * cw
    h = (b.xyxy[rows, 3] - b.xyxy[rows, 1]) * ch
    scale = np.minimum(width / cw, height / ch)
    native = np.maximum(w, h)
    after = native * scale
    min_side = t.threshold("min_side")
    small = after < min_side
    share = float(small.mean())
    if share < t.threshold("min_share"):
        return
    lost = int((small & (native >= min_side)).sum())
    names = ctx.cfg.names
    per_class = {names.get(int(c), str(int(c))): int(n) for c, n in zip(*np.unique(b.cls[rows][small], return_counts=True), strict=True)}
    worst = rows[small][np.argsort(after[small])[:5]]
    examples = []
    for r in worst:
        path, line, split = ctx.box_location(int(r))
        i = int(np.searchsorted(rows, r))
        examples.append({"path": path, "line": line, "split": split,
                         "message": f"{native[i]:.0f} px → {after[i]:.1f} px at {height}×{width}"})
    top = ", ".join(f"{k}: {v}" for k, v in sorted(per_class.items(), key=lambda kv: -kv[1])[:5])
    yield Finding(
        code="D140", severity=Severity.WARNING, title="", path=model_path(ctx), line=model_line(ctx, "input.size", "input"),
        message=(f"{int(small.sum())} of {len(rows)} boxes ({share:.0%}) are under {min_side} px on their longer side at "
                 f"input.size {height}×{width} ({lost} of them were {min_side} px or more before the resize; {top})"),
        count=int(small.sum()), examples=examples,
        data={"input_size": [height, width], "share": round(share, 4), "lost_to_resize": lost, "per_class": per_class,
              "median_side_after": round(float(np.median(after)), 2)},
    )
