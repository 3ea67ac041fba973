"""Degenerate polygon: fewer than 3 points, or no area.

What it checks
    YOLO segmentation rows and COCO polygon segmentations with fewer than 3 points, or whose
    points all lie on a line (area 0).

Why it matters
    A polygon without area rasterizes to an empty mask: the instance trains as "nothing here"
    while its class and box say otherwise; some rasterizers raise.

Example
    Bad: ``0 0.1 0.1 0.5 0.5 0.9 0.9`` (three points on a line).
    Good: ``0 0.1 0.1 0.5 0.1 0.5 0.5``.

How to fix
    Re-draw the polygon, or delete the annotation.
"""

import numpy as np

from preflight.findings import Hit
from preflight.registry import check


@check(
    "D110", "degenerate-polygon", severity="error", title="polygon has fewer than 3 points or no area",
    pathology="training_failure", remedy="re-draw the polygon, or delete the annotation",
)
def degenerate_polygon(ctx):
    b = ctx.boxes
    poly = b.points > 0
    bad = poly & ((b.points < 3) | ~(b.poly_area > 0))
    for row in np.flatnonzero(bad):
        path, line, split = ctx.box_location(row)
        msg = f"{int(b.points[row])} points" if b.points[row] < 3 else f"{int(b.points[row])} points on a line (area 0)"
        yield Hit(f"{ctx.box_where(row)}{msg}", path=path, line=line, split=split)
