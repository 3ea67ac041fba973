"""High ignore fraction: most of an image's pixels are the ignore value.

What it checks
    The share of ``ignore_index`` pixels in every mask; masks above ``max_share`` (but not
    entirely ignore: M114) are reported with their share.

Why it matters
    Ignored pixels give no gradient: an image that is mostly ignore trains on a sliver,
    and when it is the norm the effective dataset is much smaller than it looks. On VOC the
    void border is 3-8 % of an image; far more means a conversion mapped real classes (or
    the background) to the ignore value.

Example
    Bad: 70 % of ``masks/train/a.png`` is 255 (background mapped to ignore).
    Good: the VOC void border, ~5 % per image.

How to fix
    Check the class map of the export; label the unlabelled areas, or accept it for
    deliberately sparse labels (scribbles, points).
"""

from preflight.findings import Hit
from preflight.registry import check

from ._mask_stats import hist, readable, unique_masks


def _summary(hits):
    return f"{len(hits)} masks are mostly ignore (e.g. {hits[0].path}: {hits[0].message})"


@check(
    "M115", "high-ignore-fraction", severity="warning", title="most of the mask is the ignore value",
    pathology="underfitting", summarize=_summary,
    remedy="check the export's class map; label the unlabelled areas (or accept it for sparse labels)",
    thresholds={"max_share": (0.5, "VOC's void border covers 3-8 % of an image (measured: 3.8 % and 4.5 % in "
                              "voc2012_clean); more than half ignored is a conversion error or sparse labels")},
)
def high_ignore_fraction(ctx):
    ignore = ctx.cfg.ignore_index
    limit = high_ignore_fraction.check.threshold("max_share")
    for m in unique_masks(ctx):
        f = m.facts
        if not readable(f) or not f.pixels:
            continue
        share = hist(ctx, m).get(ignore, 0) / f.pixels
        if limit < share < 1.0:
            yield Hit(f"{share:.0%} of pixels are {ignore}", path=ctx.rel(m.mask), split=m.split,
                      data={"share": round(share, 4)})

