"""YOLO class ids not contiguous: ``names`` must be 0, 1, …, n-1.

What it checks
    For YOLO datasets, ``names`` given as a mapping whose keys are not exactly 0..n-1.

Why it matters
    YOLO heads have one output per index from 0 to nc-1. With ``names: {1: cat, 2: dog}``
    Ultralytics refuses the file; other trainers make a head of 2 outputs and class 2 is out
    of range (or class 0 is an unnamed ghost class).

Example
    Bad: ``names: {1: cat, 2: dog}``.
    Good: ``names: {0: cat, 1: dog}`` with the label ids shifted by one.

How to fix
    Renumber the classes from 0 and remap the ids in every label file.
"""

from preflight.findings import Hit
from preflight.registry import check


@check(
    "D127", "names-not-contiguous", severity="error", title="YOLO class ids in names are not 0..n-1",
    pathology="training_failure", remedy="renumber the classes from 0 and remap the ids in every label file",
)
def names_not_contiguous(ctx):
    if ctx.layout.format != "yolo":
        return
    ids = sorted(ctx.cfg.names)
    if ids != list(range(len(ids))):
        missing = sorted(set(range(max(ids) + 1)) - set(ids))[:10] if ids else []
        yield Hit(f"names has ids {ids[:10]}{' …' if len(ids) > 10 else ''}; missing {missing}",
                  path=ctx.rel(ctx.cfg.file), line=ctx.cfg.lines.get("names"))
