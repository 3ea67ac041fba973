"""Mask region shaped unlike every other region of its class: an outline, a scribble, a thin line.

What it checks
    Every 8-connected region of 64+ pixels of each class value in the masks (the reader keeps
    the 32 largest a mask), described by two numbers from its first two Hu moment invariants
    (h1 = λ1 + λ2, h2 = (λ1 − λ2)², λ the eigenvalues of the scale-normalized second moments):
    its *spread*, √(16π² λ1 λ2), which is 1 for a filled ellipse of any elongation, 1.05 for a
    filled rectangle and grows for outlines, rings and scribbles (a 2-pixel outline of a
    50-pixel-radius disc: 25); and its *elongation*, √(λ1 / λ2), the aspect ratio of the
    ellipse with the same moments. For each class with at least ``min_regions`` such regions,
    a region is reported when either number, on a log scale, lies above the class median by
    more than ``z`` robust standard deviations (the larger of 1.4826 × MAD and
    (Q90 − median) / 1.2816, so a long-tailed class keeps a wide scale) **and** by more than
    ``min_excess`` (a factor 10**min_excess). Background (value 0 named like "background",
    or a class holding over half of all pixels) and the ignore value are left out: their
    regions are whatever the objects leave over. JPEG masks (M109) and masks with values that
    exist only on interpolation ramps (M113: bilinear resizing draws rings of in-between class
    values around objects) are left to those checks.

Why it matters
    Polygons rasterized with ``cv2.polylines`` instead of ``cv2.fillPoly`` (or a filled shape
    drawn with ``thickness=2``) give a region that is only the object's outline; scribble or
    click annotations mixed into full masks give thin strokes. The loss then trains the
    interior of those objects as background: the class is under-segmented and its IoU capped,
    and nothing in the value histogram shows it.

Example
    Bad: one person of the 57 in the 54 VOC masks here drawn as its 2-pixel outline: spread
    13.8× an ellipse's where the class's median is 1.18× (robust z 14.9); a person replaced by
    a wavy scribble (z 8.0) or collapsed to a 2-pixel line, elongation 147:1 (z 8.6).
    Good: those 54 official masks as they are: person, the one class with 30+ regions,
    reaches robust z 2.8.

How to fix
    Rasterize polygons filled (``cv2.fillPoly``, ``ImageDraw.polygon(fill=...)``,
    ``pycocotools`` ``annToMask``), redraw or drop the flagged masks, and keep scribble
    annotations out of the fully-supervised set.

    Not found (measured): a region filled as its bounding box has a spread of 1.05, inside
    the class's range (VOC person median 1.18), so boxes painted as masks are not told apart
    by these moments; rotation invariance also hides flips and rotations.
    Hu's third- to seventh-order invariants are not used: they vanish on symmetric shapes and
    their logarithms then explode (on these VOC masks, log |h2| alone gives a clean person
    region robust z 5.3, and the higher orders more).
"""

from __future__ import annotations

import math
import re
from typing import Any

from preflight.findings import Hit
from preflight.registry import check

from ._mask_stats import readable, unique_masks
from .m113_interpolated_mask_values import ramp_values

#: names that mean "no object here" (compared lower-case, without spaces, '_' and '-')
_BACKGROUND = {"background", "bg", "backgroundclass", "void", "unlabeled", "unlabelled", "none", "clutter", "other", "others"}
#: columns of MaskFacts.shapes (preflight.formats.mask_shapes.SHAPE_COLUMNS)
_V, _AREA, _CX, _CY, _L1, _L2 = range(6)


def _background(ctx: Any, totals: dict[int, int]) -> set[int]:
    out = set()
    name = str(ctx.cfg.names.get(0, ""))
    if re.sub(r"[\s_\-]", "", name.lower()) in _BACKGROUND:
        out.add(0)
    total = sum(totals.values())
    if total:
        top = max(totals, key=lambda v: totals[v])
        if totals[top] / total > 0.5:
            out.add(top)
    return out


def _features(l1: float, l2: float) -> tuple[float, float]:
    """(log10 spread, log10 elongation) of a region from its moment eigenvalues."""
    l2 = max(l2, 1e-12)
    return 0.5 * math.log10(max(16 * math.pi ** 2 * l1 * l2, 1e-12)), 0.5 * math.log10(max(l1 / l2, 1.0))


def _median(xs: list[float]) -> float:
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def _quantile(s: list[float], q: float) -> float:
    """Linear-interpolated quantile of a sorted list (numpy's default)."""
    pos = q * (len(s) - 1)
    lo = int(math.floor(pos))
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def _location_scale(xs: list[float]) -> tuple[float, float]:
    """(median, scale): the larger of 1.4826 × MAD and (Q90 − median) / 1.2816, both the
    standard deviation for normal data. The upper-tail term keeps a class whose shapes have a
    long upper tail (bicycles, leftover regions) from having a tiny MAD-only scale."""
    s = sorted(xs)
    med = _quantile(s, 0.5)
    mad = 1.4826 * _median([abs(x - med) for x in s])
    return med, max(mad, (_quantile(s, 0.9) - med) / 1.2816)


def _summary(hits):
    classes = sorted({h.cls for h in hits if h.cls is not None}, key=str)
    return (f"{len(hits)} mask regions are shaped unlike the rest of their class "
            f"({', '.join(map(str, classes[:6]))}); first: {hits[0].path}: {hits[0].message}")


@check(
    "M124", "mask-shape-outlier", severity="warning", title="mask region shaped unlike the rest of its class",
    pathology="underfitting", summarize=_summary,
    remedy="rasterize polygons filled (cv2.fillPoly), redraw or drop the flagged masks, keep scribbles out",
    thresholds={
        "min_regions": (30, "classes with fewer regions are not judged. Measured by drawing 2,000 random subsets "
                        "of the VOC background class (122 regions, the most irregular distribution here, a "
                        "stand-in for 'stuff' classes): the largest clean z exceeds 6 in 0.5 % of 20-region "
                        "subsets, 0.1 % of 30-region ones; person subsets never do (max 5.1 at 20)"),
        "z": (6.0, "robust z above the class median, the scale being the larger of 1.4826 × MAD and "
              "(Q90 − median) / 1.2816; measured on the 54 official VOC 2012 masks: person (57 regions) "
              "reaches 2.8, the background class (left out) 4.1, every class at most 5.5; with MAD alone, "
              "classes under 20 regions reached 17.7 and the background 7.2"),
        "min_excess": (0.5, "also at least this far above the median in log10 units (a factor 3.2): a class whose "
                       "regions are all alike (MAD near 0) must not flag a region 20 % different; the largest clean "
                       "excess measured is 0.72 (a bicycle, z 2.8)"),
        "ramp_share": (0.5, "M113's min_share: a mask with values mostly on interpolation ramps is M113's finding"),
    },
)
def mask_shape_outlier(ctx):
    t = mask_shape_outlier.check
    ignore = ctx.cfg.ignore_index
    names = ctx.cfg.names
    regions: dict[int, list[tuple[float, float, Any, tuple[float, ...]]]] = {}
    totals: dict[int, int] = {}
    for m in unique_masks(ctx):
        f = m.facts
        shapes = getattr(f, "shapes", None)
        if not readable(f) or f.format == "JPEG":
            continue
        for v, n in f.hist().items():
            totals[v] = totals.get(v, 0) + n
        if shapes is None or not len(shapes):
            continue
        if ramp_values(f, t.threshold("ramp_share")):
            continue  # an interpolated mask: its rings of in-between values are M113's finding
        for row in shapes.tolist():
            v = int(row[_V])
            if v == ignore or v not in names:
                continue
            spread, elong = _features(row[_L1], row[_L2])
            regions.setdefault(v, []).append((spread, elong, m, tuple(row)))
    skip = _background(ctx, totals)
    z_max, excess = t.threshold("z"), t.threshold("min_excess")
    for v, rs in sorted(regions.items()):
        if v in skip or len(rs) < t.threshold("min_regions"):
            continue
        stats = [_location_scale([r[k] for r in rs]) for k in (0, 1)]
        for spread, elong, m, row in rs:
            why = []
            for k, value in ((0, spread), (1, elong)):
                med, mad = stats[k]
                z = (value - med) / mad if mad > 0 else math.inf
                if value - med > excess and z > z_max:
                    why.append((k, value, med, z))
            if not why:
                continue
            name = names.get(v, v)
            parts = []
            for k, value, med, z in why:
                if k == 0:
                    parts.append(f"spread {10 ** value:.3g}× a filled ellipse's (class median {10 ** med:.3g}×, robust z {z:.1f}): "
                                 f"an outline, ring or scribble")
                else:
                    parts.append(f"elongation {10 ** value:.3g}:1 (class median {10 ** med:.3g}:1, robust z {z:.1f}): a thin line")
            x, y = round(row[_CX]), round(row[_CY])
            yield Hit(f"{name} region of {int(row[_AREA])} px centred at x={x}, y={y}: " + "; ".join(parts)
                      + f" — unlike the other {len(rs) - 1} {name} regions",
                      path=ctx.rel(m.mask), split=m.split, cls=v,
                      data={"value": v, "area": int(row[_AREA]), "centre": [x, y],
                            "z": round(max(z for _, _, _, z in why), 2)})
