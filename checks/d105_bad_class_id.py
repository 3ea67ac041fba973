"""Negative or non-integer class id.

What it checks
    Class ids below zero or with a fractional part (``-1``, ``2.5``). ``1.0`` is accepted: it
    is how some exporters write integers.

Why it matters
    Loaders cast ids to integers: ``2.5`` silently becomes class 2, ``-1`` indexes the last
    class in Python or crashes the loss.

Example
    Bad: ``-1 0.5 0.5 0.2 0.2`` (a "don't care" marker from another format).
    Good: ``3 0.5 0.5 0.2 0.2``.

How to fix
    Map "don't care" objects to a real class or drop them; fix the exporter that writes floats.
"""

import numpy as np

from preflight.findings import Hit
from preflight.registry import check


@check(
    "D105", "bad-class-id", severity="error", title="class id is negative or not an integer",
    pathology="training_failure", remedy="map 'don't care' objects to a real class or drop them; write ids as integers",
)
def bad_class_id(ctx):
    b = ctx.boxes
    bad = np.isfinite(b.cls) & ((b.cls < 0) | (b.cls != np.round(b.cls)))
    for row in np.flatnonzero(bad):
        c = float(b.cls[row])
        path, line, split = ctx.box_location(row)
        kind = "negative" if c < 0 else "not an integer"
        yield Hit(f"{ctx.box_where(row)}class id {c:g} is {kind}", path=path, line=line, split=split)
