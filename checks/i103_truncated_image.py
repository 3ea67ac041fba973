"""Truncated image: the picture's byte stream ends early.

What it checks
    By default: a JPEG must carry its end-of-image marker (FFD9) near the end of the file and
    a PNG its IEND chunk. With ``--deep``: the whole stream is decoded at reduced size, so a
    cut inside the stream is found too.

Why it matters
    Decoders fill the missing part with grey or raise mid-epoch. Ultralytics "restores" such
    JPEGs by re-saving them inside your dataset; other loaders crash or train on grey blocks
    under real labels.

Example
    Bad: ``images/train/0013.jpg`` stops after 60 % of its scan lines (no FFD9).
    Good: the stream ends with FFD9 and decodes completely.

How to fix
    Re-download or re-export the image; if the source is gone, drop it and its label.
"""

from preflight.findings import Hit
from preflight.registry import check


@check(
    "I103", "truncated-image", severity="error", title="image is truncated",
    pathology="training_failure", remedy="re-download or re-export the image; if the source is gone, drop it and its label",
)
def truncated_image(ctx):
    t = ctx.images
    for row in sorted(t.truncated):  # only the rows with a truncation note, in the table's order
        path = t.paths[row]
        if t.truncated[row] and not t.errors.get(row):
            yield Hit(t.truncated[row], path=ctx.rel(path), split=ctx.image_splits.get(path, [None])[0])
