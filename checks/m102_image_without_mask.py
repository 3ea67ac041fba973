"""Image without a mask: a picture that has no label PNG.

What it checks
    Images of a ``format: mask`` dataset for which no mask with the same stem exists in the
    split's ``masks:`` folder.

Why it matters
    Segmentation loaders either crash on the missing file (``FileNotFoundError`` mid-epoch)
    or, when they skip it silently, the image is never seen; a whole folder without masks
    usually means ``masks:`` points at the wrong place.

Example
    Bad: ``images/train/2007_000032.jpg`` and no ``masks/train/2007_000032.png``.
    Good: one mask per image, same stem.

How to fix
    Add the mask, remove the image from the split, or fix the ``masks:`` path in data.yaml.
"""

from preflight.findings import Hit
from preflight.registry import check

from ._mask_stats import is_mask_dataset


def _summary(hits):
    return f"{len(hits)} images of {hits[0].split} have no mask (e.g. {hits[0].path}: {hits[0].message})"


@check(
    "M102", "image-without-mask", severity="warning", title="image has no mask",
    pathology="training_failure", summarize=_summary,
    remedy="add the mask, drop the image from the split, or fix the masks: path in data.yaml",
)
def image_without_mask(ctx):
    if not is_mask_dataset(ctx):
        return
    seen: set[str] = set()
    for s in ctx.samples:
        if s.label is None and s.image not in seen:
            seen.add(s.image)
            im = ctx.images.get(s.image)
            if im is not None and im.error:
                continue  # the image itself is broken (I101/I102)
            expected = ctx.rel(s.expected_label) if s.expected_label else "a mask with the same stem"
            yield Hit(f"expected {expected}", path=ctx.rel(s.image), split=s.split, group=s.split)
