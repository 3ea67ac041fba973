"""Interpolation artifacts: values that exist only as ramps between two other classes.

What it checks
    Per mask, the pixels whose value lies strictly between their two horizontal or two
    vertical neighbours (``0 | 7 | 15``). A nearest-neighbour mask has (almost) none: a
    boundary is a step. A mask resized with bilinear or bicubic interpolation has a ramp
    along every boundary. A mask is reported when at least ``min_pixels`` pixels and
    ``min_share`` of its boundary-free ramps belong to values that occur mostly on ramps.

Why it matters
    The in-between values are real class ids (7 between background 0 and person 15 is
    "cat") or out of range (128 between 0 and 255): every object border teaches a wrong
    class, and small objects are eroded into noise.

Example
    Bad: a VOC mask resized with ``cv2.resize(m, size)`` (bilinear by default): 0, 6, 11, 15
    across the person's outline.
    Good: ``cv2.resize(m, size, interpolation=cv2.INTER_NEAREST)``.

How to fix
    Resize masks only with nearest-neighbour (``INTER_NEAREST``, ``Image.NEAREST``,
    ``InterpolationMode.NEAREST``), from the originals.
"""

from preflight.findings import Hit
from preflight.registry import check

from ._mask_stats import readable, unique_masks


def ramp_values(facts, min_share):
    """Values whose pixels lie mostly on ramps: {value: ramp pixels}."""
    hist = facts.hist()
    return {v: r for v, r in facts.ramps().items() if hist.get(v, 0) and r / hist[v] >= min_share}


def _summary(hits):
    values = sorted({v for h in hits for v in h.data["values"]})
    shown = ", ".join(map(str, values[:12])) + (" …" if len(values) > 12 else "")
    return f"{len(hits)} masks have interpolated values ({shown}) along class boundaries; first: {hits[0].path}: {hits[0].message}"


@check(
    "M113", "interpolated-mask-values", severity="warning", title="interpolation artifacts along class boundaries",
    pathology="underfitting", summarize=_summary,
    remedy="resize masks only with nearest-neighbour interpolation, from the originals",
    thresholds={
        "min_share": (0.5, "a value whose pixels are mostly on ramps exists only between other classes; real "
                      "classes have interiors (measured: 0 ramp pixels in all 59 real VOC/labelme masks)"),
        "min_pixels": (20, "a few ramp pixels occur where a 1-px region sits between two classes whose ids "
                       "bracket its own; a bilinear 2× resize of one VOC object gives hundreds"),
    },
)
def interpolated_mask_values(ctx):
    t = interpolated_mask_values.check
    for m in unique_masks(ctx):
        f = m.facts
        if not readable(f) or f.format == "JPEG" or not len(f.ramp_values):  # JPEG ringing is M109's
            continue
        bad = ramp_values(f, t.threshold("min_share"))
        n = sum(bad.values())
        if n < t.threshold("min_pixels"):
            continue
        shown = ", ".join(map(str, sorted(bad)[:10])) + (" …" if len(bad) > 10 else "")
        yield Hit(f"{n} pixels of values {shown} sit only between two other values", path=ctx.rel(m.mask),
                  split=m.split, data={"values": sorted(bad)})
