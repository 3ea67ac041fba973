"""The images whose stored mode matches, for the header-only colour and depth checks (I110, I111).

Reads the mode column when ``ctx.images`` is a table of facts (one code per distinct mode: a
million images cost one ``np.isin``), else walks the facts; images with an error are I101's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np


def images_with_mode(ctx: Any, wanted: Callable[[str], bool]) -> Iterator[tuple[str, Any]]:
    """(path, facts) of every readable image whose ``mode`` satisfies ``wanted``."""
    t = ctx.images
    modes = getattr(t, "modes", None)
    if modes is None or not hasattr(t, "mode_code"):
        for path, facts in t.items():
            if facts.mode and not facts.error and wanted(facts.mode):
                yield path, facts
        return
    codes = [c for c, m in enumerate(modes.values) if m and wanted(m)]
    if not codes:
        return
    for row in np.flatnonzero(t.present & np.isin(t.mode_code, codes)).tolist():
        facts = t.row(row)
        if not facts.error:
            yield t.paths[row], facts
