"""``nc`` disagrees with ``names``.

What it checks
    data.yaml files that give both ``nc`` and ``names`` with a different number of classes.

Why it matters
    Tools disagree on which one wins: Ultralytics refuses to start, older YOLOv5 code builds
    the head from ``nc`` and indexes ``names`` out of range in its plots, and converters
    trust ``names``. The head and the labels then disagree on the number of classes.

Example
    Bad: ``nc: 80`` with 79 names.
    Good: ``nc: 80`` with 80 names, or ``names`` alone.

How to fix
    Drop ``nc`` (``names`` says it all) or make the two agree.
"""

from preflight.findings import Hit
from preflight.registry import check


@check(
    "D119", "nc-names-mismatch", severity="error", title="nc does not match the number of names",
    pathology="training_failure", remedy="drop nc (names says it all) or make the two agree",
)
def nc_names_mismatch(ctx):
    cfg = ctx.cfg
    if cfg.nc is not None and "names" in cfg.raw and cfg.nc != len(cfg.names):
        yield Hit(f"nc is {cfg.nc} but names lists {len(cfg.names)} classes", path=ctx.rel(cfg.file), line=cfg.lines.get("nc"))
