"""Windows paths in data.yaml: backslashes or drive letters.

What it checks
    ``path``, ``train``, ``val`` and ``test`` entries containing ``\\`` or a drive letter
    (``F:``).

Why it matters
    On Linux and macOS a backslash is an ordinary file-name character and ``F:`` is not a
    root: the dataset is found only on the machine that wrote the file, so CI and every
    colleague fail with "images not found".

Example
    Bad: ``train: F:\\github_projects\\datasets\\coco128\\images\\train``.
    Good: ``path: ../datasets/coco128`` and ``train: images/train``.

How to fix
    Use forward slashes and paths relative to ``path`` (or to the yaml's folder).
"""

import re

from preflight.findings import Hit
from preflight.registry import check

_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


@check(
    "D121", "windows-paths", severity="warning", title="Windows path (backslash or drive letter) in data.yaml",
    pathology=None, remedy="use forward slashes and paths relative to path or to the yaml's folder",
)
def windows_paths(ctx):
    cfg = ctx.cfg
    entries = [("path", cfg.raw.get("path"))] + [(k, e) for k, v in cfg.splits.items() for e in v]
    for key, value in entries:
        if isinstance(value, str) and ("\\" in value or _DRIVE.match(value)):
            yield Hit(f"{key}: {value!r}", path=ctx.rel(cfg.file), line=cfg.lines.get(key))
