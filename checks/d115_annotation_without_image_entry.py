"""COCO annotation pointing at a missing image id.

What it checks
    Entries of ``annotations`` whose ``image_id`` is not the id of any entry of ``images``.

Why it matters
    pycocotools' index raises a KeyError on them in some versions and drops them in others;
    either way these objects never reach training, and the file was probably merged or
    filtered incorrectly.

Example
    Bad: ``{"id": 17, "image_id": 999, ...}`` with no image 999.
    Good: every annotation's image_id is in ``images``.

How to fix
    Re-export the json, or delete the orphan annotations after checking why they exist.
"""

from preflight.findings import Hit
from preflight.registry import check


@check(
    "D115", "annotation-without-image-entry", severity="error", title="COCO annotation points at a missing image",
    pathology="training_failure", remedy="re-export the json, or delete the orphan annotations after finding out why they exist",
)
def annotation_without_image_entry(ctx):
    for split, facts in ctx.coco.items():
        if facts is None:
            continue
        path = ctx.rel(ctx.layout.coco_files[split])
        for aid, iid in facts.orphan_annotations:
            yield Hit(f"annotation {aid}: image_id {iid} is not in images", path=path, split=split, group=path)
