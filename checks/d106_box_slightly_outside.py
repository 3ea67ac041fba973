"""Box slightly past the image edge: within a small tolerance of the border.

What it checks
    Boxes (and polygons' extents) that pass the image border by more than half a pixel (less
    is rounding of a box's derived corners; a polygon's written points count from the first
    digit) and at most ``tolerance`` of the image side: YOLO coordinates a little below 0 or above 1, VOC ``xmax``/``ymax`` a pixel or
    two past ``width``/``height``, COCO ``x + w`` past the width. Negative VOC/COCO pixel
    coordinates are D108; larger overshoots are D107.

Why it matters
    Usually drawing slop at the border, but loaders differ: Ultralytics rejects the whole
    label file when a written YOLO value (a polygon point, a box's cx/cy/w/h) leaves 0..1,
    torchvision's box ops and albumentations raise on coordinates outside the image
    ("Expected x_max ≤ 1.0"), so one stray pixel can stop an augmentation pipeline.

Example
    Bad: ``<ymax>916</ymax>`` in an image of height 915.
    Good: ``<ymax>915</ymax>``.

How to fix
    Clip the coordinates to the image (``min(ymax, height)``) in the label files.
"""

import numpy as np

from preflight.findings import Hit
from preflight.registry import check

TOLERANCE = 0.01


def overshoot(ctx):
    """How far each box passes the border, as a fraction of that side (0 when inside)."""
    b = ctx.boxes
    if len(b) == 0:
        return np.zeros(0), np.zeros(0, dtype=bool)
    pixel = b.fmt != "cxcywh_norm"
    x1, y1, x2, y2 = b.xyxy.T
    # negative pixel coordinates are D108's
    sides = [np.where(pixel, 0.0, -x1), np.where(pixel, 0.0, -y1), x2 - 1, y2 - 1]
    lengths = [b.canvas[:, 0], b.canvas[:, 1], b.canvas[:, 0], b.canvas[:, 1]]
    # a YOLO polygon's extent is its written points: any point outside 0..1 counts (Ultralytics
    # rejects the whole file for it). A YOLO box's corners are derived (cx ± w/2): less than half
    # a pixel past the edge is rounding of the 6 written decimals, not a defect.
    written = (b.fmt == "cxcywh_norm") & (b.points > 0)
    over = np.zeros(len(b))
    for frac, length in zip(sides, lengths, strict=True):
        half_pixel = np.where(np.isfinite(length), 0.5 / length, 1e-4)
        floor = np.where(written, 1e-9, half_pixel)
        over = np.fmax(over, np.where(frac > floor, frac, 0.0))
    # round away float noise: 101 / 100 - 1 must compare equal to 0.01
    return np.round(over, 9), pixel


def describe(ctx, row):
    b = ctx.boxes
    raw = b.raw[row]
    w, h = b.canvas[row]
    if b.fmt[row] == "xyxy_abs":
        parts = [f"xmax {raw[2]:g} > width {w:g}" if raw[2] > w else "", f"ymax {raw[3]:g} > height {h:g}" if raw[3] > h else ""]
        return ", ".join(p for p in parts if p) or f"box {raw.tolist()} in {w:g}×{h:g}"
    if b.fmt[row] == "xywh_abs":
        return f"{ctx.box_where(row)}bbox [{', '.join(f'{v:g}' for v in raw)}] ends at x {raw[0] + raw[2]:g}, y {raw[1] + raw[3]:g} in {w:g}×{h:g}"
    x1, y1, x2, y2 = b.xyxy[row]
    what = "polygon" if b.points[row] > 0 else "box"
    return f"{what} spans x {x1:.4f}..{x2:.4f}, y {y1:.4f}..{y2:.4f} (outside 0..1)"


@check(
    "D106", "box-slightly-outside", severity="warning", title="box slightly past the image edge",
    pathology=None, remedy="clip the coordinates to the image in the label files",
    thresholds={"tolerance": (TOLERANCE, "1 % of the side: 1-10 px on 100-1000 px images, the slop of drawing at "
                "the border; RSOD's overshoots are 1-3 px")},
)
def box_slightly_outside(ctx):
    over, _ = overshoot(ctx)
    tol = box_slightly_outside.check.threshold("tolerance")
    for row in np.flatnonzero((over > 0) & (over <= tol)):
        path, line, split = ctx.box_location(row)
        yield Hit(describe(ctx, row), path=path, line=line, split=split)
