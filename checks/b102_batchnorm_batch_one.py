"""
What it checks
--------------
BatchNorm layers that train with a batch size of 1 (model.yaml ``batch_size``, else the
loader's batch).

Why it matters
--------------
With one sample BN normalizes each image by its own statistics: ``BatchNorm1d`` refuses it
outright ("Expected more than 1 value per channel when training"), ``BatchNorm2d`` runs but
removes each image's contrast and brightness and its running statistics are single-image
noise, so eval-mode results differ wildly from training (Ioffe & Szegedy 2015 assume the
batch estimates the population statistics).

Example
-------
Bad::

    batch_size: 1                      # model full of BatchNorm2d

Good::

    batch_size: 16                     # or GroupNorm / FrozenBatchNorm2d for tiny batches

How to fix
----------
Train with a larger batch, or replace BatchNorm with GroupNorm/LayerNorm, or freeze it
(``FrozenBatchNorm2d``, eval mode).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


def training_bns(ctx: Any) -> list[str]:
    """BatchNorm layers that will normalize with batch statistics during training."""
    prefixes = tuple(ctx.cfg.freeze)
    out = []
    for name, m in ctx.batchnorms():
        if not m.training:
            continue
        params = list(m.parameters(recurse=False))
        frozen = (bool(params) and all(not p.requires_grad for p in params)) or (bool(prefixes) and name.startswith(prefixes))
        if frozen and ctx.cfg.freeze_bn:
            continue
        out.append(name)
    return out


@check(
    "B102", "batchnorm-batch-one", severity="error", scope="model",
    title="BatchNorm trained with batch size 1",
    pathology="training_failure",
    remedy="use a batch of ≥ 8, or GroupNorm/FrozenBatchNorm2d",
)
def batchnorm_batch_one(ctx: Any) -> Iterator[Hit]:
    if ctx.batch_size != 1:
        return
    bns = training_bns(ctx)
    if bns:
        yield Hit(message=f"batch size 1 with {len(bns)} BatchNorm layers in train mode (first: {bns[0]})",
                  path=ctx.path, line=ctx.line("batch_size"), data={"batch_size": 1, "layers": len(bns)})
