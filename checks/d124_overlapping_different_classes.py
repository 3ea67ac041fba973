"""Two classes on one object: boxes of different classes that coincide.

What it checks
    Pairs of annotations in one image with different classes whose boxes overlap with an
    IoU of at least ``iou``: the same object labelled twice, once per class.

Why it matters
    This is class confusion in the labels: the model is told the object is both. The two
    class scores compete on every such object, NMS keeps one at random, and per-class AP
    of both suffers. Usually annotators disagreed, or a class was renamed half-way.

Example
    Bad: ``2 0.50 0.40 0.20 0.30`` (car) and ``7 0.50 0.40 0.21 0.30`` (truck) in one file.
    Good: one class per object; agree on a rule for the ambiguous cases.

How to fix
    Decide which class each of these objects is, delete the other box, and write the rule
    for annotators.
"""

import numpy as np

from preflight.findings import Hit
from preflight.geometry import pair_iou, pairs_within
from preflight.registry import check


def _summary(hits):
    pairs = {}
    for h in hits:
        pairs[h.data["pair"]] = pairs.get(h.data["pair"], 0) + 1
    top = ", ".join(f"{a}/{b}: {n}" for (a, b), n in sorted(pairs.items(), key=lambda kv: -kv[1])[:5])
    return f"{len(hits)} objects carry two classes at once ({top}); first: {hits[0].path}: {hits[0].message}"


@check(
    "D124", "overlapping-different-classes", severity="warning", title="one object labelled with two classes",
    pathology="training_failure", summarize=_summary,
    remedy="decide which class each object is, delete the other box, and write the rule down for annotators",
    thresholds={"iou": (0.9, "IoU 0.9 is within annotator noise for one object (Papadopoulos et al. 2017 measured "
                "a mean IoU of 0.88 between two annotators boxing the same object); distinct neighbouring "
                "objects rarely overlap that much")},
)
def overlapping_different_classes(ctx):
    b = ctx.boxes
    limit = overlapping_different_classes.check.threshold("iou")
    names = ctx.cfg.names
    for i, j in pairs_within(b.source):
        ci, cj = b.cls[i], b.cls[j]
        differ = np.isfinite(ci) & np.isfinite(cj) & (ci != cj)
        i, j = i[differ], j[differ]
        iou = pair_iou(b.xyxy[i], b.xyxy[j])
        for ra, rb, v in zip(i[iou >= limit], j[iou >= limit], iou[iou >= limit], strict=True):
            if b.line[ra] > b.line[rb] or (b.line[ra] == b.line[rb] and b.ann_id[ra] > b.ann_id[rb]):
                ra, rb = rb, ra
            path, line, split = ctx.box_location(rb)
            na, nb = names.get(int(b.cls[ra]), str(b.cls[ra])), names.get(int(b.cls[rb]), str(b.cls[rb]))
            other = f"line {int(b.line[ra])}" if b.line[ra] else f"annotation {int(b.ann_id[ra])}"
            yield Hit(f"{ctx.box_where(rb)}{nb!s} box overlaps the {na!s} box of {other} (IoU {v:.2f})",
                      path=path, line=line, split=split, data={"pair": tuple(sorted((str(na), str(nb))))})
