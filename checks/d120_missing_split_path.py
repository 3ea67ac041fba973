"""Split path does not exist: a train/val/test entry, or a listed image, that is not there.

What it checks
    Each folder or list file named by ``train``, ``val`` and ``test`` in data.yaml (resolved
    as Ultralytics does: relative to ``path``, with its ``../`` fallback), and each image path
    inside a list file.

Why it matters
    The split is empty or smaller than intended. Ultralytics stops with "images not found";
    other loaders train on what is left without saying so.

Example
    Bad: ``val: ../valid/images`` where the folder is ``validate/images``.
    Good: every split path exists.

How to fix
    Correct the path in data.yaml (relative to ``path``, or to the yaml's folder).
"""

from preflight.findings import Hit
from preflight.registry import check


@check(
    "D120", "missing-split-path", severity="error", title="split path or listed image does not exist",
    pathology="training_failure", remedy="correct the path in data.yaml (relative to path, or to the yaml's folder)",
)
def missing_split_path(ctx):
    cfg = ctx.cfg
    yaml_path = ctx.rel(cfg.file)
    for split, entry, resolved in ctx.layout.missing:
        yield Hit(f"{split}: {entry!r} does not exist (looked for {resolved})", path=yaml_path, line=cfg.lines.get(split), split=split)
    for split, list_file, no, entry, _ in ctx.layout.missing_listed:
        yield Hit(f"listed image {entry!r} does not exist", path=ctx.rel(list_file), line=no, split=split, group=f"list:{list_file}")
