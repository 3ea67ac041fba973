"""One class name, two kinds of object: a class whose box shapes fall into two separate groups.

What it checks
    For each class with enough boxes, the log aspect ratio (width / height, in pixels where
    the image size is known) is split at the point that best separates two groups (Otsu's
    criterion); the class is reported when the split explains at least ``min_r2`` of the
    variance (the groups are tight and far apart) and each holds at least ``min_share`` of the
    boxes. Size is not used: the same kind of
    object is near and far, so sizes spread naturally; shape does not.

Why it matters
    One name used for two different things ("bat" for the animal and the club, "plane" for
    aircraft and tools, or two annotation teams with two conventions: whole object vs
    visible part) forces one class to cover two appearances: its recall stays low on the
    smaller group, and the detector confuses it with the classes each group resembles.

Example
    Bad: ``overpass`` boxes: half long and thin (aspect 6:1, the bridge deck), half square
    (the whole interchange).
    Good: one convention per class, or two classes.

How to fix
    Look at examples of both groups (the report shows them); split the class in two or
    re-annotate one group to the other's convention.
"""

import numpy as np

from preflight.findings import Hit
from preflight.registry import check


def best_split(x: np.ndarray) -> tuple[int, np.ndarray]:
    """Sorted values and the index that splits them with the largest between-group variance."""
    xs = np.sort(x)
    n = len(xs)
    k = np.arange(1, n)
    csum = np.cumsum(xs)[:-1]
    m1 = csum / k
    m2 = (xs.sum() - csum) / (n - k)
    between = k * (n - k) * (m1 - m2) ** 2
    return int(np.argmax(between)) + 1, xs


def ashman_d(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(2) * abs(a.mean() - b.mean()) / np.sqrt(a.var() + b.var() + 1e-12))


@check(
    "D126", "class-with-two-shapes", severity="warning", title="class boxes fall into two separate shape groups",
    pathology="training_failure",
    remedy="review examples of both groups; split the class or re-annotate one group to the other's convention",
    thresholds={
        "min_r2": (0.85, "share of variance explained by the best two-group split: 0.64 for any Gaussian, 0.75 "
                   "for a uniform spread, so unimodal shapes never reach 0.85; two equal groups do from "
                   "Ashman's D ≈ 4.8 (D > 2 is the classic bimodality bound, Ashman, Bird & Zucker 1994)"),
        "min_share": (0.15, "each group must hold 15 % of the class: a smaller group is outliers, not a second kind"),
        "min_boxes": (40, "below 40 boxes the best split of a sample is mostly noise"),
    },
)
def class_with_two_shapes(ctx):
    t = class_with_two_shapes.check
    b = ctx.boxes
    if len(b) == 0:
        return
    w = (b.xyxy[:, 2] - b.xyxy[:, 0])
    h = (b.xyxy[:, 3] - b.xyxy[:, 1])
    pix = np.isfinite(b.canvas).all(axis=1)
    wp = np.where(pix, w * b.canvas[:, 0], w)
    hp = np.where(pix, h * b.canvas[:, 1], h)
    ok = np.isfinite(b.cls) & (wp > 0) & (hp > 0)
    names = ctx.cfg.names
    with np.errstate(divide="ignore", invalid="ignore"):
        aspect = np.log(wp / np.where(hp > 0, hp, 1))
    for c in np.unique(b.cls[ok]):
        rows = np.flatnonzero(ok & (b.cls == c))
        if len(rows) < t.threshold("min_boxes"):
            continue
        order = rows[np.argsort(aspect[rows], kind="stable")]
        cut, xs = best_split(aspect[rows])
        share = min(cut, len(xs) - cut) / len(xs)
        if share < t.threshold("min_share"):
            continue
        lo, hi = xs[:cut], xs[cut:]
        total = xs.var() * len(xs)
        within = lo.var() * len(lo) + hi.var() * len(hi)
        r2 = 1 - within / total if total > 0 else 0.0
        if r2 < t.threshold("min_r2"):
            continue
        d = ashman_d(lo, hi)
        desc = [f"{len(g)} boxes of aspect ~{np.exp(np.median(g)):.2f}" for g in (lo, hi)]
        examples = f"{ctx.box_ref(order[0])}, {ctx.box_ref(order[-1])}"
        name = names.get(int(c), str(c))
        yield Hit(f"class {name!r} splits into two shapes (split explains {r2:.0%} of the variance, Ashman's D {d:.1f}): {desc[0]} vs {desc[1]}; e.g. {examples}",
                  cls=name, group=str(c), data={"r2": round(float(r2), 3), "ashman_d": round(d, 2), "groups": desc})
