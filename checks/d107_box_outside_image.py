"""Box far outside the image: coordinates that cannot belong to this picture.

What it checks
    Boxes or polygons that pass the image border by more than D106's tolerance (1 % of the
    side): YOLO coordinates clearly outside 0..1, VOC/COCO boxes ending well past the width
    or height.

Why it matters
    Such a box was drawn on another image size (a resized export, pixel coordinates written
    as YOLO), or belongs to another picture. Clipping keeps a sliver at the border; the
    model learns objects where there are none.

Example
    Bad: ``0 0.5 1.8 0.2 0.3`` (cy = 1.8); ``<xmax>1400</xmax>`` in a 1044-px-wide image.
    Good: all coordinates inside the image.

How to fix
    Find which size the labels were made for and rescale them, or re-annotate the image.
"""

import numpy as np

from preflight.findings import Hit
from preflight.registry import check

from .d106_box_slightly_outside import TOLERANCE, describe, overshoot


@check(
    "D107", "box-outside-image", severity="error", title="box far outside the image",
    pathology="training_failure", remedy="rescale the labels to the image they belong to, or re-annotate it",
)
def box_outside_image(ctx):
    over, _ = overshoot(ctx)
    for row in np.flatnonzero(over > TOLERANCE):
        path, line, split = ctx.box_location(row)
        yield Hit(describe(ctx, row), path=path, line=line, split=split)
