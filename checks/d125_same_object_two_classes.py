"""Same-looking objects, different classes (``--deep``): one appearance, two labels across the dataset.

What it checks
    With ``--deep``, every annotated object's crop gets a 64-bit perceptual hash. Crops whose
    hashes differ in at most ``max_distance`` bits look alike (the same object in two
    pictures, a copy-pasted object, a re-used frame) — when they carry different classes, the
    pair is reported. Crops smaller than 16 px or flat (sky, wall) are not hashed.

Why it matters
    The model is shown the same appearance under two names: both classes lose confidence on
    it, and the pair usually reveals an annotation rule that annotators read differently
    (pickup: car or truck?) or a class renamed half-way through labelling.

Example
    Bad: the same aircraft crop labelled ``aircraft`` in ``aircraft_119.xml`` and ``helicopter``
    in ``aircraft_1023.xml``.
    Good: look-alike objects carry one class everywhere.

How to fix
    Review the pairs (the report shows them), decide the rule, and relabel one side.
"""

import numpy as np

from preflight.findings import Hit
from preflight.geometry import near_pairs
from preflight.registry import check


@check(
    "D125", "same-object-two-classes", severity="warning", title="same-looking objects labelled with different classes",
    pathology="training_failure", remedy="review the pairs, decide the rule, and relabel one side",
    thresholds={
        "max_distance": (6, "Hamming distance between 64-bit DCT hashes of two crops: the same object drawn "
                         "twice with slightly different boxes differs by 2-8 bits (COCO_Tiny's truck/car and "
                         "bowl/cup pairs: 6, 6, 8); in coco128, COCO_Tiny, RSOD and the Roboflow ships set only 3 "
                         "pairs of different-class crops are that close (person/chair, truck/car, bowl/cup: each "
                         "one object boxed twice); the next different-class pairs measure 10 bits and more"),
        "max_bucket": (5000, "crops sharing one 9-bit chunk of their hash beyond this are a flat or repetitive "
                       "texture, not one object: that chunk value is not searched"),
    },
)
def same_object_two_classes(ctx):
    if ctx.crop_hashes is None:
        return
    t = same_object_two_classes.check
    b = ctx.boxes
    rows = np.flatnonzero(ctx.crop_valid & np.isfinite(b.cls))
    if len(rows) < 2:
        return
    names = ctx.cfg.names
    i, j, dist = near_pairs(ctx.crop_hashes[rows], t.threshold("max_distance"), t.threshold("max_bucket"))
    for a, c, d in zip(rows[i], rows[j], dist, strict=True):
        if b.cls[a] == b.cls[c]:
            continue
        na, nc = names.get(int(b.cls[a]), str(b.cls[a])), names.get(int(b.cls[c]), str(b.cls[c]))
        path, line, split = ctx.box_location(c)
        yield Hit(f"{ctx.box_where(c)}{nc!s} looks like the {na!s} at {ctx.box_ref(a)} ({int(d)} of 64 hash bits differ)",
                  path=path, line=line, split=split)
