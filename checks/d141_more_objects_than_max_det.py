"""Images with more objects than the detector may output (``max_det``).

What it checks
    Annotated objects per image against the number of detections the model keeps after
    non-maximum suppression: ``max_det`` / ``box_detections_per_img`` /
    ``detections_per_img`` from model.yaml's ``model.kwargs`` when given, else Ultralytics'
    default of ``max_det``.

Why it matters
    The detector cannot return more boxes than that: in an image with 500 annotated cars
    and ``max_det=300`` at least 200 are missed by construction, recall and mAP are capped
    below what the model learned, and training-time validation reports the cap as a model
    weakness. torchvision's detectors keep only 100 by default.

Example
    Bad: a crowd-counting image with 420 ``person`` boxes and Ultralytics' ``max_det=300``.
    Good: ``max_det: 1000`` (or ``box_detections_per_img: 1000``) for dense scenes.

How to fix
    Raise ``max_det`` (Ultralytics ``val``/``predict`` argument) or
    ``box_detections_per_img`` (torchvision) above the densest image, or tile dense images.
"""

import numpy as np

from preflight.findings import Hit
from preflight.registry import check

#: model.kwargs names under which detectors take the number of detections they keep
MAX_DET_KWARGS = ("max_det", "box_detections_per_img", "detections_per_img", "max_detections")


def _limit(ctx, default):
    cfg = ctx.model_cfg
    model = cfg.get("model") if isinstance(cfg, dict) else None
    kwargs = model.get("kwargs") if isinstance(model, dict) else None
    if isinstance(kwargs, dict):
        for key in MAX_DET_KWARGS:
            v = kwargs.get(key)
            if isinstance(v, int) and not isinstance(v, bool) and v > 0:
                return v, f"model.kwargs.{key}"
    return default, "Ultralytics' default max_det"


def _summary(hits):
    return f"{len(hits)} images have more objects than {hits[0].data['max_det']} ({hits[0].data['source']}); first: {hits[0].message}"


@check(
    "D141", "more-objects-than-max-det", severity="warning", title="more objects in an image than max_det",
    pathology="underfitting", summarize=_summary,
    remedy="raise max_det / box_detections_per_img above the densest image, or tile dense images",
    thresholds={"max_det": (300, "Ultralytics' default max_det (ultralytics/cfg/default.yaml); YOLOv5 val.py also "
                            "uses 300. A model.yaml kwarg max_det / box_detections_per_img overrides it")},
)
def more_objects_than_max_det(ctx):
    t = more_objects_than_max_det.check
    b = ctx.boxes
    if len(b) == 0 or ctx.layout.format == "mask":
        return
    limit, source = _limit(ctx, t.threshold("max_det"))
    per = np.bincount(b.source, minlength=len(ctx.sources))
    for si in np.flatnonzero(per > limit):
        src = ctx.sources[int(si)]
        yield Hit(f"{int(per[si])} objects, {int(per[si]) - limit} more than {limit}", path=ctx.rel(src.label),
                  split=src.split, data={"max_det": limit, "source": source, "objects": int(per[si])})
