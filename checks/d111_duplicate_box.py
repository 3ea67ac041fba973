"""Duplicate annotation: the same class and box twice in one image.

What it checks
    Annotations of one image with the same class and the same coordinates (to 1e-6 of the
    image side), e.g. a line pasted twice or an object labelled in two passes.

Why it matters
    The object weighs double in the loss, and detectors trained with NMS learn to keep two
    boxes where one belongs: mAP drops from the duplicate false positives.

Example
    Bad: lines 3 and 7 of ``labels/train/0001.txt`` are both ``2 0.41 0.5 0.1 0.2``.
    Good: each object once.

How to fix
    Delete the repeated lines (``sort -u`` keeps one of each for YOLO files).
"""

import numpy as np

from preflight.findings import Hit
from preflight.registry import check


@check(
    "D111", "duplicate-box", severity="warning", title="same box twice in one image",
    pathology="overfitting", remedy="delete the repeated annotations",
)
def duplicate_box(ctx):
    b = ctx.boxes
    if len(b) < 2:
        return
    key = np.column_stack([b.source, np.nan_to_num(b.cls, nan=-1), np.round(b.xyxy, 6)])
    order = np.lexsort(key.T[::-1])
    same = np.r_[False, (key[order][1:] == key[order][:-1]).all(axis=1)]
    first = np.maximum.accumulate(np.where(~same, np.arange(len(order)), 0))
    for k in np.flatnonzero(same):
        row, orig = order[k], order[first[k]]
        if b.line[orig] > b.line[row]:
            row, orig = orig, row
        path, line, split = ctx.box_location(row)
        where = f"line {int(b.line[orig])}" if b.line[orig] else f"annotation {int(b.ann_id[orig])}"
        yield Hit(f"{ctx.box_where(row)}same class and box as {where}", path=path, line=line, split=split)
