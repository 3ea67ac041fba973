"""Duplicate images in a split: the same bytes stored under two names.

What it checks
    Images of one split whose content hashes (blake2b of the file bytes) are equal.

Why it matters
    A duplicated picture counts twice in every epoch: its objects weigh double in the loss,
    and when the copies carry different labels (see I109) the model is asked to learn both.

Example
    Bad: ``images/train/aircraft_119.jpg`` and ``images/train/aircraft_1023.jpg`` are the same file.
    Good: every file in a split has its own content.

How to fix
    Keep one copy (and merge its labels); ``preflight data --format json`` lists the pairs.
"""

from preflight.findings import Hit
from preflight.registry import check


@check(
    "I106", "duplicate-images", severity="warning", title="same image twice in a split",
    pathology="overfitting", remedy="keep one copy of each picture and merge its labels",
)
def duplicate_images(ctx):
    by_key: dict[tuple[str, str], list[str]] = {}
    for s in ctx.samples:
        facts = ctx.images.get(s.image)
        if facts is not None and facts.sha and not facts.error:
            paths = by_key.setdefault((s.split, facts.sha), [])
            if s.image not in paths:
                paths.append(s.image)
    for (split, _), paths in by_key.items():
        if len(paths) < 2:
            continue
        paths.sort()
        first = ctx.rel(paths[0])
        for other in paths[1:]:
            yield Hit(f"same bytes as {first}", path=ctx.rel(other), split=split)
