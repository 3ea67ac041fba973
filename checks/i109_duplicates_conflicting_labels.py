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
    by_sha: dict[str, list[int]] = {}
    for i, src in enumerate(ctx.sources):
        f = ctx.images.get(src.image) if src.image else None
        if f is not None and f.sha and not f.error:
            by_sha.setdefault(f.sha, []).append(i)
    for idxs in by_sha.values():
        if len(idxs) < 2:
            continue
        idxs.sort(key=lambda i: ctx.sources[i].image)
        base = idxs[0]
        ra = ctx.rows_by_source.get(base, empty)
        for other in idxs[1:]:
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


def _same_boxes(b, ra, rb) -> bool:
    """Identical class ids and boxes of positive size, row for row: every IoU is 1, no finding."""
    xa, xb = b.xyxy[ra], b.xyxy[rb]
    return bool(np.array_equal(b.cls[ra], b.cls[rb]) and np.array_equal(xa, xb)
                and np.all(xa[:, 2] > xa[:, 0]) and np.all(xa[:, 3] > xa[:, 1]))
