"""VOC ``<size>`` disagrees with the real image.

What it checks
    The width and height declared in a VOC xml against the image file's (EXIF-oriented) size.

Why it matters
    VOC boxes are in pixels of the declared size. If the image was resized after labelling,
    every box is off by the scale factor, and converters that normalize by ``<size>`` write
    wrong YOLO coordinates without a warning.

Example
    Bad: ``<width>1000</width><height>750</height>`` for a 640×480 JPEG.
    Good: ``<size>`` equals the image's size.

How to fix
    Rescale the boxes by real/declared size and fix ``<size>``, or restore the original images.
"""

from preflight.findings import Hit
from preflight.registry import check


@check(
    "D114", "voc-size-mismatch", severity="error", title="VOC <size> differs from the image",
    pathology="training_failure", remedy="rescale the boxes by real/declared size and fix <size>, or restore the original images",
)
def voc_size_mismatch(ctx):
    if not ctx.labels.declared_size:  # no label file declares a size (not VOC): nothing to compare
        return
    for s in ctx.samples:
        lf = ctx.labels.get(s.label) if s.label else None
        im = ctx.images.get(s.image)
        if lf is None or im is None or not lf.declared_size or im.oriented_size is None:
            continue
        dw, dh, _ = lf.declared_size
        if dw <= 0 or dh <= 0:
            continue  # VOC files from some tools write 0×0: nothing declared
        w, h = im.oriented_size
        if (dw, dh) != (w, h):
            yield Hit(f"<size> says {dw}×{dh}, the image is {w}×{h}", path=ctx.rel(s.label), split=s.split)
