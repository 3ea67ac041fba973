"""Boxes and polygons mixed in one YOLO dataset: some label files detect, others segment.

What it checks
    YOLO datasets where some label files hold only 5-column box rows and others polygon rows
    (7 or more columns). One finding, with the count of each kind per split and examples of
    the less common kind. Both kinds inside one file are D130.

Why it matters
    Ultralytics, training a segmentation model on such a set, warns "Box and segment counts
    should be equal … only boxes will be used and all segments will be removed": every
    polygon is thrown away. For detection the polygons become their bounding boxes, which is
    fine, but the set was usually merged from two projects with different conventions.

Example
    Bad: ``validate/labels`` with 77 box-only files and 56 polygon files (a Roboflow export
    merging a detection and a segmentation project).
    Good: one kind of label throughout.

How to fix
    Convert to one kind: polygons to boxes for detection, or label the box-only images with
    polygons for segmentation.
"""


from preflight.findings import Finding, Severity
from preflight.registry import check


@check(
    "D128", "mixed-boxes-and-polygons", severity="warning", title="box files and polygon files mixed in one dataset",
    pathology="underfitting",
    remedy="convert to one kind: polygons to boxes for detection, or label the box-only images with polygons for segmentation",
)
def mixed_boxes_and_polygons(ctx):
    kinds: dict[str, dict[str, list[str]]] = {}
    table = ctx.labels
    polys, rows = table.polygon_counts()
    yolo = table.formats.values.index("cxcywh_norm") if "cxcywh_norm" in table.formats.values else -2
    index = table.index
    for src in ctx.sources:
        i = index(src.label)
        if i < 0 or table.fmt_code[i] != yolo or rows[i] == 0:  # no file, another format, or empty
            continue
        p, n = polys[i], rows[i]
        kind = "polygon" if p == n else ("box" if p == 0 else "both")
        kinds.setdefault(src.split, {}).setdefault(kind, []).append(ctx.rel(src.label))
    total = {k: sum(len(d.get(k, [])) for d in kinds.values()) for k in ("box", "polygon")}
    if not (total["box"] and total["polygon"]):
        return
    minority = "box" if total["box"] < total["polygon"] else "polygon"
    per = "; ".join(f"{sp}: {len(d.get('box', []))} box files, {len(d.get('polygon', []))} polygon files" for sp, d in kinds.items())
    examples = [{"path": p, "split": sp, "message": f"{minority} rows only"} for sp, d in kinds.items() for p in sorted(d.get(minority, []))[:5]]
    yield Finding(code="D128", severity=Severity.WARNING, title="", count=total[minority], examples=examples,
                  message=f"{total['box']} label files hold boxes and {total['polygon']} hold polygons ({per})",
                  data={"files": {sp: {k: len(v) for k, v in d.items()} for sp, d in kinds.items()}})

