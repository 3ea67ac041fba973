"""COCO RLE mask whose size differs from its image.

What it checks
    Every COCO annotation whose ``segmentation`` is an RLE (``{"size": [h, w], "counts":
    …}``): its ``size`` against the image entry's ``height``/``width`` and, when the image
    file was found, the file's displayed size.

Why it matters
    ``pycocotools.mask.decode`` returns an array of the RLE's size: stacking it with masks
    of the image size fails, and loaders that resize it silently move the object. It comes
    from RLEs encoded on a resized or rotated copy of the image.

Example
    Bad: image 640×427, annotation ``{"size": [480, 640], …}``.
    Good: ``"size": [427, 640]`` (height first, as COCO stores it).

How to fix
    Re-encode the RLE on the image's own size (``mask_utils.encode`` of the mask resized
    with nearest-neighbour), or fix the image entry if the file was resized.
"""

import numpy as np

from preflight.findings import Hit
from preflight.registry import check


def coco_sources(ctx):
    """(split, json path, facts) once per json file."""
    seen = set()
    for split, facts in ctx.coco.items():
        path = ctx.layout.coco_files.get(split)
        if facts is None or facts.error or path in seen:
            continue
        seen.add(path)
        yield split, path, facts


def file_sizes(ctx, split):
    """COCO image id -> displayed (w, h) of its image file, where found."""
    out = {}
    for s in ctx.samples:
        if s.split == split and s.coco_id is not None:
            im = ctx.images.get(s.image)
            if im is not None and not im.error and im.oriented_size:
                out[s.coco_id] = im.oriented_size
    return out


@check(
    "M121", "rle-size-mismatch", severity="error", title="RLE size differs from its image",
    pathology="training_failure", remedy="re-encode the RLE on the image's own size",
)
def rle_size_mismatch(ctx):
    for split, path, facts in coco_sources(ctx):
        entries = {img.id: img for img in facts.images}
        files = file_sizes(ctx, split)
        for iid, rle in facts.rle_sizes.items():
            ann = facts.annotations.get(iid)
            img = entries.get(iid)
            for row in np.flatnonzero(np.isfinite(rle[:, 0])):
                h, w = int(rle[row, 0]), int(rle[row, 1])
                want = (img.width, img.height) if img is not None and img.width and img.height else files.get(iid)
                if want is None or (w, h) == tuple(want):
                    continue
                aid = int(ann.ids[row]) if ann is not None and ann.ids is not None else row
                name = img.file_name if img is not None else f"image {iid}"
                yield Hit(f"annotation {aid}: RLE size {w}×{h} (w×h) but {name} is {want[0]}×{want[1]}",
                          path=ctx.rel(path), split=split)
