"""
What it checks
--------------
Target shape against output shape: a batch size that differs, segmentation masks with a
leftover channel dimension (``[B, 1, H, W]``) or with another spatial size than the logits
(e.g. logits at stride 8, masks at full size).

Why it matters
--------------
``CrossEntropyLoss`` wants ``[B, H, W]`` targets for ``[B, C, H, W]`` logits. A ``[B, 1, H, W]``
mask raises; a mask at another resolution raises too, and "fixing" it with a flatten/view
silently pairs the wrong pixels. Models that output at stride 4/8 (DeepLab heads, many
segmentation libraries) need the logits upsampled or the masks downsampled (nearest).

Example
-------
Bad::

    mask = torch.from_numpy(m)[None].long()           # [1, H, W] -> batched [B, 1, H, W]

Good::

    mask = torch.from_numpy(m).long()                 # [H, W] -> batched [B, H, W]
    logits = F.interpolate(logits, size=mask.shape[-2:], mode="bilinear")

How to fix
----------
Squeeze the channel dimension of masks, and make logits and masks the same spatial size
(upsample logits bilinearly or resize masks with nearest-neighbour).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


@check(
    "N110", "target-shape", severity="error", scope="model",
    title="target shape does not match the output",
    pathology="training_failure",
    remedy="targets [B] for [B, C] logits, [B, H, W] for [B, C, H, W]; same batch and spatial size",
)
def target_shape(ctx: Any) -> Iterator[Hit]:
    import torch

    y, out = ctx.targets, ctx.output
    if ctx.synthetic or ctx.task == "detect" or not isinstance(y, torch.Tensor) or out is None or out.dim() < 2:
        return
    where = {"path": ctx.path, "line": ctx.line("loader")}
    ys, os_ = list(y.shape), list(out.shape)
    if ys and ys[0] != os_[0]:
        yield Hit(message=f"targets {ys} and outputs {os_} have different batch sizes", data={"target": ys, "output": os_}, **where)
        return
    index_like = not y.is_floating_point()
    if index_like and y.dim() == out.dim() and y.shape[1] == 1 and out.shape[1] != 1:
        yield Hit(message=f"class-index targets {ys} keep a channel dimension; the loss needs {[ys[0], *ys[2:]]}",
                  data={"target": ys, "output": os_}, **where)
        return
    if y.dim() == out.dim() - 1 and ys[1:] != os_[2:]:
        yield Hit(message=f"targets {ys} and outputs {os_}: spatial size {ys[1:]} vs {os_[2:]}",
                  data={"target": ys, "output": os_}, **where)
    elif y.dim() == out.dim() and ys[2:] != os_[2:] and ys[1:-1] != os_[2:]:
        yield Hit(message=f"targets {ys} and outputs {os_}: spatial size differs", data={"target": ys, "output": os_}, **where)
