"""Class only in train: a class that validation never measures.

What it checks
    Classes with annotations in ``train`` but none in the validation split (``val``; ``test``
    when there is no ``val``), when that split has annotations at all. The other direction
    (only in val/test) is D123.

Why it matters
    Nothing tells you whether the model learned that class: its AP is left out of the
    validation mean (or counted as 0 by tools that average over ``names``), early stopping
    and checkpoint choice ignore it, and a regression on it ships unnoticed. It usually means
    the split was made by folder, date or file name instead of stratified by class.

Example
    Bad: coco8: ``zebra`` (22) and ``giraffe`` (23) have boxes in train and none in val.
    Good: every trained class has some validation instances.

How to fix
    Re-split stratified by class, or move some images of those classes into val.
"""

from preflight.findings import Hit
from preflight.registry import check


def _summary(hits):
    names = ", ".join(str(h.cls) for h in hits[:8])
    return f"{len(hits)} classes appear only in train, never in {hits[0].split} ({names}{' …' if len(hits) > 8 else ''}): they are never evaluated"


@check(
    "D132", "class-only-in-train", severity="info", title="class only in train, never in val",
    pathology="overfitting", summarize=_summary,
    remedy="re-split stratified by class, or move some images of those classes into val",
)
def class_only_in_train(ctx):
    counts = ctx.class_counts
    if "train" not in counts:
        return
    evaluated = next((sp for sp in ("val", "test") if sp in counts), None)
    if evaluated is None or not counts[evaluated]:
        return
    for cid, n in sorted(counts["train"].items()):
        if cid not in counts[evaluated]:
            name = ctx.cfg.names.get(cid, str(cid))
            yield Hit(f"class {cid} {name!r}: {n} in train, 0 in {evaluated}: only in train, never evaluated",
                      split=evaluated, cls=name, group=evaluated)
