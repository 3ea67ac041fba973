"""Malformed label line: a line or object that is not an annotation.

What it checks
    YOLO lines with the wrong number of columns (a box has 5: ``class cx cy w h``; a polygon
    an odd number of at least 7), VOC objects without ``<name>`` or without a complete
    ``<bndbox>``, COCO entries with missing or wrongly typed keys.

Why it matters
    Loaders either crash on the line or drop the whole file (Ultralytics marks the image
    corrupt and ignores all of its labels).

Example
    Bad: ``0 0.5 0.5 0.2`` (4 columns); ``<object><name>car</name></object>`` without a box.
    Good: ``0 0.5 0.5 0.2 0.1``.

How to fix
    Correct or delete the line; if many files have it, re-export from the labelling tool.
"""

from preflight.findings import Hit
from preflight.registry import check

KINDS = {"columns", "missing_field", "bad_category", "bad_image", "bad_annotation"}


@check(
    "D102", "malformed-label-line", severity="error", title="label line is malformed",
    pathology="training_failure", remedy="correct or delete the line; re-export from the labelling tool if many files have it",
)
def malformed_label_line(ctx):
    for path, line, split, detail in ctx.line_issues(KINDS):
        yield Hit(detail, path=path, line=line, split=split)
