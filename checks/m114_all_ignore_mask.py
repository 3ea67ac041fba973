"""Mask that is entirely the ignore value: an image with nothing to learn.

What it checks
    Masks in which every pixel equals data.yaml's ``ignore_index`` (default 255).

Why it matters
    With ``CrossEntropyLoss(reduction="mean", ignore_index=...)`` the loss of a batch made
    only of such images is 0/0 = NaN, and one NaN step destroys the weights; in mixed
    batches the image only costs time. It is usually an export bug (a class map that
    matched nothing, a failed conversion).

Example
    Bad: ``masks/train/a.png`` holding only 255.
    Good: at least some pixels labelled with a class id.

How to fix
    Re-export the mask (check the class map of the conversion), or remove the image from
    the split.
"""

from preflight.findings import Hit
from preflight.registry import check

from ._mask_stats import hist, readable, unique_masks


def _summary(hits):
    return f"{len(hits)} masks are entirely the ignore value (e.g. {hits[0].path})"


@check(
    "M114", "all-ignore-mask", severity="error", title="mask is entirely the ignore value",
    pathology="divergence", summarize=_summary,
    remedy="re-export the mask (check the conversion's class map) or drop the image",
)
def all_ignore_mask(ctx):
    ignore = ctx.cfg.ignore_index
    for m in unique_masks(ctx):
        f = m.facts
        if readable(f) and f.pixels and hist(ctx, m).get(ignore, 0) == f.pixels:
            yield Hit(f"all {f.pixels} pixels are {ignore} (ignore_index)", path=ctx.rel(m.mask), split=m.split)
