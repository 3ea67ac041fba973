"""COCO bbox that does not match its own segmentation.

What it checks
    For COCO annotations with a polygon or RLE ``segmentation``, the ``bbox`` against the
    tight box of the segmentation (polygon extent, or ``pycocotools.mask.toBbox`` of the
    RLE). Reported when their IoU is below ``min_iou``.

Why it matters
    Instance-segmentation models (Mask R-CNN) train the box head on ``bbox`` and the mask
    head on crops of the segmentation taken *from that box*: a box that misses the mask
    teaches a mask outside its box, and box and mask metrics disagree. It comes from boxes
    and masks edited separately, or exported from different image sizes.

Example
    Bad: ``bbox [10, 10, 50, 50]`` with a polygon spanning x 200-260.
    Good: ``bbox`` = the polygon's extent (COCO computes it so).

How to fix
    Recompute every ``bbox`` from its segmentation (``mask_utils.toBbox``), or fix the one
    that was edited.
"""

import numpy as np

from preflight.findings import Hit
from preflight.registry import check

from .m121_rle_size_mismatch import coco_sources


def iou_xywh(a, b):
    ax1, ay1, ax2, ay2 = a[:, 0], a[:, 1], a[:, 0] + a[:, 2], a[:, 1] + a[:, 3]
    bx1, by1, bx2, by2 = b[:, 0], b[:, 1], b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]
    iw = np.clip(np.minimum(ax2, bx2) - np.maximum(ax1, bx1), 0, None)
    ih = np.clip(np.minimum(ay2, by2) - np.maximum(ay1, by1), 0, None)
    inter = iw * ih
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / union, np.where((a == b).all(axis=1), 1.0, 0.0))


def _summary(hits):
    return f"{len(hits)} COCO bboxes do not match their segmentation; first: {hits[0].message}"


@check(
    "M122", "bbox-vs-segmentation", severity="warning", title="bbox does not match its segmentation",
    pathology=None, summarize=_summary, remedy="recompute each bbox from its segmentation (mask_utils.toBbox)",
    thresholds={"min_iou": (0.9, "COCO's own bbox is the tight box of the segmentation (IoU 1 up to float "
                            "rounding); 0.9 leaves room for exporters that round small boxes to whole pixels")},
)
def bbox_vs_segmentation(ctx):
    limit = bbox_vs_segmentation.check.threshold("min_iou")
    for split, path, facts in coco_sources(ctx):
        for iid, seg in facts.seg_boxes.items():
            ann = facts.annotations.get(iid)
            if ann is None or len(ann) != len(seg):
                continue
            ok = np.isfinite(seg).all(axis=1)
            if not ok.any():
                continue
            iou = np.full(len(seg), 1.0)
            iou[ok] = iou_xywh(ann.box[ok], seg[ok])
            for row in np.flatnonzero(ok & (iou < limit)):
                aid = int(ann.ids[row]) if ann.ids is not None else row
                b, s = ann.box[row], seg[row]
                yield Hit(f"annotation {aid}: bbox [{', '.join(f'{v:g}' for v in b)}] vs segmentation extent "
                          f"[{', '.join(f'{v:.1f}' for v in s)}] (IoU {iou[row]:.2f})", path=ctx.rel(path), split=split)
