"""
What it checks
--------------
``CrossEntropyLoss`` without ``ignore_index`` (the default is -100) while the targets hold the
dataset's "no label" value (255 for VOC-style masks, or data.yaml's ``ignore_index``).

Why it matters
--------------
Without ``ignore_index=255`` the loss looks up logit 255: on the CPU an ``IndexError: Target 255
is out of bounds``, on the GPU a device-side assert that kills the run. Remapping 255 to a real
class instead trains object borders as background.

Example
-------
Bad::

    loss_fn = nn.CrossEntropyLoss()                    # masks hold 255 at object borders

Good::

    loss_fn = nn.CrossEntropyLoss(ignore_index=255)

How to fix
----------
Set ``ignore_index`` to the mask's "no label" value (``loss: {kwargs: {ignore_index: 255}}``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


@check(
    "A107", "missing-ignore-index", severity="error", scope="model",
    title="CrossEntropyLoss without ignore_index on targets holding the ignore value",
    pathology="training_failure",
    remedy="set ignore_index to the mask's no-label value (e.g. 255)",
)
def missing_ignore_index(ctx: Any) -> Iterator[Hit]:
    import torch

    y = ctx.targets
    if not ctx.is_ce or ctx.task == "detect" or not isinstance(y, torch.Tensor) or y.is_floating_point():
        return
    value = ctx.ignore_value()
    c = ctx.classes()
    if c is not None and value < c:
        return
    if value not in (ctx.target_stats().get("values") or []) or ctx.loss_fn.ignore_index == value:
        return
    pixels = int((y == value).sum())
    yield Hit(message=f"{pixels} target values are {value} but CrossEntropyLoss has ignore_index={ctx.loss_fn.ignore_index}"
              + (f" ({ctx.loss_error})" if ctx.loss_error else ""),
              path=ctx.path, line=ctx.line("loss.kwargs") or ctx.line("loss.factory"), data={"value": value, "count": pixels})
