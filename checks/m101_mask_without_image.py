"""Mask without an image: a label PNG whose image is not in the split.

What it checks
    Mask files in a split's ``masks:`` folder whose file stem matches no image of the
    dataset (``format: mask`` pairs images and masks by stem).

Why it matters
    The labelling work is lost to training, and the mismatch usually means a rename or a
    partial copy: the pairs that do match may be the wrong ones too (see M104).

Example
    Bad: ``masks/train/2007_000129.png`` but no ``images/train/2007_000129.jpg``.
    Good: every mask has an image with the same stem.

How to fix
    Restore the missing images, or delete the stale masks; check the stems of renamed files.
"""

from preflight.findings import Hit
from preflight.registry import check

from ._mask_stats import is_mask_dataset


def _summary(hits):
    return f"{len(hits)} masks of {hits[0].split} have no image with the same stem (e.g. {hits[0].path})"


@check(
    "M101", "mask-without-image", severity="warning", title="mask has no image",
    pathology=None, summarize=_summary, remedy="restore the missing images, or delete the stale masks",
)
def mask_without_image(ctx):
    if not is_mask_dataset(ctx):
        return
    for split, path in ctx.layout.orphan_labels:
        yield Hit("no image with this stem in the dataset", path=ctx.rel(path), split=split, group=split)
