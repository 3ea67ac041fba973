"""Duplicates with conflicting labels: one picture, two different annotations.

What it checks
    Images with the same bytes (content hash) under different names whose annotations
    differ: another number of objects, other classes, or a box whose best match of the same
    class in the other copy has an IoU below ``min_iou``.

Why it matters
    The model sees the same pixels with two answers. It cannot fit both, so the loss has a
    floor it will never go under, and the duplicate pair usually means a second, sloppier
    annotation pass whose other labels are suspect too.

Example
    Bad: ``aircraft_119.jpg`` (13 boxes) and ``aircraft_1023.jpg`` (15 boxes) are one file.
    Good: duplicates removed, or their labels merged into one reviewed set.

How to fix
    Keep one copy, and review its labels against the other's.
"""

import numpy as np

from preflight.findings import Hit
from preflight.geometry import iou_matrix
from preflight.registry import check


@check(
    "I109", "duplicates-conflicting-labels", severity="error", title="same image, different labels",
    pathology="training_failure", remedy="keep one copy and review its labels against the other's",
    thresholds={"min_iou": (0.9, "every box must find a box of its class in the other copy at IoU ≥ 0.9, the "
                "level D124 uses for 'the same object'; re-exports of one annotation match at > 0.99")},
)
def duplicates_conflicting_labels(ctx):
    min_iou = duplicates_conflicting_labels.check.threshold("min_iou")
    b = ctx.boxes
    empty = np.zeros(0, dtype=int)
    base_src, other_src = _pairs(ctx)
    if not len(base_src):
        return
    # most copies carry the base's labels row for row: settled for all pairs at once, so the
    # loop below only looks at pairs that may differ (a duplicate-heavy set has ~10^6 pairs)
    maybe = ~_same_label_rows(ctx, base_src, other_src)
    for base, other in zip(base_src[maybe].tolist(), other_src[maybe].tolist(), strict=True):
        ra = ctx.rows_by_source.get(base, empty)
        rb = ctx.rows_by_source.get(other, empty)
        why = None
        if len(ra) != len(rb):
            why = f"{len(rb)} objects here, {len(ra)} in"
        elif len(ra) and _same_boxes(b, ra, rb):
            continue  # the copy's labels are the base's, byte for byte (re-saved datasets: most pairs)
        elif len(ra):
            ca, cb = np.nan_to_num(b.cls[ra], nan=-9), np.nan_to_num(b.cls[rb], nan=-9)
            if not np.array_equal(np.sort(ca), np.sort(cb)):
                why = "other classes than"
            else:
                iou = iou_matrix(b.xyxy[ra], b.xyxy[rb])
                iou = np.where(ca[:, None] == cb[None, :], iou, 0.0)
                worst = min(iou.max(axis=1).min(), iou.max(axis=0).min())
                if worst < min_iou:
                    why = f"a box matches no box of the same class better than IoU {worst:.2f} in"
        if why:
            sa, sb = ctx.sources[base], ctx.sources[other]
            yield Hit(f"{why} {ctx.rel(sa.label)} (same image as {ctx.rel(sa.image)})", path=ctx.rel(sb.label), split=sb.split)


def _pairs(ctx):
    """(base, other) source indices of every copy of an image (same bytes, another source),
    against the copy whose image path sorts first; copies grouped in the order their first
    source comes, each group's in the order of their image paths."""
    table = ctx.images
    n = len(ctx.sources)
    rows = np.fromiter((table.index(src.image) if src.image else -1 for src in ctx.sources), np.int64, n)
    sha = table.sha_keys()
    key = np.where(rows >= 0, sha[np.maximum(rows, 0)], -1)
    ok = np.flatnonzero(key >= 0)
    z = np.zeros(0, np.int64)
    if len(ok) < 2:
        return z, z
    # by image path within a group (ties: source order)
    order = ok[np.lexsort((ok, table.path_rank()[rows[ok]], key[ok]))]
    k = key[order]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    sizes = np.diff(np.r_[starts, len(k)])
    dup = np.flatnonzero(sizes >= 2)
    if not len(dup):
        return z, z
    dup = dup[np.argsort(np.minimum.reduceat(order, starts)[dup], kind="stable")]
    base = np.repeat(order[starts[dup]], sizes[dup] - 1)
    other = np.concatenate([order[starts[g] + 1 : starts[g] + sizes[g]] for g in dup.tolist()])
    return base, other


def _same_label_rows(ctx, base, other):
    """Per pair: both sources have the same number of rows (> 0 or both 0), and row for row the
    same class ids and boxes of positive size (what :func:`_same_boxes` tests, for every pair)."""
    b = ctx.boxes
    n = len(ctx.sources)
    src = b.source
    if len(src) and np.any(src[1:] < src[:-1]):  # rows not grouped by source: decide pair by pair below
        return np.zeros(len(base), bool)
    count = np.bincount(src, minlength=n) if len(src) else np.zeros(n, np.int64)
    start = np.searchsorted(src, np.arange(n))
    ca, cb = count[base], count[other]
    out = (ca == cb) & (ca == 0)  # no rows on either side: nothing to compare, no finding
    pos = np.flatnonzero((ca == cb) & (ca > 0))
    if len(pos):
        c = ca[pos]
        first = np.cumsum(c) - c
        offs = np.arange(int(c.sum())) - np.repeat(first, c)
        ra = np.repeat(start[base[pos]], c) + offs
        rb = np.repeat(start[other[pos]], c) + offs
        xa, xb = b.xyxy[ra], b.xyxy[rb]
        good = (b.cls[ra] == b.cls[rb]) & np.all(xa == xb, axis=1) & (xa[:, 2] > xa[:, 0]) & (xa[:, 3] > xa[:, 1])
        bad = np.add.reduceat((~good).astype(np.int64), first)
        out[pos] = bad == 0
    return out


def _same_boxes(b, ra, rb) -> bool:
    """Identical class ids and boxes of positive size, row for row: every IoU is 1, no finding."""
    xa, xb = b.xyxy[ra], b.xyxy[rb]
    return bool(np.array_equal(b.cls[ra], b.cls[rb]) and np.array_equal(xa, xb)
                and np.all(xa[:, 2] > xa[:, 0]) and np.all(xa[:, 3] > xa[:, 1]))
