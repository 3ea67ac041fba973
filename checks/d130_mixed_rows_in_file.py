"""Box rows and polygon rows in one YOLO file.

What it checks
    YOLO label files that hold both 5-column box rows and polygon rows (7 or more columns).

Why it matters
    Ultralytics decides per file: once one row is a polygon, *every* row is read as a polygon,
    so a box row ``c cx cy w h`` becomes the two points (cx, cy) and (w, h), and its box is
    rebuilt from them: a wrong box in a wrong place. Other loaders drop one kind or crash.
    Typical of Roboflow exports that merge a detection and a segmentation project.

Example
    Bad: ``0 0.5 0.5 0.2 0.2`` and ``0 0.1 0.1 0.3 0.1 0.3 0.4`` in one file. (Different files
    of different kinds are D128.)
    Good: one kind per dataset: all boxes (convert polygons to their bounding boxes) or all
    polygons.

How to fix
    Convert the polygons to boxes for detection (or the boxes to 4-point polygons for
    segmentation) in every file.
"""


from preflight.findings import Hit
from preflight.registry import check


def _summary(hits):
    return f"{len(hits)} label files mix box rows with polygon rows (e.g. {hits[0].path}: {hits[0].message})"


@check(
    "D130", "mixed-rows-in-file", severity="error", title="box and polygon rows mixed in one label file",
    pathology="training_failure", summarize=_summary,
    remedy="convert the polygons to boxes (detection) or the boxes to polygons (segmentation) in every file",
)
def mixed_box_polygon_rows(ctx):
    table = ctx.labels
    poly_counts, row_counts = table.polygon_counts()  # the label table's columns, not a facts object per file
    yolo = table.formats.values.index("cxcywh_norm") if "cxcywh_norm" in table.formats.values else -2
    for s in ctx.sources:
        i = table.index(s.label)
        if i < 0 or table.fmt_code[i] != yolo or row_counts[i] < 2:
            continue
        polys = poly_counts[i]
        boxes = row_counts[i] - polys
        if polys and boxes:
            yield Hit(f"{boxes} box rows and {polys} polygon rows", path=ctx.rel(s.label), split=s.split)
