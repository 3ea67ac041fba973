"""Non-numeric value: a label field that is not a finite number.

What it checks
    YOLO fields that do not parse as numbers, or parse to NaN or infinity; VOC coordinates
    and COCO bbox values likewise.

Why it matters
    NaN or inf in a target makes the box loss NaN on the first batch that contains it, and
    the whole run diverges; text in a number field crashes the loader.

Example
    Bad: ``0 0.5 nan 0.2 0.1``; ``<xmin>12,5</xmin>``.
    Good: ``0 0.5 0.4 0.2 0.1``; ``<xmin>12</xmin>``.

How to fix
    Fix the exporter that wrote it (locale decimal commas, divide by zero), then re-export.
"""

from preflight.findings import Hit
from preflight.registry import check

KINDS = {"non_numeric", "non_finite"}


@check(
    "D104", "non-numeric-value", severity="error", title="label value is not a finite number",
    pathology="divergence", remedy="fix the exporter (decimal commas, divisions by zero) and re-export the labels",
)
def non_numeric_value(ctx):
    for path, line, split, detail in ctx.line_issues(KINDS):
        yield Hit(detail, path=path, line=line, split=split)
