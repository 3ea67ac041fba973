"""Unreadable mask: a mask file that cannot be decoded into class values.

What it checks
    Mask files that are empty, not an image, truncated or corrupt, in a mode with no class
    values (fractional floats), or over the reader's size limits (67 M pixels, 256 MB or
    ``--max-file-mb``), which are refused from the header instead of being decoded, or that ran
    over the per-file time budget (``--file-timeout``), which are stopped.

Why it matters
    The data loader raises on the file in the middle of an epoch (``OSError: image file is
    truncated``), or a worker dies on a decompression bomb; with a lenient loader the sample
    silently has no labels.

Example
    Bad: ``masks/train/a.png`` cut off after 300 bytes; a 20000×20000 mask.
    Good: a complete PNG of the image's size.

How to fix
    Re-export the mask from the annotation source; split huge masks into tiles together with
    their images.
"""

from preflight.findings import Hit
from preflight.registry import check

from ._mask_stats import unique_masks


@check(
    "M106", "unreadable-mask", severity="error", title="mask cannot be read",
    pathology="training_failure", remedy="re-export the mask from the annotation source (tile huge masks)",
)
def unreadable_mask(ctx):
    for m in unique_masks(ctx):
        if m.facts is not None and m.facts.error:
            yield Hit(m.facts.error, path=ctx.rel(m.mask), split=m.split)
