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

from preflight.registry import check
from preflight.findings import Hit


@check(
    "D111", "duplicate-box", severity="warning", title="same box twice in one image",
    pathology="overfitting", remedy="delete the repeated annotations",
)
def duplicate_box(ctx):
    b = ctx.boxes
    for rows in ctx.rows_by_source.values():
        if len(rows) < 2:
            continue
        key = np.column_stack([np.nan_to_num(b.cls[rows], nan=-1), np.round(b.xyxy[rows], 6)])
        _, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
        for k, row in enumerate(rows):
            j = first[inverse.ravel()[k]]
            if j != k:
                path, line, split = ctx.box_location(row)
                orig = int(b.line[rows[j]])
                where = f"line {orig}" if orig else f"annotation {int(b.ann_id[rows[j]])}"
                yield Hit(f"{ctx.box_where(row)}same class and box as {where}", path=path, line=line, split=split)
