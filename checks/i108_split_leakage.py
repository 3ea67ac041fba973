"""Leakage between splits: the same image in train and in val or test.

What it checks
    Images listed in two splits (the same path), and images of different splits with the
    same bytes (content hash). One finding per pair of splits.

Why it matters
    The model is validated on pictures it trained on: validation metrics rise, early
    stopping and model selection trust them, and the real error rate stays unknown.

Example
    Bad: ``val: images/train`` (the whole train set is the val set), or ``aircraft_726.jpg``
    byte-identical in ``JPEGImages-trainval/`` (val) and ``JPEGImages-test/`` (test).
    Good: every picture belongs to exactly one split.

How to fix
    Split by source (scene, video, patient) first, then remove each duplicate from all but
    one split.
"""

from preflight.findings import Hit
from preflight.registry import check

ORDER = {"train": 0, "val": 1, "test": 2}


def _summary(hits):
    same_path = sum(1 for h in hits if h.data and h.data.get("same_path"))
    a, b = hits[0].group.split("/")
    kind = "the same files" if same_path == len(hits) else ("byte-identical copies" if same_path == 0 else "the same or identical files")
    return f"{len(hits)} images of {b} are also in {a} ({kind}); first: {hits[0].path}: {hits[0].message}"


@check(
    "I108", "split-leakage", severity="error", title="same image in two splits (leakage)",
    pathology="overfitting", summarize=_summary,
    remedy="split by source first, then keep each picture in exactly one split",
)
def split_leakage(ctx):
    by_sha: dict[str, dict[str, str]] = {}
    for s in ctx.samples:
        f = ctx.images.get(s.image)
        key = f.sha if f is not None and f.sha and not f.error else f"path:{s.image}"
        by_sha.setdefault(key, {}).setdefault(s.split, s.image)
    for splits in by_sha.values():
        if len(splits) < 2:
            continue
        names = sorted(splits, key=lambda x: (ORDER.get(x, 9), x))
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                same = splits[a] == splits[b]
                msg = f"listed in {a} and {b}" if same else f"same bytes as {ctx.rel(splits[a])} ({a})"
                yield Hit(msg, path=ctx.rel(splits[b]), split=b, group=f"{a}/{b}", data={"same_path": same})
