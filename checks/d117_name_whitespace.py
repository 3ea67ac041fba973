"""Class name with surrounding whitespace.

What it checks
    Entries of ``names`` in data.yaml that start or end with spaces or tabs.

Why it matters
    ``" tennis racket"`` never equals ``"tennis racket"``: lookups by name (VOC/COCO
    conversion, class filters, metrics per class, the deployment's label map) miss it, and the
    class silently drops out.

Example
    Bad: ``names: [..., " tennis racket", ...]``.
    Good: ``names: [..., "tennis racket", ...]``.

How to fix
    Strip the name in data.yaml (and in any label map derived from it).
"""

from preflight.findings import Hit
from preflight.registry import check


@check(
    "D117", "name-whitespace", severity="warning", title="class name has surrounding whitespace",
    pathology=None, remedy="strip the name in data.yaml and in every label map built from it",
)
def name_whitespace(ctx):
    path = ctx.rel(ctx.cfg.file)
    for cid, name in ctx.cfg.names.items():
        if name != name.strip():
            line = ctx.cfg.lines.get(f"names.{cid}")
            yield Hit(f"class {cid} is named {name!r}", path=path, line=line, cls=cid)
