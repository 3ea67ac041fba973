"""Class only in val or test: objects the model never sees in training.

What it checks
    Classes with annotations in ``val`` or ``test`` but none in ``train``.

Why it matters
    The model cannot predict a class it has no training example of: its validation AP is 0
    and drags the mean down, and the split was probably made by folder or date instead of
    stratified by class.

Example
    Bad: ``dog`` has 3 boxes in val and none in train.
    Good: every evaluated class has training examples.

How to fix
    Re-split stratified by class (or move some of those images into train).
"""

from preflight.findings import Hit
from preflight.registry import check


def _summary(hits):
    names = ", ".join(str(h.cls) for h in hits[:8])
    return f"{len(hits)} classes appear only in {hits[0].split}, never in train ({names}{' …' if len(hits) > 8 else ''})"


@check(
    "D123", "class-only-in-eval-split", severity="warning", title="class only in val/test split, not in train",
    pathology="underfitting", summarize=_summary, remedy="re-split stratified by class, or move some of those images into train",
)
def class_only_in_eval_split(ctx):
    counts = ctx.class_counts
    if "train" not in counts:
        return
    train = counts["train"]
    for split in ("val", "test"):
        for cid, n in sorted(counts.get(split, {}).items()):
            if cid not in train:
                name = ctx.cfg.names.get(cid, str(cid))
                yield Hit(f"class {cid} {name!r}: {n} in {split}, 0 in train", split=split, cls=name, group=split)
