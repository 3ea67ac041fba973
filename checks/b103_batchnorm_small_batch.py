"""
What it checks
--------------
BatchNorm layers that train with a batch size from 2 to 7 (model.yaml ``batch_size``, else
the loader's batch).

Why it matters
--------------
BatchNorm's statistics get noisy as the batch shrinks: Wu & He (2018, "Group Normalization",
Fig. 1) measure ResNet-50's ImageNet error rising from 23.6% at 32 images per GPU to 24.9%
at 8, 27.0% at 4 and 34.7% at 2. Train/eval behaviour diverges because the running
statistics are averaged from noisy estimates.

Example
-------
Bad::

    batch_size: 4                      # BatchNorm2d everywhere, trained from scratch

Good::

    batch_size: 16                     # or GroupNorm(32, C), or FrozenBatchNorm2d when fine-tuning

How to fix
----------
Raise the batch size (gradient accumulation does not help BN), use GroupNorm/SyncBatchNorm,
or freeze BN (``freeze_bn: true``/``FrozenBatchNorm2d``) when fine-tuning a pretrained model.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


@check(
    "B103", "batchnorm-small-batch", severity="warning", scope="model",
    title="BatchNorm trained with a batch below 8",
    pathology="oscillation",
    remedy="batch ≥ 8, or GroupNorm/SyncBatchNorm/FrozenBatchNorm2d",
    thresholds={"min_batch": (8, "Wu & He 2018 (Group Normalization), Fig. 1: BN error grows steeply below 8 images per batch")},
)
def batchnorm_small_batch(ctx: Any) -> Iterator[Hit]:
    from preflight.checks.b102_batchnorm_batch_one import training_bns

    b = ctx.batch_size
    if not 1 < b < batchnorm_small_batch.check.threshold("min_batch"):
        return
    bns = training_bns(ctx)
    if bns:
        yield Hit(message=f"batch size {b} with {len(bns)} BatchNorm layers in train mode (first: {bns[0]})",
                  path=ctx.path, line=ctx.line("batch_size"), data={"batch_size": b, "layers": len(bns)})
