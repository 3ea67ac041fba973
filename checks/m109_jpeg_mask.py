"""Mask stored as JPEG: lossy compression invents class values.

What it checks
    Mask files whose bytes are a JPEG stream, whatever their suffix (a ``.png`` that is a
    JPEG inside counts), and masks with a ``.jpg`` / ``.jpeg`` suffix.

Why it matters
    JPEG smooths edges and adds ringing: a mask with classes {0, 15} comes back with 0-20
    scattered along every boundary, values that are other classes, out of range, or
    near-duplicates of the real ones. The model is trained on that noise, and metrics
    computed against such masks are wrong too.

Example
    Bad: ``masks/train/a.jpg`` (or a JPEG renamed ``a.png``) holding 37 distinct values.
    Good: ``masks/train/a.png``, a lossless PNG with exactly the class ids.

How to fix
    Re-export the masks losslessly (PNG) from the annotation source; a JPEG mask cannot be
    repaired exactly (rounding to the nearest class id still moves boundaries).
"""

from preflight.findings import Hit
from preflight.registry import check

from ._mask_stats import unique_masks


def _summary(hits):
    return f"{len(hits)} masks are JPEG (e.g. {hits[0].path}: {hits[0].message})"


@check(
    "M109", "jpeg-mask", severity="error", title="mask stored as JPEG (lossy)",
    pathology="training_failure", summarize=_summary,
    remedy="re-export the masks as PNG from the annotation source",
)
def jpeg_mask(ctx):
    for m in unique_masks(ctx):
        f = m.facts
        suffix = m.mask.rsplit(".", 1)[-1].lower()
        if f is None or not (f.format == "JPEG" or suffix in ("jpg", "jpeg")):
            continue
        what = "JPEG bytes" + (f" in a .{suffix} file" if suffix not in ("jpg", "jpeg") else "")
        if f.values is not None:
            what += f": {len(f.values)} distinct values"
        yield Hit(what, path=ctx.rel(m.mask), split=m.split)
