"""Mask size differs from its image (as displayed, after the EXIF rotation).

What it checks
    Width × height of every mask against its image's displayed size (the stored size turned
    by the EXIF orientation tag, as ``PIL.ImageOps.exif_transpose`` and ``cv2.imread`` show it).

Why it matters
    Pipelines either crash when they stack image and mask (``RuntimeError: stack expects each
    tensor to be equal size``, albumentations' shape check) or, worse, resize both to the
    training size and train on masks that no longer lie on their objects: the model learns
    shifted, stretched labels and never converges to sharp boundaries.

Example
    Bad: ``masks/train/2007_000032.png`` 500×281 with ``images/train/2007_000032.jpg`` 640×480.
    Good: both 500×281.

How to fix
    Pair each mask with the image it was drawn on; if the images were resized, resize the
    masks with nearest-neighbour interpolation (never bilinear) from the originals.
"""

from preflight.findings import Hit
from preflight.registry import check

from ._mask_stats import mask_samples


def _summary(hits):
    return f"{len(hits)} masks differ in size from their images; first: {hits[0].path}: {hits[0].message}"


@check(
    "M103", "mask-size-mismatch", severity="error", title="mask size differs from its image",
    pathology="training_failure", summarize=_summary,
    remedy="pair each mask with the image it was drawn on; resize masks only with nearest-neighbour",
)
def mask_size_mismatch(ctx):
    for m in mask_samples(ctx):
        f = m.facts
        im = ctx.images.get(m.image)
        if f is None or not f.width or not f.height or im is None or im.error:
            continue
        shown = im.oriented_size
        if shown is None or (f.width, f.height) == tuple(shown):
            continue
        msg = f"mask {f.width}×{f.height}, image {shown[0]}×{shown[1]}"
        if (f.width, f.height) == (im.width, im.height):
            msg += (f" after its EXIF rotation (orientation {im.orientation}); the mask matches the stored, "
                    "unrotated pixels, so loaders that apply EXIF misalign it")
        elif (f.width, f.height) == (shown[1], shown[0]):
            msg += " (width and height swapped: the mask is rotated by 90°)"
        yield Hit(msg, path=ctx.rel(m.mask), split=m.split,
                  data={"mask": [f.width, f.height], "image": list(shown)})
