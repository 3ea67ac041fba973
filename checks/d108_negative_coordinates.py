"""Negative pixel coordinates in a VOC or COCO box.

What it checks
    VOC ``xmin``/``ymin`` (or ``xmax``/``ymax``) below 0, COCO ``bbox`` x or y below 0.

Why it matters
    No pixel has a negative index: the box was drawn past the left or top edge, or computed
    from a wrong offset. Clipping at 0 shrinks the object; converters that subtract 1 for
    VOC's 1-based pixels make it worse. Some loaders reject the whole image.

Example
    Bad: ``<xmin>-119</xmin>``.
    Good: ``<xmin>1</xmin>`` (VOC counts pixels from 1) or ``0``.

How to fix
    Clip to 0 if the object really touches the edge; otherwise re-draw the box.
"""

import numpy as np

from preflight.findings import Hit
from preflight.registry import check


@check(
    "D108", "negative-coordinates", severity="error", title="box has negative pixel coordinates",
    pathology="training_failure", remedy="clip to 0 where the object touches the edge; otherwise re-draw the box",
)
def negative_coordinates(ctx):
    b = ctx.boxes
    if len(b) == 0:
        return
    pixel = b.fmt != "cxcywh_norm"
    neg = pixel & (b.raw.min(axis=1) < 0)
    keys = {"xyxy_abs": ("xmin", "ymin", "xmax", "ymax"), "xywh_abs": ("x", "y", "w", "h")}
    for row in np.flatnonzero(neg):
        names = keys[b.fmt[row]]
        vals = ", ".join(f"{n} {v:g}" for n, v in zip(names, b.raw[row], strict=True) if v < 0)
        path, line, split = ctx.box_location(row)
        yield Hit(f"{ctx.box_where(row)}{vals}", path=path, line=line, split=split)
