"""EXIF rotation: the file says "rotate me", and loaders disagree about doing it.

What it checks
    Images whose EXIF orientation tag is not 1 (upright). Orientations 5–8 swap width and
    height; 2–4 mirror or turn the picture by 180°. For VOC files the declared ``<size>`` tells
    which way the labels were drawn and is reported with it.

Why it matters
    ``cv2.imread`` applies the EXIF rotation, ``PIL.Image.open`` does not (unless you call
    ``ImageOps.exif_transpose``), and labelling tools differ too. When the labelling tool and
    the training loader disagree, every box of that image lies on the wrong pixels.

Example
    Bad: a phone photo stored 4032×3024 with orientation 6, labelled in a tool that shows it
    upright (3024×4032), trained with PIL without ``exif_transpose``.
    Good: images are stored upright (orientation 1 or no tag).

How to fix
    Bake the rotation into the pixels once (``ImageOps.exif_transpose`` then save, or
    ``exiftran -ai``) and re-check the labels on a few of them.
"""

import numpy as np

from preflight.findings import Hit
from preflight.registry import check

_WHAT = {2: "mirrored", 3: "rotated 180°", 4: "flipped vertically", 5: "transposed", 6: "rotated 90° clockwise",
         7: "transversed", 8: "rotated 90° counter-clockwise"}


@check(
    "I105", "exif-rotation", severity="warning", title="EXIF orientation rotates the image under its labels",
    pathology="training_failure",
    remedy="store images upright: apply ImageOps.exif_transpose once and save, then re-check their labels",
)
def exif_rotation(ctx):
    t = ctx.images
    # the columns, not one facts object per image: only the rotated ones are looked at
    for row in np.flatnonzero(t.present & (t.orientation > 1)).tolist():
        path, facts = t.paths[row], t.row(row)
        if facts.orientation and facts.orientation != 1:
            msg = f"EXIF orientation {facts.orientation} ({_WHAT.get(facts.orientation, '?')}): stored {facts.width}×{facts.height}"
            yield Hit(msg, path=ctx.rel(path), split=ctx.image_splits.get(path, [None])[0])
