"""Speckled mask: many tiny regions that a 1-pixel erosion wipes out.

What it checks
    Per mask, the 8-connected regions of each class value (the ignore value left out) that
    contain no pixel surviving a 3×3 erosion (*speckles*: isolated pixels, 2-pixel blobs,
    1-pixel-wide threads). The mask is reported when there are at least ``min_speckles`` of
    them and they cover at least ``min_share`` of its pixels. JPEG masks (M109) and values
    that exist only on interpolation ramps (M113) are left to those checks.

Why it matters
    Hand-drawn and polygon-rasterized masks have almost none (measured on the 54 official
    VOC masks here: at most 0.21 % of the pixels, a bicycle). Salt-and-pepper noise comes from
    thresholded model predictions used as labels, magic-wand or super-pixel tools, colour
    quantization of RGB masks, or resizing a noisy mask: the loss is asked to reproduce
    noise the network cannot predict, which caps IoU and teaches ragged boundaries.

Example
    Bad: a pseudo-labelled mask where 3 % of the pixels are scattered single pixels of
    another class.
    Good: clean regions; thin structures (spokes, wires) leave a few speckles only.

How to fix
    Clean the masks with a morphological opening or a minimum-region-size filter per class
    (e.g. ``skimage.morphology.remove_small_objects``), or regenerate them from the polygons.

Not judged
    Masks whose components the reader did not count (over 4 M pixels, over 64 values, or
    values spread so wide that labelling them would pass the reader's work budget: see
    docs/limits.md) are listed in one ``info`` finding, "speckles not counted", with the reason.
"""

from preflight.findings import Finding, Hit, Severity
from preflight.registry import check

from ._mask_stats import readable, unique_masks
from .m113_interpolated_mask_values import ramp_values


def _summary(hits):
    return f"{len(hits)} masks are speckled (tiny regions a 1-pixel erosion removes); first: {hits[0].path}: {hits[0].message}"


@check(
    "M123", "mask-speckle", severity="warning", title="mask speckled with tiny regions",
    pathology="underfitting", summarize=_summary,
    remedy="remove regions below a minimum size per class (morphological opening), or regenerate the masks from polygons",
    thresholds={
        "min_share": (0.01, "measured on the 54 official VOC 2012 masks in shared/data: speckles cover at most "
                      "0.21 % of a mask (2007_000572, a bicycle), median 0.001 %; 1 % is five times that"),
        "min_speckles": (50, "measured on the same masks: at most 149 speckles in one mask (2007_000793, a bicycle), "
                         "but covering 0.14 %; 50 keeps a few large blobs from counting as speckle"),
        "ramp_share": (0.5, "M113's min_share: values mostly on interpolation ramps are M113's finding"),
    },
)
def mask_speckle(ctx):
    t = mask_speckle.check
    ignore = ctx.cfg.ignore_index
    skipped = []
    for m in unique_masks(ctx):
        f = m.facts
        morph = getattr(f, "morph", None)
        if readable(f) and morph is None and getattr(f, "morph_skipped", None) and f.format != "JPEG":
            skipped.append({"path": ctx.rel(m.mask), "split": m.split, "message": f.morph_skipped})
        if not readable(f) or morph is None or f.format == "JPEG" or not f.pixels:
            continue
        ramps = set(ramp_values(f, t.threshold("ramp_share")))
        rows = [r for r in morph.tolist() if r[0] != ignore and r[0] not in ramps]
        speckles = sum(r[2] for r in rows)
        pixels = sum(r[3] for r in rows)
        share = pixels / f.pixels
        if speckles < t.threshold("min_speckles") or share < t.threshold("min_share"):
            continue
        names = ctx.cfg.names
        worst = sorted(rows, key=lambda r: -r[3])[:3]
        per = ", ".join(f"{names.get(r[0], r[0])}: {r[2]}" for r in worst if r[2])
        yield Hit(f"{speckles} tiny regions ({pixels} pixels, {share:.1%} of the mask) vanish under a 1-pixel erosion ({per})",
                  path=ctx.rel(m.mask), split=m.split,
                  data={"speckles": speckles, "pixels": pixels, "share": round(share, 4)})
    if skipped:
        yield Finding(code="M123", severity=Severity.INFO, title="speckles not counted",
                      message=f"speckles not counted in {len(skipped)} mask{'s' if len(skipped) > 1 else ''} (the reader's limits); first: "
                              f"{skipped[0]['path']}: {skipped[0]['message']}",
                      path=skipped[0]["path"] if len(skipped) == 1 else None,
                      count=len(skipped), examples=skipped[:10])
