"""Image without a label file: probably forgotten, not declared background.

What it checks
    Images for which no label source exists: no YOLO ``.txt`` where ``/images/`` becomes
    ``/labels/``, no VOC xml of the same stem, no entry in the COCO json. An *empty* label
    file is different: it declares a background image (D129).
    The message gives each split's share of images without a label file.

Why it matters
    Loaders treat a missing label file as "no objects": every object in the picture is
    trained as background, which teaches the detector to miss exactly those objects.

Example
    Bad: ``images/train/000000000250.jpg`` with no ``labels/train/000000000250.txt``.
    Good: a label file for every image; an empty one for true background images.

How to fix
    Label the image, or create an empty label file if it really has no objects.
"""

from preflight.findings import Hit
from preflight.registry import check


def _summary(hits):
    total = (hits[0].data or {}).get("split_images")
    share = f" ({len(hits)} of {total}, {len(hits) / total:.0%})" if total else ""
    return f"{len(hits)} images of {hits[0].split} have no label file{share} (e.g. {hits[0].path}); {hits[0].message}"


@check(
    "D112", "image-without-labels", severity="warning", title="image has no label file",
    pathology="underfitting", summarize=_summary,
    remedy="label the image, or create an empty label file if it really shows no object",
)
def image_without_labels(ctx):
    if ctx.layout.format == "mask":  # masks: M102 / M101 report these
        return
    seen: set[str] = set()
    per_split: dict[str, int] = {}
    for s in ctx.samples:
        per_split[s.split] = per_split.get(s.split, 0) + 1
    for s in ctx.samples:
        if s.label is None and s.image not in seen:  # an image in two splits is reported once
            seen.add(s.image)
            im = ctx.images.get(s.image)
            if im is not None and im.error:
                continue  # the image itself is broken (I101/I102): one finding is enough
            expected = ctx.rel(s.expected_label) if s.expected_label else "its label"
            msg = f"expected {expected}" if s.coco_id is None and not ctx.layout.coco_files else "not in the COCO json's images"
            yield Hit(msg, path=ctx.rel(s.image), split=s.split, group=s.split, data={"split_images": per_split[s.split]})
