"""Tiny image: a picture under 10 pixels on a side.

What it checks
    Images whose width or height is below ``min_side`` pixels.

Why it matters
    Such files are thumbnails, icons or placeholder pixels, not training data; Ultralytics
    rejects them outright, and any resize to the network size turns them into blur.

Example
    Bad: ``images/train/spacer.png`` is 1×1.
    Good: images are at least tens of pixels on a side.

How to fix
    Replace the file with the real picture, or remove it with its labels.
"""

import numpy as np

from preflight.findings import Hit
from preflight.registry import check


@check(
    "I104", "tiny-image", severity="error", title="image is smaller than 10 pixels",
    pathology="training_failure", remedy="replace the file with the real picture, or remove it with its labels",
    thresholds={"min_side": (10, "Ultralytics verify_image_label rejects images with a side of 9 px or less")},
)
def tiny_image(ctx):
    low = tiny_image.check.threshold("min_side")
    t = ctx.images
    # the columns, not one facts object per image: only the tiny ones are looked at
    small = t.present & (t.width >= 0) & (np.minimum(t.width, np.where(t.height >= 0, t.height, t.width)) < low)
    for row in np.flatnonzero(small).tolist():
        facts = t.row(row)
        if facts.error or facts.width is None:
            continue
        path = t.paths[row]
        if min(facts.width, facts.height) < low:
            yield Hit(f"{facts.width}×{facts.height} pixels", path=ctx.rel(path), split=ctx.image_splits.get(path, [None])[0])
