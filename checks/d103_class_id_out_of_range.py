"""Class id out of range: an annotation whose class is not one of ``names``.

What it checks
    Integer class ids (YOLO class column, COCO ``category_id``) that are not keys of
    ``names`` in data.yaml. Negative and non-integer ids are D105.

Why it matters
    With ``nc`` classes the head has ``nc`` outputs; an id ≥ nc makes CrossEntropyLoss raise
    (on CUDA: a device-side assert that kills the run) or, in one-hot code, silently writes
    into the wrong class. Often the names list is the stale part: classes were added in the
    labelling tool but not in data.yaml.

Example
    Bad: ``names: [ship]`` and a label line ``44 0.5 0.5 0.1 0.1``.
    Good: every id in the labels has a name.

How to fix
    Add the missing classes to ``names`` (and ``nc``), or remap the ids in the label files.
"""

import numpy as np

from preflight.findings import Hit
from preflight.registry import check


def _summary(hits):
    ids = sorted({h.cls for h in hits})
    files = len({h.path for h in hits})
    shown = ", ".join(str(i) for i in ids[:12]) + (" …" if len(ids) > 12 else "")
    span = f"{ids[0]}–{ids[-1]}, " if len(ids) > 1 else ""
    return f"{len(hits)} annotations in {files} files use class ids without a name ({span}{len(ids)} distinct: {shown}); {hits[0].message}"


@check(
    "D103", "class-id-out-of-range", severity="error", title="class id out of range",
    pathology="training_failure", summarize=_summary,
    remedy="add the missing classes to names (and nc), or remap the ids in the label files",
)
def class_id_out_of_range(ctx):
    b = ctx.boxes
    valid = ctx.valid_ids
    names = ctx.cfg.names
    span = f"{min(names)}-{max(names)}" if names else "none"
    desc = f"names has {len(names)} classes ({span})"
    c = b.cls
    named = np.isin(c, np.asarray(sorted(valid), dtype=np.float64))
    bad = np.isfinite(c) & (c >= 0) & (c == np.round(c)) & ~named  # negative / fractional ids are D105's
    for row in np.flatnonzero(bad):
        c = b.cls[row]
        path, line, split = ctx.box_location(row)
        yield Hit(f"{ctx.box_where(row)}class id {int(c)} but {desc}", path=path, line=line, split=split, cls=int(c))
