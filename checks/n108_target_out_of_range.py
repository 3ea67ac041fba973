"""
What it checks
--------------
Class-index targets outside ``0 .. C-1`` (C = the model's output channels) other than the
loss's ``ignore_index``; for torchvision detectors, box labels outside ``1 .. C-1`` (0 is
background there).

Why it matters
--------------
On the GPU an out-of-range index is a ``device-side assert triggered`` that kills the run
(often far from the cause); on the CPU an ``IndexError``. A detection label 0 is silently
trained as background: that class is never learned.

Example
-------
Bad::

    target = mask                        # values 1..C (1-based), C classes in the model

Good::

    target = mask - 1                    # 0..C-1

How to fix
----------
Map labels to ``0..C-1`` (``1..C-1`` for torchvision detectors, which reserve 0 for
background) or give the model as many outputs as there are classes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


@check(
    "N108", "target-out-of-range", severity="error", scope="model",
    title="target class index out of range",
    pathology="training_failure",
    remedy="map targets to 0..C-1 (1..C-1 for torchvision detectors) or fix the number of outputs",
)
def target_out_of_range(ctx: Any) -> Iterator[Hit]:
    import torch

    if ctx.synthetic:
        return
    st = ctx.target_stats()
    values = st.get("values")
    if not values:
        return
    where = {"path": ctx.path, "line": ctx.line("loader")}
    if ctx.task == "detect":
        c = ctx.detector_classes()
        if c is None:
            return
        bad = [v for v in values if v < 1 or v >= c]
        if bad:
            yield Hit(message=f"box labels {bad[:8]} outside 1..{c - 1} (the detector has {c} classes with 0 = background)",
                      data={"labels": bad[:8], "classes": c}, **where)
        return
    y = ctx.targets
    if not isinstance(y, torch.Tensor) or y.is_floating_point() or ctx.output is None:
        return
    if ctx.output.dim() != y.dim() + 1:  # one-hot / shape problems: N109, N110
        return
    c = ctx.output_classes()
    if c is None or c < 2:
        return
    ignore = getattr(ctx.loss_fn, "ignore_index", None)
    bad = [v for v in values if (v < 0 or v >= c) and v != ignore]
    if ctx.is_ce and ignore != ctx.ignore_value():  # 255 without ignore_index is A107's
        bad = [v for v in bad if v != ctx.ignore_value()]
    if bad:
        yield Hit(message=f"target values {bad[:8]} outside 0..{c - 1} ({c} output channels)"
                  + (f"; ignore_index is {ignore}" if ignore is not None else ""),
                  data={"values": bad[:8], "classes": c}, **where)
