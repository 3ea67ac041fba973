"""Label without an image: annotations for a picture that is not there.

What it checks
    YOLO label files in a split's labels folder, VOC xml in its annotation folder, and COCO
    ``images`` entries whose image file does not exist in the split.

Why it matters
    The annotation work is lost to training, and the mismatch usually means a rename or a
    partial copy: the images that *are* present may be paired with the wrong labels too.

Example
    Bad: ``labels/train/000000000656.txt`` but no ``images/train/000000000656.jpg``.
    Good: every label file has its image.

How to fix
    Restore the missing images, or delete the stale label files.
"""

from preflight.findings import Hit
from preflight.registry import check


def _summary(hits):
    return f"{len(hits)} label files of {hits[0].split} have no image (e.g. {hits[0].path})"


@check(
    "D113", "label-without-image", severity="warning", title="label file has no image",
    pathology=None, summarize=_summary, remedy="restore the missing images, or delete the stale label files",
)
def label_without_image(ctx):
    if ctx.layout.format == "mask":  # masks: M102 / M101 report these
        return
    for split, path in ctx.layout.orphan_labels:
        yield Hit("no image with this name in the split", path=ctx.rel(path), split=split, group=split)
    for split, images in ctx.__dict__.get("coco_missing_files", {}).items():
        json_path = ctx.rel(ctx.layout.coco_files[split])
        for img in images:
            yield Hit(f"image id {img.id} file_name {img.file_name!r} is not in the split's folder", path=json_path, split=split, group=split)
