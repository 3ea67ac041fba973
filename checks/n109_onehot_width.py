"""
What it checks
--------------
One-hot targets whose class dimension does not match the model's output channels, above all
width 256: ``F.one_hot(mask)`` on a mask that holds 255 (the "no label" border of VOC-style
masks) makes 256 classes.

Why it matters
--------------
``F.one_hot(mask)`` infers the width from the largest value: with 255 in the mask it builds
256 channels, and the loss either fails on the shape or (after a slice/resize) trains the
border pixels as a class. ``F.one_hot(mask, C)`` with 255 in the mask raises instead. Either
way the ignore value must be removed before encoding.

Example
-------
Bad::

    target = F.one_hot(mask).permute(0, 3, 1, 2).float()         # 256 channels

Good::

    valid = mask != 255
    target = F.one_hot(mask.clamp(max=C - 1), C).permute(0, 3, 1, 2).float()
    loss = (bce(logits, target) * valid[:, None]).mean()

How to fix
----------
Keep class indices with ``CrossEntropyLoss(ignore_index=255)``, or one-hot encode with an
explicit width and mask the ignored pixels out of the loss.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


def onehot_width(y: Any, out: Any) -> int | None:
    """The class width of a one-hot target laid out like the output (channels first or last)."""
    if y.dim() != out.dim() or y.shape[0] != out.shape[0]:
        return None
    if tuple(y.shape[2:]) == tuple(out.shape[2:]):
        return int(y.shape[1])
    if tuple(y.shape[1:-1]) == tuple(out.shape[2:]):
        return int(y.shape[-1])
    return None


@check(
    "N109", "onehot-width", severity="error", scope="model",
    title="one-hot target width differs from the output channels",
    pathology="training_failure",
    remedy="one-hot encode with an explicit width after removing the ignore value (or use class indices + ignore_index)",
)
def onehot_width_check(ctx: Any) -> Iterator[Hit]:
    import torch

    y, out = ctx.targets, ctx.output
    if ctx.synthetic or ctx.task == "detect" or not isinstance(y, torch.Tensor) or out is None or out.dim() < 2:
        return
    k = onehot_width(y, out)
    c = int(out.shape[1])
    if k is None or k == c or k == 1:
        return
    why = " (width 256: the ignore value 255 was one-hot encoded)" if k == 256 else ""
    yield Hit(message=f"one-hot targets of shape {list(y.shape)} have {k} classes, the model outputs {c}{why}",
              path=ctx.path, line=ctx.line("loader"), data={"width": k, "classes": c})
