"""Zero or negative area box.

What it checks
    YOLO boxes with width or height ≤ 0, VOC boxes with ``xmax ≤ xmin`` or ``ymax ≤ ymin``,
    COCO boxes with ``w`` or ``h`` ≤ 0. Polygons are D110.

Why it matters
    IoU with such a box is 0 or undefined: the box loss becomes NaN (division by a zero
    union in GIoU/CIoU) or the target never matches an anchor. Ultralytics keeps them;
    torchvision's detection models raise "All bounding boxes should have positive height and width".

Example
    Bad: ``0 0.5 0.5 0.0 0.1``; ``<xmin>40</xmin> … <xmax>40</xmax>``.
    Good: positive width and height.

How to fix
    Delete the box (a click without a drag in the labelling tool), or re-draw it.
"""

import numpy as np

from preflight.findings import Hit
from preflight.registry import check


@check(
    "D109", "zero-area-box", severity="error", title="box has zero or negative area",
    pathology="divergence", remedy="delete the box (a click without a drag) or re-draw it",
)
def zero_area_box(ctx):
    b = ctx.boxes
    if len(b) == 0:
        return
    is_box = b.points == 0
    raw = b.raw
    w = np.where(b.fmt == "xyxy_abs", raw[:, 2] - raw[:, 0], raw[:, 2])
    h = np.where(b.fmt == "xyxy_abs", raw[:, 3] - raw[:, 1], raw[:, 3])
    for row in np.flatnonzero(is_box & ((w <= 0) | (h <= 0))):
        path, line, split = ctx.box_location(row)
        yield Hit(f"{ctx.box_where(row)}width {w[row]:g}, height {h[row]:g}", path=path, line=line, split=split)
